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

template <class T, class OutOfPlace, class Kernel>
Tensor<T>& inplace(const char* op, Tensor<T>& x, const TensorImpl* other, OutOfPlace out_of_place, Kernel kernel) {
  if (other) common_device(op, {x.impl().get(), other});
  require_cpu(op, {x.impl().get()});
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
  backend::cpu::update2<T, T>(*x.impl(), *y.impl(), [](T, T v) { return v; });
  x.impl()->storage->bump_version();
  x.impl()->grad_fn = y.impl()->grad_fn;
  x.impl()->requires_grad = true;
  return x;
}

}  // namespace detail

/// x += alpha * other (other broadcast to x's shape).
template <class T> Tensor<T>& add_(Tensor<T>& x, const Tensor<T>& other, double alpha) {
  const T a = static_cast<T>(alpha);
  return detail::inplace(
      "add_", x, other.impl().get(), [&](const Tensor<T>& xc) { return alpha == 1 ? add(xc, other) : add(xc, mul(other, detail::as_scalar(x, alpha))); },
      [&](detail::TensorImpl& xi) {
        detail::broadcast_shapes(xi.sizes, other.sizes(), "add_");
        backend::cpu::update2<T, T>(xi, *other.impl(), [a](T u, T v) { return u + a * v; });
      });
}
template <class T> Tensor<T>& mul_(Tensor<T>& x, const Tensor<T>& other) {
  return detail::inplace(
      "mul_", x, other.impl().get(), [&](const Tensor<T>& xc) { return mul(xc, other); },
      [&](detail::TensorImpl& xi) {
        detail::broadcast_shapes(xi.sizes, other.sizes(), "mul_");
        backend::cpu::update2<T, T>(xi, *other.impl(), [](T u, T v) { return u * v; });
      });
}
template <class T> Tensor<T>& div_(Tensor<T>& x, const Tensor<T>& other) {
  return detail::inplace(
      "div_", x, other.impl().get(), [&](const Tensor<T>& xc) { return div(xc, other); },
      [&](detail::TensorImpl& xi) {
        detail::broadcast_shapes(xi.sizes, other.sizes(), "div_");
        backend::cpu::update2<T, T>(xi, *other.impl(), [](T u, T v) { return u / v; });
      });
}
template <class T> Tensor<T>& add_scalar_(Tensor<T>& x, double value) {
  const T v = static_cast<T>(value);
  return detail::inplace(
      "add_", x, nullptr, [&](const Tensor<T>& xc) { return xc + value; },
      [v](detail::TensorImpl& xi) { backend::cpu::update1<T>(xi, [v](T u) { return u + v; }); });
}
template <class T> Tensor<T>& mul_scalar_(Tensor<T>& x, double value) {
  const T v = static_cast<T>(value);
  return detail::inplace(
      "mul_", x, nullptr, [&](const Tensor<T>& xc) { return xc * value; },
      [v](detail::TensorImpl& xi) { backend::cpu::update1<T>(xi, [v](T u) { return u * v; }); });
}
template <class T> Tensor<T>& fill_(Tensor<T>& x, double value) {
  const T v = static_cast<T>(value);
  return detail::inplace(
      "fill_", x, nullptr, [&](const Tensor<T>& xc) { return xc * 0.0 + value; },
      [v](detail::TensorImpl& xi) { backend::cpu::update1<T>(xi, [v](T) { return v; }); });
}
/// Copies src (broadcast to x's shape) into x.
template <class T> Tensor<T>& copy_(Tensor<T>& x, const Tensor<T>& src) {
  return detail::inplace(
      "copy_", x, src.impl().get(), [&](const Tensor<T>& xc) { return add(mul(xc, detail::as_scalar(x, 0.0)), expand(src, xc.sizes())); },
      [&](detail::TensorImpl& xi) {
        TG_CHECK(detail::broadcast_shapes(xi.sizes, src.sizes(), "copy_") == xi.sizes, "copy_: source of shape ",
                 src.sizes(), " cannot be broadcast to ", xi.sizes);
        backend::cpu::update2<T, T>(xi, *src.impl(), [](T, T v) { return v; });
      });
}
template <class T> Tensor<T>& clamp_(Tensor<T>& x, double min, double max) {
  return detail::inplace(
      "clamp_", x, nullptr, [&](const Tensor<T>& xc) { return clamp(xc, min, max); },
      [min, max](detail::TensorImpl& xi) { backend::cpu::update1<T>(xi, functors::Clamp{min, max}); });
}

template <class T> Tensor<T>& operator+=(Tensor<T>& x, const Tensor<T>& o) { return add_(x, o); }
template <class T> Tensor<T>& operator-=(Tensor<T>& x, const Tensor<T>& o) { return add_(x, o, -1.0); }
template <class T> Tensor<T>& operator*=(Tensor<T>& x, const Tensor<T>& o) { return mul_(x, o); }
template <class T> Tensor<T>& operator/=(Tensor<T>& x, const Tensor<T>& o) { return div_(x, o); }

}  // namespace tg
