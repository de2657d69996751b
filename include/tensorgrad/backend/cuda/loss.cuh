#pragma once
/// Loss kernels: thin launches around the bodies of backend/bodies/loss.hpp, which the CPU losses run too.
///
/// Pointwise losses go through launch_elementwise (any strided operands, broadcast weights). cross_entropy gives
/// each row to one warp: lane k takes the row's elements k, k + 32, ..., and the row's max and sums are combined
/// with shuffles (no shared memory, no block barrier; 8 rows per 256-thread block).
///
/// Bad inputs: a kernel cannot throw, so a kernel that validates its input (cross_entropy and nll_loss their
/// targets, binary_cross_entropy its probabilities) records the smallest offending row/offset in a device slot
/// with atomicMin, and the host reads that slot back after the launch and throws the CPU op's tg::Error (naming
/// the op and the bad target or value). Reading it back waits for the kernel: these three losses synchronise
/// the host with the GPU once per call (PyTorch instead raises an asynchronous device-side assert that leaves
/// the CUDA context unusable). The other losses never synchronise.
#include <cuda_runtime.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "../../core/tensor_impl.hpp"
#include "../bodies/loss.hpp"
#include "allocator.cuh"
#include "check.cuh"
#include "elementwise.cuh"

namespace tg {
namespace backend {
namespace cuda {
namespace losses {


/// A device slot for the smallest bad index a kernel finds (all ones: none), from the caching allocator.
class BadIndex {
 public:
  BadIndex(CachingAllocator& alloc, int device) : alloc_(alloc), device_(device) {
    slot_ = static_cast<unsigned long long*>(alloc_.allocate(sizeof(unsigned long long), device_));
    try {
      TG_CUDA_CHECK(cudaMemsetAsync(slot_, 0xff, sizeof(unsigned long long)));
    } catch (...) {
      alloc_.deallocate(slot_, sizeof(unsigned long long), device_);
      throw;
    }
  }
  ~BadIndex() { alloc_.deallocate(slot_, sizeof(unsigned long long), device_); }
  BadIndex(const BadIndex&) = delete;
  BadIndex& operator=(const BadIndex&) = delete;

  unsigned long long* get() const { return slot_; }
  /// The recorded index, or −1 when the kernels found nothing (waits for them: a blocking copy).
  std::int64_t read() const {
    unsigned long long v = 0;
    TG_CUDA_CHECK(cudaMemcpy(&v, slot_, sizeof v, cudaMemcpyDeviceToHost));
    return v == ~0ull ? -1 : static_cast<std::int64_t>(v);
  }

