#pragma once
/// Transitional: the names the nn and io layers still use for the kernel-call layer (backend/kernels.hpp).
#include "../backend/kernels.hpp"
#include "../core/tensor.hpp"

namespace tg {
namespace detail {
using kernels::common_device;
using kernels::require_cpu;
inline backend::DeviceBackend* device_backend(const char* op, std::initializer_list<const TensorImpl*> inputs) {
  return kernels::device_of(op, inputs);
}
}  // namespace detail
}  // namespace tg
