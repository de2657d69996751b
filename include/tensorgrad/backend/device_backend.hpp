#pragma once
/// The seam between the kernel-call layer (backend/kernels.hpp) and a non-CPU backend: the device is a run-time
/// tag on each tensor, and tensors on a device reach their kernels through this interface.
///
/// The CPU kernels are called directly (templates over the functors of backend/functors.hpp, so the compiler
/// inlines the scalar math). Any other device gets the op as a run-time id plus its scalar parameters, and the
/// backend maps the id back to the same functor (backend/op_ids.hpp) and launches it. Inline code in shared headers only ever calls through this interface,
/// so it means the same in g++- and nvcc-compiled translation units (no ODR hazard); the CUDA headers register
/// their implementation once (tg::cuda::register_backend).
///
/// Conventions: every TensorImpl handed over lives on the backend's device; an `out` is freshly allocated,
/// contiguous and has the result's shape; inputs may be any strided view (broadcast inputs arrive with their
/// own, smaller shape and are broadcast to `out`'s shape by the backend, NumPy rules). Dtypes are float32 or
/// float64 unless stated; a backend throws tg::Error naming the op for anything it has no kernel for.
#include <cstddef>
#include <cstdint>

#include "../core/device.hpp"
#include "../core/device_runtime.hpp"
#include "../core/dtype.hpp"
#include "bodies/optim.hpp"
#include "op_list.hpp"

namespace tg {
namespace detail {
struct TensorImpl;
}
namespace backend {

/// A device's kernels, on top of its memory and runtime (core/device_runtime.hpp).
struct DeviceBackend : DeviceRuntime {
  // ---- elementwise --------------------------------------------------------------------------------
  /// out = op(x).
  virtual void unary(UnaryOp op, OpParams p, const detail::TensorImpl& x, detail::TensorImpl& out) = 0;
  /// out = g · op.grad(x, y), the fused backward of unary (x or y may be g itself when the op does not read it).
  virtual void unary_backward(UnaryOp op, OpParams p, const detail::TensorImpl& g, const detail::TensorImpl& x,
                              const detail::TensorImpl& y, detail::TensorImpl& out) = 0;
  /// out = op(a, b) with broadcasting; comparisons write 1/0 in out's dtype.
  virtual void binary(BinaryOp op, const detail::TensorImpl& a, const detail::TensorImpl& b, detail::TensorImpl& out) = 0;
  /// x = f(x, b) in place on a strided view x, with b broadcast to x's shape (alpha is used by Axpy).
  virtual void update(UpdateOp op, detail::TensorImpl& x, const detail::TensorImpl& b, double alpha) = 0;
  /// out = static_cast<out dtype>(x) (float32/float64/int64 in any combination).
  virtual void cast(const detail::TensorImpl& x, detail::TensorImpl& out) = 0;

  // ---- reductions ---------------------------------------------------------------------------------
  /// out = sum of x over every dim where out has size 1 and x does not (out has x's rank; overwritten).
  virtual void sum(const detail::TensorImpl& x, detail::TensorImpl& out) = 0;
  /// out[..] = softmax (or log_softmax) of contiguous x along `dim`.
  virtual void softmax(const detail::TensorImpl& x, int dim, bool log, detail::TensorImpl& out) = 0;

  // ---- linear algebra ---------------------------------------------------------------------------------
  /// For b in [0, batch): out_b (n×m, contiguous, row-major, out + b·n·m) = A_b (n×k) · B_b (k×m), where A_b has
  /// element strides (as0, as1) from a + b·a_batch_stride (a_batch_stride may be 0: broadcast), likewise B.
  /// Pointers are to elements of `dtype` (float32 or float64).
  virtual void gemm(Dtype dtype, std::int64_t batch, std::int64_t n, std::int64_t k, std::int64_t m, const void* a,
                    std::int64_t a_batch_stride, std::int64_t as0, std::int64_t as1, const void* b,
                    std::int64_t b_batch_stride, std::int64_t bs0, std::int64_t bs1, void* out) = 0;

  // ---- selection ----------------------------------------------------------------------------------------
  /// out = cond != 0 ? a : b, with cond (any dtype), a and b (out's dtype) broadcast to out's shape.
  virtual void where(const detail::TensorImpl& cond, const detail::TensorImpl& a, const detail::TensorImpl& b,
                     detail::TensorImpl& out) = 0;
  /// x is a contiguous [outer, n, inner] view (n ≥ 1); index (int64, contiguous [outer, inner]) gets the position
  /// along n of the max (is_max) or min of each (outer, inner) line: NaN wins, the first of equal values wins.
  virtual void arg_reduce(const detail::TensorImpl& x, std::int64_t outer, std::int64_t n, std::int64_t inner,
                          bool is_max, detail::TensorImpl& index) = 0;
  /// out[a, c] = x[a, index[a, c], c] for contiguous x [outer, n, inner], index and out [outer, inner].
  virtual void gather(const detail::TensorImpl& x, std::int64_t outer, std::int64_t n, std::int64_t inner,
                      const detail::TensorImpl& index, detail::TensorImpl& out) = 0;
  /// out[a, index[a, c], c] = src[a, c] for contiguous out [outer, n, inner] (other elements untouched), index and
  /// src [outer, inner]: the backward of gather.
  virtual void scatter(const detail::TensorImpl& src, std::int64_t outer, std::int64_t n, std::int64_t inner,
                       const detail::TensorImpl& index, detail::TensorImpl& out) = 0;