 private:
  CachingAllocator& alloc_;
  int device_;
  unsigned long long* slot_ = nullptr;
};

/// One element of device memory, copied to the host (for an error message).
template <class V> V read_element(const V* p) {
  V v{};
  TG_CUDA_CHECK(cudaMemcpy(&v, p, sizeof v, cudaMemcpyDeviceToHost));
  return v;
}

// ---- pointwise losses --------------------------------------------------------------------------------------

/// Offsets: 0 out, 1 x, 2 y, 3 w, 4 a. A null w or a reads as 1; `bad` is null unless the loss has a restricted
/// domain.
template <class T, class F> struct PointwiseLossBody {
  F f;
  T* out;
  const T *x, *y, *w, *a;
  unsigned long long* bad;
  __device__ void operator()(const std::int64_t (&o)[5]) const {
    const T xv = x[o[1]];
    if (bad && !bodies::in_domain(f, xv)) atomicMin(bad, static_cast<unsigned long long>(o[1]));
    out[o[0]] = bodies::pointwise_loss(f, xv, y[o[2]], w ? w[o[3]] : T(1), a ? a[o[4]] : T(1));
  }
};
/// Offsets: 0 out, 1 g, 2 x, 3 y, 4 w, 5 a.
template <class T, class F> struct PointwiseLossBackwardBody {
  F f;
  bool wrt_target;
  T* out;
  const T *g, *x, *y, *w, *a;
  __device__ void operator()(const std::int64_t (&o)[6]) const {
    out[o[0]] = bodies::pointwise_loss_grad(f, wrt_target, g[o[1]], x[o[2]], y[o[3]], w ? w[o[4]] : T(1),
                                            a ? a[o[5]] : T(1));
  }
};

/// Strides of an optional operand read at `out`'s shape. An absent one is never read; it takes out's strides, so
/// that it does not keep a launch off the contiguous fast path.
inline Shape optional_strides(const detail::TensorImpl* t, const detail::TensorImpl& out) {
  return t ? strides_at(*t, out.sizes) : out.strides;
}
template <class T> const T* optional_data(const detail::TensorImpl* t) { return t ? t->data<T>() : nullptr; }

template <class T>
void pointwise_loss(LossOp loss, double param, const detail::TensorImpl& x, const detail::TensorImpl& y,
                    const detail::TensorImpl* w, const detail::TensorImpl* a, detail::TensorImpl& out,
                    CachingAllocator& alloc, int device) {
  if (out.numel() == 0) return;
  const std::array<Shape, 5> strides = {out.strides, strides_at(x, out.sizes), strides_at(y, out.sizes),
                                        optional_strides(w, out), optional_strides(a, out)};
  bodies::visit_loss(loss, param, [&](auto f) {
    using F = decltype(f);
    const PointwiseLossBody<T, F> body{f, out.data<T>(), x.data<T>(), y.data<T>(), optional_data<T>(w),
                                       optional_data<T>(a), nullptr};
    if (loss != LossOp::BinaryCrossEntropy) return launch_elementwise<5>(out.sizes, strides, body);
    const BadIndex bad(alloc, device);
    PointwiseLossBody<T, F> checked = body;
    checked.bad = bad.get();
    launch_elementwise<5>(out.sizes, strides, checked);
    const std::int64_t offset = bad.read();
    if (offset >= 0) throw bodies::probability_error(read_element(x.data<T>() + offset));
  });
}

template <class T>
void pointwise_loss_backward(LossOp loss, double param, bool wrt_target, const detail::TensorImpl& g,
                             const detail::TensorImpl& x, const detail::TensorImpl& y, const detail::TensorImpl* w,
                             const detail::TensorImpl* a, detail::TensorImpl& out) {
  const std::array<Shape, 6> strides = {out.strides,           strides_at(g, out.sizes),
                                        strides_at(x, out.sizes), strides_at(y, out.sizes),
                                        optional_strides(w, out), optional_strides(a, out)};
  bodies::visit_loss(loss, param, [&](auto f) {
    launch_elementwise<6>(out.sizes, strides,
                          PointwiseLossBackwardBody<T, decltype(f)>{f, wrt_target, out.data<T>(), g.data<T>(),
                                                                    x.data<T>(), y.data<T>(), optional_data<T>(w),
                                                                    optional_data<T>(a)});
  });
}

// ---- cross_entropy and nll_loss ------------------------------------------------------------------------------

constexpr int kWarp = 32, kRowBlock = 256;  // one warp per row, 8 rows per block

/// Sum and max over the warp, returned to every lane (butterfly shuffles).
template <class T> __device__ T warp_sum(T v) {
  for (int s = kWarp / 2; s > 0; s >>= 1) v += __shfl_xor_sync(0xffffffffu, v, s);
  return v;
}
template <class T> __device__ T warp_max(T v) {
  for (int s = kWarp / 2; s > 0; s >>= 1) v = bodies::larger(v, __shfl_xor_sync(0xffffffffu, v, s));
  return v;
}

/// Blocks for `rows` warps (capped: the kernels loop over the remaining rows).
inline unsigned row_blocks(std::int64_t rows) {
  constexpr std::int64_t per_block = kRowBlock / kWarp;
  return static_cast<unsigned>(std::min<std::int64_t>((rows + per_block - 1) / per_block, std::int64_t{1} << 20));
}

/// Runs body(row, lane) for every row, one warp per row; every lane of a warp sees the same rows, so the body may
/// use full-warp shuffles.
template <class Body> __device__ void for_each_row_warp(std::int64_t rows, Body body) {
  const int lane = threadIdx.x % kWarp;
  const std::int64_t warps = std::int64_t{gridDim.x} * (blockDim.x / kWarp);
  for (std::int64_t i = (blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x) / kWarp; i < rows; i += warps)
    body(i, lane);
}

template <class T>
__global__ void cross_entropy_kernel(const T* x, const std::int64_t* target, const T* w, std::int64_t rows,
                                     bodies::CrossEntropyParams<T> p, T* out, T* coef, T* row_max, T* row_log_sum,
                                     unsigned long long* bad_row) {
  for_each_row_warp(rows, [&](std::int64_t i, int lane) {
    const std::int64_t t = target[i];
    if (t == p.ignore_index || !bodies::class_target_ok(t, p.classes, p.ignore_index)) {
      if (lane == 0) {
        if (t != p.ignore_index) atomicMin(bad_row, static_cast<unsigned long long>(i));
        out[i] = coef[i] = row_max[i] = row_log_sum[i] = T(0);  // the backward never reads an ignored row's
      }
      return;
    }
    const T* row = x + i * p.classes;
    const bool smoothing = p.spread != T(0);
    const T m = warp_max(bodies::strided_max(row, lane, p.classes, kWarp));
    const bodies::RowSums<T> part = bodies::strided_sums(row, lane, p.classes, kWarp, m, w, smoothing);
    const T exp_sum = warp_sum(part.exp_sum);
    const T smooth = smoothing ? warp_sum(part.smooth) : T(0);
    const T weight_sum = smoothing ? warp_sum(bodies::strided_weight_sum(w, lane, p.classes, kWarp)) : T(0);
    if (lane == 0) {
      const T log_s = std::log(exp_sum), w_t = bodies::target_weight(w, t, p.ignore_index);
      out[i] = bodies::cross_entropy_loss(p, m, log_s, smooth, weight_sum, row[t], w_t);
      coef[i] = w_t;
      row_max[i] = m;
      row_log_sum[i] = log_s;
    }
  });
}

template <class T>
__global__ void cross_entropy_backward_kernel(const T* g, const T* x, const std::int64_t* target, const T* w,
                                              std::int64_t rows, bodies::CrossEntropyParams<T> p, const T* row_max,
                                              const T* row_log_sum, T* dx) {
  for_each_row_warp(rows, [&](std::int64_t i, int lane) {
    const std::int64_t t = target[i];
    T* drow = dx + i * p.classes;
    if (t == p.ignore_index) {
      for (std::int64_t c = lane; c < p.classes; c += kWarp) drow[c] = T(0);
      return;
    }
    const T weight_sum = p.spread != T(0) ? warp_sum(bodies::strided_weight_sum(w, lane, p.classes, kWarp)) : T(0);
    const auto factors = bodies::cross_entropy_grad_row(p, g[i], w ? w[t] : T(1), weight_sum);
    const T* row = x + i * p.classes;
    const T m = row_max[i], log_s = row_log_sum[i];
    for (std::int64_t c = lane; c < p.classes; c += kWarp) {
      const T d = bodies::cross_entropy_grad(factors, row[c], m, log_s, w ? w[c] : T(1));
      drow[c] = c == t ? d - factors.target : d;
    }
  });
}

/// One thread per row.
template <class T>
__global__ void nll_loss_kernel(const T* x, const std::int64_t* target, const T* w, std::int64_t rows,
                                std::int64_t classes, std::int64_t ignore_index, T* out, T* coef,
                                unsigned long long* bad_row) {
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < rows;
       i += std::int64_t{gridDim.x} * blockDim.x) {
    const std::int64_t t = target[i];
    if (!bodies::class_target_ok(t, classes, ignore_index)) atomicMin(bad_row, static_cast<unsigned long long>(i));
    const bool skip = t == ignore_index || !bodies::class_target_ok(t, classes, ignore_index);
    coef[i] = skip ? T(0) : bodies::target_weight(w, t, ignore_index);
    out[i] = skip ? T(0) : bodies::nll_loss_value(x[i * classes + t], coef[i]);
  }
}

template <class T>
__global__ void nll_loss_backward_kernel(const T* g, const std::int64_t* target, const T* coef, std::int64_t rows,
                                         std::int64_t classes, std::int64_t ignore_index, T* dx) {
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < rows;
       i += std::int64_t{gridDim.x} * blockDim.x) {
    const std::int64_t t = target[i];
    if (t != ignore_index) dx[i * classes + t] = bodies::nll_loss_grad(g[i], coef[i]);
  }
}

/// Throws the CPU op's error for the first bad target the kernel recorded, if any.
inline void check_targets(const BadIndex& bad, const char* op, const detail::TensorImpl& target, std::int64_t classes,
                          std::int64_t ignore_index) {
  const std::int64_t row = bad.read();
  if (row >= 0)
    bodies::check_class_target(op, read_element(target.data<std::int64_t>() + row), classes, ignore_index);
}

template <class T>
void cross_entropy(const detail::TensorImpl& x, const detail::TensorImpl& target, const detail::TensorImpl* w,
                   std::int64_t ignore_index, double label_smoothing, detail::TensorImpl& out, detail::TensorImpl& coef,
                   detail::TensorImpl& row_max, detail::TensorImpl& row_log_sum, CachingAllocator& alloc, int device) {
  const std::int64_t rows = x.sizes[0], classes = x.sizes[1];
  if (rows == 0) return;
  const BadIndex bad(alloc, device);
  cross_entropy_kernel<T><<<row_blocks(rows), kRowBlock>>>(
      x.data<T>(), target.data<std::int64_t>(), optional_data<T>(w), rows,
      bodies::cross_entropy_params<T>(classes, ignore_index, label_smoothing), out.data<T>(), coef.data<T>(),
      row_max.data<T>(), row_log_sum.data<T>(), bad.get());
  check_launch("cross_entropy_kernel");
  check_targets(bad, "cross_entropy", target, classes, ignore_index);
}

template <class T>
void cross_entropy_backward(const detail::TensorImpl& g, const detail::TensorImpl& x, const detail::TensorImpl& target,
                            const detail::TensorImpl* w, std::int64_t ignore_index, double label_smoothing,
                            const detail::TensorImpl& row_max, const detail::TensorImpl& row_log_sum,
                            detail::TensorImpl& out) {
  const std::int64_t rows = x.sizes[0], classes = x.sizes[1];
  if (rows == 0 || classes == 0) return;
  cross_entropy_backward_kernel<T><<<row_blocks(rows), kRowBlock>>>(
      g.data<T>(), x.data<T>(), target.data<std::int64_t>(), optional_data<T>(w), rows,
      bodies::cross_entropy_params<T>(classes, ignore_index, label_smoothing), row_max.data<T>(),
      row_log_sum.data<T>(), out.data<T>());
  check_launch("cross_entropy_backward_kernel");
}

template <class T>
void nll_loss(const detail::TensorImpl& x, const detail::TensorImpl& target, const detail::TensorImpl* w,
              std::int64_t ignore_index, detail::TensorImpl& out, detail::TensorImpl& coef, CachingAllocator& alloc,
              int device) {
  const std::int64_t rows = x.sizes[0], classes = x.sizes[1];
  if (rows == 0) return;
  const BadIndex bad(alloc, device);
  nll_loss_kernel<T><<<grid_for(rows), kBlock>>>(x.data<T>(), target.data<std::int64_t>(), optional_data<T>(w), rows,
                                                 classes, ignore_index, out.data<T>(), coef.data<T>(), bad.get());
  check_launch("nll_loss_kernel");
  check_targets(bad, "nll_loss", target, classes, ignore_index);
}

template <class T>
void nll_loss_backward(const detail::TensorImpl& g, const detail::TensorImpl& target, const detail::TensorImpl& coef,
                       std::int64_t ignore_index, detail::TensorImpl& out) {
  const std::int64_t rows = out.sizes[0], classes = out.sizes[1];
  if (rows == 0) return;
  nll_loss_backward_kernel<T><<<grid_for(rows), kBlock>>>(g.data<T>(), target.data<std::int64_t>(), coef.data<T>(),
                                                          rows, classes, ignore_index, out.data<T>());
  check_launch("nll_loss_backward_kernel");
}

}  // namespace losses
}  // namespace cuda
}  // namespace backend
}  // namespace tg
