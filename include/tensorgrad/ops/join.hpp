#pragma once
/// Joining tensors: cat (along an existing dim) and stack (along a new dim), as torch.cat / torch.stack.
/// Each input's gradient is its slice of the output's gradient.
#include <initializer_list>
#include <vector>

#include "../autograd/function.hpp"
#include "fwd.hpp"
#include "../backend/kernels.hpp"
#include "../core/creation.hpp"
#include "view.hpp"

namespace tg {
namespace detail {

template <class T> bool any_requires_grad(const std::vector<Tensor<T>>& inputs) {
  if (!is_grad_enabled()) return false;
  for (const Tensor<T>& t : inputs)
    if (t.requires_grad()) return true;
  return false;
}

/// The impls of a run-time list of inputs, for autograd::record.
template <class T> std::vector<ImplPtr> impls_of(const std::vector<Tensor<T>>& inputs) {
  std::vector<ImplPtr> v;
  v.reserve(inputs.size());
  for (const Tensor<T>& t : inputs) v.push_back(t.impl());
  return v;
}

/// Copies `src` into the region of `out` with src's sizes, the given strides and element offset.
template <class T>
void copy_into_region(const Tensor<T>& out, const Shape& strides, std::int64_t offset, const Tensor<T>& src) {
  ImplPtr region = make_alias(*out.impl(), src.sizes(), strides, out.storage_offset() + offset);
  kernels::copy<T>(*region, *src.impl());
}

/// All tensors of a list on one device; returns it.
inline Device common_device_list(const char* op, const std::vector<const TensorImpl*>& impls) {
  for (const TensorImpl* t : impls) kernels::common_device(op, {impls.front(), t});
  return impls.front()->device();
}

}  // namespace detail

/// Concatenates tensors along `dim`; all must have the same shape except along dim. As in PyTorch, 1-d empty
/// tensors (shape [0]) are skipped whatever the others' shapes.
/// Example: tg::cat({tg::zeros({2, 3}), tg::ones({1, 3})}) has shape [3, 3].
template <class T> Tensor<T> cat(const std::vector<Tensor<T>>& tensors, std::int64_t dim = 0) {
  TG_CHECK(!tensors.empty(), "cat: expected a non-empty list of tensors");
  std::vector<const detail::TensorImpl*> impls;
  for (const Tensor<T>& t : tensors) impls.push_back(t.impl().get());
  const Device device = detail::common_device_list("cat", impls);
  auto skipped = [](const Tensor<T>& t) { return t.dim() == 1 && t.numel() == 0; };
  std::size_t ref = 0;
  while (ref + 1 < tensors.size() && skipped(tensors[ref])) ++ref;
  const Shape& ref_shape = tensors[ref].sizes();
  for (std::size_t i = 0; i < tensors.size(); ++i)
    TG_CHECK(tensors[i].dim() > 0, "cat: zero-dimensional tensor (at position ", i, ") cannot be concatenated");
  const int d = detail::wrap_dim(dim, tensors[ref].dim(), "cat");

  Shape out_shape = ref_shape;
  out_shape[d] = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (skipped(tensors[i])) continue;
    const Shape& s = tensors[i].sizes();
    TG_CHECK(s.size() == ref_shape.size(), "cat: tensors must have the same number of dimensions: got ", ref_shape,
             " (tensor ", ref, ") and ", s, " (tensor ", i, ")");
    for (int k = 0; k < s.size(); ++k)
      TG_CHECK(k == d || s[k] == ref_shape[k], "cat: sizes of tensors must match except in dimension ", d,
               ": expected size ", ref_shape[k], " but got size ", s[k], " in dimension ", k, " (tensor ", ref,
               " has shape ", ref_shape, ", tensor ", i, " has shape ", s, ")");
    out_shape[d] += s[d];
  }

  Tensor<T> out = empty<T>(out_shape, device);
  std::int64_t offset = 0;
  for (const Tensor<T>& t : tensors) {
    if (skipped(t)) continue;
    detail::copy_into_region(out, out.strides(), offset * out.strides()[d], t);
    offset += t.sizes()[d];
  }

  if (detail::any_requires_grad(tensors)) {
    std::vector<std::int64_t> lengths;  // each input's extent along d; -1 marks a skipped input
    for (const Tensor<T>& t : tensors) lengths.push_back(skipped(t) ? -1 : t.sizes()[d]);
    autograd::record("CatBackward", out, detail::impls_of(tensors),
                        [lengths, d](const Tensor<T>& g, autograd::GradInputs& gi) {
                          std::int64_t start = 0;
                          for (std::size_t i = 0; i < lengths.size(); ++i) {
                            if (lengths[i] < 0) {
                              if (gi.needs(i)) gi.set(i, zeros<T>(Shape{0}, g.device()));
                              continue;
                            }
                            if (gi.needs(i)) gi.set(i, slice(g, d, start, start + lengths[i]));
                            start += lengths[i];
                          }
                        });
  }
  return out;
}
template <class T> Tensor<T> cat(std::initializer_list<Tensor<T>> tensors, std::int64_t dim = 0) {
  return cat(std::vector<Tensor<T>>(tensors), dim);
}

/// Stacks same-shaped tensors along a new dimension `dim` (in [-(ndim + 1), ndim]).
/// Example: tg::stack({a, b}, 1) for a, b of shape [2, 3] has shape [2, 2, 3].
template <class T> Tensor<T> stack(const std::vector<Tensor<T>>& tensors, std::int64_t dim = 0) {
  TG_CHECK(!tensors.empty(), "stack: expected a non-empty list of tensors");
  std::vector<const detail::TensorImpl*> impls;
  for (const Tensor<T>& t : tensors) impls.push_back(t.impl().get());
  const Device device = detail::common_device_list("stack", impls);
  const Shape& shape = tensors[0].sizes();
  for (std::size_t i = 1; i < tensors.size(); ++i)
    TG_CHECK(tensors[i].sizes() == shape, "stack: expects each tensor to be equal size, but got ", shape,
             " at entry 0 and ", tensors[i].sizes(), " at entry ", i);
  const int d = detail::wrap_dim(dim, shape.size() + 1, "stack");

  Shape out_shape = shape;
  out_shape.insert(d, static_cast<std::int64_t>(tensors.size()));
  Tensor<T> out = empty<T>(out_shape, device);
  Shape entry_strides = out.strides();  // entry i is out.select(d, i)
  entry_strides.erase(d);
  for (std::size_t i = 0; i < tensors.size(); ++i)
    detail::copy_into_region(out, entry_strides, static_cast<std::int64_t>(i) * out.strides()[d], tensors[i]);

  if (detail::any_requires_grad(tensors))
    autograd::record("StackBackward", out, detail::impls_of(tensors),
                        [n = tensors.size(), d](const Tensor<T>& g, autograd::GradInputs& gi) {
                          for (std::size_t i = 0; i < n; ++i)
                            if (gi.needs(i)) gi.set(i, select(g, d, static_cast<std::int64_t>(i)));
                        });
  return out;
}
template <class T> Tensor<T> stack(std::initializer_list<Tensor<T>> tensors, std::int64_t dim = 0) {
  return stack(std::vector<Tensor<T>>(tensors), dim);
}

}  // namespace tg
