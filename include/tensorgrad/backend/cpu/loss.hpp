#pragma once
/// CPU loops of the loss kernels and the dropout mask: the bodies of backend/bodies/loss.hpp and
/// backend/bodies/philox.hpp applied element by element (pointwise losses) or row by row (the class-index
/// losses), over contiguous tensors. The seam's conventions: `w` and `a` are optional (nullptr: all ones) and
/// dense in the input's shape (pointwise) or [C] (class weights); x is [N, C], y [N] for the class losses.
#include <algorithm>
#include <cstdint>

#include "../../core/tensor_impl.hpp"
#include "../bodies/loss.hpp"
#include "../bodies/philox.hpp"

namespace tg {
namespace backend {
namespace cpu {

template <class T> const T* data_or_null(const detail::TensorImpl* t) { return t ? t->template data<T>() : nullptr; }

template <class T, class F>
void pointwise_loss(F f, const detail::TensorImpl& x, const detail::TensorImpl& y, const detail::TensorImpl* w,
                    const detail::TensorImpl* a, detail::TensorImpl& out) {
  const T *px = x.data<T>(), *py = y.data<T>(), *pw = data_or_null<T>(w), *pa = data_or_null<T>(a);
  T* po = out.data<T>();
  for (std::int64_t i = 0, n = x.numel(); i < n; ++i) {
    if (!bodies::in_domain(f, px[i])) throw bodies::probability_error(px[i]);
    po[i] = bodies::pointwise_loss(f, px[i], py[i], pw ? pw[i] : T(1), pa ? pa[i] : T(1));
  }
}

template <class T, class F>
void pointwise_loss_backward(F f, bool wrt_target, const detail::TensorImpl& g, const detail::TensorImpl& x,
                             const detail::TensorImpl& y, const detail::TensorImpl* w, const detail::TensorImpl* a,
                             detail::TensorImpl& d) {
  const T *pg = g.data<T>(), *px = x.data<T>(), *py = y.data<T>(), *pw = data_or_null<T>(w), *pa = data_or_null<T>(a);
  T* pd = d.data<T>();
  for (std::int64_t i = 0, n = x.numel(); i < n; ++i)
    pd[i] = bodies::pointwise_loss_grad(f, wrt_target, pg[i], px[i], py[i], pw ? pw[i] : T(1), pa ? pa[i] : T(1));
}

/// out[i] = −coef[i]·x[i, y_i] with coef[i] the target's weight (0 for ignored targets).
template <class T>
void nll_loss(const detail::TensorImpl& x, const detail::TensorImpl& y, const detail::TensorImpl* w,
              std::int64_t ignore_index, detail::TensorImpl& out, detail::TensorImpl& coef) {
  const std::int64_t n = x.sizes[0], classes = x.sizes[1];
  const std::int64_t* py = y.data<std::int64_t>();
  const T *px = x.data<T>(), *pw = data_or_null<T>(w);
  T *pcoef = coef.data<T>(), *po = out.data<T>();
  for (std::int64_t i = 0; i < n; ++i) {
    bodies::check_class_target("nll_loss", py[i], classes, ignore_index);
    pcoef[i] = bodies::target_weight(pw, py[i], ignore_index);
    po[i] = py[i] == ignore_index ? T(0) : bodies::nll_loss_value(px[i * classes + py[i]], pcoef[i]);
  }
}

/// d (zero-filled [N, C]) gets −coef[i]·g[i] at each non-ignored target.
template <class T>
void nll_loss_backward(const detail::TensorImpl& g, const detail::TensorImpl& y, const detail::TensorImpl& coef,
                       std::int64_t ignore_index, detail::TensorImpl& d) {
  const std::int64_t n = d.sizes[0], classes = d.sizes[1];
  const T *pg = g.data<T>(), *pcoef = coef.data<T>();
  const std::int64_t* py = y.data<std::int64_t>();
  T* pd = d.data<T>();
  for (std::int64_t i = 0; i < n; ++i)
    if (py[i] != ignore_index) pd[i * classes + py[i]] = bodies::nll_loss_grad(pg[i], pcoef[i]);
}

/// Per row: the loss, the target's weight (0 if ignored), max and log Σ exp(x − max) for the backward.
template <class T>
void cross_entropy(const detail::TensorImpl& x, const detail::TensorImpl& y, const detail::TensorImpl* w,
                   std::int64_t ignore_index, double label_smoothing, detail::TensorImpl& out, detail::TensorImpl& coef,
                   detail::TensorImpl& row_max, detail::TensorImpl& row_log_sum) {
  const std::int64_t n = x.sizes[0], classes = x.sizes[1];
  const auto p = bodies::cross_entropy_params<T>(classes, ignore_index, label_smoothing);
  const std::int64_t* py = y.data<std::int64_t>();
  const T *px = x.data<T>(), *pw = data_or_null<T>(w);
  const T weight_sum = bodies::strided_weight_sum(pw, 0, classes, 1);
  T *pcoef = coef.data<T>(), *po = out.data<T>(), *pmax = row_max.data<T>(), *plog_sum = row_log_sum.data<T>();
  for (std::int64_t i = 0; i < n; ++i) {
    bodies::check_class_target("cross_entropy", py[i], classes, ignore_index);
    pcoef[i] = bodies::target_weight(pw, py[i], ignore_index);
    if (py[i] == ignore_index) {  // the backward never reads an ignored row's statistics
      po[i] = pmax[i] = plog_sum[i] = T(0);
      continue;
    }
    po[i] = bodies::cross_entropy_row(p, px + i * classes, py[i], pw, weight_sum, pmax[i], plog_sum[i]);
  }
}

/// d = g·(softmax − smoothed, weighted one-hot) per row, rebuilt from the forward's row statistics.
template <class T>
void cross_entropy_backward(const detail::TensorImpl& g, const detail::TensorImpl& x, const detail::TensorImpl& y,
                            const detail::TensorImpl* w, std::int64_t ignore_index, double label_smoothing,
                            const detail::TensorImpl& row_max, const detail::TensorImpl& row_log_sum,
                            detail::TensorImpl& d) {
  const std::int64_t n = x.sizes[0], classes = x.sizes[1];
  const auto p = bodies::cross_entropy_params<T>(classes, ignore_index, label_smoothing);
  const T *pg = g.data<T>(), *px = x.data<T>(), *pw = data_or_null<T>(w);
  const std::int64_t* py = y.data<std::int64_t>();
  const T *pmax = row_max.data<T>(), *plog_sum = row_log_sum.data<T>();
  const T weight_sum = bodies::strided_weight_sum(pw, 0, classes, 1);
  T* pd = d.data<T>();
  for (std::int64_t i = 0; i < n; ++i) {
    const T* row = px + i * classes;
    T* drow = pd + i * classes;
    const std::int64_t t = py[i];
    if (t == ignore_index) {
      std::fill(drow, drow + classes, T(0));
      continue;
    }
    const auto factors = bodies::cross_entropy_grad_row(p, pg[i], pw ? pw[t] : T(1), weight_sum);
    for (std::int64_t c = 0; c < classes; ++c)
      drow[c] = bodies::cross_entropy_grad(factors, row[c], pmax[i], plog_sum[i], pw ? pw[c] : T(1));
    drow[t] -= factors.target;
  }
}

template <class T> void dropout_mask(detail::TensorImpl& mask, double p, std::uint64_t seed) {
  bodies::fill_dropout_mask(bodies::dropout_mask_body<T>(seed, p), mask.data<T>(), mask.numel());
}

}  // namespace cpu
}  // namespace backend
}  // namespace tg
