#pragma once
/// Elementwise unary ops: one generic recorder (unary_op) and one line per op; the scalar math is the functors
/// of backend/functors.hpp.
#include "../autograd/function.hpp"
#include "fwd.hpp"
#include "../backend/kernels.hpp"
#include "../core/creation.hpp"

namespace tg {
namespace detail {

/// y = op(x) elementwise; backward multiplies the upstream gradient by op.grad(x, y) in one fused pass.
template <class Op, class T>
Tensor<T> unary_op(const Tensor<T>& x, Op op = {}) {
  static_assert(is_floating_v<T>, "elementwise math needs a floating point tensor");
  Tensor<T> y = empty<T>(x.sizes(), x.device());
  kernels::unary<T>(Op::name, op, *x.impl(), *y.impl());
  if (autograd::any_requires_grad(x)) {
    autograd::SavedImpl sx, sy;
    if (Op::saves_input) sx = autograd::save(x);
    if (Op::saves_output) sy = autograd::save(y);
    autograd::record(Op::name, y, {x.impl()},
                     [op, sx, sy](const Tensor<T>& g, autograd::GradInputs& gi) {
                       const TensorImpl& xi = Op::saves_input ? *sx.get(Op::name) : *g.impl();
                       const TensorImpl& yi = Op::saves_output ? *sy.get(Op::name) : *g.impl();
                       Tensor<T> dx = empty<T>(g.sizes(), g.device());
                       kernels::unary_backward<T>(Op::name, op, *g.impl(), xi, yi, *dx.impl());
                       gi.set(0, dx);
                     });
  }
  return y;
}

}  // namespace detail

template <class T> Tensor<T> neg(const Tensor<T>& x) { return detail::unary_op<functors::Neg>(x); }
template <class T> Tensor<T> exp(const Tensor<T>& x) { return detail::unary_op<functors::Exp>(x); }
template <class T> Tensor<T> log(const Tensor<T>& x) { return detail::unary_op<functors::Log>(x); }
template <class T> Tensor<T> sqrt(const Tensor<T>& x) { return detail::unary_op<functors::Sqrt>(x); }
/// |x|; the gradient at 0 is 0.
template <class T> Tensor<T> abs(const Tensor<T>& x) { return detail::unary_op<functors::Abs>(x); }
template <class T> Tensor<T> pow(const Tensor<T>& x, double exponent) {
  return detail::unary_op(x, functors::PowScalar{exponent});
}
/// Clamps into [min, max]; the gradient passes where min <= x <= max (bounds included).
template <class T> Tensor<T> clamp(const Tensor<T>& x, double min, double max) {
  TG_CHECK(!(min > max), "clamp: min (", min, ") must not exceed max (", max, ")");
  return detail::unary_op(x, functors::Clamp{min, max});
}
template <class T> Tensor<T> clamp_min(const Tensor<T>& x, double min) { return detail::unary_op(x, functors::Clamp{min, HUGE_VAL}); }
template <class T> Tensor<T> clamp_max(const Tensor<T>& x, double max) { return detail::unary_op(x, functors::Clamp{-HUGE_VAL, max}); }

template <class T> Tensor<T> operator-(const Tensor<T>& x) { return neg(x); }

}  // namespace tg
