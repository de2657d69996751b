#pragma once
/// The kernel-call layer's loss kernels and dropout mask (see backend/kernels.hpp): each runs the CPU loop of
/// backend/cpu/loss.hpp or the device backend's kernel through the seam, so the losses in nn/ never see a
/// backend. Their own header, so that only the translation units with losses compile the loss loops.
#include <cstdint>

#include "cpu/loss.hpp"
#include "kernels.hpp"

namespace tg {
namespace kernels {

/// out = w·f(x, y, a) elementwise; f is a loss functor of backend/bodies/loss.hpp, w and a optional (nullptr).
template <class T, class F>
void pointwise_loss(const char* op, F f, const TensorImpl& x, const TensorImpl& y, const TensorImpl* w,
                    const TensorImpl* a, TensorImpl& out) {
  if (auto* be = device_of(op, {&x, &y, &out}))
    be->pointwise_loss(backend::bodies::loss_id<F>, f.param(), x, y, w, a, out);
  else
    backend::cpu::pointwise_loss<T>(f, x, y, w, a, out);
}
/// d = g·∂loss/∂x (or ∂/∂y with wrt_target).
template <class T, class F>
void pointwise_loss_backward(const char* op, F f, bool wrt_target, const TensorImpl& g, const TensorImpl& x,
                             const TensorImpl& y, const TensorImpl* w, const TensorImpl* a, TensorImpl& d) {
  if (auto* be = device_of(op, {&g, &x, &y, &d}))
    be->pointwise_loss_backward(backend::bodies::loss_id<F>, f.param(), wrt_target, g, x, y, w, a, d);
  else
    backend::cpu::pointwise_loss_backward<T>(f, wrt_target, g, x, y, w, a, d);
}

template <class T>
void nll_loss(const TensorImpl& x, const TensorImpl& y, const TensorImpl* w, std::int64_t ignore_index,
              TensorImpl& out, TensorImpl& coef) {
  if (auto* be = device_of("nll_loss", {&x, &out}))
    be->nll_loss(x, y, w, ignore_index, out, coef);
  else
    backend::cpu::nll_loss<T>(x, y, w, ignore_index, out, coef);
}
/// d: zero-filled [N, C].
template <class T>
void nll_loss_backward(const TensorImpl& g, const TensorImpl& y, const TensorImpl& coef, std::int64_t ignore_index,
                       TensorImpl& d) {
  if (auto* be = device_of("NllLossBackward", {&g, &d}))
    be->nll_loss_backward(g, y, coef, ignore_index, d);
  else
    backend::cpu::nll_loss_backward<T>(g, y, coef, ignore_index, d);
}

template <class T>
void cross_entropy(const TensorImpl& x, const TensorImpl& y, const TensorImpl* w, std::int64_t ignore_index,
                   double label_smoothing, TensorImpl& out, TensorImpl& coef, TensorImpl& row_max,
                   TensorImpl& row_log_sum) {
  if (auto* be = device_of("cross_entropy", {&x, &out}))
    be->cross_entropy(x, y, w, ignore_index, label_smoothing, out, coef, row_max, row_log_sum);
  else
    backend::cpu::cross_entropy<T>(x, y, w, ignore_index, label_smoothing, out, coef, row_max, row_log_sum);
}
template <class T>
void cross_entropy_backward(const TensorImpl& g, const TensorImpl& x, const TensorImpl& y, const TensorImpl* w,
                            std::int64_t ignore_index, double label_smoothing, const TensorImpl& row_max,
                            const TensorImpl& row_log_sum, TensorImpl& d) {
  if (auto* be = device_of("CrossEntropyLossBackward", {&g, &x, &d}))
    be->cross_entropy_backward(g, x, y, w, ignore_index, label_smoothing, row_max, row_log_sum, d);
  else
    backend::cpu::cross_entropy_backward<T>(g, x, y, w, ignore_index, label_smoothing, row_max, row_log_sum, d);
}

/// mask = 0 with probability p, else 1/(1 − p), entry i a pure function of (seed, i) on every device.
template <class T> void dropout_mask(const char* op, TensorImpl& mask, double p, std::uint64_t seed) {
  if (auto* be = device_of(op, {&mask}))
    be->dropout_mask(mask, p, seed);
  else
    backend::cpu::dropout_mask<T>(mask, p, seed);
}

}  // namespace kernels
}  // namespace tg
