#pragma once
/// softmax and log_softmax along a dim, max-subtracted so logits of ±1e4 (or 1e8) stay finite.
#include <cmath>

#include "reduce.hpp"

namespace tg {
namespace detail {

/// The kernel runs on a contiguous copy (rows viewed as [outer, n, inner]); `log` picks log_softmax.
template <class T> Tensor<T> softmax_dispatch(const char* op, const Tensor<T>& x, int d, bool log) {
  const Tensor<T> xc = x.contiguous();
  Tensor<T> out = empty<T>(x.sizes(), x.device());
  kernels::softmax<T>(op, *xc.impl(), d, log, *out.impl());
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
