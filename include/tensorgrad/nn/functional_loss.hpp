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
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "../tensor.hpp"

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

/// The per-element loss w·f(x, y, a) with its fused backward. `f` provides value/dx/dy(x, y, a); `a` is an
/// optional auxiliary per-element tensor (BCEWithLogits' pos_weight), 1 where undefined, and `w` an optional
/// weight (1 where undefined), both broadcast to the input's shape.
template <class T, class F>
Tensor<T> pointwise_loss(const char* name, const char* op, const Tensor<T>& input, const Tensor<T>& target,
                         const Tensor<T>& weight, const Tensor<T>& aux, F f) {
  tg::detail::require_cpu(op, {input.impl().get(), target.impl().get()});
  TG_CHECK(input.sizes() == target.sizes(), op, ": input of shape ", input.sizes(), " and target of shape ",
           target.sizes(), " differ (tensorgrad does not broadcast a loss's target; reshape it, e.g. [N] -> [N, 1])");
  for (const Tensor<T>* t : {&weight, &aux})
    if (t->defined())
      TG_CHECK(tg::detail::broadcast_shapes(t->sizes(), input.sizes(), op) == input.sizes(), op, ": weight of shape ",
               t->sizes(), " cannot be broadcast to the input's shape ", input.sizes());
  const Tensor<T> x = input.detach().contiguous(), y = target.detach().contiguous();
  const Tensor<T> w = dense(weight, input.sizes()), a = dense(aux, input.sizes());
  const std::int64_t n = input.numel();
  Tensor<T> out = empty<T>(input.sizes());
  {
    const T *px = x.impl()->template data<T>(), *py = y.impl()->template data<T>();
    const T* pw = w.defined() ? w.impl()->template data<T>() : nullptr;
    const T* pa = a.defined() ? a.impl()->template data<T>() : nullptr;
    T* po = out.impl()->template data<T>();
    for (std::int64_t i = 0; i < n; ++i)
      po[i] = (pw ? pw[i] : T(1)) * f.value(px[i], py[i], pa ? pa[i] : T(1));
  }
  if (autograd::any_requires_grad(input, target))
    autograd::record(name, out, {input.impl(), target.impl()},
                     [sx = autograd::save(x), sy = autograd::save(y), w, a, f, n, name](const Tensor<T>& g,
                                                                                        autograd::GradInputs& gi) {
                       const Tensor<T> gc = g.contiguous();
                       const T* pg = gc.impl()->template data<T>();
                       const T* px = sx.get(name)->template data<T>();
                       const T* py = sy.get(name)->template data<T>();
                       const T* pw = w.defined() ? w.impl()->template data<T>() : nullptr;
                       const T* pa = a.defined() ? a.impl()->template data<T>() : nullptr;
                       for (std::size_t k = 0; k < 2; ++k) {
                         if (!gi.needs(k)) continue;
                         Tensor<T> d = empty<T>(g.sizes());
                         T* pd = d.impl()->template data<T>();
                         for (std::int64_t i = 0; i < n; ++i) {
                           const T aux_i = pa ? pa[i] : T(1);
                           const T di = k == 0 ? f.dx(px[i], py[i], aux_i) : f.dy(px[i], py[i], aux_i);
                           pd[i] = pg[i] * (pw ? pw[i] : T(1)) * di;
                         }
                         gi.set(k, d);
                       }
                     });
  return out;
}

template <class T> T sign(T v) { return v > T(0) ? T(1) : (v < T(0) ? T(-1) : T(0)); }

