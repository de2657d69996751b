#pragma once
/// Device checks every op makes before choosing a kernel (see DESIGN.md: the device is a runtime tag).
#include "../backend/cpu/loops.hpp"
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

/// The backend for the inputs' device: nullptr for the CPU (whose kernels ops call directly, inlined), else
/// the registered device backend (see backend/device_backend.hpp). Checks that all inputs share a device.
inline backend::DeviceBackend* device_backend(const char* op, std::initializer_list<const TensorImpl*> inputs) {
  const Device d = common_device(op, inputs);
  return d.is_cpu() ? nullptr : &backend_for(d, op);
}

/// dst = src (src broadcast to dst's shape) on any device; dst may be any strided view.
template <class T> void copy_into(TensorImpl& dst, const TensorImpl& src) {
  if (auto* be = device_backend("copy_", {&dst, &src})) be->update(backend::UpdateOp::Copy, dst, src, 1.0);
  else backend::cpu::update2<T, T>(dst, src, [](T, T v) { return v; });
}

}  // namespace detail
}  // namespace tg
