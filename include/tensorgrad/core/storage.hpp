#pragma once
/// Storage: a reference-counted buffer on one device, with the version counter that autograd checks.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "../backend/device_backend.hpp"
#include "device.hpp"
#include "error.hpp"
#include "pool.hpp"

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

/// The CPU caching allocator. Freed buffers are kept in free lists keyed by their (64-byte rounded) size and
/// handed out again, so a training loop that allocates the same shapes every step stops calling malloc after
/// its first step, and never pays the kernel's page faults for fresh large buffers again. At most
/// kMaxCachedBytes are kept; tg::empty_cache() returns them to the system. Buffers are 64-byte aligned so
/// Eigen and AVX-512 loads never split cache lines. Buffers up to 64 KB skip the lock and the map: they are
/// cached per thread (core/pool.hpp), outside cached_bytes().
class CpuAllocator {
 public:
  static constexpr std::size_t kMaxCachedBytes = std::size_t{256} << 20;
  using SmallBuffers = ThreadCache<64, std::size_t{64} << 10>;

  static CpuAllocator& instance() {
    static CpuAllocator* allocator = new CpuAllocator;  // never destroyed: storages may outlive statics
    return *allocator;
  }
  void* allocate(std::size_t nbytes) {
    if (nbytes == 0) return nullptr;
    if (SmallBuffers::serves(nbytes)) return SmallBuffers::allocate(nbytes);
    const std::size_t size = rounded(nbytes);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(size);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        cached_bytes_ -= size;
        return p;
      }
    }
    void* p = std::aligned_alloc(64, size);
    if (!p) throw std::bad_alloc();
    return p;
  }
  void deallocate(void* p, std::size_t nbytes) {
    if (!p) return;
    if (SmallBuffers::serves(nbytes)) return SmallBuffers::deallocate(p, nbytes);
    const std::size_t size = rounded(nbytes);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (cached_bytes_ + size <= kMaxCachedBytes) {
        free_[size].push_back(p);
        cached_bytes_ += size;
        return;
      }
    }
    std::free(p);
  }
  /// Frees the cached large buffers and the calling thread's small ones.
  void empty_cache() {
    SmallBuffers::release();
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [size, blocks] : free_)
      for (void* p : blocks) std::free(p);
    free_.clear();
    cached_bytes_ = 0;
  }
  /// Bytes of large buffers cached (small ones live in per-thread caches).
  std::size_t cached_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_bytes_;
  }

 private:
  static std::size_t rounded(std::size_t nbytes) { return SmallBuffers::rounded(nbytes); }
  std::mutex mutex_;
  std::unordered_map<std::size_t, std::vector<void*>> free_;
  std::size_t cached_bytes_ = 0;
};

class Storage {
 public:
  Storage(std::size_t nbytes, Device device) : nbytes_(nbytes), device_(device) {
    data_ = device.is_cpu() ? CpuAllocator::instance().allocate(nbytes) : backend_for(device, "allocate").allocate(nbytes, device.index);
  }
  ~Storage() {
    if (device_.is_cpu()) CpuAllocator::instance().deallocate(data_, nbytes_);
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

/// Returns the CPU allocator's cached buffers to the system (as torch.cuda.empty_cache does for the GPU).
inline void empty_cache() { detail::CpuAllocator::instance().empty_cache(); }

namespace cuda {
// The CUDA runtime functions, as torch.cuda's. They live here, behind the device seam, so that code calling them
// compiles with any compiler: only one CUDA translation unit per program (one that includes <tensorgrad/cuda.hpp>)
// compiles the kernels and registers the backend, before main.

/// Number of usable CUDA devices, as torch.cuda.device_count(): 0 without a GPU or driver, and 0 in a program
/// built without the CUDA backend.
inline int device_count() {
  backend::DeviceBackend* b = detail::cuda_backend_slot();
  return b ? b->device_count() : 0;
}
/// True when at least one CUDA device can be used, as torch.cuda.is_available(). The tutorials' idiom:
///   const tg::Device device = tg::cuda::is_available() ? tg::kCUDA : tg::kCPU;
inline bool is_available() { return device_count() > 0; }
/// Waits until every queued kernel and copy on cuda:index has finished, as torch.cuda.synchronize().
inline void synchronize(int index = 0) {
  detail::backend_for(Device(DeviceType::CUDA, index), "cuda::synchronize").synchronize(index);
}
/// Counters of the CUDA caching allocator (cudaMalloc/cudaFree calls, bytes in use and cached).
inline backend::AllocatorStats memory_stats() { return detail::backend_for(kCUDA, "cuda::memory_stats").memory_stats(); }
/// Releases every cached, unused GPU block back to the driver, as torch.cuda.empty_cache().
inline void empty_cache() { detail::backend_for(kCUDA, "cuda::empty_cache").empty_cache(); }
}  // namespace cuda

}  // namespace tg
