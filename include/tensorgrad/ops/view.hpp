#pragma once
/// Shape ops. view/transpose/permute/unsqueeze/squeeze/flatten/expand/slice/select are zero-copy views
/// (they share storage, as in PyTorch); reshape copies only when a view is impossible; clone always copies.
#include <numeric>

#include "../autograd/function.hpp"
#include "fwd.hpp"
#include "../backend/kernels.hpp"
#include "../core/creation.hpp"
#include "sum_to.hpp"

namespace tg {
namespace detail {

/// Makes `out` a view of `x` and records a backward that maps the gradient through `back`.
template <class T, class Back>
Tensor<T> make_view(const Tensor<T>& x, const Shape& sizes, const Shape& strides, std::int64_t offset,
                    const char* name, Back back) {
  Tensor<T> out(make_alias(*x.impl(), sizes, strides, offset));
  if (autograd::any_requires_grad(x))
    autograd::record(name, out, {x.impl()},
                     [back](const Tensor<T>& g, autograd::GradInputs& gi) { gi.set(0, back(g)); });
  return out;
}

/// Resolves one -1 in a requested shape against numel.
inline Shape infer_shape(const Shape& requested, std::int64_t numel, const char* op, const Shape& from) {
  Shape s = requested;
  int infer = -1;
  std::int64_t known = 1;
  for (int i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      TG_CHECK(infer < 0, op, ": only one dimension can be inferred (-1) in shape ", requested);
      infer = i;
    } else {
      TG_CHECK(s[i] >= 0, op, ": invalid shape dimension ", s[i], " in ", requested);
      known *= s[i];
    }
  }
  if (infer >= 0) {
    TG_CHECK(known != 0 && numel % known == 0, op, ": shape ", requested, " is invalid for input of shape ", from);
    s[infer] = numel / known;
  }
  TG_CHECK(s.numel() == numel, op, ": shape ", requested, " is invalid for input of shape ", from, " (", numel,
           " elements)");
  return s;
}

}  // namespace detail

/// Clone into a new contiguous tensor (differentiable).
template <class T> Tensor<T> clone(const Tensor<T>& x) {
  Tensor<T> out = empty<T>(x.sizes(), x.device());
  kernels::copy<T>(*out.impl(), *x.impl());
  if (autograd::any_requires_grad(x))
    autograd::record("CloneBackward", out, {x.impl()},
                     [](const Tensor<T>& g, autograd::GradInputs& gi) { gi.set(0, g); });
  return out;
}

/// A view with another shape (one dim may be -1); the tensor must be contiguous (else use reshape).
template <class T> Tensor<T> view(const Tensor<T>& x, const Shape& shape) {
  const Shape s = detail::infer_shape(shape, x.numel(), "view", x.sizes());
  TG_CHECK(x.is_contiguous(), "view: view size ", shape, " is not compatible with input tensor's size ", x.sizes(),
           " and stride ", x.strides(), " (it is not contiguous); use reshape(...) instead");
  return detail::make_view(x, s, detail::contiguous_strides(s), x.storage_offset(), "ViewBackward",
                           [from = x.sizes()](const Tensor<T>& g) { return reshape(g, from); });
}

/// Like view, but copies when the tensor is not contiguous.
template <class T> Tensor<T> reshape(const Tensor<T>& x, const Shape& shape) {
  const Shape s = detail::infer_shape(shape, x.numel(), "reshape", x.sizes());
  return x.is_contiguous() ? view(x, s) : view(clone(x), s);
}

template <class T> Tensor<T> transpose(const Tensor<T>& x, std::int64_t d0, std::int64_t d1) {
  const int a = detail::wrap_dim(d0, x.dim(), "transpose"), b = detail::wrap_dim(d1, x.dim(), "transpose");
  Shape sz = x.sizes(), st = x.strides();
  if (x.dim() > 0) {
    std::swap(sz[a], sz[b]);
    std::swap(st[a], st[b]);
  }
  return detail::make_view(x, sz, st, x.storage_offset(), "TransposeBackward",
                           [a, b](const Tensor<T>& g) { return transpose(g, a, b); });
}

/// Transpose of a tensor with at most 2 dims (as torch.t).
template <class T> Tensor<T> t(const Tensor<T>& x) {
  TG_CHECK(x.dim() <= 2, "t: expects a tensor with <= 2 dimensions, but got ", x.dim(), "-d of shape ", x.sizes());
  return x.dim() < 2 ? x : transpose(x, 0, 1);
}

