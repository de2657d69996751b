#pragma once
/// Reductions: sum, mean, max, min, argmax, argmin, var, std; over all elements or one dim (negative dims
/// allowed) with keepdim. max/min along a dim send the gradient to the one element argmax/argmin picks.
#include <limits>

#include "../backend/bodies/select.hpp"

#include "binary.hpp"
#include "inplace.hpp"
#include "unary.hpp"
#include "view.hpp"

namespace tg {
namespace detail {

/// x's shape with `dim` set to 1 (keepdim form).
inline Shape kept_shape(const Shape& s, int dim) {
  Shape k = s;
  if (k.size()) k[dim] = 1;
  return k;
}
inline Shape reduced_shape(const Shape& s, int dim, bool keepdim) {
  Shape k = kept_shape(s, dim);
  if (!keepdim && k.size()) k.erase(dim);
  return k;
}

/// Sums over every dim where `kept` is 1 (kept has x's rank), on x's device.
template <class T> Tensor<T> sum_kept(const char* op, const Tensor<T>& x, const Shape& kept) {
  Tensor<T> out = empty<T>(kept, x.device());
  kernels::sum<T>(op, *x.impl(), *out.impl());
  return out;
}

/// The [outer, n, inner] view of x reduced along dim d (backend/bodies/select.hpp).
struct Lines {
  std::int64_t outer = 1, n = 1, inner = 1;
};
inline Lines lines_along(const Shape& s, int d) {
  Lines l;
  if (s.size() == 0) return l;
  l.n = s[d];
  for (int i = 0; i < d; ++i) l.outer *= s[i];
  for (int i = d + 1; i < s.size(); ++i) l.inner *= s[i];
  return l;
}

/// Index of the max (is_max) or min along dim, on x's device; NaN wins, the first of equal values wins.
template <class T>
Tensor<std::int64_t> arg_reduce(const char* op, const Tensor<T>& x, std::int64_t dim, bool keepdim, bool is_max) {
  const int d = wrap_dim(dim, x.dim(), op);
  const Lines l = lines_along(x.sizes(), d);
  TG_CHECK(l.n > 0, op, ": cannot reduce over a dimension of size 0 (shape ", x.sizes(), ")");
  const Tensor<T> xc = x.contiguous();
  Tensor<std::int64_t> idx = empty<std::int64_t>(reduced_shape(x.sizes(), d, keepdim), x.device());
  kernels::arg_reduce<T>(op, *xc.impl(), l.outer, l.n, l.inner, is_max, *idx.impl());
  return idx;
}

/// Values of x at `idx` along dim (idx in keepdim form), with a backward that routes the gradient there.
template <class T>
Tensor<T> gather_at(const char* name, const Tensor<T>& x, int d, const Tensor<std::int64_t>& idx, bool keepdim) {
  const Tensor<T> xc = x.contiguous();
  const Lines l = lines_along(x.sizes(), d);
  Tensor<T> out = empty<T>(reduced_shape(x.sizes(), d, keepdim), x.device());
  kernels::gather<T>(name, *xc.impl(), l.outer, l.n, l.inner, *idx.impl(), *out.impl());
  if (autograd::any_requires_grad(x))
    autograd::record(name, out, {x.impl()}, [idx, from = x.sizes(), l](const Tensor<T>& g, autograd::GradInputs& gi) {
      Tensor<T> full = zeros<T>(from, g.device());
      const Tensor<T> gc = g.contiguous();
      kernels::scatter<T>("scatter", *gc.impl(), l.outer, l.n, l.inner, *idx.impl(), *full.impl());
      gi.set(0, full);
    });
  return out;
}

}  // namespace detail

/// Sum of all elements (0-d).
template <class T> Tensor<T> sum(const Tensor<T>& x) {
  Tensor<T> out = detail::sum_kept("sum", x, Shape::filled(x.dim(), 1));
  out.impl()->sizes = Shape{};
  out.impl()->strides = Shape{};
  if (autograd::any_requires_grad(x))
    autograd::record("SumBackward", out, {x.impl()}, [from = x.sizes()](const Tensor<T>& g, autograd::GradInputs& gi) {
      gi.set(0, expand(g, from));
    });
  return out;
}

template <class T> Tensor<T> sum(const Tensor<T>& x, std::int64_t dim, bool keepdim) {
  const int d = detail::wrap_dim(dim, x.dim(), "sum");
  Tensor<T> out = detail::sum_kept("sum", x, detail::kept_shape(x.sizes(), d));
  out.impl()->sizes = detail::reduced_shape(x.sizes(), d, keepdim);
  out.impl()->strides = detail::contiguous_strides(out.impl()->sizes);
  if (autograd::any_requires_grad(x))
    autograd::record("SumBackward", out, {x.impl()},
                     [from = x.sizes(), d, keepdim](const Tensor<T>& g, autograd::GradInputs& gi) {
                       gi.set(0, expand(keepdim || from.size() == 0 ? g : unsqueeze(g, d), from));
                     });
  return out;
}

/// Mean of all elements (0-d), one node (MeanBackward) as in PyTorch: the sum divided by the count in place, and a
/// backward that spreads g / count over x's shape. An empty tensor's mean is NaN (0 / 0), as PyTorch's.
template <class T> Tensor<T> mean(const Tensor<T>& x) {
  const double count = static_cast<double>(x.numel());
  Tensor<T> out = [&] {
    NoGradGuard no_grad;  // the sum belongs to this op's node, not a node of its own
    return sum(x);
  }();
  div_scalar_(out, count);  // out is fresh and has no history yet: a plain in-place division
  if (autograd::any_requires_grad(x))
    autograd::record("MeanBackward", out, {x.impl()},
                     [from = x.sizes(), count](const Tensor<T>& g, autograd::GradInputs& gi) {
                       Tensor<T> scaled = clone(g);
                       gi.set(0, expand(div_scalar_(scaled, count), from));
                     });
  return out;
}
template <class T> Tensor<T> mean(const Tensor<T>& x, std::int64_t dim, bool keepdim) {
  const int d = detail::wrap_dim(dim, x.dim(), "mean");
  return sum(x, d, keepdim) / static_cast<double>(x.dim() ? x.sizes()[d] : 1);
}

template <class T> Tensor<std::int64_t> argmax(const Tensor<T>& x, std::int64_t dim, bool keepdim) {
  return detail::arg_reduce("argmax", x, dim, keepdim, true);
}
template <class T> Tensor<std::int64_t> argmin(const Tensor<T>& x, std::int64_t dim, bool keepdim) {
  return detail::arg_reduce("argmin", x, dim, keepdim, false);
}
/// Index into the flattened tensor.
template <class T> Tensor<std::int64_t> argmax(const Tensor<T>& x) { return argmax(reshape(x, Shape{-1}), 0, false); }
template <class T> Tensor<std::int64_t> argmin(const Tensor<T>& x) { return argmin(reshape(x, Shape{-1}), 0, false); }

template <class T> Tensor<T> max(const Tensor<T>& x, std::int64_t dim, bool keepdim) {
  const int d = detail::wrap_dim(dim, x.dim(), "max");
  return detail::gather_at("MaxBackward", x, d, argmax(x, d, true), keepdim);
}
template <class T> Tensor<T> min(const Tensor<T>& x, std::int64_t dim, bool keepdim) {
  const int d = detail::wrap_dim(dim, x.dim(), "min");
  return detail::gather_at("MinBackward", x, d, argmin(x, d, true), keepdim);
}
namespace detail {
/// The largest (or smallest) element, 0-d. Its gradient is shared evenly among the elements equal to it, as
/// PyTorch's is (along a dim the first index takes it all, as in PyTorch too).
template <class T> Tensor<T> extreme_of_all(const char* op, const char* node, const Tensor<T>& x, bool largest) {
  TG_CHECK(x.numel() > 0, op, ": cannot reduce an empty tensor of shape ", x.sizes());
  Tensor<T> out = [&] {
    NoGradGuard no_grad;  // the value comes from the dim reduction; the gradient is this node's
    const Tensor<T> flat = reshape(x, Shape{-1});
    return largest ? max(flat, 0, false) : min(flat, 0, false);
  }();
  if constexpr (!is_floating_v<T>) return out;  // integer tensors never require grad
  else if (autograd::any_requires_grad(x))
    autograd::record(node, out, {x.impl()},
                     [node, sx = autograd::save(x), value = out.detach()](const Tensor<T>& g, autograd::GradInputs& gi) {
                       const Tensor<T> ties = eq(Tensor<T>(sx.get(node)), value);
                       gi.set(0, ties * (g / sum(ties)));
                     });
  return out;
}
}  // namespace detail

/// Largest element (0-d); on ties each of them gets an equal share of the gradient.
template <class T> Tensor<T> max(const Tensor<T>& x) { return detail::extreme_of_all("max", "MaxBackward1", x, true); }
template <class T> Tensor<T> min(const Tensor<T>& x) { return detail::extreme_of_all("min", "MinBackward1", x, false); }

/// Variance with Bessel's correction when unbiased (as torch.var).
template <class T> Tensor<T> var(const Tensor<T>& x, bool unbiased) {
  const Tensor<T> c = x - mean(x);
  return sum(c * c) / static_cast<double>(x.numel() - (unbiased ? 1 : 0));
}
template <class T> Tensor<T> var(const Tensor<T>& x, std::int64_t dim, bool unbiased, bool keepdim) {
  const int d = detail::wrap_dim(dim, x.dim(), "var");
  const std::int64_t n = x.dim() ? x.sizes()[d] : 1;
  const Tensor<T> c = x - mean(x, d, true);
  return sum(c * c, d, keepdim) / static_cast<double>(n - (unbiased ? 1 : 0));
}
/// int overloads so `tg::var(x, 0)` means dim 0 rather than converting 0 to `bool unbiased`.
template <class T> Tensor<T> var(const Tensor<T>& x, int dim, bool unbiased = true, bool keepdim = false) {
  return var(x, std::int64_t{dim}, unbiased, keepdim);
}
template <class T> Tensor<T> std(const Tensor<T>& x, bool unbiased) { return sqrt(var(x, unbiased)); }
template <class T> Tensor<T> std(const Tensor<T>& x, int dim, bool unbiased = true, bool keepdim = false) {
  return std(x, std::int64_t{dim}, unbiased, keepdim);
}
template <class T> Tensor<T> std(const Tensor<T>& x, std::int64_t dim, bool unbiased, bool keepdim) {
  return sqrt(var(x, dim, unbiased, keepdim));
}

}  // namespace tg