struct Squared {
  template <class T> T value(T x, T y, T) const { return (x - y) * (x - y); }
  template <class T> T dx(T x, T y, T) const { return T(2) * (x - y); }
  template <class T> T dy(T x, T y, T) const { return T(-2) * (x - y); }
};
/// |x − y|; the gradient at x == y is 0 (as PyTorch).
struct Absolute {
  template <class T> T value(T x, T y, T) const { return std::abs(x - y); }
  template <class T> T dx(T x, T y, T) const { return sign(x - y); }
  template <class T> T dy(T x, T y, T) const { return -sign(x - y); }
};
/// 0.5·d²/β where |d| < β, else |d| − 0.5·β (β = 0 is the L1 loss).
struct SmoothL1 {
  double beta;
  template <class T> T value(T x, T y, T) const {
    const T d = x - y, b = static_cast<T>(beta);
    return std::abs(d) < b ? T(0.5) * d * d / b : std::abs(d) - T(0.5) * b;
  }
  template <class T> T dx(T x, T y, T) const {
    const T d = x - y, b = static_cast<T>(beta);
    return std::abs(d) < b ? d / b : sign(d);
  }
  template <class T> T dy(T x, T y, T a) const { return -dx(x, y, a); }
};
/// 0.5·d² where |d| < δ, else δ·(|d| − 0.5·δ).
struct Huber {
  double delta;
  template <class T> T value(T x, T y, T) const {
    const T d = x - y, k = static_cast<T>(delta);
    return std::abs(d) < k ? T(0.5) * d * d : k * (std::abs(d) - T(0.5) * k);
  }
  template <class T> T dx(T x, T y, T) const {
    const T d = x - y, k = static_cast<T>(delta);
    return std::abs(d) < k ? d : k * sign(d);
  }
  template <class T> T dy(T x, T y, T a) const { return -dx(x, y, a); }
};
/// −(y·log x + (1 − y)·log(1 − x)) with each log clamped at −100, as PyTorch, so x = 0 or 1 stays finite.
/// The input gradient (x − y) / max(x·(1 − x), 1e-12) is PyTorch's, finite at x = 0 and 1 too.
struct BinaryCrossEntropy {
  template <class T> static T clamped_log(T v) { return std::max(std::log(v), T(-100)); }
  template <class T> T value(T x, T y, T) const { return -(y * clamped_log(x) + (T(1) - y) * clamped_log(T(1) - x)); }
  template <class T> T dx(T x, T y, T) const { return (x - y) / std::max((T(1) - x) * x, T(1e-12)); }
  template <class T> T dy(T x, T, T) const { return clamped_log(T(1) - x) - clamped_log(x); }
};
/// (1 − y)·x + (1 + (p − 1)·y)·softplus(−x), softplus(−x) = log1p(exp(−|x|)) + max(−x, 0): never overflows
/// (x = −200, y = 1 gives 200). p is pos_weight (1 without it); with p = 1 it is max(x, 0) − x·y + log1p(exp(−|x|)).
struct BinaryCrossEntropyWithLogits {
  template <class T> static T softplus_neg(T x) { return std::log1p(std::exp(-std::abs(x))) + std::max(-x, T(0)); }
  template <class T> T value(T x, T y, T p) const { return (T(1) - y) * x + (T(1) + (p - T(1)) * y) * softplus_neg(x); }
  template <class T> T dx(T x, T y, T p) const {
    return (T(1) - y) - (T(1) + (p - T(1)) * y) * functors::Sigmoid{}(-x);  // d softplus(−x)/dx = −σ(−x)
  }
  template <class T> T dy(T x, T, T p) const { return -x + (p - T(1)) * softplus_neg(x); }
};

/// Shared checks of the class-index losses; returns the number of classes.
template <class T>
std::int64_t check_class_inputs(const char* op, const Tensor<T>& input, const Tensor<std::int64_t>& target,
                                const Tensor<T>& weight) {
  tg::detail::require_cpu(op, {input.impl().get(), target.impl().get()});
  TG_CHECK(input.dim() == 2 && target.dim() == 1 && target.size(0) == input.size(0), op,
           ": expected input [N, C] and target [N], got input ", input.sizes(), " and target ", target.sizes());
  const std::int64_t classes = input.size(1);
  if (weight.defined())
    TG_CHECK(weight.dim() == 1 && weight.size(0) == classes, op, ": weight of shape ", weight.sizes(),
             " does not match ", classes, " classes (expected [", classes, "])");
  return classes;
}

