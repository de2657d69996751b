#pragma once
/// Elementwise comparisons and selection: maximum, minimum (differentiable), eq/ne/lt/le/gt/ge and the
/// comparison operators, and where(cond, a, b) (differentiable w.r.t. a and b). All broadcast as NumPy.
///
/// NOTE [ Comparison masks ]: tensorgrad has no bool dtype, so a comparison returns a tensor of the inputs'
/// dtype holding 1 where the relation holds and 0 elsewhere. Such a mask multiplies directly
/// (`x * (x > 0)`), sums to a count, and is what where() takes as its condition (any nonzero means true).
/// Masks never require grad: comparisons are piecewise constant.
#include <type_traits>

#include "binary.hpp"

namespace tg {
namespace detail {

/// maximum/minimum: `pick` computes the value (is_max: maximum). The gradient follows PyTorch's formula: the side
/// that wins gets all of it, on a tie (a == b) each side gets half, and where a NaN makes every comparison false
/// both sides get all of it. The weights 1 − loses − ties/2 are built from comparison masks, so the backward runs
/// on every device.
template <class T, class Pick>
Tensor<T> max_min(const char* op, const char* node, const Tensor<T>& a, const Tensor<T>& b, Pick pick, bool is_max) {
  Tensor<T> out = binary_forward(op, a, b, pick);
  if constexpr (!is_floating_v<T>) return out;  // integer tensors never require grad
  else if (autograd::any_requires_grad(a, b)) {
    autograd::record(node, out, {a.impl(), b.impl()},
                     [is_max, node, sa = autograd::save(a), sb = autograd::save(b), sha = a.sizes(),
                      shb = b.sizes()](const Tensor<T>& g, autograd::GradInputs& gi) {
                       const Tensor<T> av(sa.get(node)), bv(sb.get(node));
                       const Tensor<T> half_ties = binary_forward(node, av, bv, functors::Eq{}) * 0.5;
                       const Tensor<T> a_less = binary_forward(node, av, bv, functors::Lt{});
                       const Tensor<T> a_more = binary_forward(node, av, bv, functors::Gt{});
                       if (gi.needs(0)) gi.set(0, sum_to(mul(g, 1.0 - (is_max ? a_less : a_more) - half_ties), sha));
                       if (gi.needs(1)) gi.set(1, sum_to(mul(g, 1.0 - (is_max ? a_more : a_less) - half_ties), shb));
                     });
  }
  return out;
}

/// Scalar comparisons: a floating tensor compares in its own dtype (so `x == 0.1` holds for a float32 0.1,
/// as in PyTorch); an int64 tensor compares against a floating scalar in double, else in int64.
template <class T, class S>
using compare_type_t = std::conditional_t<is_floating_v<T> || !std::is_floating_point_v<S>, T, double>;

template <class T, class S, class F> Tensor<T> compare_scalar(const char* op, const Tensor<T>& x, S s, F f) {
  using C = compare_type_t<T, S>;
  if (!x.device().is_cpu()) {
    // On a device the scalar becomes a 0-d tensor of x's dtype, so only comparisons made in that dtype run there.
    TG_CHECK((std::is_same_v<C, T>), op, ": comparing an int64 tensor with a floating scalar has no kernel for ",
             x.device(), " (compare with an integer, or convert the tensor with to<double>())");
    return binary_forward(op, x, scalar_tensor<T>(static_cast<T>(s), x.device()), f);
  }
  Tensor<T> out = empty<T>(x.sizes());
  const C c = static_cast<C>(s);
  backend::cpu::map<T, T>(*out.impl(), [c, f](T v) { return static_cast<T>(f(static_cast<C>(v), c)); }, *x.impl());
  return out;
}

/// cond ? a : b elementwise, all three broadcast together, on their device; no autograd (see where()).
template <class C, class T> Tensor<T> select(const Tensor<C>& cond, const Tensor<T>& a, const Tensor<T>& b) {
  const Shape shape = broadcast_shapes(broadcast_shapes(cond.sizes(), a.sizes(), "where"), b.sizes(), "where");
  Tensor<T> out = empty<T>(shape, a.device());
  kernels::common_device("where", {cond.impl().get(), a.impl().get(), b.impl().get()});
  kernels::where<T, C>(*cond.impl(), *a.impl(), *b.impl(), *out.impl());
  return out;
}

}  // namespace detail

/// Elementwise maximum with broadcasting (NaN propagates). On ties each input gets half the gradient.
/// Example: tg::maximum(tg::tensor<float>({1, 5}), tg::tensor<float>({3, 2})) -> tensor([3., 5.])
template <class T> Tensor<T> maximum(const Tensor<T>& a, const Tensor<T>& b) {
  return detail::max_min("maximum", "MaximumBackward", a, b, functors::Maximum{}, true);
}
/// Elementwise minimum with broadcasting (NaN propagates). On ties each input gets half the gradient.
template <class T> Tensor<T> minimum(const Tensor<T>& a, const Tensor<T>& b) {
  return detail::max_min("minimum", "MinimumBackward", a, b, functors::Minimum{}, false);
}

// Comparisons return 0/1 masks of the input dtype (see NOTE [ Comparison masks ]), tensor-tensor with
// broadcasting or tensor-scalar in either order.
#define TG_COMPARISON(NAME, OP, FUNCTOR, FLIPPED)                                                           \
  template <class T> Tensor<T> NAME(const Tensor<T>& a, const Tensor<T>& b) {                               \
    return detail::binary_forward(#NAME, a, b, functors::FUNCTOR{});                                        \
  }                                                                                                         \
  template <class T, class S, class = std::enable_if_t<std::is_arithmetic_v<S>>>                            \
  Tensor<T> NAME(const Tensor<T>& a, S s) {                                                                 \
    return detail::compare_scalar(#NAME, a, s, functors::FUNCTOR{});                                       \
  }                                                                                                         \
  template <class T> Tensor<T> operator OP(const Tensor<T>& a, const Tensor<T>& b) { return NAME(a, b); }   \
  template <class T, class S, class = std::enable_if_t<std::is_arithmetic_v<S>>>                            \
  Tensor<T> operator OP(const Tensor<T>& a, S s) { return NAME(a, s); }                                     \
  template <class T, class S, class = std::enable_if_t<std::is_arithmetic_v<S>>>                            \
  Tensor<T> operator OP(S s, const Tensor<T>& a) { return FLIPPED(a, s); }
/// a == b (1 where equal, else 0)
TG_COMPARISON(eq, ==, Eq, eq)
/// a != b
TG_COMPARISON(ne, !=, Ne, ne)
/// a < b
TG_COMPARISON(lt, <, Lt, gt)
/// a <= b
TG_COMPARISON(le, <=, Le, ge)
/// a > b
TG_COMPARISON(gt, >, Gt, lt)
/// a >= b
TG_COMPARISON(ge, >=, Ge, le)
#undef TG_COMPARISON

/// cond ? a : b elementwise, with cond, a and b broadcast together; cond is a mask of any dtype (nonzero is
/// true, see NOTE [ Comparison masks ]). Gradients flow to a where cond holds and to b elsewhere.
/// Example: tg::where(x > 0, x, 0.1 * x) is a leaky ReLU.
template <class C, class T> Tensor<T> where(const Tensor<C>& cond, const Tensor<T>& a, const Tensor<T>& b) {
  Tensor<T> out = detail::select(cond, a, b);
  if (autograd::any_requires_grad(a, b)) {
    autograd::record("WhereBackward", out, {a.impl(), b.impl()},
                     [sc = autograd::save(cond), sha = a.sizes(), shb = b.sizes()](const Tensor<T>& g,
                                                                                   autograd::GradInputs& gi) {
                       // The mask broadcasts against g (whose shape is the output's), so each piece has g's shape.
                       const Tensor<C> c(sc.get("WhereBackward"));
                       const Tensor<T> zero = zeros<T>({}, g.device());
                       if (gi.needs(0)) gi.set(0, detail::sum_to(detail::select(c, g, zero), sha));
                       if (gi.needs(1)) gi.set(1, detail::sum_to(detail::select(c, zero, g), shb));
                     });
  }
  return out;
}
/// where with a scalar for the false branch (as torch.where(cond, x, 0.0)).
template <class C, class T> Tensor<T> where(const Tensor<C>& cond, const Tensor<T>& a, double b) {
  return where(cond, a, detail::as_scalar(a, b));
}
/// where with a scalar for the true branch.
template <class C, class T> Tensor<T> where(const Tensor<C>& cond, double a, const Tensor<T>& b) {
  return where(cond, detail::as_scalar(b, a), b);
}

}  // namespace tg
