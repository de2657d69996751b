#pragma once
/// Storage: a reference-counted buffer on one device, with the version counter that autograd checks.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "../backend/device_backend.hpp"
#include "device.hpp"
#include "error.hpp"

namespace tg {
namespace detail {

/// The registered non-CPU backend (the CUDA headers fill it; see backend/device_backend.hpp).
inline backend::DeviceBackend*& cuda_backend_slot() {
  static backend::DeviceBackend* backend = nullptr;
  return backend;
}

inline backend::DeviceBackend& backend_for(Device d, const char* op) {
  backend::DeviceBackend* b = cuda_backend_slot();
  TG_CHECK(b != nullptr, op, ": device ", d,
           " requested, but this program was built without the CUDA backend (configure with "
           "-DTENSORGRAD_CUDA=ON and include <tensorgrad/cuda.hpp>)");
  return *b;
}

/// CPU buffers are 64-byte aligned so Eigen and AVX-512 loads never split cache lines.
inline void* cpu_allocate(std::size_t nbytes) {
  if (nbytes == 0) return nullptr;
  void* p = std::aligned_alloc(64, (nbytes + 63) / 64 * 64);
  if (!p) throw std::bad_alloc();
  return p;
}
inline void cpu_deallocate(void* p) { std::free(p); }

class Storage {
 public:
  Storage(std::size_t nbytes, Device device) : nbytes_(nbytes), device_(device) {
    data_ = device.is_cpu() ? cpu_allocate(nbytes) : backend_for(device, "allocate").allocate(nbytes, device.index);
  }
  ~Storage() {
    if (device_.is_cpu()) cpu_deallocate(data_);
    else if (data_) cuda_backend_slot()->deallocate(data_, nbytes_, device_.index);
  }
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  std::size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

  /// NOTE [ Version counter ]: every in-place write bumps it; a value saved for backward remembers the
  /// version it saw, and backward throws if they differ (the saved value was overwritten).
  std::uint32_t version() const { return version_; }
  void bump_version() { ++version_; }

 private:
  void* data_ = nullptr;
  std::size_t nbytes_ = 0;
  Device device_;
  std::uint32_t version_ = 0;
};

}  // namespace detail
}  // namespace tg