inline void check_target(const char* op, std::int64_t t, std::int64_t classes, std::int64_t ignore_index) {
  TG_CHECK(t == ignore_index || (t >= 0 && t < classes), op, ": target ", t, " is out of bounds for ", classes,
           " classes (expected 0..", classes - 1, " or ignore_index ", ignore_index, ")");
}

/// Divides a summed loss by the total weight of the non-ignored targets (PyTorch's weighted mean; 0/0 = NaN
/// when every target is ignored, as PyTorch).
template <class T> Tensor<T> reduce_weighted(const Tensor<T>& per_sample, Reduction r, double total_weight) {
  if (r == Reduction::None) return per_sample;
  const Tensor<T> s = sum(per_sample);
  return r == Reduction::Sum ? s : s / scalar_tensor<T>(static_cast<T>(total_weight));
}

}  // namespace detail

/// Mean squared error (x − y)².
template <class T> Tensor<T> mse_loss(const Tensor<T>& input, const Tensor<T>& target, const std::string& reduction = "mean") {
  const auto r = detail::parse_reduction(reduction, "mse_loss");
  return detail::reduce(detail::pointwise_loss("MseLossBackward", "mse_loss", input, target, Tensor<T>(), Tensor<T>(),
                                               detail::Squared{}), r);
}
/// Mean absolute error |x − y|.
template <class T> Tensor<T> l1_loss(const Tensor<T>& input, const Tensor<T>& target, const std::string& reduction = "mean") {
  const auto r = detail::parse_reduction(reduction, "l1_loss");
  return detail::reduce(detail::pointwise_loss("L1LossBackward", "l1_loss", input, target, Tensor<T>(), Tensor<T>(),
                                               detail::Absolute{}), r);
}
/// Smooth L1: quadratic below beta, linear above (beta = 0 gives L1).
template <class T>
Tensor<T> smooth_l1_loss(const Tensor<T>& input, const Tensor<T>& target, const std::string& reduction = "mean",
                         double beta = 1.0) {
  TG_CHECK(beta >= 0, "smooth_l1_loss: beta must be non-negative, got ", beta);
  const auto r = detail::parse_reduction(reduction, "smooth_l1_loss");
  return detail::reduce(detail::pointwise_loss("SmoothL1LossBackward", "smooth_l1_loss", input, target, Tensor<T>(),
                                               Tensor<T>(), detail::SmoothL1{beta}), r);
}
/// Huber: quadratic below delta, delta-sloped linear above (= delta · smooth_l1 with beta = delta).
template <class T>
Tensor<T> huber_loss(const Tensor<T>& input, const Tensor<T>& target, const std::string& reduction = "mean",
                     double delta = 1.0) {
  TG_CHECK(delta > 0, "huber_loss: delta must be positive, got ", delta);
  const auto r = detail::parse_reduction(reduction, "huber_loss");
  return detail::reduce(detail::pointwise_loss("HuberLossBackward", "huber_loss", input, target, Tensor<T>(),
                                               Tensor<T>(), detail::Huber{delta}), r);
}
/// Binary cross entropy on probabilities in [0, 1]; `weight` (optional) broadcasts to the input.
template <class T>
Tensor<T> binary_cross_entropy(const Tensor<T>& input, const Tensor<T>& target, const Tensor<T>& weight = Tensor<T>(),
                               const std::string& reduction = "mean") {
  const auto r = detail::parse_reduction(reduction, "binary_cross_entropy");
  for (T v : input.tolist())
    TG_CHECK(!(v < T(0) || v > T(1)), "binary_cross_entropy: all elements of input should be between 0 and 1, got ", v,
             " (pass logits to binary_cross_entropy_with_logits instead)");
  return detail::reduce(detail::pointwise_loss("BinaryCrossEntropyBackward", "binary_cross_entropy", input, target,
                                               weight, Tensor<T>(), detail::BinaryCrossEntropy{}), r);
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
                                               detail::BinaryCrossEntropyWithLogits{}), r);
}

