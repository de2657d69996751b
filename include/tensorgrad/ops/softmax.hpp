#pragma once
/// softmax and log_softmax along a dim, max-subtracted so logits of ±1e4 (or 1e8) stay finite.
#include <cmath>

#include "reduce.hpp"

namespace tg {
namespace detail {

/// Row-wise kernel over a contiguous copy viewed as [outer, n, inner]; `log` picks log_softmax.
template <class T> Tensor<T> softmax_forward(const Tensor<T>& x, int d, bool log) {
  const Tensor<T> xc = x.contiguous();
  Tensor<T> out = empty<T>(x.sizes());
  const std::int64_t n = x.dim() ? x.sizes()[d] : 1;
  std::int64_t outer = 1, inner = 1;
  for (int i = 0; i < d; ++i) outer *= x.sizes()[i];
  for (int i = d + 1; i < x.dim(); ++i) inner *= x.sizes()[i];
  const T* p = xc.impl()->template data<T>();
  T* o = out.impl()->template data<T>();
  for (std::int64_t a = 0; a < outer; ++a)
    for (std::int64_t c = 0; c < inner; ++c) {
      const T* row = p + a * n * inner + c;
      T* orow = o + a * n * inner + c;
      T mx = -std::numeric_limits<T>::infinity();
      for (std::int64_t k = 0; k < n; ++k) mx = std::max(mx, row[k * inner]);
      if (std::isinf(mx) && mx < 0) mx = 0;  // an all -inf row: avoid (-inf) - (-inf)
      T total = 0;
      for (std::int64_t k = 0; k < n; ++k) {
        const T e = std::exp(row[k * inner] - mx);
        total += e;
        if (!log) orow[k * inner] = e;
      }
      if (log) {
        // (x − max) − log Σ: forming max + log Σ first would round at the logits' magnitude.
        const T log_total = std::log(total);
        for (std::int64_t k = 0; k < n; ++k) orow[k * inner] = (row[k * inner] - mx) - log_total;
      } else {
        const T inv = T(1) / total;
        for (std::int64_t k = 0; k < n; ++k) orow[k * inner] *= inv;
      }
    }
  return out;
}

template <class T> Tensor<T> softmax_dispatch(const char* op, const Tensor<T>& x, int d, bool log) {
  auto* be = device_backend(op, {x.impl().get()});
  if (!be) return softmax_forward(x, d, log);
  const Tensor<T> xc = x.contiguous();
  Tensor<T> out = empty<T>(x.sizes(), x.device());
  be->softmax(*xc.impl(), d, log, *out.impl());
  return out;
}

}  // namespace detail

/// exp(x) / sum(exp(x)) along dim.
template <class T> Tensor<T> softmax(const Tensor<T>& x, std::int64_t dim) {
  const int d = detail::wrap_dim(dim, x.dim(), "softmax");
  Tensor<T> y = detail::softmax_dispatch("softmax", x, d, false);
  if (autograd::any_requires_grad(x))
    autograd::record("SoftmaxBackward", y, {x.impl()}, [sy = autograd::save(y), d](const Tensor<T>& g, autograd::GradInputs& gi) {
      const Tensor<T> yv(sy.get("SoftmaxBackward"));
      const Tensor<T> gy = g * yv;
      gi.set(0, gy - yv * sum(gy, d, true));  // y ⊙ (g − Σ g⊙y)
    });
  return y;
}

/// x − logsumexp(x) along dim.
template <class T> Tensor<T> log_softmax(const Tensor<T>& x, std::int64_t dim) {
  const int d = detail::wrap_dim(dim, x.dim(), "log_softmax");
  Tensor<T> y = detail::softmax_dispatch("log_softmax", x, d, true);
  if (autograd::any_requires_grad(x))
    autograd::record("LogSoftmaxBackward", y, {x.impl()},
                     [sy = autograd::save(y), d](const Tensor<T>& g, autograd::GradInputs& gi) {
                       gi.set(0, g - exp(Tensor<T>(sy.get("LogSoftmaxBackward"))) * sum(g, d, true));
                     });
  return y;
}

}  // namespace tg
