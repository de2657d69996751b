#pragma once
/// The CUDA implementation of the device seam (backend/device_backend.hpp). Every op runs on the legacy default
/// stream of the tensor's device, so ops are ordered among themselves and host copies see finished results.
#include <cuda_runtime.h>

#include <cstdint>
#include <initializer_list>
#include <type_traits>

#include "../../core/tensor_impl.hpp"
#include "../device_backend.hpp"
#include "../op_ids.hpp"
#include "allocator.cuh"
#include "check.cuh"
#include "elementwise.cuh"
#include "gemm.cuh"
#include "loss.cuh"
#include "optim.cuh"
#include "reduce.cuh"
#include "random.cuh"
#include "select.cuh"

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
  int device_count() override { return cuda::device_count(); }
  void synchronize(int index) override {
    DeviceGuard guard(index);
    TG_CUDA_CHECK(cudaDeviceSynchronize());
  }
  AllocatorStats memory_stats() override { return allocator_.stats(); }
  void empty_cache() override { allocator_.empty_cache(); }

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
    dispatch_all(out.dtype, [&](auto t) {
      using T = decltype(t);
      visit_binary(op, [&](auto f) {
        using F = decltype(f);
        // int64 covers arithmetic, max/min and comparisons (argmax == target); pow goes through floating math.
        constexpr bool floating_only = std::is_same_v<F, functors::Pow> || std::is_same_v<F, functors::PowGradBase> ||
                                       std::is_same_v<F, functors::PowGradExponent>;
        if constexpr (std::is_integral_v<T> && floating_only) {
          TG_CHECK(false, "pow: the CUDA backend has no int64 kernel (float32 and float64 only)");
        } else {
          launch_elementwise<3>(out.sizes, {out.strides, strides_at(a, out.sizes), strides_at(b, out.sizes)},
                                BinaryBody<T, F>{f, out.data<T>(), a.data<T>(), b.data<T>()});
        }
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
    dispatch_all(out.dtype, [&](auto t) { cuda::sum<decltype(t)>(x, out, allocator_, dev); });
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

  // ---- selection (select.cuh) ------------------------------------------------------------------------------
  void where(const detail::TensorImpl& cond, const detail::TensorImpl& a, const detail::TensorImpl& b,
             detail::TensorImpl& out) override {
    const int dev = same_device("where", {&cond, &a, &b, &out});
    DeviceGuard guard(dev);
    dispatch_all(out.dtype, [&](auto t) {
      dispatch_all(cond.dtype, [&](auto c) { cuda::where<decltype(c), decltype(t)>(cond, a, b, out); });
    });
  }

  void arg_reduce(const detail::TensorImpl& x, std::int64_t outer, std::int64_t n, std::int64_t inner, bool is_max,
                  detail::TensorImpl& index) override {
    const char* op = is_max ? "argmax" : "argmin";
    const int dev = same_device(op, {&x, &index});
    DeviceGuard guard(dev);
    dispatch_all(x.dtype, [&](auto t) { cuda::arg_reduce<decltype(t)>(x, outer, n, inner, is_max, index); });
  }

  void gather(const detail::TensorImpl& x, std::int64_t outer, std::int64_t n, std::int64_t inner,
              const detail::TensorImpl& index, detail::TensorImpl& out) override {
    const int dev = same_device("gather", {&x, &index, &out});
    DeviceGuard guard(dev);
    dispatch_all(x.dtype, [&](auto t) { cuda::gather<decltype(t)>(x, outer, n, inner, index, out, false); });
  }

  void scatter(const detail::TensorImpl& src, std::int64_t outer, std::int64_t n, std::int64_t inner,
               const detail::TensorImpl& index, detail::TensorImpl& out) override {
    const int dev = same_device("scatter", {&src, &index, &out});
    DeviceGuard guard(dev);
    dispatch_all(out.dtype, [&](auto t) { cuda::gather<decltype(t)>(src, outer, n, inner, index, out, true); });
  }

  // ---- losses (loss.cuh) -----------------------------------------------------------------------------------
  void pointwise_loss(LossOp loss, double param, const detail::TensorImpl& x, const detail::TensorImpl& y,
                      const detail::TensorImpl* w, const detail::TensorImpl* a, detail::TensorImpl& out) override {
    const int dev = loss_device("pointwise_loss", {&x, &y, &out}, w, a);
    DeviceGuard guard(dev);
    dispatch_floating(out.dtype, "pointwise_loss", [&](auto t) {
      cuda::losses::pointwise_loss<decltype(t)>(loss, param, x, y, w, a, out, allocator_, dev);
    });
  }

  void pointwise_loss_backward(LossOp loss, double param, bool wrt_target, const detail::TensorImpl& g,
                               const detail::TensorImpl& x, const detail::TensorImpl& y, const detail::TensorImpl* w,
                               const detail::TensorImpl* a, detail::TensorImpl& out) override {
    DeviceGuard guard(loss_device("pointwise_loss_backward", {&g, &x, &y, &out}, w, a));
    dispatch_floating(out.dtype, "pointwise_loss_backward", [&](auto t) {
      cuda::losses::pointwise_loss_backward<decltype(t)>(loss, param, wrt_target, g, x, y, w, a, out);
    });
  }

  void cross_entropy(const detail::TensorImpl& x, const detail::TensorImpl& target, const detail::TensorImpl* w,
                     std::int64_t ignore_index, double label_smoothing, detail::TensorImpl& out,
                     detail::TensorImpl& coef, detail::TensorImpl& row_max, detail::TensorImpl& row_log_sum) override {
    const int dev = loss_device("cross_entropy", {&x, &target, &out, &coef, &row_max, &row_log_sum}, w, nullptr);
    DeviceGuard guard(dev);
    dispatch_floating(x.dtype, "cross_entropy", [&](auto t) {
      cuda::losses::cross_entropy<decltype(t)>(x, target, w, ignore_index, label_smoothing, out, coef, row_max,
                                               row_log_sum, allocator_, dev);
    });
  }

  void cross_entropy_backward(const detail::TensorImpl& g, const detail::TensorImpl& x,
                              const detail::TensorImpl& target, const detail::TensorImpl* w, std::int64_t ignore_index,
                              double label_smoothing, const detail::TensorImpl& row_max,
                              const detail::TensorImpl& row_log_sum, detail::TensorImpl& out) override {
    DeviceGuard guard(
        loss_device("cross_entropy_backward", {&g, &x, &target, &row_max, &row_log_sum, &out}, w, nullptr));
    dispatch_floating(x.dtype, "cross_entropy_backward", [&](auto t) {
      cuda::losses::cross_entropy_backward<decltype(t)>(g, x, target, w, ignore_index, label_smoothing, row_max,
                                                        row_log_sum, out);
    });
  }

  void nll_loss(const detail::TensorImpl& x, const detail::TensorImpl& target, const detail::TensorImpl* w,
                std::int64_t ignore_index, detail::TensorImpl& out, detail::TensorImpl& coef) override {
    const int dev = loss_device("nll_loss", {&x, &target, &out, &coef}, w, nullptr);
    DeviceGuard guard(dev);
    dispatch_floating(x.dtype, "nll_loss", [&](auto t) {
      cuda::losses::nll_loss<decltype(t)>(x, target, w, ignore_index, out, coef, allocator_, dev);
    });
  }

  void nll_loss_backward(const detail::TensorImpl& g, const detail::TensorImpl& target, const detail::TensorImpl& coef,
                         std::int64_t ignore_index, detail::TensorImpl& out) override {
    DeviceGuard guard(loss_device("nll_loss_backward", {&g, &target, &coef, &out}, nullptr, nullptr));
    dispatch_floating(out.dtype, "nll_loss_backward", [&](auto t) {
      cuda::losses::nll_loss_backward<decltype(t)>(g, target, coef, ignore_index, out);
    });
  }

  // ---- random numbers (random.cuh) -------------------------------------------------------------------------
  void dropout_mask(detail::TensorImpl& mask, double p, std::uint64_t seed) override {
    const int dev = same_device("dropout", {&mask});
    if (mask.numel() == 0) return;
    DeviceGuard guard(dev);
    TG_CHECK(mask.is_contiguous(), "dropout: the CUDA backend expects a contiguous mask");
    dispatch_floating(mask.dtype, "dropout", [&](auto t) {
      using T = decltype(t);
      cuda::dropout_mask<T>(mask.data<T>(), mask.numel(), p, seed);
    });
  }

  // ---- optimizers (optim.cuh) ------------------------------------------------------------------------------
  void optimizer_step(Dtype dtype, Device device, const OptimStep& step, const OptimSlot* slots,
                      std::size_t count) override {
    TG_CHECK(device.is_cuda(), "optimizer step: expected a CUDA device, got ", device);
    DeviceGuard guard(device.index);
    dispatch_floating(dtype, "optimizer step", [&](auto t) { cuda::optimizer_step<decltype(t)>(step, slots, count); });
  }

 private:
  /// Every operand of a CUDA op must live on the same CUDA device; returns its index.
  static int same_device(const char* op, std::initializer_list<const detail::TensorImpl*> impls) {
    const Device d = (*impls.begin())->device();
    for (const detail::TensorImpl* t : impls)
      TG_CHECK(t->device().is_cuda() && t->device() == d, op, ": expected all tensors on one CUDA device, but found ",
               d, " and ", t->device());
    return d.index;
  }

  /// The device of a loss's operands, all on one CUDA device; the optional weights w and a may be nullptr.
  static int loss_device(const char* op, std::initializer_list<const detail::TensorImpl*> impls,
                         const detail::TensorImpl* w, const detail::TensorImpl* a) {
    const int dev = same_device(op, impls);
    for (const detail::TensorImpl* t : {w, a})
      if (t) same_device(op, {*impls.begin(), t});
    return dev;
  }

  CachingAllocator allocator_;
};

}  // namespace cuda
}  // namespace backend
}  // namespace tg
