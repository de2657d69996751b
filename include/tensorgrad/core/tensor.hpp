#pragma once
/// Tensor<T>: a typed handle (shared ownership) to a TensorImpl. Copies alias, as in PyTorch.
///
/// This header defines the members that need only the core (metadata, element access, detach); every other
/// member forwards to the ops layer and is defined, all in one place, in ops/tensor_methods.hpp. Include
/// <tensorgrad/tensor.hpp> or <tensorgrad/tensorgrad.hpp> to use them.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "grad_mode.hpp"
#include "tensor_impl.hpp"

namespace tg {

class Generator;

template <class T>
class Tensor {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, std::int64_t>,
                "tg::Tensor<T>: T must be float, double or std::int64_t");

 public:
  using value_type = T;

  /// An undefined tensor (as a default-constructed torch::Tensor); defined() is false.
  Tensor() = default;
  explicit Tensor(detail::ImplPtr impl) : impl_(std::move(impl)) {
    TG_CHECK(!impl_ || impl_->dtype == dtype_v<T>, "Tensor<", dtype_name(dtype_v<T>), ">: got a tensor of dtype ",
             dtype_name(impl_->dtype));
  }

  // ---- metadata -------------------------------------------------------------------------------
  bool defined() const { return static_cast<bool>(impl_); }
  const detail::ImplPtr& impl() const { return impl_; }
  const Shape& sizes() const { return checked().sizes; }
  const Shape& shape() const { return sizes(); }
  std::int64_t size(std::int64_t dim) const {
    return sizes()[detail::wrap_dim(dim, this->dim(), "size")];
  }
  const Shape& strides() const { return checked().strides; }
  std::int64_t stride(std::int64_t dim) const { return strides()[detail::wrap_dim(dim, this->dim(), "stride")]; }
  std::int64_t storage_offset() const { return checked().offset; }
  int dim() const { return sizes().size(); }
  std::int64_t numel() const { return sizes().numel(); }
  bool is_contiguous() const { return checked().is_contiguous(); }
  Device device() const { return checked().device(); }
  Dtype dtype() const { return dtype_v<T>; }
  /// The storage's version counter (see NOTE [ Version counter ]).
  std::uint32_t _version() const { return checked().storage->version(); }

  // ---- element access (CPU) --------------------------------------------------------------------
  /// Pointer to the first element; the tensor must be contiguous and on the CPU.
  T* data() const {
    TG_CHECK(is_contiguous(), "data(): tensor of shape ", sizes(), " is not contiguous; call contiguous() first");
    TG_CHECK(device().is_cpu(), "data(): tensor is on ", device(), "; call to(tg::kCPU) first");
    return impl_->data<T>();
  }
  /// Element at a multi-index (negative indices count from the end), for tests and small loops.
  T& at(std::initializer_list<std::int64_t> index) const { return *element_ptr(index.begin(), static_cast<int>(index.size())); }
  T& at(const std::vector<std::int64_t>& index) const { return *element_ptr(index.data(), static_cast<int>(index.size())); }
  /// The value of a one-element tensor.
  T item() const;
  /// All elements in row-major order (copied to the host).
  std::vector<T> tolist() const;

  // ---- autograd --------------------------------------------------------------------------------
  bool requires_grad() const { return checked().requires_grad; }
  /// Sets requires_grad on a leaf (as `requires_grad_()`); returns *this so it chains after a factory.
  Tensor& requires_grad_(bool on = true) {
    TG_CHECK(!on || is_floating_v<T>, "requires_grad_: only floating point tensors can require gradients (got ",
             dtype_name(dtype_v<T>), ")");
    TG_CHECK(is_leaf() || on, "requires_grad_: you can only change requires_grad flags of leaf tensors; "
             "use detach() to get a tensor without history");
    checked().requires_grad = on;
    return *this;
  }
  Tensor& requires_grad(bool on) { return requires_grad_(on); }
  Tensor& set_requires_grad(bool on) { return requires_grad_(on); }
  bool is_leaf() const { return !checked().grad_fn; }
  /// The accumulated gradient (undefined until a backward() reaches this tensor). It aliases the stored
  /// gradient, so `x.grad().zero_()` clears it in place.
  Tensor grad() const { return Tensor(checked().grad); }
  void set_grad(const Tensor& g) const { checked().grad = g.impl_; }
  /// Name of the op that produced this tensor (PyTorch's grad_fn), empty for leaves.
  std::string grad_fn_name() const;
  /// Keeps .grad() for a non-leaf after backward.
  Tensor& retain_grad();
  bool retains_grad() const { return checked().retains_grad; }
  /// Back-propagates from this tensor; a non-scalar root needs an explicit gradient of its shape.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false, bool create_graph = false) const;
  /// A tensor sharing storage with no history (never requires grad).
  Tensor detach() const {
    auto alias = detail::make_alias(checked(), impl_->sizes, impl_->strides, impl_->offset);
    alias->is_view = impl_->is_view;
    return Tensor(std::move(alias));
  }
  Tensor& detach_() {
    checked().grad_fn.reset();
    impl_->requires_grad = false;
    return *this;
  }

