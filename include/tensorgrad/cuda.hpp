#pragma once
/// tensorgrad's CUDA backend. A program gets it by compiling ONE translation unit as CUDA (a .cu file, with
/// -DTENSORGRAD_CUDA=ON) that includes this header: that unit compiles the kernels and registers the backend
/// before main. Every other file, compiled by any C++ compiler, then uses the GPU through the device tag and the
/// tg::cuda functions of core/cuda_runtime.hpp (is_available, device_count, synchronize, memory_stats, empty_cache):
///
///   // cuda_backend.cu — the whole file
///   #include <tensorgrad/cuda.hpp>
///
///   // train.cpp (g++)
///   const tg::Device device = tg::cuda::is_available() ? tg::kCUDA : tg::kCPU;
///   auto y = tg::relu(x.to(device));
///
/// Including it in more units is allowed (they register the same backend) but compiles the kernels again.
#if !defined(__CUDACC__)
#error "tensorgrad/cuda.hpp holds CUDA kernels: include it from one translation unit compiled as CUDA (a .cu file, or set_source_files_properties(... LANGUAGE CUDA)) with -DTENSORGRAD_CUDA=ON"
#else

#include "backend/cuda/cuda_backend.cuh"
#include "core/cuda_runtime.hpp"

namespace tg {
namespace cuda {
namespace detail {

/// The process-wide backend. Deliberately never destroyed: tensors in static storage may release their memory
/// after main returns, and the CUDA runtime may already be torn down by then (the OS reclaims the device memory).
inline backend::cuda::CudaBackend& instance() {
  static auto* const backend = new backend::cuda::CudaBackend();
  return *backend;
}

/// Puts the backend into the device slot (core/device_runtime.hpp), where tg::cuda::device_count() and every op on a
/// CUDA tensor find it. Runs as the initializer of `registered`, so the backend is in place before main in any
/// program with a translation unit that includes this header.
inline bool register_backend() {
  tg::detail::device_runtime_slot() = &instance();
  return true;
}
inline const bool registered = register_backend();

}  // namespace detail
}  // namespace cuda
}  // namespace tg

#endif
