#pragma once
/// What the core needs from a non-CPU device: its memory (allocate, free, copy, fill) and its runtime
/// (device count, synchronisation, allocator counters). The kernel layer's device backend
/// (backend/device_backend.hpp) extends this interface with the kernels; a device plugs in by registering one
/// object that implements both (the CUDA headers do it before main, see <tensorgrad/cuda.hpp>).
///
/// Inline code in shared headers only ever calls a device through these interfaces, so it means the same in g++-
/// and nvcc-compiled translation units of one program (no one-definition-rule hazard).
#include <cstddef>
#include <cstdint>

#include "device.hpp"
#include "error.hpp"

namespace tg {
namespace detail {
struct TensorImpl;
}
namespace backend {

/// Counters of a device's caching allocator (all devices of the backend together).
struct AllocatorStats {
  std::int64_t num_cuda_malloc = 0;  ///< cudaMalloc calls so far
  std::int64_t num_cuda_free = 0;    ///< cudaFree calls so far (only empty_cache and out-of-memory retries free)
  std::int64_t bytes_in_use = 0;     ///< bytes of blocks handed out and not yet returned (size-class rounded)
  std::int64_t bytes_cached = 0;     ///< bytes of blocks held in the free lists
};

struct DeviceRuntime {
  virtual ~DeviceRuntime() = default;

  /// Number of usable devices of this kind (0 without a GPU or a usable driver; never throws).
  virtual int device_count() = 0;
  /// Waits until every queued kernel and copy on device `index` has finished.
  virtual void synchronize(int index) = 0;
  virtual AllocatorStats memory_stats() = 0;
  /// Returns the caching allocator's unused blocks to the driver.
  virtual void empty_cache() = 0;

  virtual void* allocate(std::size_t nbytes, int index) = 0;
  virtual void deallocate(void* p, std::size_t nbytes, int index) = 0;
  /// Copies nbytes between host and device or within the device (one of the two is this runtime's device).
  virtual void copy(void* dst, Device dst_dev, const void* src, Device src_dev, std::size_t nbytes) = 0;
  /// x = value everywhere (x may be any strided view on the device, any dtype including int64).
  virtual void fill(detail::TensorImpl& x, double value) = 0;
};

}  // namespace backend

namespace detail {

/// The registered non-CPU device (nullptr in a program built without one).
inline backend::DeviceRuntime*& device_runtime_slot() {
  static backend::DeviceRuntime* runtime = nullptr;
  return runtime;
}

/// The runtime of device `d`; throws naming `op` when the program has no backend for it.
inline backend::DeviceRuntime& runtime_for(Device d, const char* op) {
  backend::DeviceRuntime* r = device_runtime_slot();
  TG_CHECK(r != nullptr, op, ": device ", d,
           " requested, but this program was built without the CUDA backend (configure with "
           "-DTENSORGRAD_CUDA=ON and include <tensorgrad/cuda.hpp>)");
  return *r;
}

}  // namespace detail
}  // namespace tg
