#pragma once
/// TensorImpl: the dtype-erased body behind every Tensor<T> handle (a view over a Storage).
#include <memory>

#include "dtype.hpp"
#include "error.hpp"
#include "live_counter.hpp"
#include "pool.hpp"
#include "shape.hpp"
#include "storage.hpp"

namespace tg {
namespace autograd { class Node; }
namespace detail {

struct TensorImpl;
using ImplPtr = std::shared_ptr<TensorImpl>;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape sizes;
  Shape strides;          // in elements
  std::int64_t offset = 0;  // in elements
  Dtype dtype = Dtype::Float32;

  // Autograd metadata. A leaf has no grad_fn; a non-leaf's grad_fn produced it.
  bool requires_grad = false;
  bool retains_grad = false;
  bool is_view = false;     // shares storage with a tensor it was derived from
  ImplPtr grad;
  std::shared_ptr<autograd::Node> grad_fn;

  std::int64_t numel() const { return sizes.numel(); }
  Device device() const { return storage ? storage->device() : Device{}; }
  bool is_contiguous() const {
    if (numel() == 0) return true;  // no elements, no layout (as PyTorch)
    std::int64_t expected = 1;
    for (int i = sizes.size() - 1; i >= 0; --i) {
      if (sizes[i] != 1 && strides[i] != expected) return false;
      expected *= sizes[i];
    }
    return true;
  }
  /// The elements as T. Checks the dtype: a module converted with to(kFloat64) changes its tensors' dtype in
  /// place, and a typed handle taken before (a Tensor<float> copy of a parameter, an Optimizer<float>) must
  /// refuse to read the new elements as the old type.
  template <class T> T* data() const {
    TG_CHECK(dtype == dtype_v<T>, "a Tensor<", dtype_name(dtype_v<T>), "> handle refers to a tensor that is now ",
             dtype_name(dtype), " (its module was converted with to(); take the handle again, e.g. parameters<",
             dtype == Dtype::Float64 ? "double" : dtype == Dtype::Float32 ? "float" : "std::int64_t", ">())");
    return static_cast<T*>(storage->data()) + offset;
  }

#ifdef TENSORGRAD_COUNT_OBJECTS
  LiveCounter<TensorImpl> live_counter;  // see live_counter.hpp
#endif
};

inline ImplPtr make_impl(const Shape& sizes, Dtype dtype, Device device) {
  auto impl = make_pooled<TensorImpl>();
  impl->storage = make_pooled<Storage>(static_cast<std::size_t>(sizes.numel()) * dtype_size(dtype), device);
  impl->sizes = sizes;
  impl->strides = contiguous_strides(sizes);
  impl->dtype = dtype;
  return impl;
}

/// A new impl over the same storage with other sizes/strides/offset and no autograd history.
inline ImplPtr make_alias(const TensorImpl& base, const Shape& sizes, const Shape& strides, std::int64_t offset) {
  auto impl = make_pooled<TensorImpl>();
  impl->storage = base.storage;
  impl->sizes = sizes;
  impl->strides = strides;
  impl->offset = offset;
  impl->dtype = base.dtype;
  impl->is_view = true;
  return impl;
}

}  // namespace detail
}  // namespace tg
