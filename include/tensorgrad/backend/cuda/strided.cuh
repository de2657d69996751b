#pragma once
/// Index math of the CUDA kernels, free of CUDA API calls so the host test suite checks it too
/// (tests/test_kernel_bodies.cpp): an OffsetCalc maps a linear index over a shape to each operand's element offset.
///
/// Before a launch the shape is simplified: size-1 dims are dropped and neighbouring dims that every operand
/// walks as one (stride[d] == stride[d+1]·size[d+1]) are merged, so a contiguous operand becomes one dim and a
/// bias broadcast over rows two. After that, "one dim of stride 1 for every operand" is the contiguous fast path.
#include <array>
#include <cstdint>

#include "../../core/error.hpp"
#include "../../core/shape.hpp"

namespace tg {
namespace backend {
namespace cuda {

template <int N> struct OffsetCalc {
  int ndim = 0;
  std::int64_t sizes[kMaxDims] = {};
  std::int64_t strides[kMaxDims][N] = {};

  /// off[k] = operand k's element offset at the row-major linear index `linear` of the shape.
  TG_HOST_DEVICE void get(std::int64_t linear, std::int64_t (&off)[N]) const {
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const std::int64_t q = linear / sizes[d];
      const std::int64_t r = linear - q * sizes[d];
      linear = q;
      for (int k = 0; k < N; ++k) off[k] += r * strides[d][k];
    }
  }
  /// True when every operand is walked contiguously (offset == linear index).
  bool is_contiguous() const {
    if (ndim == 0) return true;
    if (ndim > 1) return false;
    for (int k = 0; k < N; ++k)
      if (strides[0][k] != 1) return false;
    return true;
  }
};

/// Strides that read a tensor of sizes/strides (t_sizes, t_strides) broadcast to `shape` (0 along broadcast dims,
/// NumPy rules: dims aligned from the right).
inline Shape broadcast_strides(const Shape& t_sizes, const Shape& t_strides, const Shape& shape) {
  Shape st = Shape::filled(shape.size(), 0);
  const int lead = shape.size() - t_sizes.size();
  for (int i = 0; i < t_sizes.size(); ++i) st[lead + i] = t_sizes[i] == 1 ? 0 : t_strides[i];
  return st;
}

/// The simplified OffsetCalc of `shape` walked with each operand's strides (all of `shape`'s rank).
template <int N> OffsetCalc<N> make_offset_calc(const Shape& shape, const std::array<Shape, N>& strides) {
  OffsetCalc<N> c;
  for (int d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = c.ndim > 0;
    for (int k = 0; k < N && merge; ++k) merge = c.strides[c.ndim - 1][k] == strides[k][d] * shape[d];
    if (merge) {
      c.sizes[c.ndim - 1] *= shape[d];
      for (int k = 0; k < N; ++k) c.strides[c.ndim - 1][k] = strides[k][d];
    } else {
      c.sizes[c.ndim] = shape[d];
      for (int k = 0; k < N; ++k) c.strides[c.ndim][k] = strides[k][d];
      ++c.ndim;
    }
  }
  return c;
}

}  // namespace cuda
}  // namespace backend
}  // namespace tg
