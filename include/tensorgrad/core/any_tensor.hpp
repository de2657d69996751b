#pragma once
/// AnyTensor: a handle to a tensor whose dtype is known at run time only, as every torch::Tensor is. Modules keep
/// their parameters and buffers as AnyTensor, so `model->to(tg::kFloat64)` can change their dtype in place while
/// every handle to them follows; typed code asks for the typed handle with `as<T>()`, which checks the dtype.
///
/// Example:
///   tg::nn::Linear fc(2, 3);
///   tg::Tensor<float> w = fc->weight.as<float>();   // or: tg::Tensor<float> w = fc->weight;
///   fc->to(tg::kFloat64);                           // fc->weight.dtype() is now float64; w refuses to be read
///   fc->weight.visit([](auto t) { std::cout << t.sum().item(); });  // t is the Tensor<double>
///
/// This header defines the members that need only the core; the others (fill_, copy_, to, printing) are with
/// Tensor's in ops/tensor_methods.hpp.
#include <cstdint>
#include <ostream>
#include <utility>

#include "print.hpp"
#include "tensor.hpp"

namespace tg {

class AnyTensor {
 public:
  /// An undefined tensor; defined() is false.
  AnyTensor() = default;
  explicit AnyTensor(detail::ImplPtr impl) : impl_(std::move(impl)) {}
  /// Any typed tensor is an AnyTensor (it shares the TensorImpl).
  template <class T> AnyTensor(const Tensor<T>& t) : impl_(t.impl()) {}

  // ---- metadata -------------------------------------------------------------------------------
  bool defined() const { return static_cast<bool>(impl_); }
  const detail::ImplPtr& impl() const { return impl_; }
  Dtype dtype() const { return checked().dtype; }
  const Shape& sizes() const { return checked().sizes; }
  const Shape& shape() const { return sizes(); }
  std::int64_t size(std::int64_t dim) const { return sizes()[detail::wrap_dim(dim, this->dim(), "size")]; }
  int dim() const { return sizes().size(); }
  std::int64_t numel() const { return sizes().numel(); }
  Device device() const { return checked().device(); }
  bool is_floating_point() const { return is_floating(dtype()); }
  bool requires_grad() const { return checked().requires_grad; }
  bool is_leaf() const { return !checked().grad_fn; }
  /// The accumulated gradient, of this tensor's dtype (undefined until a backward() reaches it).
  AnyTensor grad() const { return AnyTensor(checked().grad); }

  // ---- typed access ---------------------------------------------------------------------------
  template <class T> bool is() const { return defined() && impl_->dtype == dtype_v<T>; }
  /// The typed handle (sharing this tensor); throws naming both dtypes if this tensor is another. Undefined
  /// stays undefined.
  template <class T> Tensor<T> as() const {
    TG_CHECK(!impl_ || impl_->dtype == dtype_v<T>, "AnyTensor::as<", dtype_name(dtype_v<T>), ">: the tensor is ",
             dtype_name(impl_->dtype));
    return Tensor<T>(impl_);
  }
  /// So that `Tensor<float> w = module->weight;` and calls to functions taking a Tensor<float> read as before.
  template <class T> operator Tensor<T>() const { return as<T>(); }

  /// Calls f with the typed handle of this tensor's dtype (Tensor<float>, Tensor<double> or Tensor<int64_t>).
  template <class F> decltype(auto) visit(F&& f) const {
    switch (dtype()) {
      case Dtype::Float32: return f(Tensor<float>(impl_));
      case Dtype::Float64: return f(Tensor<double>(impl_));
      case Dtype::Int64: break;
    }
    return f(Tensor<std::int64_t>(impl_));
  }
  /// visit() for operations that exist for floating tensors only; `what` names the operation in the error.
  template <class F> decltype(auto) visit_floating(const char* what, F&& f) const {
    TG_CHECK(is_floating_point(), what, ": expected a floating point tensor, got ", dtype_name(dtype()));
    if (dtype() == Dtype::Float64) return f(Tensor<double>(impl_));
    return f(Tensor<float>(impl_));
  }

  AnyTensor& requires_grad_(bool on = true) {
    visit([on](auto t) { t.requires_grad_(on); });
    return *this;
  }

  // ---- defined with Tensor's ops-layer members (ops/tensor_methods.hpp) ---------------------------
  /// The value of a one-element tensor, as a double whatever its dtype.
  double item() const;
  AnyTensor& fill_(double value);
  AnyTensor& zero_();
  AnyTensor& add_(double value);
  /// Copies `src` into this tensor, converting its dtype if they differ (as torch's copy_).
  AnyTensor& copy_(const AnyTensor& src);
  /// A copy with dtype `dtype` (this tensor itself if it already has it), as torch's Tensor.to(dtype).
  AnyTensor to(Dtype dtype) const;
  AnyTensor to(Device device) const;
  AnyTensor& uniform_(double from, double to, Generator& gen);
  AnyTensor& normal_(double mean, double std, Generator& gen);
  AnyTensor detach() const { return visit([](auto t) { return AnyTensor(t.detach()); }); }

 private:
  const detail::TensorImpl& checked() const {
    TG_CHECK(impl_, "undefined tensor: this AnyTensor holds no data (default-constructed)");
    return *impl_;
  }

  detail::ImplPtr impl_;
};

/// Prints as the typed tensor does (PyTorch's format).
inline std::ostream& operator<<(std::ostream& os, const AnyTensor& t) {
  if (!t.defined()) return os << "[ Tensor (undefined) ]";
  return t.visit([&os](const auto& typed) -> std::ostream& { return os << typed; });
}

}  // namespace tg
