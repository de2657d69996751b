#pragma once
/// Deterministic factories: empty, zeros, ones, full, tensor(values), scalar_tensor and the *_like forms.
/// Random factories live in core/random.hpp.
#include <algorithm>
#include <vector>

#include "tensor.hpp"

namespace tg {
namespace detail {
/// Copies `n` host elements into a (contiguous) tensor on any device.
template <class T> void upload(const Tensor<T>& dst, const T* src) {
  const auto& impl = *dst.impl();
  const std::size_t nbytes = static_cast<std::size_t>(dst.numel()) * sizeof(T);
  if (nbytes == 0) return;
  if (impl.device().is_cpu()) std::copy(src, src + dst.numel(), impl.template data<T>());
  else runtime_for(impl.device(), "upload").copy(impl.template data<T>(), impl.device(), src, kCPU, nbytes);
}
}  // namespace detail

/// Uninitialised contiguous tensor (as torch::empty).
template <class T = float> Tensor<T> empty(const Shape& shape, Device device = kCPU) {
  for (std::int64_t d : shape) TG_CHECK(d >= 0, "empty: negative dimension in shape ", shape);
  return Tensor<T>(detail::make_impl(shape, dtype_v<T>, device));
}

template <class T = float> Tensor<T> full(const Shape& shape, T value, Device device = kCPU) {
  Tensor<T> t = empty<T>(shape, device);
  if (device.is_cpu()) std::fill_n(t.impl()->template data<T>(), t.numel(), value);
  else detail::runtime_for(device, "full").fill(*t.impl(), static_cast<double>(value));
  return t;
}
template <class T = float> Tensor<T> zeros(const Shape& shape, Device device = kCPU) { return full<T>(shape, T(0), device); }
template <class T = float> Tensor<T> ones(const Shape& shape, Device device = kCPU) { return full<T>(shape, T(1), device); }

/// A 0-d tensor holding one value.
template <class T = float> Tensor<T> scalar_tensor(T value, Device device = kCPU) { return full<T>(Shape{}, value, device); }

/// A tensor from values in row-major order; `shape` defaults to 1-d. Example: tg::tensor<float>({1, 2, 3, 4}, {2, 2}).
template <class T = float>
Tensor<T> tensor(const std::vector<T>& values, const Shape& shape, Device device = kCPU) {
  TG_CHECK(shape.numel() == static_cast<std::int64_t>(values.size()), "tensor: ", values.size(),
           " values do not fill shape ", shape, " (", shape.numel(), " elements)");
  Tensor<T> t = empty<T>(shape, device);
  detail::upload(t, values.data());
  return t;
}
template <class T = float> Tensor<T> tensor(std::initializer_list<T> values, const Shape& shape, Device device = kCPU) {
  return tensor<T>(std::vector<T>(values), shape, device);
}
template <class T = float> Tensor<T> tensor(std::initializer_list<T> values, Device device = kCPU) {
  return tensor<T>(std::vector<T>(values), Shape{static_cast<std::int64_t>(values.size())}, device);
}
/// Nested lists for 2-d tensors: tg::tensor<float>({{1, 2}, {3, 4}}).
template <class T = float> Tensor<T> tensor(std::initializer_list<std::initializer_list<T>> rows, Device device = kCPU) {
  std::vector<T> values;
  const std::int64_t cols = rows.size() ? static_cast<std::int64_t>(rows.begin()->size()) : 0;
  for (const auto& r : rows) {
    TG_CHECK(static_cast<std::int64_t>(r.size()) == cols, "tensor: ragged nested list (rows of ", cols, " and ",
             r.size(), " values)");
    values.insert(values.end(), r.begin(), r.end());
  }
  return tensor<T>(values, Shape{static_cast<std::int64_t>(rows.size()), cols}, device);
}

template <class T> Tensor<T> empty_like(const Tensor<T>& t) { return empty<T>(t.sizes(), t.device()); }
template <class T> Tensor<T> zeros_like(const Tensor<T>& t) { return zeros<T>(t.sizes(), t.device()); }
template <class T> Tensor<T> ones_like(const Tensor<T>& t) { return ones<T>(t.sizes(), t.device()); }
template <class T> Tensor<T> full_like(const Tensor<T>& t, T value) { return full<T>(t.sizes(), value, t.device()); }

}  // namespace tg
