#pragma once
/// Random-number kernels: the dropout mask. The body is backend/bodies/philox.hpp, the one the CPU dropout runs,
/// so a mask drawn on the GPU is bitwise the mask the CPU draws from the same seed.
#include <cuda_runtime.h>

#include <cstdint>

#include "../bodies/philox.hpp"
#include "check.cuh"
#include "elementwise.cuh"

namespace tg {
namespace backend {
namespace cuda {

/// One thread per Philox block (4 float or 2 double entries), so each Philox evaluation is used whole; the last
/// thread writes the tail of a size that is not a multiple of kPerBlock entry by entry.
template <class T>
__global__ void dropout_mask_kernel(bodies::DropoutMaskBody<T> body, T* mask, std::int64_t n) {
  constexpr std::int64_t K = bodies::DropoutMaskBody<T>::kPerBlock;
  const std::int64_t blocks = (n + K - 1) / K;
  for (std::int64_t b = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; b < blocks;
       b += std::int64_t{gridDim.x} * blockDim.x) {
    if ((b + 1) * K <= n) {
      body.fill_block(b, mask);
    } else {
      for (std::int64_t i = b * K; i < n; ++i) mask[i] = body(i);
    }
  }
}

/// mask[0, n) = the Philox dropout mask of (seed, p); mask is contiguous.
template <class T> void dropout_mask(T* mask, std::int64_t n, double p, std::uint64_t seed) {
  if (n == 0) return;
  const std::int64_t blocks = (n + bodies::DropoutMaskBody<T>::kPerBlock - 1) / bodies::DropoutMaskBody<T>::kPerBlock;
  dropout_mask_kernel<T><<<grid_for(blocks), kBlock>>>(bodies::dropout_mask_body<T>(seed, p), mask, n);
  check_launch("dropout_mask_kernel");
}

}  // namespace cuda
}  // namespace backend
}  // namespace tg
