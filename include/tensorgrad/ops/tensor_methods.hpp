#pragma once
/// Tensor<T> complete: every member that core/tensor.hpp declares but cannot define (those that need autograd or
/// the ops they forward to), all here, with the ops themselves. Library headers include this rather than the
/// umbrella tensor.hpp, so a program that never convolves or pools does not parse those ops.
#include <vector>

#include "../autograd/engine.hpp"
#include "../core/any_tensor.hpp"
#include "../core/random.hpp"
#include "activation.hpp"
#include "binary.hpp"
#include "inplace.hpp"
#include "linalg.hpp"
#include "reduce.hpp"
#include "softmax.hpp"
#include "unary.hpp"
#include "view.hpp"

namespace tg {

template <class T> T Tensor<T>::item() const {
  TG_CHECK(numel() == 1, "item: a Tensor with ", numel(), " elements cannot be converted to a scalar (shape ",
           sizes(), ")");
  const Tensor<T> c = to_device(detach(), kCPU);
  return *c.impl()->template data<T>();
}

template <class T> std::vector<T> Tensor<T>::tolist() const {
  const Tensor<T> c = to_device(detach(), kCPU).contiguous();
  const T* p = c.impl()->template data<T>();
  return std::vector<T>(p, p + c.numel());
}

template <class T>
void Tensor<T>::backward(const Tensor<T>& gradient, bool retain_graph, bool create_graph) const {
  static_assert(is_floating_v<T>, "backward: only floating point tensors have gradients");
  TG_CHECK(!create_graph, "backward: create_graph=true (higher-order gradients) is not supported");
  Tensor<T> g = gradient;
  if (!g.defined()) {
    TG_CHECK(numel() == 1, "backward: grad can be implicitly created only for scalar outputs; got shape ", sizes(),
             ", pass a gradient of that shape");
    g = ones<T>(sizes(), device());
  }
  TG_CHECK(g.device() == device(), "backward: gradient is on ", g.device(), " but the tensor is on ", device());
  autograd::backward(impl(), g.impl(), retain_graph);
}

// ---- in-place fills (Tensor members, as tensor.uniform_() in PyTorch; nn::init builds on them) -----
template <class T> Tensor<T>& Tensor<T>::uniform_(double from, double to, Generator& gen) {
  detail::fill_random(*this, gen, [&] { return static_cast<T>(from + (to - from) * gen.uniform()); });
  return *this;
}
template <class T> Tensor<T>& Tensor<T>::uniform_(double from, double to) { return uniform_(from, to, default_generator()); }
template <class T> Tensor<T>& Tensor<T>::normal_(double mean, double std, Generator& gen) {
  detail::fill_random(*this, gen, [&] { return static_cast<T>(mean + std * gen.normal()); });
  return *this;
}
template <class T> Tensor<T>& Tensor<T>::normal_(double mean, double std) { return normal_(mean, std, default_generator()); }

// ---- the members that forward to an op ------------------------------------------------------------------
template <class T> std::string Tensor<T>::grad_fn_name() const {
  return impl_ && impl_->grad_fn ? impl_->grad_fn->name() : "";
}
template <class T> Tensor<T>& Tensor<T>::retain_grad() {
  TG_CHECK(requires_grad(), "retain_grad: can't retain_grad on a tensor that has requires_grad=false");
  if (!is_leaf()) {
    impl_->retains_grad = true;
    impl_->grad_fn->retained_output = impl_;
  }
  return *this;
}
template <class T> Tensor<T> Tensor<T>::view(const Shape& shape) const { return tg::view(*this, shape); }
template <class T> Tensor<T> Tensor<T>::reshape(const Shape& shape) const { return tg::reshape(*this, shape); }
template <class T> Tensor<T> Tensor<T>::transpose(std::int64_t d0, std::int64_t d1) const { return tg::transpose(*this, d0, d1); }
template <class T> Tensor<T> Tensor<T>::t() const { return tg::t(*this); }
template <class T> Tensor<T> Tensor<T>::permute(const Shape& dims) const { return tg::permute(*this, dims); }
template <class T> Tensor<T> Tensor<T>::unsqueeze(std::int64_t dim) const { return tg::unsqueeze(*this, dim); }
template <class T> Tensor<T> Tensor<T>::squeeze() const { return tg::squeeze(*this); }
template <class T> Tensor<T> Tensor<T>::squeeze(std::int64_t dim) const { return tg::squeeze(*this, dim); }
template <class T> Tensor<T> Tensor<T>::flatten(std::int64_t start_dim, std::int64_t end_dim) const { return tg::flatten(*this, start_dim, end_dim); }
template <class T> Tensor<T> Tensor<T>::expand(const Shape& shape) const { return tg::expand(*this, shape); }
template <class T> Tensor<T> Tensor<T>::expand_as(const Tensor& other) const { return tg::expand(*this, other.sizes()); }
template <class T> Tensor<T> Tensor<T>::slice(std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step) const { return tg::slice(*this, dim, start, end, step); }
template <class T> Tensor<T> Tensor<T>::narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const { return tg::slice(*this, dim, start, start + length, 1); }
template <class T> Tensor<T> Tensor<T>::select(std::int64_t dim, std::int64_t index) const { return tg::select(*this, dim, index); }
template <class T> Tensor<T> Tensor<T>::operator[](std::int64_t index) const { return tg::select(*this, 0, index); }
template <class T> Tensor<T> Tensor<T>::contiguous() const { return is_contiguous() ? *this : tg::clone(*this); }
template <class T> Tensor<T> Tensor<T>::clone() const { return tg::clone(*this); }
template <class T> template <class U> Tensor<U> Tensor<T>::to() const { return tg::to<U>(*this); }
template <class T> Tensor<T> Tensor<T>::to(Device device) const { return tg::to_device(*this, device); }
template <class T> Tensor<T> Tensor<T>::cpu() const { return to(kCPU); }
template <class T> Tensor<T> Tensor<T>::cuda() const { return to(kCUDA); }
template <class T> Tensor<T> Tensor<T>::neg() const { return tg::neg(*this); }
template <class T> Tensor<T> Tensor<T>::exp() const { return tg::exp(*this); }
template <class T> Tensor<T> Tensor<T>::log() const { return tg::log(*this); }
template <class T> Tensor<T> Tensor<T>::sqrt() const { return tg::sqrt(*this); }
template <class T> Tensor<T> Tensor<T>::abs() const { return tg::abs(*this); }
template <class T> Tensor<T> Tensor<T>::relu() const { return tg::relu(*this); }
template <class T> Tensor<T> Tensor<T>::sigmoid() const { return tg::sigmoid(*this); }
template <class T> Tensor<T> Tensor<T>::tanh() const { return tg::tanh(*this); }
template <class T> Tensor<T> Tensor<T>::pow(double exponent) const { return tg::pow(*this, exponent); }
template <class T> Tensor<T> Tensor<T>::pow(const Tensor& exponent) const { return tg::pow(*this, exponent); }
template <class T> Tensor<T> Tensor<T>::clamp(double min, double max) const { return tg::clamp(*this, min, max); }
template <class T> Tensor<T> Tensor<T>::clamp_min(double min) const { return tg::clamp_min(*this, min); }
template <class T> Tensor<T> Tensor<T>::clamp_max(double max) const { return tg::clamp_max(*this, max); }
template <class T> Tensor<T> Tensor<T>::add(const Tensor& other) const { return tg::add(*this, other); }
template <class T> Tensor<T> Tensor<T>::sub(const Tensor& other) const { return tg::sub(*this, other); }
template <class T> Tensor<T> Tensor<T>::mul(const Tensor& other) const { return tg::mul(*this, other); }
template <class T> Tensor<T> Tensor<T>::div(const Tensor& other) const { return tg::div(*this, other); }
template <class T> Tensor<T> Tensor<T>::matmul(const Tensor& other) const { return tg::matmul(*this, other); }
template <class T> Tensor<T> Tensor<T>::mm(const Tensor& other) const { return tg::mm(*this, other); }
template <class T> Tensor<T> Tensor<T>::sum() const { return tg::sum(*this); }
template <class T> Tensor<T> Tensor<T>::sum(std::int64_t dim, bool keepdim) const { return tg::sum(*this, dim, keepdim); }
template <class T> Tensor<T> Tensor<T>::mean() const { return tg::mean(*this); }
template <class T> Tensor<T> Tensor<T>::mean(std::int64_t dim, bool keepdim) const { return tg::mean(*this, dim, keepdim); }
template <class T> Tensor<T> Tensor<T>::max() const { return tg::max(*this); }
template <class T> Tensor<T> Tensor<T>::max(std::int64_t dim, bool keepdim) const { return tg::max(*this, dim, keepdim); }
template <class T> Tensor<T> Tensor<T>::min() const { return tg::min(*this); }
template <class T> Tensor<T> Tensor<T>::min(std::int64_t dim, bool keepdim) const { return tg::min(*this, dim, keepdim); }
template <class T> Tensor<std::int64_t> Tensor<T>::argmax() const { return tg::argmax(*this); }
template <class T> Tensor<std::int64_t> Tensor<T>::argmax(std::int64_t dim, bool keepdim) const { return tg::argmax(*this, dim, keepdim); }
template <class T> Tensor<std::int64_t> Tensor<T>::argmin() const { return tg::argmin(*this); }
template <class T> Tensor<std::int64_t> Tensor<T>::argmin(std::int64_t dim, bool keepdim) const { return tg::argmin(*this, dim, keepdim); }
template <class T> Tensor<T> Tensor<T>::var(bool unbiased) const { return tg::var(*this, unbiased); }
template <class T> Tensor<T> Tensor<T>::var(std::int64_t dim, bool unbiased, bool keepdim) const { return tg::var(*this, dim, unbiased, keepdim); }
template <class T> Tensor<T> Tensor<T>::var(int dim, bool unbiased, bool keepdim) const { return tg::var(*this, std::int64_t{dim}, unbiased, keepdim); }
template <class T> Tensor<T> Tensor<T>::std(bool unbiased) const { return tg::std(*this, unbiased); }
template <class T> Tensor<T> Tensor<T>::std(int dim, bool unbiased, bool keepdim) const { return tg::std(*this, std::int64_t{dim}, unbiased, keepdim); }
template <class T> Tensor<T> Tensor<T>::std(std::int64_t dim, bool unbiased, bool keepdim) const { return tg::std(*this, dim, unbiased, keepdim); }
template <class T> Tensor<T> Tensor<T>::softmax(std::int64_t dim) const { return tg::softmax(*this, dim); }
template <class T> Tensor<T> Tensor<T>::log_softmax(std::int64_t dim) const { return tg::log_softmax(*this, dim); }
template <class T> Tensor<T>& Tensor<T>::add_(const Tensor& other, double alpha) { return tg::add_(*this, other, alpha); }
template <class T> Tensor<T>& Tensor<T>::sub_(const Tensor& other) { return tg::add_(*this, other, -1.0); }
template <class T> Tensor<T>& Tensor<T>::mul_(const Tensor& other) { return tg::mul_(*this, other); }
template <class T> Tensor<T>& Tensor<T>::div_(const Tensor& other) { return tg::div_(*this, other); }
template <class T> Tensor<T>& Tensor<T>::add_(double value) { return tg::add_scalar_(*this, value); }
template <class T> Tensor<T>& Tensor<T>::sub_(double value) { return tg::add_scalar_(*this, -value); }
template <class T> Tensor<T>& Tensor<T>::mul_(double value) { return tg::mul_scalar_(*this, value); }
template <class T> Tensor<T>& Tensor<T>::div_(double value) { return tg::mul_scalar_(*this, 1.0 / value); }
template <class T> Tensor<T>& Tensor<T>::zero_() { return tg::fill_(*this, 0.0); }
template <class T> Tensor<T>& Tensor<T>::fill_(double value) { return tg::fill_(*this, value); }
template <class T> Tensor<T>& Tensor<T>::copy_(const Tensor& src) { return tg::copy_(*this, src); }
template <class T> Tensor<T>& Tensor<T>::clamp_(double min, double max) { return tg::clamp_(*this, min, max); }

// ---- AnyTensor's members that need the ops --------------------------------------------------------
inline double AnyTensor::item() const {
  return visit([](const auto& t) { return static_cast<double>(t.item()); });
}
inline AnyTensor& AnyTensor::fill_(double value) {
  visit([value](auto t) { t.fill_(value); });
  return *this;
}
inline AnyTensor& AnyTensor::zero_() { return fill_(0.0); }
inline AnyTensor& AnyTensor::add_(double value) {
  visit([value](auto t) { t.add_(value); });
  return *this;
}
inline AnyTensor& AnyTensor::copy_(const AnyTensor& src) {
  visit([&src](auto dst) {
    using T = typename decltype(dst)::value_type;
    src.visit([&dst](const auto& s) { dst.copy_(s.template to<T>()); });
  });
  return *this;
}
inline AnyTensor AnyTensor::to(Dtype dtype) const {
  return visit([dtype](const auto& t) -> AnyTensor {
    switch (dtype) {
      case Dtype::Float32: return t.template to<float>();
      case Dtype::Float64: return t.template to<double>();
      case Dtype::Int64: break;
    }
    return t.template to<std::int64_t>();
  });
}
inline AnyTensor& AnyTensor::uniform_(double from, double to, Generator& gen) {
  visit_floating("uniform_", [&](auto t) { t.uniform_(from, to, gen); });
  return *this;
}
inline AnyTensor& AnyTensor::normal_(double mean, double std, Generator& gen) {
  visit_floating("normal_", [&](auto t) { t.normal_(mean, std, gen); });
  return *this;
}
inline AnyTensor AnyTensor::to(Device device) const {
  return visit([device](const auto& t) { return AnyTensor(t.to(device)); });
}

}  // namespace tg
