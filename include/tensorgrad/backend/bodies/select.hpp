#pragma once
/// Kernel bodies of the selection ops (argmax/argmin, max/min along a dim and their backward), shared by the CPU
/// backend and the CUDA kernels (backend/cuda/select.cuh). Free of CUDA API calls: the CPU ops call these very
/// functions, so the host test suite checks the bodies the GPU runs.
///
/// Layout: a contiguous tensor reduced along one dim is viewed as [outer, n, inner]; line (a, c) is the n elements
/// x[a·n·inner + k·inner + c], k = 0..n−1, and its result goes to position a·inner + c of an [outer, inner] output.
#include <cstdint>

#include "../../core/error.hpp"

namespace tg {
namespace backend {
namespace bodies {

/// Position along the line (stride `inner`) of its largest (is_max) or smallest element. A NaN wins over every
/// number (as torch.argmax), and among equal values the first wins.
template <class T>
TG_HOST_DEVICE std::int64_t arg_best(const T* line, std::int64_t n, std::int64_t inner, bool is_max) {
  std::int64_t best = 0;
  T b = line[0];
  for (std::int64_t k = 1; k < n && b == b; ++k) {  // b != b: a NaN is already chosen
    const T v = line[k * inner];
    if (v != v || (is_max ? v > b : v < b)) {
      best = k;
      b = v;
    }
  }
  return best;
}

/// Offset of element (a, index[a·inner + c], c) of the [outer, n, inner] view, for output position i = a·inner + c.
TG_HOST_DEVICE std::int64_t line_offset(std::int64_t i, std::int64_t n, std::int64_t inner, const std::int64_t* index) {
  const std::int64_t a = i / inner, c = i - a * inner;
  return (a * n + index[i]) * inner + c;
}

}  // namespace bodies
}  // namespace backend
}  // namespace tg
