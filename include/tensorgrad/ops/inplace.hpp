#pragma once
/// In-place ops (add_, mul_, div_, fill_, copy_, clamp_). Each bumps the storage's version counter.
/// With grad mode on and history involved, the result is computed out of place from a clone of the old
/// value (so the backward never reads overwritten data), written back, and the tensor takes the new node as
/// its grad_fn. In-place ops on leaves that require grad, and on views that require grad, are refused.
#include "binary.hpp"
#include "unary.hpp"
#include "view.hpp"

namespace tg {
namespace detail {

/// `src` must broadcast to exactly `shape` (an in-place op cannot grow its destination).
inline void check_broadcast_to(const char* op, const Shape& src, const Shape& shape) {
  TG_CHECK(broadcast_shapes(shape, src, op) == shape, op, ": source of shape ", src, " cannot be broadcast to ", shape);
}

/// Runs an in-place op. `kernel(x_impl)` writes the result into x on its device; `out_of_place(clone_of_x)`
/// computes the same result with autograd when history is involved.
template <class T, class OutOfPlace, class Kernel>
Tensor<T>& inplace(const char* op, Tensor<T>& x, const TensorImpl* other, OutOfPlace out_of_place, Kernel kernel) {
  if (other) kernels::common_device(op, {x.impl().get(), other});
  const bool history = is_grad_enabled() && (x.requires_grad() || (other && other->requires_grad));
  if (!history) {
    kernel(*x.impl());
    x.impl()->storage->bump_version();
    return x;
  }
  TG_CHECK(!(x.is_leaf() && x.requires_grad()), op,
           ": a leaf tensor that requires grad is being used in an in-place operation (shape ", x.sizes(),
           "); wrap it in tg::NoGradGuard or use the out-of-place op");
  TG_CHECK(!x.impl()->is_view, op, ": in-place operation on a view that takes part in autograd is not supported (shape ",
           x.sizes(), "); use the out-of-place op");
  Tensor<T> y = out_of_place(clone(x));
  TG_CHECK(y.sizes() == x.sizes(), op, ": result of shape ", y.sizes(), " cannot be written into a tensor of shape ",
           x.sizes());
  kernels::copy<T>(*x.impl(), *y.impl());
  x.impl()->storage->bump_version();
  x.impl()->grad_fn = y.impl()->grad_fn;
  x.impl()->requires_grad = true;
  return x;
}

}  // namespace detail

/// x += alpha * other (other broadcast to x's shape).
template <class T> Tensor<T>& add_(Tensor<T>& x, const Tensor<T>& other, double alpha) {
  detail::check_broadcast_to("add_", other.sizes(), x.sizes());
  return detail::inplace(
      "add_", x, other.impl().get(),
      [&](const Tensor<T>& xc) { return alpha == 1 ? add(xc, other) : add(xc, mul(other, detail::as_scalar(x, alpha))); },
      [&](detail::TensorImpl& xi) { kernels::update<T>("add_", backend::UpdateOp::Axpy, xi, *other.impl(), alpha); });
}
template <class T> Tensor<T>& mul_(Tensor<T>& x, const Tensor<T>& other) {
  detail::check_broadcast_to("mul_", other.sizes(), x.sizes());
  return detail::inplace(
      "mul_", x, other.impl().get(), [&](const Tensor<T>& xc) { return mul(xc, other); },
      [&](detail::TensorImpl& xi) { kernels::update<T>("mul_", backend::UpdateOp::Mul, xi, *other.impl(), 1.0); });
}
template <class T> Tensor<T>& div_(Tensor<T>& x, const Tensor<T>& other) {
  detail::check_broadcast_to("div_", other.sizes(), x.sizes());
  return detail::inplace(
      "div_", x, other.impl().get(), [&](const Tensor<T>& xc) { return div(xc, other); },
      [&](detail::TensorImpl& xi) { kernels::update<T>("div_", backend::UpdateOp::Div, xi, *other.impl(), 1.0); });
}
template <class T> Tensor<T>& add_scalar_(Tensor<T>& x, double value) {
  return detail::inplace(
      "add_", x, nullptr, [&](const Tensor<T>& xc) { return xc + value; },
      [&](detail::TensorImpl& xi) { kernels::update_scalar<T>("add_", backend::UpdateOp::Axpy, xi, value); });
}
template <class T> Tensor<T>& mul_scalar_(Tensor<T>& x, double value) {
  return detail::inplace(
      "mul_", x, nullptr, [&](const Tensor<T>& xc) { return xc * value; },
      [&](detail::TensorImpl& xi) { kernels::update_scalar<T>("mul_", backend::UpdateOp::Mul, xi, value); });
}
template <class T> Tensor<T>& div_scalar_(Tensor<T>& x, double value) {
  return detail::inplace(
      "div_", x, nullptr, [&](const Tensor<T>& xc) { return xc / value; },
      [&](detail::TensorImpl& xi) { kernels::update_scalar<T>("div_", backend::UpdateOp::Div, xi, value); });
}
template <class T> Tensor<T>& fill_(Tensor<T>& x, double value) {
  return detail::inplace(
      "fill_", x, nullptr, [&](const Tensor<T>& xc) { return xc * 0.0 + value; },
      [value](detail::TensorImpl& xi) { kernels::fill<T>(xi, value); });
}
/// Copies src (broadcast to x's shape) into x.
template <class T> Tensor<T>& copy_(Tensor<T>& x, const Tensor<T>& src) {
  detail::check_broadcast_to("copy_", src.sizes(), x.sizes());
  return detail::inplace(
      "copy_", x, src.impl().get(),
      [&](const Tensor<T>& xc) { return add(mul(xc, detail::as_scalar(x, 0.0)), expand(src, xc.sizes())); },
      [&](detail::TensorImpl& xi) { kernels::copy<T>(xi, *src.impl()); });
}
template <class T> Tensor<T>& clamp_(Tensor<T>& x, double min, double max) {
  return detail::inplace(
      "clamp_", x, nullptr, [&](const Tensor<T>& xc) { return clamp(xc, min, max); },
      [&](detail::TensorImpl& xi) {
        if (xi.device().is_cpu()) backend::cpu::map<T, T>(xi, functors::Clamp{min, max}, xi);
        else kernels::copy<T>(xi, *clamp(x.detach(), min, max).impl());
      });
}

template <class T> Tensor<T>& operator+=(Tensor<T>& x, const Tensor<T>& o) { return add_(x, o); }
template <class T> Tensor<T>& operator-=(Tensor<T>& x, const Tensor<T>& o) { return add_(x, o, -1.0); }
template <class T> Tensor<T>& operator*=(Tensor<T>& x, const Tensor<T>& o) { return mul_(x, o); }
template <class T> Tensor<T>& operator/=(Tensor<T>& x, const Tensor<T>& o) { return div_(x, o); }

}  // namespace tg
