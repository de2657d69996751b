#pragma once
/// A caching device allocator: freed blocks go to a free list keyed by their size class and are handed out again,
/// so a training loop whose step allocates the same sizes every time does no cudaMalloc/cudaFree after its first
/// step (both synchronise the device and cost tens of microseconds). Like PyTorch's, it never splits blocks:
/// requests round up to a size class, and a cached block serves only requests of its own class.
///
/// Reuse is safe without events because every kernel and copy runs on the legacy default stream: work that reads a
/// block before it is freed is ordered before any work that writes it after it is handed out again.
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "../device_backend.hpp"
#include "check.cuh"

namespace tg {
namespace backend {
namespace cuda {

class CachingAllocator {
 public:
  /// The size class of a request: multiples of 512 bytes up to 1 MiB (small tensors waste little), above that
  /// 8 classes per power of two (at most 12.5% waste, and few distinct classes for large activations).
  static std::size_t size_class(std::size_t nbytes) {
    constexpr std::size_t kSmall = std::size_t{1} << 20;
    if (nbytes <= kSmall) return (nbytes + 511) / 512 * 512;
    std::size_t pow2 = kSmall;
    while (pow2 * 2 < nbytes) pow2 *= 2;  // pow2 < nbytes <= 2·pow2
    const std::size_t step = pow2 / 8;
    return (nbytes + step - 1) / step * step;
  }

  void* allocate(std::size_t nbytes, int device) {
    if (nbytes == 0) return nullptr;
    const std::size_t cls = size_class(nbytes);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto& pool = pools_[device];
      auto it = pool.find(cls);
      if (it != pool.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        stats_.bytes_cached -= static_cast<std::int64_t>(cls);
        stats_.bytes_in_use += static_cast<std::int64_t>(cls);
        return p;
      }
    }
    DeviceGuard guard(device);
    void* p = nullptr;
    cudaError_t status = cudaMalloc(&p, cls);
    if (status == cudaErrorMemoryAllocation) {
      // Cached blocks of other size classes may be what stands in the way: give them back and retry once.
      (void)cudaGetLastError();
      empty_cache();
      status = cudaMalloc(&p, cls);
    }
    TG_CHECK(status == cudaSuccess, "cudaMalloc(", cls, " bytes) on cuda:", device, " failed: ",
             cudaGetErrorName(status), ": ", cudaGetErrorString(status));
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.num_cuda_malloc;
    stats_.bytes_in_use += static_cast<std::int64_t>(cls);
    return p;
  }

  /// Returns a block to its free list (nbytes is the size it was allocated with).
  void deallocate(void* p, std::size_t nbytes, int device) {
    if (p == nullptr) return;
    const std::size_t cls = size_class(nbytes);
    std::lock_guard<std::mutex> lock(mutex_);
    pools_[device][cls].push_back(p);
    stats_.bytes_in_use -= static_cast<std::int64_t>(cls);
    stats_.bytes_cached += static_cast<std::int64_t>(cls);
  }

  /// cudaFree every cached block (blocks in use are untouched).
  void empty_cache() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [device, pool] : pools_) {
      DeviceGuard guard(device);
      for (auto& [cls, blocks] : pool) {
        for (void* p : blocks) {
          TG_CUDA_CHECK(cudaFree(p));
          ++stats_.num_cuda_free;
          stats_.bytes_cached -= static_cast<std::int64_t>(cls);
        }
        blocks.clear();
      }
    }
  }

  AllocatorStats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<int, std::map<std::size_t, std::vector<void*>>> pools_;  // device -> size class -> free blocks
  AllocatorStats stats_;
};

}  // namespace cuda
}  // namespace backend
}  // namespace tg
