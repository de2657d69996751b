#pragma once
/// The kernel-call layer's optimizer step (see backend/kernels.hpp): the CPU's Eigen loops of backend/cpu/optim.hpp
/// or the device backend's multi-tensor kernel, both running the rules of backend/bodies/optim.hpp.
#include <cstddef>

#include "cpu/optim.hpp"
#include "kernels.hpp"

namespace tg {
namespace kernels {

/// Applies `step` to slots[0, count): parameters of T, their gradients and state, all on `device`.
template <class T>
void optimizer_step(const char* op, Device device, const backend::bodies::OptimStep& step,
                    const backend::bodies::OptimSlot* slots, std::size_t count) {
  if (device.is_cpu()) return backend::cpu::optimizer_step<T>(step, slots, count);
  detail::backend_for(device, op).optimizer_step(dtype_v<T>, device, step, slots, count);
}

}  // namespace kernels
}  // namespace tg
