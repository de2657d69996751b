#pragma once
/// Device checks every op makes before choosing a kernel (see DESIGN.md: the device is a runtime tag).
#include "../core/tensor.hpp"

namespace tg {
namespace detail {

/// All inputs must live on one device; the error names the op and both devices.
inline Device common_device(const char* op, std::initializer_list<const TensorImpl*> inputs) {
  const TensorImpl* first = nullptr;
  for (const TensorImpl* t : inputs) {
    TG_CHECK(t, op, ": got an undefined tensor");
    if (!first) first = t;
    else
      TG_CHECK(t->device() == first->device(), op, ": expected all tensors on the same device, got ",
               first->device(), " and ", t->device());
  }
  return first ? first->device() : kCPU;
}

/// Ops whose kernels exist only on the CPU so far: a tensor on another device throws naming the op, never
/// falling back silently (RELIABILITY 20).
inline void require_cpu(const char* op, std::initializer_list<const TensorImpl*> inputs) {
  const Device d = common_device(op, inputs);
  TG_CHECK(d.is_cpu(), op, ": no kernel for device ", d, " yet");
}

}  // namespace detail
}  // namespace tg
