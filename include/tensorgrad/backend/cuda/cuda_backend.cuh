#pragma once
/// The CUDA implementation of the device seam (backend/device_backend.hpp). Every op runs on the legacy default
/// stream of the tensor's device, so ops are ordered among themselves and host copies see finished results.
#include <cuda_runtime.h>

#include <cstdint>
#include <initializer_list>

#include "../../core/tensor_impl.hpp"
#include "../device_backend.hpp"
#include "../op_ids.hpp"
#include "allocator.cuh"
#include "check.cuh"
#include "elementwise.cuh"
#include "gemm.cuh"
#include "reduce.cuh"

namespace tg {
namespace backend {
namespace cuda {

/// Number of visible CUDA devices; 0 when there is no GPU or no usable driver (never throws). Asked once: the
/// answer cannot change while the program runs, and allocate() consults it on every call.
inline int device_count() {
  static const int count = [] {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
      (void)cudaGetLastError();
      return 0;
    }
    return n;
  }();
  return count;
}

class CudaBackend final : public DeviceBackend {
 public:
  void* allocate(std::size_t nbytes, int index) override {
    const int count = device_count();
    TG_CHECK(count > 0, "cuda:", index, " requested, but no CUDA device is available (no GPU or no usable driver)");
    TG_CHECK(index >= 0 && index < count, "cuda:", index, " requested, but only ", count, " CUDA device(s) exist");
    return allocator_.allocate(nbytes, index);
  }
  void deallocate(void* p, std::size_t nbytes, int index) override { allocator_.deallocate(p, nbytes, index); }

  void copy(void* dst, Device dst_dev, const void* src, Device src_dev, std::size_t nbytes) override {
    if (nbytes == 0) return;
    if (dst_dev.is_cuda() && src_dev.is_cuda()) {
      if (dst_dev.index == src_dev.index) {
        DeviceGuard guard(dst_dev.index);
        TG_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToDevice, 0));
      } else {
        TG_CUDA_CHECK(cudaMemcpyPeer(dst, dst_dev.index, src, src_dev.index, nbytes));
      }
    } else if (dst_dev.is_cuda()) {
      DeviceGuard guard(dst_dev.index);
      TG_CUDA_CHECK(cudaMemcpy(dst, src, nbytes, cudaMemcpyHostToDevice));
    } else {
      DeviceGuard guard(src_dev.index);
      TG_CUDA_CHECK(cudaMemcpy(dst, src, nbytes, cudaMemcpyDeviceToHost));  // waits for the kernels before it
    }
  }

  void unary(UnaryOp op, OpParams p, const detail::TensorImpl& x, detail::TensorImpl& out) override {
    const int dev = same_device("unary", {&x, &out});
    DeviceGuard guard(dev);
    dispatch_floating(out.dtype, "unary", [&](auto t) {
      using T = decltype(t);
      visit_unary(op, p, [&](auto f) {
        launch_elementwise<2>(out.sizes, {out.strides, strides_at(x, out.sizes)},
                              UnaryBody<T, decltype(f)>{f, out.data<T>(), x.data<T>()});
      });
    });
  }

  void unary_backward(UnaryOp op, OpParams p, const detail::TensorImpl& g, const detail::TensorImpl& x,
                      const detail::TensorImpl& y, detail::TensorImpl& out) override {
    const int dev = same_device("unary_backward", {&g, &x, &y, &out});
    DeviceGuard guard(dev);
    dispatch_floating(out.dtype, "unary_backward", [&](auto t) {
      using T = decltype(t);
      visit_unary(op, p, [&](auto f) {
        launch_elementwise<4>(
            out.sizes,
            {out.strides, strides_at(g, out.sizes), strides_at(x, out.sizes), strides_at(y, out.sizes)},
            UnaryBackwardBody<T, decltype(f)>{f, out.data<T>(), g.data<T>(), x.data<T>(), y.data<T>()});
      });
    });
  }

  void binary(BinaryOp op, const detail::TensorImpl& a, const detail::TensorImpl& b, detail::TensorImpl& out) override {
    const int dev = same_device("binary", {&a, &b, &out});
    DeviceGuard guard(dev);
    dispatch_floating(out.dtype, "binary", [&](auto t) {
      using T = decltype(t);
      visit_binary(op, [&](auto f) {
        launch_elementwise<3>(out.sizes, {out.strides, strides_at(a, out.sizes), strides_at(b, out.sizes)},
                              BinaryBody<T, decltype(f)>{f, out.data<T>(), a.data<T>(), b.data<T>()});
      });
    });
  }

