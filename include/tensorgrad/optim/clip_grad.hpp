#pragma once
/// Gradient clipping: tg::nn::utils::clip_grad_norm_ and clip_grad_value_ (in nn::utils, as PyTorch).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "../ops/tensor_methods.hpp"

namespace tg {
namespace nn {
namespace utils {

namespace detail {
template <class T>
T* grad_data(const Tensor<T>& grad, const char* op) {
  TG_CHECK(grad.is_contiguous() && grad.device().is_cpu(), op, ": gradient of shape ", grad.sizes(),
           " must be a contiguous CPU tensor");
  return grad.data();
}
}  // namespace detail

/// Scales the gradients of `parameters` in place so that their joint norm of order `norm_type` (the norm of
/// the vector of every gradient element; `INFINITY` for the max-abs norm) is at most `max_norm`, and returns
/// that norm as it was before clipping. As PyTorch: the scale is max_norm / (total_norm + 1e-6), applied when
/// it is below 1 (also when the norm is NaN or inf, which spreads to the gradients unless
/// error_if_nonfinite). Parameters without a gradient are skipped; with none, the norm is 0.
/// Example: `double norm = tg::nn::utils::clip_grad_norm_(model->parameters(), 1.0);`
template <class T>
double clip_grad_norm_(const std::vector<Tensor<T>>& parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false) {
  TG_CHECK(norm_type > 0, "clip_grad_norm_: norm_type must be positive or INFINITY, got ", norm_type);
  TG_CHECK(max_norm >= 0, "clip_grad_norm_: max_norm must be non-negative, got ", max_norm);
  const bool inf_norm = std::isinf(norm_type);
  std::vector<Tensor<T>> grads;
  for (const Tensor<T>& p : parameters) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  if (grads.empty()) return 0.0;
  // One pass over every element, accumulated in double: the joint norm of all gradients.
  double total = 0;
  for (const Tensor<T>& g : grads) {
    const T* x = detail::grad_data(g, "clip_grad_norm_");
    for (std::int64_t j = 0, n = g.numel(); j < n; ++j) {
      const double a = std::abs(static_cast<double>(x[j]));
      if (inf_norm) total = std::isnan(a) ? a : std::max(total, a);
      else total += norm_type == 2.0 ? a * a : std::pow(a, norm_type);
    }
  }
  if (!inf_norm) total = norm_type == 2.0 ? std::sqrt(total) : std::pow(total, 1 / norm_type);
  TG_CHECK(!error_if_nonfinite || std::isfinite(total), "clip_grad_norm_: the total norm of order ", norm_type,
           " for gradients from `parameters` is non-finite, so it cannot be clipped. To disable this error and "
           "scale the gradients by the non-finite norm anyway, set error_if_nonfinite=false");
  const double clip_coef = max_norm / (total + 1e-6);
  if (!(clip_coef >= 1)) {
    const T scale = static_cast<T>(clip_coef);
    for (const Tensor<T>& g : grads) {
      T* x = g.data();
      for (std::int64_t j = 0, n = g.numel(); j < n; ++j) x[j] *= scale;
      g.impl()->storage->bump_version();
    }
  }
  return total;
}

/// clip_grad_norm_ for a single parameter.
template <class T>
double clip_grad_norm_(const Tensor<T>& parameter, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false) {
  return clip_grad_norm_(std::vector<Tensor<T>>{parameter}, max_norm, norm_type, error_if_nonfinite);
}

/// Clamps every gradient element of `parameters` to [−clip_value, clip_value] in place (NaN stays NaN).
/// Example: `tg::nn::utils::clip_grad_value_(model->parameters(), 0.5);`
template <class T>
void clip_grad_value_(const std::vector<Tensor<T>>& parameters, double clip_value) {
  TG_CHECK(clip_value >= 0, "clip_grad_value_: clip_value must be non-negative, got ", clip_value);
  const T hi = static_cast<T>(clip_value);
  for (const Tensor<T>& p : parameters) {
    const Tensor<T> g = p.grad();
    if (!g.defined()) continue;
    T* x = detail::grad_data(g, "clip_grad_value_");
    for (std::int64_t j = 0, n = g.numel(); j < n; ++j) {
      if (x[j] > hi) x[j] = hi;
      else if (x[j] < -hi) x[j] = -hi;
    }
    g.impl()->storage->bump_version();
  }
}

/// clip_grad_value_ for a single parameter.
template <class T>
void clip_grad_value_(const Tensor<T>& parameter, double clip_value) {
  clip_grad_value_(std::vector<Tensor<T>>{parameter}, clip_value);
}

}  // namespace utils
}  // namespace nn
}  // namespace tg
