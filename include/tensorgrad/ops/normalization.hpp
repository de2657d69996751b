#pragma once
/// batch_norm and layer_norm (PyTorch's torch.batch_norm / torch.layer_norm, reached as F::batch_norm and
/// F::layer_norm): each one fused op over a contiguous copy of the input, with PyTorch's closed-form backward
/// written next to it, not a chain of small ops. CPU only so far: other devices throw naming the op.
///
/// Statistics are summed in double, so a float channel of 10⁵ values keeps its precision; the variance is the
/// two-pass Σ(x − mean)², never E[x²] − mean² (which cancels catastrophically when |mean| ≫ std).
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "inplace.hpp"

namespace tg {
namespace detail {

/// A contiguous, history-free copy (or alias) of a per-feature tensor; undefined stays undefined.
template <class T> Tensor<T> dense_or_undefined(const Tensor<T>& t) { return t.defined() ? t.detach().contiguous() : t; }
template <class T> const T* data_or_null(const Tensor<T>& t) { return t.defined() ? t.impl()->template data<T>() : nullptr; }
/// Saves an optional tensor for backward: an empty SavedImpl for an undefined one (never read).
template <class T> autograd::SavedImpl save_or_empty(const Tensor<T>& t) {
  return t.defined() ? autograd::save(t) : autograd::SavedImpl();
}

/// Checks that `t` (when defined) is a CPU tensor of shape `expected`, on the input's device.
template <class T>
void check_feature_tensor(const char* op, const char* what, const Tensor<T>& input, const Tensor<T>& t,
                          const Shape& expected) {
  if (!t.defined()) return;
  kernels::require_cpu(op, {input.impl().get(), t.impl().get()});
  TG_CHECK(t.sizes() == expected, op, ": ", what, " of shape ", t.sizes(), " does not match the expected shape ",
           expected, " (input of shape ", input.sizes(), ")");
}

/// Calls f(k) for the offsets k of one group laid out as `outer` blocks of `inner` contiguous values,
/// `stride` apart: a batch_norm channel (outer = N, inner = the spatial size, stride = C·inner) or a
/// layer_norm row (outer = 1).
template <class F> void for_each_in_group(std::int64_t outer, std::int64_t inner, std::int64_t stride, F f) {
  for (std::int64_t i = 0; i < outer; ++i)
    for (std::int64_t k = i * stride, end = k + inner; k < end; ++k) f(k);
}

/// Mean and biased variance of one group starting at p (see for_each_in_group for the layout).
template <class T>
void group_moments(const T* p, std::int64_t outer, std::int64_t inner, std::int64_t stride, double& mean, double& var) {
  const double count = static_cast<double>(outer * inner);
  double sum = 0, sq = 0;
  for_each_in_group(outer, inner, stride, [&](std::int64_t k) { sum += p[k]; });
  mean = sum / count;
  for_each_in_group(outer, inner, stride, [&](std::int64_t k) { sq += (p[k] - mean) * (p[k] - mean); });
  var = sq / count;
}

/// The fused normalisation backward for one group of M values x̂ = (x − mean)·invstd, given gw(k) = g·weight
/// at offset k: dx = invstd·(gw − Σgw/M − x̂·Σ(gw·x̂)/M) when the statistics came from the
/// group itself (training), dx = invstd·gw when they are constants (running statistics).
template <class T, class Gw>
void group_input_grad(const T* px, T* pd, std::int64_t outer, std::int64_t inner, std::int64_t stride, T mean, T invstd,
                      bool batch_statistics, Gw gw) {
  T mean_gw = 0, mean_gw_xhat = 0;
  if (batch_statistics) {
    double sum = 0, sum_xhat = 0;
    for_each_in_group(outer, inner, stride, [&](std::int64_t k) {
      const double v = gw(k);
      sum += v;
      sum_xhat += v * ((px[k] - mean) * invstd);
    });
    const double count = static_cast<double>(outer * inner);
    mean_gw = static_cast<T>(sum / count);
    mean_gw_xhat = static_cast<T>(sum_xhat / count);
  }
  for_each_in_group(outer, inner, stride, [&](std::int64_t k) {
    pd[k] = invstd * (gw(k) - mean_gw - (px[k] - mean) * invstd * mean_gw_xhat);
  });
}

}  // namespace detail

/// Batch normalisation of an input [N, C, *] over every axis but the channel axis 1:
///   y = (x − mean) / √(var + eps) · weight + bias   (weight, bias [C], optional).
/// training: mean and var are the batch's (var biased), and running_mean / running_var (when defined) are
/// updated in place, outside the tape, as running = (1 − momentum)·running + momentum·batch, running_var with
/// the unbiased batch variance (PyTorch's semantics). Not training: the running statistics are used.
/// Differentiable w.r.t. input, weight and bias; the running statistics are state, not inputs.
/// Example: auto y = tg::batch_norm(x, running_mean, running_var, weight, bias, /*training=*/true);
template <class T>
Tensor<T> batch_norm(const Tensor<T>& input, const Tensor<T>& running_mean, const Tensor<T>& running_var,
                     const Tensor<T>& weight = Tensor<T>(), const Tensor<T>& bias = Tensor<T>(), bool training = false,
                     double momentum = 0.1, double eps = 1e-5) {
  const char* op = "batch_norm";
  TG_CHECK(input.dim() >= 2, op, ": expected input of shape [N, C, *] (at least 2 dims), got ", input.sizes());
  kernels::require_cpu(op, {input.impl().get()});
  const std::int64_t n = input.size(0), c = input.size(1);
  std::int64_t s = 1;  // the spatial size: the product of the dims after the channel
  for (int d = 2; d < input.dim(); ++d) s *= input.size(d);
  const std::int64_t count = n * s;  // values per channel
  const Tensor<T>* features[] = {&running_mean, &running_var, &weight, &bias};
  const char* feature_names[] = {"running_mean", "running_var", "weight", "bias"};
  for (int i = 0; i < 4; ++i) detail::check_feature_tensor(op, feature_names[i], input, *features[i], Shape{c});
  TG_CHECK(!training || count > 1, op, ": Expected more than 1 value per channel when training, got input size ",
           input.sizes());
  TG_CHECK(training || (running_mean.defined() && running_var.defined()), op,
           ": running_mean and running_var must be defined when not training");

  const Tensor<T> x = input.detach().contiguous();
  const Tensor<T> w = detail::dense_or_undefined(weight), b = detail::dense_or_undefined(bias);
  const T* px = x.impl()->template data<T>();
  const T *pw = detail::data_or_null(w), *pb = detail::data_or_null(b);
  // Per channel: the mean and 1/√(var + eps) used (batch or running), kept for the backward.
  auto mean = std::make_shared<std::vector<T>>(static_cast<std::size_t>(c));
  auto invstd = std::make_shared<std::vector<T>>(static_cast<std::size_t>(c));
  if (training) {
    std::vector<T> new_mean(static_cast<std::size_t>(c)), new_var(static_cast<std::size_t>(c));
    const Tensor<T> rm = detail::dense_or_undefined(running_mean), rv = detail::dense_or_undefined(running_var);
    const T *prm = detail::data_or_null(rm), *prv = detail::data_or_null(rv);
    const double m = momentum, unbias = static_cast<double>(count) / static_cast<double>(count - 1);
    for (std::int64_t ch = 0; ch < c; ++ch) {
      double mu = 0, var = 0;
      detail::group_moments(px + ch * s, n, s, c * s, mu, var);
      (*mean)[ch] = static_cast<T>(mu);
      (*invstd)[ch] = static_cast<T>(1.0 / std::sqrt(var + eps));
      if (prm) new_mean[ch] = static_cast<T>((1 - m) * prm[ch] + m * mu);
      if (prv) new_var[ch] = static_cast<T>((1 - m) * prv[ch] + m * var * unbias);
    }
    NoGradGuard no_grad;  // running statistics are state: updated in place, never recorded
    Tensor<T> running_mean_handle = running_mean, running_var_handle = running_var;
    if (prm) copy_(running_mean_handle, tensor<T>(new_mean, Shape{c}));
    if (prv) copy_(running_var_handle, tensor<T>(new_var, Shape{c}));
  } else {
    const Tensor<T> rm = running_mean.contiguous(), rv = running_var.contiguous();
    const T *prm = rm.impl()->template data<T>(), *prv = rv.impl()->template data<T>();
    for (std::int64_t ch = 0; ch < c; ++ch) {
      (*mean)[ch] = prm[ch];
      (*invstd)[ch] = static_cast<T>(1.0 / std::sqrt(static_cast<double>(prv[ch]) + eps));
    }
  }

  // y = x·scale + shift per channel.
  Tensor<T> out = empty<T>(input.sizes());
  T* po = out.impl()->template data<T>();
  for (std::int64_t ch = 0; ch < c; ++ch) {
    const T scale = (*invstd)[ch] * (pw ? pw[ch] : T(1));
    const T shift = (pb ? pb[ch] : T(0)) - (*mean)[ch] * scale;
    const T* xch = px + ch * s;
    T* och = po + ch * s;
    detail::for_each_in_group(n, s, c * s, [&](std::int64_t k) { och[k] = xch[k] * scale + shift; });
  }

  if (autograd::any_requires_grad(input, weight, bias))
    autograd::record(
        "NativeBatchNormBackward", out, {input.impl(), weight.defined() ? weight.impl() : nullptr,
                                         bias.defined() ? bias.impl() : nullptr},
        [sx = autograd::save(x), sw = detail::save_or_empty(w), has_weight = w.defined(), mean, invstd, n, c, s,
         training](
            const Tensor<T>& g, autograd::GradInputs& gi) {
          // Per channel, with x̂ = (x − mean)·invstd: dbias = Σ g, dweight = Σ g·x̂, dx from group_input_grad.
          const Tensor<T> gc = g.contiguous();
          const T* pg = gc.impl()->template data<T>();
          const T* px = sx.get("NativeBatchNormBackward")->template data<T>();
          const T* pw = has_weight ? sw.get("NativeBatchNormBackward")->template data<T>() : nullptr;
          Tensor<T> dx, dw = empty<T>(Shape{c}), db = empty<T>(Shape{c});
          if (gi.needs(0)) dx = empty<T>(gc.sizes());
          for (std::int64_t ch = 0; ch < c; ++ch) {
            const T mu = (*mean)[ch], is = (*invstd)[ch], wc = pw ? pw[ch] : T(1);
            const T *gch = pg + ch * s, *xch = px + ch * s;
            double sum_g = 0, sum_g_xhat = 0;
            detail::for_each_in_group(n, s, c * s, [&](std::int64_t k) {
              sum_g += gch[k];
              sum_g_xhat += gch[k] * ((xch[k] - mu) * is);
            });
            dw.impl()->template data<T>()[ch] = static_cast<T>(sum_g_xhat);
            db.impl()->template data<T>()[ch] = static_cast<T>(sum_g);
            if (dx.defined())
              detail::group_input_grad(xch, dx.impl()->template data<T>() + ch * s, n, s, c * s, mu, is, training,
                                       [gch, wc](std::int64_t k) { return gch[k] * wc; });
          }
          gi.set(0, dx);
          gi.set(1, dw);
          gi.set(2, db);
        });
  return out;
}

/// Layer normalisation over the trailing dims `normalized_shape` of the input:
///   y = (x − mean) / √(var + eps) · weight + bias   (weight, bias of shape normalized_shape, optional),
/// with each row's own mean and biased variance. Differentiable w.r.t. input, weight and bias.
/// Example: auto y = tg::layer_norm(x, {x.size(-1)});   // normalises every row of x [*, D]
template <class T>
Tensor<T> layer_norm(const Tensor<T>& input, const Shape& normalized_shape, const Tensor<T>& weight = Tensor<T>(),
                     const Tensor<T>& bias = Tensor<T>(), double eps = 1e-5) {
  const char* op = "layer_norm";
  const int lead = input.dim() - normalized_shape.size();
  if (normalized_shape.size() < 1 || lead < 0 || Shape(input.sizes().begin() + lead, input.sizes().end()) != normalized_shape) {
    std::string expected = "[*";
    for (std::int64_t n : normalized_shape) expected += ", " + std::to_string(n);
    TG_CHECK(false, op, ": given normalized_shape=", normalized_shape, ", expected input with shape ", expected,
             "], but got input of size ", input.sizes());
  }
  kernels::require_cpu(op, {input.impl().get()});
  detail::check_feature_tensor(op, "weight", input, weight, normalized_shape);
  detail::check_feature_tensor(op, "bias", input, bias, normalized_shape);
  const std::int64_t d = normalized_shape.numel();
  std::int64_t rows = 1;
  for (int i = 0; i < lead; ++i) rows *= input.size(i);

  const Tensor<T> x = input.detach().contiguous();
  const Tensor<T> w = detail::dense_or_undefined(weight), b = detail::dense_or_undefined(bias);
  const T* px = x.impl()->template data<T>();
  const T *pw = detail::data_or_null(w), *pb = detail::data_or_null(b);
  auto mean = std::make_shared<std::vector<T>>(static_cast<std::size_t>(rows));
  auto invstd = std::make_shared<std::vector<T>>(static_cast<std::size_t>(rows));
  Tensor<T> out = empty<T>(input.sizes());
  T* po = out.impl()->template data<T>();
  for (std::int64_t r = 0; r < rows; ++r) {
    double mu = 0, var = 0;
    detail::group_moments(px + r * d, 1, d, d, mu, var);
    const T m = static_cast<T>(mu), is = static_cast<T>(1.0 / std::sqrt(var + eps));
    (*mean)[r] = m;
    (*invstd)[r] = is;
    const T* xr = px + r * d;
    T* yr = po + r * d;
    for (std::int64_t j = 0; j < d; ++j) yr[j] = (xr[j] - m) * is * (pw ? pw[j] : T(1)) + (pb ? pb[j] : T(0));
  }

  if (autograd::any_requires_grad(input, weight, bias))
    autograd::record(
        "NativeLayerNormBackward", out, {input.impl(), weight.defined() ? weight.impl() : nullptr,
                                         bias.defined() ? bias.impl() : nullptr},
        [sx = autograd::save(x), sw = detail::save_or_empty(w), has_weight = w.defined(), mean, invstd, rows, d,
         shape = normalized_shape](const Tensor<T>& g, autograd::GradInputs& gi) {
          // Per row, with x̂ = (x − mean)·invstd: dx from group_input_grad with g·weight; per feature,
          // dweight = Σ_rows g·x̂ and dbias = Σ_rows g.
          const Tensor<T> gc = g.contiguous();
          const T* pg = gc.impl()->template data<T>();
          const T* px = sx.get("NativeLayerNormBackward")->template data<T>();
          const T* pw = has_weight ? sw.get("NativeLayerNormBackward")->template data<T>() : nullptr;
          std::vector<double> dw(static_cast<std::size_t>(d)), db(static_cast<std::size_t>(d));
          Tensor<T> dx;
          if (gi.needs(0)) dx = empty<T>(gc.sizes());
          for (std::int64_t r = 0; r < rows; ++r) {
            const T mu = (*mean)[r], is = (*invstd)[r];
            const T *gr = pg + r * d, *xr = px + r * d;
            for (std::int64_t j = 0; j < d; ++j) {
              dw[j] += gr[j] * ((xr[j] - mu) * is);
              db[j] += gr[j];
            }
            if (dx.defined())
              detail::group_input_grad(xr, dx.impl()->template data<T>() + r * d, 1, d, d, mu, is, true,
                                       [gr, pw](std::int64_t k) { return gr[k] * (pw ? pw[k] : T(1)); });
          }
          gi.set(0, dx);
          gi.set(1, tensor<T>(std::vector<T>(dw.begin(), dw.end()), shape));
          gi.set(2, tensor<T>(std::vector<T>(db.begin(), db.end()), shape));
        });
  return out;
}

}  // namespace tg