  void update(UpdateOp op, detail::TensorImpl& x, const detail::TensorImpl& b, double alpha) override {
    const int dev = same_device("update", {&x, &b});
    DeviceGuard guard(dev);
    dispatch_all(x.dtype, [&](auto t) {
      using T = decltype(t);
      launch_elementwise<2>(x.sizes, {x.strides, strides_at(b, x.sizes)},
                            UpdateBody<T>{op, x.data<T>(), b.data<T>(), static_cast<T>(alpha)});
    });
  }

  void fill(detail::TensorImpl& x, double value) override {
    const int dev = same_device("fill", {&x});
    DeviceGuard guard(dev);
    dispatch_all(x.dtype, [&](auto t) {
      using T = decltype(t);
      launch_elementwise<1>(x.sizes, {x.strides}, FillBody<T>{x.data<T>(), static_cast<T>(value)});
    });
  }

  void cast(const detail::TensorImpl& x, detail::TensorImpl& out) override {
    const int dev = same_device("cast", {&x, &out});
    DeviceGuard guard(dev);
    dispatch_all(out.dtype, [&](auto to) {
      dispatch_all(x.dtype, [&](auto from) {
        using To = decltype(to);
        using From = decltype(from);
        launch_elementwise<2>(out.sizes, {out.strides, strides_at(x, out.sizes)},
                              CastBody<To, From>{out.data<To>(), x.data<From>()});
      });
    });
  }

  void sum(const detail::TensorImpl& x, detail::TensorImpl& out) override {
    const int dev = same_device("sum", {&x, &out});
    DeviceGuard guard(dev);
    dispatch_floating(out.dtype, "sum", [&](auto t) { cuda::sum<decltype(t)>(x, out, allocator_, dev); });
  }

  void softmax(const detail::TensorImpl& x, int dim, bool log, detail::TensorImpl& out) override {
    const char* op = log ? "log_softmax" : "softmax";
    const int dev = same_device(op, {&x, &out});
    if (x.numel() == 0) return;  // checked first: TensorImpl::is_contiguous() is false for some empty shapes
    DeviceGuard guard(dev);
    TG_CHECK(x.is_contiguous(), op, ": the CUDA backend expects a contiguous input");
    dispatch_floating(out.dtype, op, [&](auto t) { cuda::softmax<decltype(t)>(x, dim, log, out); });
  }

  void gemm(Dtype dtype, std::int64_t batch, std::int64_t n, std::int64_t k, std::int64_t m, const void* a,
            std::int64_t a_batch_stride, std::int64_t as0, std::int64_t as1, const void* b, std::int64_t b_batch_stride,
            std::int64_t bs0, std::int64_t bs1, void* out) override {
    int dev = 0;
    TG_CUDA_CHECK(cudaGetDevice(&dev));
    cudaPointerAttributes attr{};
    TG_CUDA_CHECK(cudaPointerGetAttributes(&attr, out));
    if (attr.type == cudaMemoryTypeDevice) dev = attr.device;
    DeviceGuard guard(dev);
    dispatch_floating(dtype, "matmul", [&](auto t) {
      using T = decltype(t);
      cuda::gemm<T>(batch, n, k, m, static_cast<const T*>(a), a_batch_stride, as0, as1, static_cast<const T*>(b),
                    b_batch_stride, bs0, bs1, static_cast<T*>(out), allocator_, dev);
    });
  }

  CachingAllocator& allocator() { return allocator_; }

 private:
  /// Every operand of a CUDA op must live on the same CUDA device; returns its index.
  static int same_device(const char* op, std::initializer_list<const detail::TensorImpl*> impls) {
    const Device d = (*impls.begin())->device();
    for (const detail::TensorImpl* t : impls)
      TG_CHECK(t->device().is_cuda() && t->device() == d, op, ": expected all tensors on one CUDA device, but found ",
               d, " and ", t->device());
    return d.index;
  }

  CachingAllocator allocator_;
};

}  // namespace cuda
}  // namespace backend
}  // namespace tg
