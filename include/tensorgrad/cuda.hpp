#pragma once
/// tensorgrad's CUDA backend: include this header (from a translation unit compiled as CUDA, e.g. a .cu file, with
/// -DTENSORGRAD_CUDA=ON) and tensors moved with `x.to(tg::kCUDA)` run their ops on the GPU.
///
/// Example:
///   #include <tensorgrad/tensorgrad.hpp>
///   #include <tensorgrad/cuda.hpp>
///   if (tg::cuda::is_available()) { auto y = tg::relu(x.to(tg::kCUDA)); }
#if !defined(__CUDACC__)
#error "tensorgrad/cuda.hpp holds CUDA kernels: compile this translation unit as CUDA (a .cu file, or set_source_files_properties(... LANGUAGE CUDA)) with -DTENSORGRAD_CUDA=ON"
#else

#include "backend/cuda/cuda_backend.cuh"
#include "core/storage.hpp"

namespace tg {
namespace cuda {
namespace detail {

/// The process-wide backend. Deliberately never destroyed: tensors in static storage may release their memory
/// after main returns, and the CUDA runtime may already be torn down by then (the OS reclaims the device memory).
inline backend::cuda::CudaBackend& instance() {
  static auto* const backend = new backend::cuda::CudaBackend();
  return *backend;
}

/// Puts the backend into the seam's slot (core/storage.hpp). Idempotent; every function below calls it, and so
/// does the initializer of `registered`, so the backend is in place before main in any program that includes
/// this header. Only nvcc-compiled translation units see these inline definitions, all of them identical.
inline bool register_backend() {
  tg::detail::cuda_backend_slot() = &instance();
  return true;
}
inline const bool registered = register_backend();

}  // namespace detail

/// Number of visible CUDA devices (0 without a GPU or driver), as torch.cuda.device_count().
inline int device_count() {
  detail::register_backend();
  return backend::cuda::device_count();
}

/// True when at least one CUDA device can be used, as torch.cuda.is_available().
inline bool is_available() { return device_count() > 0; }

/// Waits until every queued kernel and copy on the current device has finished, as torch.cuda.synchronize().
inline void synchronize() {
  detail::register_backend();
  TG_CUDA_CHECK(cudaDeviceSynchronize());
}

/// Counters of the caching allocator (cudaMalloc/cudaFree calls, bytes in use and cached).
inline backend::cuda::AllocatorStats memory_stats() { return detail::instance().allocator().stats(); }

/// Releases every cached, unused block back to the driver, as torch.cuda.empty_cache().
inline void empty_cache() { detail::instance().allocator().empty_cache(); }

}  // namespace cuda
}  // namespace tg

#endif