/// Negative log likelihood on log-probabilities [N, C] with int64 class targets [N]:
/// l_n = −w[y_n]·input[n, y_n]; "mean" divides by Σ w[y_n] over non-ignored targets.
template <class T>
Tensor<T> nll_loss(const Tensor<T>& input, const Tensor<std::int64_t>& target, const Tensor<T>& weight = Tensor<T>(),
                   std::int64_t ignore_index = -100, const std::string& reduction = "mean") {
  const auto r = detail::parse_reduction(reduction, "nll_loss");
  const std::int64_t classes = detail::check_class_inputs("nll_loss", input, target, weight);
  const std::int64_t n = input.size(0);
  const Tensor<T> x = input.detach().contiguous(), w = detail::dense(weight, Shape{classes});
  const Tensor<std::int64_t> y = target.contiguous();
  const std::int64_t* py = y.impl()->template data<std::int64_t>();
  const T* px = x.impl()->template data<T>();
  const T* pw = w.defined() ? w.impl()->template data<T>() : nullptr;
  // Per-sample coefficient: the class weight, 0 for ignored targets.
  const Tensor<T> coef = empty<T>(Shape{n});  // a tensor: from the caching allocator
  T* pcoef = coef.impl()->template data<T>();
  double total_weight = 0;
  Tensor<T> out = empty<T>(Shape{n});
  T* po = out.impl()->template data<T>();
  for (std::int64_t i = 0; i < n; ++i) {
    detail::check_target("nll_loss", py[i], classes, ignore_index);
    const bool ignored = py[i] == ignore_index;
    pcoef[i] = ignored ? T(0) : (pw ? pw[py[i]] : T(1));
    total_weight += pcoef[i];
    po[i] = ignored ? T(0) : -pcoef[i] * px[i * classes + py[i]];
  }
  if (autograd::any_requires_grad(input))
    autograd::record("NllLossBackward", out, {input.impl()},
                     [y, coef, n, classes, ignore_index](const Tensor<T>& g, autograd::GradInputs& gi) {
                       const Tensor<T> gc = g.contiguous();
                       const T* pg = gc.impl()->template data<T>();
                       const std::int64_t* py = y.impl()->template data<std::int64_t>();
                       const T* pcoef = coef.impl()->template data<T>();
                       Tensor<T> d = zeros<T>(Shape{n, classes});
                       T* pd = d.impl()->template data<T>();
                       for (std::int64_t i = 0; i < n; ++i)
                         if (py[i] != ignore_index) pd[i * classes + py[i]] = -pg[i] * pcoef[i];
                       gi.set(0, d);
                     });
  return detail::reduce_weighted(out, r, total_weight);
}

