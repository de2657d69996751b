#pragma once
/// Kernel bodies of the losses (nn/functional_loss.hpp), shared by the CPU op and the CUDA kernels
/// (backend/cuda/loss.cuh). Free of CUDA API calls: the CPU losses call these very functions, and
/// tests/test_loss_bodies.cpp runs them in host loops split the way the GPU splits them.
///
/// Pointwise losses: a functor with value/dx/dy(x, y, a), where a is an auxiliary per-element parameter
/// (binary_cross_entropy_with_logits' pos_weight, 1 for the others).
///
/// Class-index losses (cross_entropy, nll_loss) work on rows of contiguous [N, C] logits. A row's statistics
/// are sums and maxima over its C elements; each is written for the elements c = first, first + step, ... so
/// that the CPU runs them over the whole row (first 0, step 1) and a CUDA warp gives lane k the elements
/// k, k + 32, ... and combines the 32 partial results.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "../../core/error.hpp"
#include "../functors.hpp"
#include "../device_backend.hpp"

namespace tg {
namespace backend {
namespace bodies {

// ---- pointwise losses --------------------------------------------------------------------------------------

/// Host/device helpers (std::max and std::abs are not usable in device code without relaxed constexpr).
template <class T> TG_HOST_DEVICE T abs_of(T v) { return v < T(0) ? -v : v; }
/// std::max's rule (a NaN in b is dropped), so the CPU values stay what they were.
template <class T> TG_HOST_DEVICE T larger(T a, T b) { return a < b ? b : a; }
template <class T> TG_HOST_DEVICE T sign(T v) { return v > T(0) ? T(1) : (v < T(0) ? T(-1) : T(0)); }

/// (x − y)².
struct Squared {
  double param() const { return 0; }
  template <class T> TG_HOST_DEVICE T value(T x, T y, T) const { return (x - y) * (x - y); }
  template <class T> TG_HOST_DEVICE T dx(T x, T y, T) const { return T(2) * (x - y); }
  template <class T> TG_HOST_DEVICE T dy(T x, T y, T) const { return T(-2) * (x - y); }
};
/// |x − y|; the gradient at x == y is 0 (as PyTorch).
struct Absolute {
  double param() const { return 0; }
  template <class T> TG_HOST_DEVICE T value(T x, T y, T) const { return abs_of(x - y); }
  template <class T> TG_HOST_DEVICE T dx(T x, T y, T) const { return sign(x - y); }
  template <class T> TG_HOST_DEVICE T dy(T x, T y, T) const { return -sign(x - y); }
};
/// 0.5·d²/β where |d| < β, else |d| − 0.5·β (β = 0 is the L1 loss).
struct SmoothL1 {
  double beta;
  double param() const { return beta; }
  template <class T> TG_HOST_DEVICE T value(T x, T y, T) const {
    const T d = x - y, b = static_cast<T>(beta);
    return abs_of(d) < b ? T(0.5) * d * d / b : abs_of(d) - T(0.5) * b;
  }
  template <class T> TG_HOST_DEVICE T dx(T x, T y, T) const {
    const T d = x - y, b = static_cast<T>(beta);
    return abs_of(d) < b ? d / b : sign(d);
  }
  template <class T> TG_HOST_DEVICE T dy(T x, T y, T a) const { return -dx(x, y, a); }
};
/// 0.5·d² where |d| < δ, else δ·(|d| − 0.5·δ).
struct Huber {
  double delta;
  double param() const { return delta; }
  template <class T> TG_HOST_DEVICE T value(T x, T y, T) const {
    const T d = x - y, k = static_cast<T>(delta);
    return abs_of(d) < k ? T(0.5) * d * d : k * (abs_of(d) - T(0.5) * k);
  }
  template <class T> TG_HOST_DEVICE T dx(T x, T y, T) const {
    const T d = x - y, k = static_cast<T>(delta);
    return abs_of(d) < k ? d : k * sign(d);
  }
  template <class T> TG_HOST_DEVICE T dy(T x, T y, T a) const { return -dx(x, y, a); }
};
/// −(y·log x + (1 − y)·log(1 − x)) with each log clamped at −100, as PyTorch, so x = 0 or 1 stays finite.
/// The input gradient (x − y) / max(x·(1 − x), ε) is PyTorch's, finite at x = 0 and 1 too; ε is the float 1e-12f
/// in every dtype, as PyTorch's.
struct BinaryCrossEntropy {
  double param() const { return 0; }
  template <class T> TG_HOST_DEVICE static T clamped_log(T v) { return larger(std::log(v), T(-100)); }
  template <class T> TG_HOST_DEVICE T value(T x, T y, T) const {
    return -(y * clamped_log(x) + (T(1) - y) * clamped_log(T(1) - x));
  }
  template <class T> TG_HOST_DEVICE T dx(T x, T y, T) const { return (x - y) / larger((T(1) - x) * x, T(1e-12f)); }
  template <class T> TG_HOST_DEVICE T dy(T x, T, T) const { return clamped_log(T(1) - x) - clamped_log(x); }
};
/// (1 − y)·x + (1 + (p − 1)·y)·softplus(−x), softplus(−x) = log1p(exp(−|x|)) + max(−x, 0): never overflows
/// (x = −200, y = 1 gives 200). p is pos_weight (1 without it); with p = 1 it is max(x, 0) − x·y + log1p(exp(−|x|)).
struct BinaryCrossEntropyWithLogits {
  double param() const { return 0; }
  template <class T> TG_HOST_DEVICE static T softplus_neg(T x) {
    return std::log1p(std::exp(-abs_of(x))) + larger(-x, T(0));
  }
  template <class T> TG_HOST_DEVICE T value(T x, T y, T p) const {
    return (T(1) - y) * x + (T(1) + (p - T(1)) * y) * softplus_neg(x);
  }
  template <class T> TG_HOST_DEVICE T dx(T x, T y, T p) const {
    return (T(1) - y) - (T(1) + (p - T(1)) * y) * functors::Sigmoid{}(-x);  // d softplus(−x)/dx = −σ(−x)
  }
  template <class T> TG_HOST_DEVICE T dy(T x, T, T p) const { return -x + (p - T(1)) * softplus_neg(x); }
};

/// The loss id of a functor, and the functor of a loss id with its parameter restored (SmoothL1's beta,
/// Huber's delta), generated from the loss list, so a backend instantiates one kernel per loss.
template <class F> struct loss_id_of;
#define TG_LOSS_ID(F, call) \
  template <> struct loss_id_of<F> { static constexpr LossOp value = LossOp::F; };
TG_POINTWISE_LOSSES(TG_LOSS_ID)
#undef TG_LOSS_ID
template <class F> constexpr LossOp loss_id = loss_id_of<F>::value;

template <class F> F loss_from(double param) {
  if constexpr (std::is_empty_v<F>) return F{};
  else return F{param};
}

template <class Fn> void visit_loss(LossOp loss, double param, Fn&& fn) {
  switch (loss) {
#define TG_LOSS_CASE(F, call) \
  case LossOp::F: return fn(loss_from<F>(param));
    TG_POINTWISE_LOSSES(TG_LOSS_CASE)
#undef TG_LOSS_CASE
  }
  TG_CHECK(false, "unknown loss id ", static_cast<int>(loss));
}

/// One element of the per-element loss w·f(x, y, a).
template <class T, class F> TG_HOST_DEVICE T pointwise_loss(const F& f, T x, T y, T w, T a) {
  return w * f.value(x, y, a);
}
/// One element of its gradient: g·w·∂f/∂x, or g·w·∂f/∂y when wrt_target.
template <class T, class F> TG_HOST_DEVICE T pointwise_loss_grad(const F& f, bool wrt_target, T g, T x, T y, T w, T a) {
  return g * w * (wrt_target ? f.dy(x, y, a) : f.dx(x, y, a));
}

/// Whether x is in the loss's domain: every value, except for binary_cross_entropy, whose inputs are probabilities
/// (a NaN passes and gives a NaN loss, as PyTorch).
template <class F, class T> TG_HOST_DEVICE bool in_domain(const F&, T) { return true; }
template <class T> TG_HOST_DEVICE bool in_domain(const BinaryCrossEntropy&, T x) { return !(x < T(0) || x > T(1)); }

/// The error for an input outside binary_cross_entropy's domain (the only loss with one), raised by the CPU op and
/// by the CUDA backend alike.
inline Error probability_error(double v) {
  return Error(tg::detail::str_cat("binary_cross_entropy: all elements of input should be between 0 and 1, got ", v,
                                   " (pass logits to binary_cross_entropy_with_logits instead)"));
}

// ---- class-index losses (cross_entropy, nll_loss) ----------------------------------------------------------

TG_HOST_DEVICE bool class_target_ok(std::int64_t t, std::int64_t classes, std::int64_t ignore_index) {
  return t == ignore_index || (t >= 0 && t < classes);
}
/// Throws unless t is a class or ignore_index (the CPU op checks every row; the CUDA backend the first bad one).
inline void check_class_target(const char* op, std::int64_t t, std::int64_t classes, std::int64_t ignore_index) {
  TG_CHECK(class_target_ok(t, classes, ignore_index), op, ": target ", t, " is out of bounds for ", classes,
           " classes (expected 0..", classes - 1, " or ignore_index ", ignore_index, ")");
}

/// A row's coefficient in the weighted mean: its target's class weight (1 without weights), 0 when ignored.
template <class T> TG_HOST_DEVICE T target_weight(const T* w, std::int64_t t, std::int64_t ignore_index) {
  return t == ignore_index ? T(0) : (w ? w[t] : T(1));
}

/// nll_loss of a non-ignored row: −w[t]·x[t].
template <class T> TG_HOST_DEVICE T nll_loss_value(T x_t, T w_t) { return -w_t * x_t; }
/// Its gradient at the target (0 elsewhere), g the upstream gradient and coef the row's target_weight.
template <class T> TG_HOST_DEVICE T nll_loss_grad(T g, T coef) { return -g * coef; }

/// Max of row[c] for c = first, first + step, ... < n; −∞ when there is none. A NaN logit may be skipped here, but
/// it still makes its row's loss and gradient NaN through Σ exp(x − max) (as PyTorch).
template <class T> TG_HOST_DEVICE T strided_max(const T* row, std::int64_t first, std::int64_t n, std::int64_t step) {
  T m = -static_cast<T>(HUGE_VAL);
  for (std::int64_t c = first; c < n; c += step) m = larger(m, row[c]);
  return m;
}

/// Σ exp(x[c] − m) and, for label smoothing, Σ w[c]·(m − x[c]) (w == nullptr: all ones) over the same elements.
/// (m − x[c]) is formed per element, so logits of 1e8 lose nothing to cancellation.
template <class T> struct RowSums {
  T exp_sum = 0, smooth = 0;
};
template <class T>
TG_HOST_DEVICE RowSums<T> strided_sums(const T* row, std::int64_t first, std::int64_t n, std::int64_t step, T m,
                                       const T* w, bool smoothing) {
  RowSums<T> s;
  for (std::int64_t c = first; c < n; c += step) s.exp_sum += std::exp(row[c] - m);
  if (smoothing)
    for (std::int64_t c = first; c < n; c += step) s.smooth += (w ? w[c] : T(1)) * (m - row[c]);
  return s;
}

/// Σ w[c] over the same elements (their count when w == nullptr): label smoothing's total class weight W.
template <class T>
TG_HOST_DEVICE T strided_weight_sum(const T* w, std::int64_t first, std::int64_t n, std::int64_t step) {
  T s = 0;
  for (std::int64_t c = first; c < n; c += step) s += w ? w[c] : T(1);
  return s;
}

/// The constants of one cross_entropy call: ε = label_smoothing moves ε of each target's mass to ε/C per class.
template <class T> struct CrossEntropyParams {
  std::int64_t classes = 0, ignore_index = -100;
  T on = 1;      ///< 1 − ε
  T spread = 0;  ///< ε / C
};
template <class T>
CrossEntropyParams<T> cross_entropy_params(std::int64_t classes, std::int64_t ignore_index, double label_smoothing) {
  CrossEntropyParams<T> p;
  p.classes = classes;
  p.ignore_index = ignore_index;
  p.on = static_cast<T>(1.0 - label_smoothing);
  p.spread = label_smoothing == 0 ? T(0) : static_cast<T>(label_smoothing / static_cast<double>(classes));
  return p;
}

/// The loss of a non-ignored row from its statistics: with −log p[c] = (m − x[c]) + log s,
///   l = (1 − ε)·w_t·(−log p[t]) + (ε/C)·Σ_c w[c]·(−log p[c])
///     = (1 − ε)·w_t·(m − x_t + log s) + (ε/C)·(smooth + W·log s).
template <class T>
TG_HOST_DEVICE T cross_entropy_loss(const CrossEntropyParams<T>& p, T m, T log_s, T smooth, T weight_sum, T x_t,
                                    T w_t) {
  T loss = p.on * w_t * ((m - x_t) + log_s);
  if (p.spread != T(0)) loss += p.spread * (smooth + weight_sum * log_s);
  return loss;
}

/// g·∂l/∂x[c] of a non-ignored row is softmax minus the smoothed, weighted one-hot,
///   g·(p[c]·((1 − ε)·w_t + (ε/C)·W) − (ε/C)·w[c] − [c = t]·(1 − ε)·w_t),   p[c] = exp((x[c] − m) − log s);
/// its three per-row factors are computed once per row. cross_entropy_grad is the element's gradient without the
/// one-hot term, which the caller subtracts at c = t (after the loop on the CPU: no data-dependent branch per
/// element; the GPU lane holding t).
template <class T> struct CrossEntropyGradRow {
  T prob = 0;    ///< g·((1 − ε)·w_t + (ε/C)·W), the factor of p[c]
  T weight = 0;  ///< g·ε/C, the factor of w[c]
  T target = 0;  ///< g·(1 − ε)·w_t, subtracted at the target
};
template <class T>
TG_HOST_DEVICE CrossEntropyGradRow<T> cross_entropy_grad_row(const CrossEntropyParams<T>& p, T g, T w_t, T weight_sum) {
  CrossEntropyGradRow<T> r;
  r.prob = g * (p.on * w_t + p.spread * weight_sum);
  r.weight = g * p.spread;
  r.target = g * p.on * w_t;
  return r;
}
template <class T>
TG_HOST_DEVICE T cross_entropy_grad(const CrossEntropyGradRow<T>& r, T x_c, T m, T log_s, T w_c) {
  return std::exp((x_c - m) - log_s) * r.prob - r.weight * w_c;
}

/// A whole non-ignored row, sequentially (the CPU op): returns its loss and stores the row's max and
/// log Σ exp(x − max), which the backward uses to rebuild softmax exactly. weight_sum is W (only read with label smoothing).
template <class T>
TG_HOST_DEVICE T cross_entropy_row(const CrossEntropyParams<T>& p, const T* row, std::int64_t t, const T* w,
                                   T weight_sum, T& m, T& log_s) {
  m = strided_max(row, 0, p.classes, 1);
  const RowSums<T> s = strided_sums(row, 0, p.classes, 1, m, w, p.spread != T(0));
  log_s = std::log(s.exp_sum);
  return cross_entropy_loss(p, m, log_s, s.smooth, weight_sum, row[t], w ? w[t] : T(1));
}

}  // namespace bodies
}  // namespace backend
}  // namespace tg
