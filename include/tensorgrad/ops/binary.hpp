#pragma once
/// Elementwise binary ops with NumPy broadcasting: add, sub, mul, div, pow, and the arithmetic operators
/// (tensor-tensor and tensor-scalar, both orders). Backward reduces each gradient to its operand's shape.
#include <type_traits>

#include "../autograd/function.hpp"
#include "fwd.hpp"
#include "../backend/kernels.hpp"
#include "../core/creation.hpp"
#include "sum_to.hpp"

namespace tg {
namespace detail {

/// out = f(a, b) with broadcasting; records nothing. Listed functors (backend/op_list.hpp) run on every device;
/// an ad-hoc lambda runs on the CPU only (other devices throw naming the op).
template <class R = void, class T, class F>
auto binary_forward(const char* op, const Tensor<T>& a, const Tensor<T>& b, F f) {
  using Out = std::conditional_t<std::is_void_v<R>, T, R>;
  kernels::common_device(op, {a.impl().get(), b.impl().get()});
  Tensor<Out> out = empty<Out>(broadcast_shapes(a.sizes(), b.sizes(), op), a.device());
  kernels::binary<Out, T>(op, f, *a.impl(), *b.impl(), *out.impl());
  return out;
}

template <class T> Tensor<T> as_scalar(const Tensor<T>& like, double s) { return scalar_tensor<T>(static_cast<T>(s), like.device()); }

}  // namespace detail

template <class T> Tensor<T> add(const Tensor<T>& a, const Tensor<T>& b) {
  Tensor<T> out = detail::binary_forward("add", a, b, functors::Add{});
  if (autograd::any_requires_grad(a, b))
    autograd::record("AddBackward", out, {a.impl(), b.impl()},
                     [sa = a.sizes(), sb = b.sizes()](const Tensor<T>& g, autograd::GradInputs& gi) {
                       if (gi.needs(0)) gi.set(0, detail::sum_to(g, sa));
                       if (gi.needs(1)) gi.set(1, detail::sum_to(g, sb));
                     });
  return out;
}

template <class T> Tensor<T> sub(const Tensor<T>& a, const Tensor<T>& b) {
  Tensor<T> out = detail::binary_forward("sub", a, b, functors::Sub{});
  if (autograd::any_requires_grad(a, b))
    autograd::record("SubBackward", out, {a.impl(), b.impl()},
                     [sa = a.sizes(), sb = b.sizes()](const Tensor<T>& g, autograd::GradInputs& gi) {
                       if (gi.needs(0)) gi.set(0, detail::sum_to(g, sa));
                       if (gi.needs(1)) gi.set(1, neg(detail::sum_to(g, sb)));
                     });
  return out;
}

template <class T> Tensor<T> mul(const Tensor<T>& a, const Tensor<T>& b) {
  Tensor<T> out = detail::binary_forward("mul", a, b, functors::Mul{});
  if (autograd::any_requires_grad(a, b)) {
    // Each gradient reads the other operand: save only what a needed gradient reads.
    autograd::SavedImpl sa, sb;
    if (b.requires_grad()) sa = autograd::save(a);
    if (a.requires_grad()) sb = autograd::save(b);
    autograd::record("MulBackward", out, {a.impl(), b.impl()},
                     [sa, sb, sha = a.sizes(), shb = b.sizes()](const Tensor<T>& g, autograd::GradInputs& gi) {
                       if (gi.needs(0)) gi.set(0, detail::sum_to(mul(g, Tensor<T>(sb.get("MulBackward"))), sha));
                       if (gi.needs(1)) gi.set(1, detail::sum_to(mul(g, Tensor<T>(sa.get("MulBackward"))), shb));
                     });
  }
  return out;
}

template <class T> Tensor<T> div(const Tensor<T>& a, const Tensor<T>& b) {
  Tensor<T> out = detail::binary_forward("div", a, b, functors::Div{});
  if (autograd::any_requires_grad(a, b)) {
    autograd::SavedImpl sb = autograd::save(b), sout;
    if (b.requires_grad()) sout = autograd::save(out);
    autograd::record("DivBackward", out, {a.impl(), b.impl()},
                     [sb, sout, sha = a.sizes(), shb = b.sizes()](const Tensor<T>& g, autograd::GradInputs& gi) {
                       const Tensor<T> bv(sb.get("DivBackward"));
                       const Tensor<T> g_over_b = div(g, bv);
                       if (gi.needs(0)) gi.set(0, detail::sum_to(g_over_b, sha));
                       // d(a/b)/db = -(a/b)/b
                       if (gi.needs(1))
                         gi.set(1, detail::sum_to(neg(mul(g_over_b, Tensor<T>(sout.get("DivBackward")))), shb));
                     });
  }
  return out;
}

/// a ** b elementwise. The gradient w.r.t. b is taken as 0 where a == 0 and b >= 0 (as PyTorch).
template <class T> Tensor<T> pow(const Tensor<T>& a, const Tensor<T>& b) {
  Tensor<T> out = detail::binary_forward("pow", a, b, functors::Pow{});
  if (autograd::any_requires_grad(a, b)) {
    autograd::record(
        "PowBackward", out, {a.impl(), b.impl()},
        [sa = autograd::save(a), sb = autograd::save(b), sout = autograd::save(out), sha = a.sizes(),
         shb = b.sizes()](const Tensor<T>& g, autograd::GradInputs& gi) {
          const Tensor<T> av(sa.get("PowBackward")), bv(sb.get("PowBackward"));
          if (gi.needs(0)) {
            Tensor<T> d = detail::binary_forward("pow", av, bv, functors::PowGradBase{});
            gi.set(0, detail::sum_to(mul(g, d), sha));
          }
          if (gi.needs(1)) {
            Tensor<T> y(sout.get("PowBackward"));
            Tensor<T> d = detail::binary_forward("pow", av, y, functors::PowGradExponent{});
            d = mul(d, ones_like(bv));  // broadcast d to out's shape when b had fewer elements
            gi.set(1, detail::sum_to(mul(g, d), shb));
          }
        });
  }
  return out;
}

template <class T> Tensor<T> operator+(const Tensor<T>& a, const Tensor<T>& b) { return add(a, b); }
template <class T> Tensor<T> operator-(const Tensor<T>& a, const Tensor<T>& b) { return sub(a, b); }
template <class T> Tensor<T> operator*(const Tensor<T>& a, const Tensor<T>& b) { return mul(a, b); }
template <class T> Tensor<T> operator/(const Tensor<T>& a, const Tensor<T>& b) { return div(a, b); }

// Tensor-scalar, both orders. The scalar becomes a 0-d tensor that needs no gradient.
#define TG_SCALAR_OPERATOR(OP, FN)                                                                   \
  template <class T, class S, class = std::enable_if_t<std::is_arithmetic_v<S>>>                     \
  Tensor<T> operator OP(const Tensor<T>& a, S s) { return FN(a, detail::as_scalar(a, static_cast<double>(s))); } \
  template <class T, class S, class = std::enable_if_t<std::is_arithmetic_v<S>>>                     \
  Tensor<T> operator OP(S s, const Tensor<T>& a) { return FN(detail::as_scalar(a, static_cast<double>(s)), a); }
TG_SCALAR_OPERATOR(+, add)
TG_SCALAR_OPERATOR(-, sub)
TG_SCALAR_OPERATOR(*, mul)
TG_SCALAR_OPERATOR(/, div)
#undef TG_SCALAR_OPERATOR

}  // namespace tg
