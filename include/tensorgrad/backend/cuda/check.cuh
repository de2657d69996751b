#pragma once
/// Every CUDA runtime and cuBLAS call is checked: a failure throws tg::Error naming the call and the error.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "../../core/error.hpp"

/// Throws tg::Error("cudaMalloc(&p, n) failed: cudaErrorMemoryAllocation: out of memory") on failure. The sticky
/// last-error state is cleared first so that a later, unrelated check does not report this error again.
#define TG_CUDA_CHECK(expr)                                                                               \
  do {                                                                                                    \
    const cudaError_t tg_cuda_status_ = (expr);                                                           \
    if (tg_cuda_status_ != cudaSuccess) {                                                                 \
      (void)cudaGetLastError();                                                                           \
      throw ::tg::Error(::tg::detail::str_cat(#expr, " failed: ", cudaGetErrorName(tg_cuda_status_), ": ", \
                                              cudaGetErrorString(tg_cuda_status_)));                      \
    }                                                                                                     \
  } while (0)

/// Throws tg::Error("cublasSgemmStridedBatched(...) failed: CUBLAS_STATUS_INVALID_VALUE: ...") on failure.
#define TG_CUBLAS_CHECK(expr)                                                                                \
  do {                                                                                                       \
    const cublasStatus_t tg_cublas_status_ = (expr);                                                         \
    if (tg_cublas_status_ != CUBLAS_STATUS_SUCCESS) {                                                        \
      throw ::tg::Error(::tg::detail::str_cat(#expr, " failed: ", cublasGetStatusName(tg_cublas_status_), ": ", \
                                              cublasGetStatusString(tg_cublas_status_)));                    \
    }                                                                                                        \
  } while (0)

namespace tg {
namespace backend {
namespace cuda {

/// Checks that a kernel launch was accepted (bad configuration, no kernel image for this GPU), naming the kernel.
inline void check_launch(const char* kernel) {
  const cudaError_t status = cudaGetLastError();
  TG_CHECK(status == cudaSuccess, "CUDA kernel launch ", kernel, " failed: ", cudaGetErrorName(status), ": ",
           cudaGetErrorString(status));
}

/// Makes `index` the current device for the guard's scope (kernels launch on the current device).
class DeviceGuard {
 public:
  explicit DeviceGuard(int index) {
    TG_CUDA_CHECK(cudaGetDevice(&previous_));
    if (previous_ != index) TG_CUDA_CHECK(cudaSetDevice(index));
  }
  ~DeviceGuard() {
    int now = previous_;
    if (cudaGetDevice(&now) == cudaSuccess && now != previous_) (void)cudaSetDevice(previous_);
  }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace cuda
}  // namespace backend
}  // namespace tg
