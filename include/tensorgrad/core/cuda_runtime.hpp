#pragma once
/// The CUDA runtime functions, as torch.cuda's. They reach the device through the registered runtime
/// (core/device_runtime.hpp), so code calling them compiles with any compiler: only one CUDA translation unit per
/// program (one that includes <tensorgrad/cuda.hpp>) compiles the kernels and registers the backend, before main.
#include "device_runtime.hpp"

namespace tg {
namespace cuda {

/// Number of usable CUDA devices, as torch.cuda.device_count(): 0 without a GPU or driver, and 0 in a program
/// built without the CUDA backend.
inline int device_count() {
  backend::DeviceRuntime* r = detail::device_runtime_slot();
  return r ? r->device_count() : 0;
}
/// True when at least one CUDA device can be used, as torch.cuda.is_available(). The usual idiom:
///   const tg::Device device = tg::cuda::is_available() ? tg::kCUDA : tg::kCPU;
inline bool is_available() { return device_count() > 0; }
/// Waits until every queued kernel and copy on cuda:index has finished, as torch.cuda.synchronize().
inline void synchronize(int index = 0) {
  detail::runtime_for(Device(DeviceType::CUDA, index), "cuda::synchronize").synchronize(index);
}
/// Counters of the CUDA caching allocator (cudaMalloc/cudaFree calls, bytes in use and cached).
inline backend::AllocatorStats memory_stats() { return detail::runtime_for(kCUDA, "cuda::memory_stats").memory_stats(); }
/// Releases every cached, unused GPU block back to the driver, as torch.cuda.empty_cache().
inline void empty_cache() { detail::runtime_for(kCUDA, "cuda::empty_cache").empty_cache(); }

}  // namespace cuda
}  // namespace tg