  // ---- losses --------------------------------------------------------------------------------------------
  /// The pointwise losses of nn/functional_loss.hpp, by their id in the loss list (backend/op_list.hpp);
  /// backend/bodies/loss.hpp maps each id to its functor.
  /// out = w·f(x, y, a) elementwise for the loss f with parameter `param` (SmoothL1's beta, Huber's delta). x, y and
  /// out share one shape; w and a (BCEWithLogits' pos_weight) broadcast to it, nullptr meaning all ones.
  /// BinaryCrossEntropy throws tg::Error naming binary_cross_entropy and the first x outside [0, 1].
  virtual void pointwise_loss(LossOp loss, double param, const detail::TensorImpl& x, const detail::TensorImpl& y,
                              const detail::TensorImpl* w, const detail::TensorImpl* a, detail::TensorImpl& out) = 0;
  /// out = g·w·∂f/∂x (∂f/∂y when wrt_target), with pointwise_loss's operands and g of out's shape.
  virtual void pointwise_loss_backward(LossOp loss, double param, bool wrt_target, const detail::TensorImpl& g,
                                       const detail::TensorImpl& x, const detail::TensorImpl& y,
                                       const detail::TensorImpl* w, const detail::TensorImpl* a,
                                       detail::TensorImpl& out) = 0;
  /// Fused cross entropy of contiguous logits x [N, C] and contiguous int64 targets [N], class weights w (contiguous
  /// [C]; nullptr: all ones). Writes per row: out = the loss (0 where target == ignore_index), coef = w[target] (0
  /// where ignored; the weighted mean divides by Σ coef), row_max and row_log_sum = max and log Σ exp(x − max) for
  /// the backward. A target outside 0..C−1 and ≠ ignore_index throws tg::Error naming cross_entropy and the target.
  virtual void cross_entropy(const detail::TensorImpl& x, const detail::TensorImpl& target, const detail::TensorImpl* w,
                             std::int64_t ignore_index, double label_smoothing, detail::TensorImpl& out,
                             detail::TensorImpl& coef, detail::TensorImpl& row_max,
                             detail::TensorImpl& row_log_sum) = 0;
  /// out [N, C] = g[n]·∂l_n/∂x[n, c] (0 on ignored rows), g contiguous [N], from cross_entropy's row statistics.
  virtual void cross_entropy_backward(const detail::TensorImpl& g, const detail::TensorImpl& x,
                                      const detail::TensorImpl& target, const detail::TensorImpl* w,
                                      std::int64_t ignore_index, double label_smoothing,
                                      const detail::TensorImpl& row_max, const detail::TensorImpl& row_log_sum,
                                      detail::TensorImpl& out) = 0;
  /// nll_loss of contiguous log-probabilities x [N, C]: out = −w[t]·x[n, t] and coef = w[t] (both 0 where ignored);
  /// targets as cross_entropy's, and a bad one throws naming nll_loss.
  virtual void nll_loss(const detail::TensorImpl& x, const detail::TensorImpl& target, const detail::TensorImpl* w,
                        std::int64_t ignore_index, detail::TensorImpl& out, detail::TensorImpl& coef) = 0;
  /// out [N, C] (contiguous, already zero) gets −g[n]·coef[n] at (n, target[n]) for every non-ignored row.
  virtual void nll_loss_backward(const detail::TensorImpl& g, const detail::TensorImpl& target,
                                 const detail::TensorImpl& coef, std::int64_t ignore_index,
                                 detail::TensorImpl& out) = 0;

  // ---- random numbers ------------------------------------------------------------------------------------
  /// Fills a contiguous float32/float64 `mask` with the Philox dropout mask of (seed, p): entry i is
  /// bodies::dropout_mask_body<T>(seed, p)(i) (backend/bodies/philox.hpp), bitwise what the CPU computes.
  virtual void dropout_mask(detail::TensorImpl& mask, double p, std::uint64_t seed) = 0;

  // ---- optimizers ----------------------------------------------------------------------------------------
  using OptimStep = bodies::OptimStep;
  using OptimSlot = bodies::OptimSlot;
  /// Applies `step` (backend/bodies/optim.hpp) to slots[0, count), all on `device` with elements of `dtype`
  /// (float32 or float64): a multi-tensor update, a bounded number of kernel launches for any number of parameters.
  virtual void optimizer_step(Dtype dtype, Device device, const OptimStep& step, const OptimSlot* slots,
                              std::size_t count) = 0;
};

}  // namespace backend

namespace detail {
/// The kernels of device `d`: the registered runtime is always a whole DeviceBackend (the only way to register
/// one is tg::cuda's registration of its backend).
inline backend::DeviceBackend& backend_for(Device d, const char* op) {
  return static_cast<backend::DeviceBackend&>(runtime_for(d, op));
}
}  // namespace detail
}  // namespace tg