/// Cross entropy from logits [N, C] and int64 class targets [N]: log-softmax and NLL fused in one op whose
/// backward is softmax − (smoothed, weighted) one-hot.
///
/// With ε = label_smoothing and class weights w (1 without), the per-sample loss is
///   l_n = (1 − ε)·w[y_n]·(−log p[n, y_n]) + (ε / C)·Σ_c w[c]·(−log p[n, c]),   0 for ignored targets,
/// and "mean" divides Σ l_n by Σ w[y_n] over non-ignored targets (PyTorch's weighted mean).
/// −log p[n, c] is computed as (max − x[n, c]) + log Σ exp(x − max), so logits of 1e8 give exact values
/// (cross_entropy([[1e8, 1e8]], [0]) = log 2).
template <class T>
Tensor<T> cross_entropy(const Tensor<T>& input, const Tensor<std::int64_t>& target, const Tensor<T>& weight = Tensor<T>(),
                        std::int64_t ignore_index = -100, const std::string& reduction = "mean",
                        double label_smoothing = 0.0) {
  const auto r = detail::parse_reduction(reduction, "cross_entropy");
  TG_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0,
           "cross_entropy: label_smoothing must be between 0.0 and 1.0, got ", label_smoothing);
  const std::int64_t classes = detail::check_class_inputs("cross_entropy", input, target, weight);
  const std::int64_t n = input.size(0);
  const Tensor<T> x = input.detach().contiguous(), w = detail::dense(weight, Shape{classes});
  const Tensor<std::int64_t> y = target.contiguous();
  const std::int64_t* py = y.impl()->template data<std::int64_t>();
  const T* px = x.impl()->template data<T>();
  const T* pw = w.defined() ? w.impl()->template data<T>() : nullptr;
  const T eps = static_cast<T>(label_smoothing), on = T(1) - eps, spread = eps / static_cast<T>(classes);
  T weight_sum = 0;  // Σ_c w[c], the smoothing term's total coefficient
  for (std::int64_t c = 0; c < classes; ++c) weight_sum += pw ? pw[c] : T(1);
  // Per row: max and log Σ exp(x − max), so the backward rebuilds softmax exactly.
  // Tensors, not vectors: their buffers come from the caching allocator (a steady-state step allocates nothing).
  const Tensor<T> row_max = empty<T>(Shape{n}), row_log_sum = empty<T>(Shape{n});
  T *pmax = row_max.impl()->template data<T>(), *plog_sum = row_log_sum.impl()->template data<T>();
  double total_weight = 0;
  Tensor<T> out = empty<T>(Shape{n});
  T* po = out.impl()->template data<T>();
  for (std::int64_t i = 0; i < n; ++i) {
    detail::check_target("cross_entropy", py[i], classes, ignore_index);
    const T* row = px + i * classes;
    T mx = -std::numeric_limits<T>::infinity();
    for (std::int64_t c = 0; c < classes; ++c) mx = std::max(mx, row[c]);
    T s = 0;
    for (std::int64_t c = 0; c < classes; ++c) s += std::exp(row[c] - mx);
    const T log_s = std::log(s);
    pmax[i] = mx;
    plog_sum[i] = log_s;
    if (py[i] == ignore_index) {
      po[i] = T(0);
      continue;
    }
    const T wy = pw ? pw[py[i]] : T(1);
    total_weight += wy;
    T loss = on * wy * ((mx - row[py[i]]) + log_s);
    if (eps != T(0)) {
      T smooth = 0;
      for (std::int64_t c = 0; c < classes; ++c) smooth += (pw ? pw[c] : T(1)) * ((mx - row[c]) + log_s);
      loss += spread * smooth;
    }
    po[i] = loss;
  }
  if (autograd::any_requires_grad(input))
    autograd::record(
        "CrossEntropyLossBackward", out, {input.impl()},
        [sx = autograd::save(x), y, w, row_max, row_log_sum, n, classes, ignore_index, on, spread, weight_sum](
            const Tensor<T>& g, autograd::GradInputs& gi) {
          // d l_n / d x[n, k] = p[n, k]·A_n − a[n, k], with a[n, c] = (1 − ε)·w[y_n]·[c = y_n] + (ε / C)·w[c]
          // the coefficient of −log p[n, c] and A_n = Σ_c a[n, c].
          const Tensor<T> gc = g.contiguous();
          const T* pg = gc.impl()->template data<T>();
          const T* px = sx.get("CrossEntropyLossBackward")->template data<T>();
          const std::int64_t* py = y.impl()->template data<std::int64_t>();
          const T* pw = w.defined() ? w.impl()->template data<T>() : nullptr;
          const T *pmax = row_max.impl()->template data<T>(), *plog_sum = row_log_sum.impl()->template data<T>();
          Tensor<T> d = zeros<T>(Shape{n, classes});
          T* pd = d.impl()->template data<T>();
          for (std::int64_t i = 0; i < n; ++i) {
            if (py[i] == ignore_index) continue;
            const T wy = pw ? pw[py[i]] : T(1);
            const T total = on * wy + spread * weight_sum;
            const T* row = px + i * classes;
            T* drow = pd + i * classes;
            for (std::int64_t c = 0; c < classes; ++c) {
              const T p = std::exp((row[c] - pmax[i]) - plog_sum[i]);
              drow[c] = pg[i] * (p * total - spread * (pw ? pw[c] : T(1)));
            }
            drow[py[i]] -= pg[i] * on * wy;
          }
          gi.set(0, d);
        });
  return detail::reduce_weighted(out, r, total_weight);
}

}  // namespace functional
}  // namespace nn
}  // namespace tg