template <class T> Tensor<T> permute(const Tensor<T>& x, const Shape& dims) {
  TG_CHECK(dims.size() == x.dim(), "permute: number of dims ", dims, " doesn't match tensor of shape ", x.sizes());
  Shape sz = x.sizes(), st = x.strides(), inverse = Shape::filled(x.dim(), -1);
  for (int i = 0; i < dims.size(); ++i) {
    const int d = detail::wrap_dim(dims[i], x.dim(), "permute");
    TG_CHECK(inverse[d] < 0, "permute: repeated dim ", dims[i], " in ", dims);
    inverse[d] = i;
    sz[i] = x.sizes()[d];
    st[i] = x.strides()[d];
  }
  return detail::make_view(x, sz, st, x.storage_offset(), "PermuteBackward",
                           [inverse](const Tensor<T>& g) { return permute(g, inverse); });
}

template <class T> Tensor<T> unsqueeze(const Tensor<T>& x, std::int64_t dim) {
  const int d = detail::wrap_dim(dim, x.dim() + 1, "unsqueeze");
  Shape sz = x.sizes(), st = x.strides();
  const std::int64_t stride = d < x.dim() ? sz[d] * st[d] : 1;
  sz.insert(d, 1);
  st.insert(d, stride);
  return detail::make_view(x, sz, st, x.storage_offset(), "UnsqueezeBackward",
                           [from = x.sizes()](const Tensor<T>& g) { return reshape(g, from); });
}

/// Removes every size-1 dim.
template <class T> Tensor<T> squeeze(const Tensor<T>& x) {
  Shape sz, st;
  for (int i = 0; i < x.dim(); ++i)
    if (x.sizes()[i] != 1) {
      sz.push_back(x.sizes()[i]);
      st.push_back(x.strides()[i]);
    }
  return detail::make_view(x, sz, st, x.storage_offset(), "SqueezeBackward",
                           [from = x.sizes()](const Tensor<T>& g) { return reshape(g, from); });
}

/// Removes `dim` if its size is 1 (otherwise returns a view of x unchanged, as PyTorch).
template <class T> Tensor<T> squeeze(const Tensor<T>& x, std::int64_t dim) {
  const int d = detail::wrap_dim(dim, x.dim(), "squeeze");
  Shape sz = x.sizes(), st = x.strides();
  if (x.dim() > 0 && sz[d] == 1) {
    sz.erase(d);
    st.erase(d);
  }
  return detail::make_view(x, sz, st, x.storage_offset(), "SqueezeBackward",
                           [from = x.sizes()](const Tensor<T>& g) { return reshape(g, from); });
}

/// Flattens dims start_dim..end_dim into one (a view when contiguous, else a copy, as PyTorch).
template <class T> Tensor<T> flatten(const Tensor<T>& x, std::int64_t start_dim, std::int64_t end_dim) {
  if (x.dim() == 0) return reshape(x, Shape{1});
  const int s = detail::wrap_dim(start_dim, x.dim(), "flatten"), e = detail::wrap_dim(end_dim, x.dim(), "flatten");
  TG_CHECK(s <= e, "flatten: start_dim (", start_dim, ") cannot come after end_dim (", end_dim, ")");
  Shape out;
  for (int i = 0; i < s; ++i) out.push_back(x.sizes()[i]);
  std::int64_t p = 1;
  for (int i = s; i <= e; ++i) p *= x.sizes()[i];
  out.push_back(p);
  for (int i = e + 1; i < x.dim(); ++i) out.push_back(x.sizes()[i]);
  return reshape(x, out);
}

/// Broadcasts size-1 dims (and new leading dims) to `shape` without copying; -1 keeps a dim.
template <class T> Tensor<T> expand(const Tensor<T>& x, const Shape& shape) {
  TG_CHECK(shape.size() >= x.dim(), "expand: the number of sizes provided (", shape.size(),
           ") must be greater or equal to the number of dimensions in the tensor (", x.dim(), ")");
  const int lead = shape.size() - x.dim();
  Shape sz = shape, st = Shape::filled(shape.size(), 0);
  for (int i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      TG_CHECK(shape[i] >= 0, "expand: -1 is not allowed in a leading, non-existing dimension (", shape, ")");
      continue;
    }
    const std::int64_t have = x.sizes()[i - lead];
    if (shape[i] == -1) sz[i] = have;
    TG_CHECK(have == sz[i] || have == 1, "expand: the expanded size of the tensor (", sz[i],
             ") must match the existing size (", have, ") at non-singleton dimension ", i, ". Target sizes: ", shape,
             ". Tensor sizes: ", x.sizes());
    st[i] = have == 1 && sz[i] != 1 ? 0 : x.strides()[i - lead];
  }
  return detail::make_view(x, sz, st, x.storage_offset(), "ExpandBackward",
                           [from = x.sizes()](const Tensor<T>& g) { return detail::sum_to(g, from); });
}

