#pragma once
/// Loss functions (PyTorch's torch.nn.functional names, arguments in PyTorch's order, reduction "mean" |
/// "sum" | "none"), templated on the floating type so float64 gradients can be checked.
///
/// Each loss is one fused op: the per-element (or per-sample) loss is computed in one pass and records one
/// backward written next to it; the reduction is then an ordinary sum / division.
///
/// Example:
///   namespace F = tg::nn::functional;
///   auto loss = F::cross_entropy(logits, labels);            // logits [N, C] float, labels [N] int64
///   auto bce  = F::binary_cross_entropy_with_logits(z, y);   // stable for any z
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "../backend/bodies/loss.hpp"
#include "../backend/kernels_loss.hpp"
#include "../ops/tensor_methods.hpp"

namespace tg {
namespace nn {
namespace functional {
namespace detail {

enum class Reduction { None, Mean, Sum };

inline Reduction parse_reduction(const std::string& reduction, const char* op) {
  if (reduction == "mean") return Reduction::Mean;
  if (reduction == "sum") return Reduction::Sum;
  if (reduction == "none") return Reduction::None;
  throw Error(tg::detail::str_cat(op, ": reduction must be \"mean\", \"sum\" or \"none\", got \"", reduction, "\""));
}

template <class T> Tensor<T> reduce(const Tensor<T>& loss, Reduction r) {
  if (r == Reduction::None) return loss;
  return r == Reduction::Sum ? sum(loss) : mean(loss);
}

/// A contiguous, history-free copy (or alias) of `t` broadcast to `shape`; undefined stays undefined.
template <class T> Tensor<T> dense(const Tensor<T>& t, const Shape& shape) {
  if (!t.defined()) return t;
  return expand(t.detach(), shape).contiguous();
}

/// The impl (or data) of an optional operand, nullptr when it is undefined: the bodies' and the seam's "all ones".
template <class T> const tg::detail::TensorImpl* impl_or_null(const Tensor<T>& t) {
  return t.defined() ? t.impl().get() : nullptr;
}

/// Every defined optional operand (weights) must live on the input's device.
template <class T>
void check_same_device(const char* op, const Tensor<T>& input, std::initializer_list<const Tensor<T>*> optional) {
  for (const Tensor<T>* t : optional)
    if (t->defined()) kernels::common_device(op, {input.impl().get(), t->impl().get()});
}

/// The per-element loss w·f(x, y, a) with its fused backward; f is a functor of backend/bodies/loss.hpp
/// (value/dx/dy(x, y, a)). `a` is an optional auxiliary per-element tensor (BCEWithLogits' pos_weight), 1 where
/// undefined, and `w` an optional weight (1 where undefined), both broadcast to the input's shape.
template <class T, class F>
Tensor<T> pointwise_loss(const char* name, const char* op, const Tensor<T>& input, const Tensor<T>& target,
                         const Tensor<T>& weight, const Tensor<T>& aux, F f) {
  kernels::common_device(op, {input.impl().get(), target.impl().get()});
  check_same_device(op, input, {&weight, &aux});
  TG_CHECK(input.sizes() == target.sizes(), op, ": input of shape ", input.sizes(), " and target of shape ",
           target.sizes(), " differ (tensorgrad does not broadcast a loss's target; reshape it, e.g. [N] -> [N, 1])");
  for (const Tensor<T>* t : {&weight, &aux})
    if (t->defined())
      TG_CHECK(tg::detail::broadcast_shapes(t->sizes(), input.sizes(), op) == input.sizes(), op, ": weight of shape ",
               t->sizes(), " cannot be broadcast to the input's shape ", input.sizes());
  const Tensor<T> x = input.detach().contiguous(), y = target.detach().contiguous();
  const Tensor<T> w = dense(weight, input.sizes()), a = dense(aux, input.sizes());
  Tensor<T> out = empty<T>(input.sizes(), input.device());
  kernels::pointwise_loss<T>(op, f, *x.impl(), *y.impl(), impl_or_null(w), impl_or_null(a), *out.impl());
  if (autograd::any_requires_grad(input, target))
    autograd::record(name, out, {input.impl(), target.impl()},
                     [sx = autograd::save(x), sy = autograd::save(y), w, a, f, name](const Tensor<T>& g,
                                                                                     autograd::GradInputs& gi) {
                       const Tensor<T> gc = g.contiguous();
                       const tg::detail::TensorImpl &xi = *sx.get(name), &yi = *sy.get(name);
                       for (std::size_t k = 0; k < 2; ++k) {
                         if (!gi.needs(k)) continue;
                         Tensor<T> d = empty<T>(g.sizes(), g.device());
                         kernels::pointwise_loss_backward<T>(name, f, k == 1, *gc.impl(), xi, yi, impl_or_null(w),
                                                             impl_or_null(a), *d.impl());
                         gi.set(k, d);
                       }
                     });
  return out;
}

/// Shared checks of the class-index losses; returns the number of classes.
template <class T>
std::int64_t check_class_inputs(const char* op, const Tensor<T>& input, const Tensor<std::int64_t>& target,
                                const Tensor<T>& weight) {
  kernels::common_device(op, {input.impl().get(), target.impl().get()});
  check_same_device(op, input, {&weight});
  TG_CHECK(input.dim() == 2 && target.dim() == 1 && target.size(0) == input.size(0), op,
           ": expected input [N, C] and target [N], got input ", input.sizes(), " and target ", target.sizes());
  const std::int64_t classes = input.size(1);
  if (weight.defined())
    TG_CHECK(weight.dim() == 1 && weight.size(0) == classes, op, ": weight of shape ", weight.sizes(),
             " does not match ", classes, " classes (expected [", classes, "])");
  return classes;
}

/// Divides a summed loss by Σ coef, the total weight of the non-ignored targets (PyTorch's weighted mean; 0/0 =
/// NaN when every target is ignored, as PyTorch). Both sums stay on the loss's device: no host round trip.
template <class T> Tensor<T> reduce_weighted(const Tensor<T>& per_sample, Reduction r, const Tensor<T>& coef) {
  if (r == Reduction::None) return per_sample;
  const Tensor<T> s = sum(per_sample);
  return r == Reduction::Sum ? s : s / sum(coef);
}

}  // namespace detail

/// Mean squared error (x − y)².
template <class T> Tensor<T> mse_loss(const Tensor<T>& input, const Tensor<T>& target, const std::string& reduction = "mean") {
  const auto r = detail::parse_reduction(reduction, "mse_loss");
  return detail::reduce(detail::pointwise_loss("MseLossBackward", "mse_loss", input, target, Tensor<T>(), Tensor<T>(),
                                               backend::bodies::Squared{}), r);
}
/// Mean absolute error |x − y|.
template <class T> Tensor<T> l1_loss(const Tensor<T>& input, const Tensor<T>& target, const std::string& reduction = "mean") {
  const auto r = detail::parse_reduction(reduction, "l1_loss");
  return detail::reduce(detail::pointwise_loss("L1LossBackward", "l1_loss", input, target, Tensor<T>(), Tensor<T>(),
                                               backend::bodies::Absolute{}), r);
}
/// Smooth L1: quadratic below beta, linear above (beta = 0 gives L1).
template <class T>
Tensor<T> smooth_l1_loss(const Tensor<T>& input, const Tensor<T>& target, const std::string& reduction = "mean",
                         double beta = 1.0) {
  TG_CHECK(beta >= 0, "smooth_l1_loss: beta must be non-negative, got ", beta);
  const auto r = detail::parse_reduction(reduction, "smooth_l1_loss");
  return detail::reduce(detail::pointwise_loss("SmoothL1LossBackward", "smooth_l1_loss", input, target, Tensor<T>(),
                                               Tensor<T>(), backend::bodies::SmoothL1{beta}), r);
}
/// Huber: quadratic below delta, delta-sloped linear above (= delta · smooth_l1 with beta = delta).
template <class T>
Tensor<T> huber_loss(const Tensor<T>& input, const Tensor<T>& target, const std::string& reduction = "mean",
                     double delta = 1.0) {
  TG_CHECK(delta > 0, "huber_loss: delta must be positive, got ", delta);
  const auto r = detail::parse_reduction(reduction, "huber_loss");
  return detail::reduce(detail::pointwise_loss("HuberLossBackward", "huber_loss", input, target, Tensor<T>(),
                                               Tensor<T>(), backend::bodies::Huber{delta}), r);
}
/// Binary cross entropy on probabilities in [0, 1] (anything else throws, naming the value); `weight` (optional)
/// broadcasts to the input.
template <class T>
Tensor<T> binary_cross_entropy(const Tensor<T>& input, const Tensor<T>& target, const Tensor<T>& weight = Tensor<T>(),
                               const std::string& reduction = "mean") {
  const auto r = detail::parse_reduction(reduction, "binary_cross_entropy");
  return detail::reduce(detail::pointwise_loss("BinaryCrossEntropyBackward", "binary_cross_entropy", input, target,
                                               weight, Tensor<T>(), backend::bodies::BinaryCrossEntropy{}), r);
}
/// Sigmoid + binary cross entropy in one stable formula. `pos_weight` (optional, broadcast along the last
/// dim, e.g. [C]) weighs the positive term: > 1 raises recall.
template <class T>
Tensor<T> binary_cross_entropy_with_logits(const Tensor<T>& input, const Tensor<T>& target,
                                           const Tensor<T>& weight = Tensor<T>(), const std::string& reduction = "mean",
                                           const Tensor<T>& pos_weight = Tensor<T>()) {
  const auto r = detail::parse_reduction(reduction, "binary_cross_entropy_with_logits");
  return detail::reduce(detail::pointwise_loss("BinaryCrossEntropyWithLogitsBackward",
                                               "binary_cross_entropy_with_logits", input, target, weight, pos_weight,
                                               backend::bodies::BinaryCrossEntropyWithLogits{}), r);
}

/// Negative log likelihood on log-probabilities [N, C] with int64 class targets [N]:
/// l_n = −w[y_n]·input[n, y_n]; "mean" divides by Σ w[y_n] over non-ignored targets.
template <class T>
Tensor<T> nll_loss(const Tensor<T>& input, const Tensor<std::int64_t>& target, const Tensor<T>& weight = Tensor<T>(),
                   std::int64_t ignore_index = -100, const std::string& reduction = "mean") {
  const auto r = detail::parse_reduction(reduction, "nll_loss");
  const std::int64_t classes = detail::check_class_inputs("nll_loss", input, target, weight);
  const std::int64_t n = input.size(0);
  const Device device = input.device();
  const Tensor<T> x = input.detach().contiguous(), w = detail::dense(weight, Shape{classes});
  const Tensor<std::int64_t> y = target.contiguous();
  // Per-sample coefficient: the class weight, 0 for ignored targets (tensors: from the caching allocator).
  const Tensor<T> coef = empty<T>(Shape{n}, device);
  Tensor<T> out = empty<T>(Shape{n}, device);
  kernels::nll_loss<T>(*x.impl(), *y.impl(), detail::impl_or_null(w), ignore_index, *out.impl(), *coef.impl());
  if (autograd::any_requires_grad(input))
    autograd::record("NllLossBackward", out, {input.impl()},
                     [y, coef, n, classes, ignore_index](const Tensor<T>& g, autograd::GradInputs& gi) {
                       const Tensor<T> gc = g.contiguous();
                       Tensor<T> d = zeros<T>(Shape{n, classes}, g.device());
                       kernels::nll_loss_backward<T>(*gc.impl(), *y.impl(), *coef.impl(), ignore_index, *d.impl());
                       gi.set(0, d);
                     });
  return detail::reduce_weighted(out, r, coef);
}

/// Cross entropy from logits [N, C] and int64 class targets [N]: log-softmax and NLL fused in one op whose
/// backward is softmax − (smoothed, weighted) one-hot.
///
/// With ε = label_smoothing and class weights w (1 without), the per-sample loss is
///   l_n = (1 − ε)·w[y_n]·(−log p[n, y_n]) + (ε / C)·Σ_c w[c]·(−log p[n, c]),   0 for ignored targets,
/// and "mean" divides Σ l_n by Σ w[y_n] over non-ignored targets (PyTorch's weighted mean).
/// −log p[n, c] is computed as (max − x[n, c]) + log Σ exp(x − max), so logits of 1e8 give exact values
/// (cross_entropy([[1e8, 1e8]], [0]) = log 2). The row math is backend/bodies/loss.hpp's, on every device.
template <class T>
Tensor<T> cross_entropy(const Tensor<T>& input, const Tensor<std::int64_t>& target, const Tensor<T>& weight = Tensor<T>(),
                        std::int64_t ignore_index = -100, const std::string& reduction = "mean",
                        double label_smoothing = 0.0) {
  const auto r = detail::parse_reduction(reduction, "cross_entropy");
  TG_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0,
           "cross_entropy: label_smoothing must be between 0.0 and 1.0, got ", label_smoothing);
  const std::int64_t classes = detail::check_class_inputs("cross_entropy", input, target, weight);
  const std::int64_t n = input.size(0);
  const Device device = input.device();
  const Tensor<T> x = input.detach().contiguous(), w = detail::dense(weight, Shape{classes});
  const Tensor<std::int64_t> y = target.contiguous();
  // Per row: the target's weight (0 if ignored), max and log Σ exp(x − max), so the backward rebuilds softmax
  // exactly. Tensors, not vectors: their buffers come from the caching allocator (a steady-state step allocates
  // nothing).
  const Tensor<T> coef = empty<T>(Shape{n}, device), row_max = empty<T>(Shape{n}, device),
                  row_log_sum = empty<T>(Shape{n}, device);
  Tensor<T> out = empty<T>(Shape{n}, device);
  kernels::cross_entropy<T>(*x.impl(), *y.impl(), detail::impl_or_null(w), ignore_index, label_smoothing, *out.impl(),
                            *coef.impl(), *row_max.impl(), *row_log_sum.impl());
  if (autograd::any_requires_grad(input))
    autograd::record(
        "CrossEntropyLossBackward", out, {input.impl()},
        [sx = autograd::save(x), y, w, row_max, row_log_sum, n, classes, ignore_index, label_smoothing](
            const Tensor<T>& g, autograd::GradInputs& gi) {
          const Tensor<T> gc = g.contiguous();
          const tg::detail::TensorImpl& xi = *sx.get("CrossEntropyLossBackward");
          Tensor<T> d = empty<T>(Shape{n, classes}, g.device());
          kernels::cross_entropy_backward<T>(*gc.impl(), xi, *y.impl(), detail::impl_or_null(w), ignore_index,
                                             label_smoothing, *row_max.impl(), *row_log_sum.impl(), *d.impl());
          gi.set(0, d);
        });
  return detail::reduce_weighted(out, r, coef);
}

}  // namespace functional
}  // namespace nn
}  // namespace tg
