#pragma once
/// The optimizer step on the GPU: a multi-tensor apply. The packing and the per-element bodies are
/// backend/bodies/optim.hpp (run by the host tests); this file only launches them: one kernel per pack of up to
/// kOptimPackSlots parameters, the pack passed by value as the kernel argument, so a step needs no device
/// allocation and no host-to-device copy of its own.
#include <cuda_runtime.h>

#include <cstddef>

#include "../bodies/optim.hpp"
#include "check.cuh"
#include "elementwise.cuh"

namespace tg {
namespace backend {
namespace cuda {

template <class Body> __global__ void optim_kernel(const bodies::OptimPack<Body> pack) {
  pack.run_block(blockIdx.x, static_cast<int>(threadIdx.x), static_cast<int>(blockDim.x));
}

/// Applies `step` to slots[0, count) (all on the current device, elements of T).
template <class T>
void optimizer_step(const bodies::OptimStep& step, const bodies::OptimSlot* slots, std::size_t count) {
  bodies::for_each_optim_pack<T>(step, slots, count, [](const auto& pack) {
    static_assert(sizeof(pack) <= 4096, "an optimizer pack must fit CUDA's 4 KB kernel parameter limit");
    optim_kernel<<<static_cast<unsigned>(pack.blocks()), kBlock>>>(pack);
    check_launch("optim_kernel");
  });
}

}  // namespace cuda
}  // namespace backend
}  // namespace tg