namespace detail {
/// Gradient of a view that picks a sub-region: zeros of the input's shape with the gradient written into
/// the same region (`pick` maps the full tensor to the region).
template <class T, class Pick> Tensor<T> scatter_back(const Tensor<T>& g, const Shape& from, Pick pick) {
  Tensor<T> full = zeros<T>(from, g.device());
  Tensor<T> region = pick(full);
  kernels::copy<T>(*region.impl(), *g.impl());
  return full;
}
}  // namespace detail

/// Elements start, start+step, ... < end along dim (negative and out-of-range bounds clamp, as in Python).
template <class T>
Tensor<T> slice(const Tensor<T>& x, std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step) {
  const int d = detail::wrap_dim(dim, x.dim(), "slice");
  TG_CHECK(x.dim() > 0, "slice: cannot slice a 0-d tensor");
  TG_CHECK(step > 0, "slice: step must be positive, got ", step);
  const std::int64_t n = x.sizes()[d];
  auto clampi = [n](std::int64_t i) { return std::min(std::max(i < 0 ? i + n : i, std::int64_t{0}), n); };
  const std::int64_t s = clampi(start), e = std::max(clampi(end), s);
  Shape sz = x.sizes(), st = x.strides();
  sz[d] = (e - s + step - 1) / step;
  st[d] *= step;
  return detail::make_view(x, sz, st, x.storage_offset() + s * x.strides()[d], "SliceBackward",
                           [from = x.sizes(), d, s, e, step](const Tensor<T>& g) {
                             return detail::scatter_back(g, from, [&](const Tensor<T>& f) { return slice(f, d, s, e, step); });
                           });
}

/// The sub-tensor at `index` along dim (that dim removed).
template <class T> Tensor<T> select(const Tensor<T>& x, std::int64_t dim, std::int64_t index) {
  TG_CHECK(x.dim() > 0, "select: cannot select on a 0-d tensor");
  const int d = detail::wrap_dim(dim, x.dim(), "select");
  const std::int64_t n = x.sizes()[d];
  TG_CHECK(index >= -n && index < n, "select: index ", index, " out of range for dim ", d, " with size ", n,
           " (shape ", x.sizes(), ")");
  const std::int64_t i = index < 0 ? index + n : index;
  Shape sz = x.sizes(), st = x.strides();
  sz.erase(d);
  st.erase(d);
  return detail::make_view(x, sz, st, x.storage_offset() + i * x.strides()[d], "SelectBackward",
                           [from = x.sizes(), d, i](const Tensor<T>& g) {
                             return detail::scatter_back(g, from, [&](const Tensor<T>& f) { return select(f, d, i); });
                           });
}

/// dtype conversion (as .to(torch::kFloat64)); differentiable between floating types.
template <class U, class T> Tensor<U> to(const Tensor<T>& x) {
  if constexpr (std::is_same_v<U, T>) {
    return x;
  } else {
    Tensor<U> out = empty<U>(x.sizes(), x.device());
    kernels::cast<U, T>(*x.impl(), *out.impl());
    if constexpr (is_floating_v<T> && is_floating_v<U>) {
      if (autograd::any_requires_grad(x))
        autograd::record("ToCopyBackward", out, {x.impl()},
                         [](const Tensor<U>& g, autograd::GradInputs& gi) { gi.set(0, to<T>(g)); });
    }
    return out;
  }
}

/// Copies to another device (returns x itself when already there, as PyTorch).
template <class T> Tensor<T> to_device(const Tensor<T>& x, Device device) {
  if (x.device() == device) return x;
  const Tensor<T> src = x.contiguous();
  Tensor<T> out = empty<T>(x.sizes(), device);
  kernels::copy_across<T>(*out.impl(), *src.impl());
  if (autograd::any_requires_grad(x))
    autograd::record("ToCopyBackward", out, {x.impl()},
                     [from = x.device()](const Tensor<T>& g, autograd::GradInputs& gi) { gi.set(0, to_device(g, from)); });
  return out;
}

}  // namespace tg