  // ---- views and copies (zero-copy where PyTorch's are) -------------------------------------------
  Tensor view(const Shape& shape) const;
  Tensor reshape(const Shape& shape) const;
  Tensor transpose(std::int64_t d0, std::int64_t d1) const;
  Tensor t() const;
  Tensor permute(const Shape& dims) const;
  Tensor unsqueeze(std::int64_t dim) const;
  Tensor squeeze() const;
  Tensor squeeze(std::int64_t dim) const;
  Tensor flatten(std::int64_t start_dim = 0, std::int64_t end_dim = -1) const;
  Tensor expand(const Shape& shape) const;
  Tensor expand_as(const Tensor& other) const;
  Tensor slice(std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step = 1) const;
  Tensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;
  Tensor select(std::int64_t dim, std::int64_t index) const;
  Tensor operator[](std::int64_t index) const;
  Tensor contiguous() const;
  Tensor clone() const;
  template <class U> Tensor<U> to() const;
  Tensor to(Device device) const;
  Tensor cpu() const;
  Tensor cuda() const;

  // ---- math (see the free functions for documentation) ------------------------------------------
  Tensor neg() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor relu() const;
  Tensor sigmoid() const;
  Tensor tanh() const;
  Tensor pow(double exponent) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor clamp(double min, double max) const;
  Tensor clamp_min(double min) const;
  Tensor clamp_max(double max) const;
  Tensor add(const Tensor& other) const;
  Tensor sub(const Tensor& other) const;
  Tensor mul(const Tensor& other) const;
  Tensor div(const Tensor& other) const;
  Tensor matmul(const Tensor& other) const;
  Tensor mm(const Tensor& other) const;

  Tensor sum() const;
  Tensor sum(std::int64_t dim, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(std::int64_t dim, bool keepdim = false) const;
  Tensor max() const;
  Tensor max(std::int64_t dim, bool keepdim = false) const;
  Tensor min() const;
  Tensor min(std::int64_t dim, bool keepdim = false) const;
  Tensor<std::int64_t> argmax() const;
  Tensor<std::int64_t> argmax(std::int64_t dim, bool keepdim = false) const;
  Tensor<std::int64_t> argmin() const;
  Tensor<std::int64_t> argmin(std::int64_t dim, bool keepdim = false) const;
  Tensor var(bool unbiased = true) const;
  Tensor var(std::int64_t dim, bool unbiased = true, bool keepdim = false) const;
  // int overloads: `x.var(0)` must pick the dim form, not convert 0 to `bool unbiased`.
  Tensor var(int dim, bool unbiased = true, bool keepdim = false) const;
  Tensor std(bool unbiased = true) const;
  Tensor std(int dim, bool unbiased = true, bool keepdim = false) const;
  Tensor std(std::int64_t dim, bool unbiased = true, bool keepdim = false) const;
  Tensor softmax(std::int64_t dim) const;
  Tensor log_softmax(std::int64_t dim) const;

  // ---- in place (bump the version counter; refused on leaves that require grad) -------------------
  Tensor& add_(const Tensor& other, double alpha = 1);
  Tensor& sub_(const Tensor& other);
  Tensor& mul_(const Tensor& other);
  Tensor& div_(const Tensor& other);
  Tensor& add_(double value);
  Tensor& sub_(double value);
  Tensor& mul_(double value);
  Tensor& div_(double value);
  Tensor& zero_();
  Tensor& fill_(double value);
  Tensor& copy_(const Tensor& src);
  Tensor& clamp_(double min, double max);
  /// Fills with U(from, to) / N(mean, std) draws from the default generator or `gen` (core/random.hpp).
  Tensor& uniform_(double from = 0, double to = 1);
  Tensor& uniform_(double from, double to, Generator& gen);
  Tensor& normal_(double mean = 0, double std = 1);
  Tensor& normal_(double mean, double std, Generator& gen);

 private:
  detail::TensorImpl& checked() const {
    TG_CHECK(impl_, "undefined tensor: this Tensor holds no data (default-constructed)");
    return *impl_;
  }
  T* element_ptr(const std::int64_t* index, int n) const {
    TG_CHECK(n == dim(), "at: expected ", dim(), " indices for a tensor of shape ", sizes(), ", got ", n);
    TG_CHECK(device().is_cpu(), "at: tensor is on ", device(), "; call to(tg::kCPU) first");
    std::int64_t off = impl_->offset;
    for (int i = 0; i < n; ++i) {
      std::int64_t k = index[i] < 0 ? index[i] + impl_->sizes[i] : index[i];
      TG_CHECK(k >= 0 && k < impl_->sizes[i], "at: index ", index[i], " is out of bounds for dim ", i,
               " with size ", impl_->sizes[i], " (shape ", sizes(), ")");
      off += k * impl_->strides[i];
    }
    return static_cast<T*>(impl_->storage->data()) + off;
  }

  detail::ImplPtr impl_;
};

using TensorF = Tensor<float>;
using TensorD = Tensor<double>;
using TensorL = Tensor<std::int64_t>;

}  // namespace tg
