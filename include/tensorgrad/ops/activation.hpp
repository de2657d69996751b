#pragma once
/// Activation functions (PyTorch's names and defaults); their scalar math is in backend/functors.hpp.
#include <string>

#include "unary.hpp"

namespace tg {

/// max(x, 0); relu'(0) = 0.
template <class T> Tensor<T> relu(const Tensor<T>& x) { return detail::unary_op<functors::Relu>(x); }
template <class T> Tensor<T> leaky_relu(const Tensor<T>& x, double negative_slope = 0.01) {
  return detail::unary_op(x, functors::LeakyRelu{negative_slope});
}
template <class T> Tensor<T> sigmoid(const Tensor<T>& x) { return detail::unary_op<functors::Sigmoid>(x); }
template <class T> Tensor<T> tanh(const Tensor<T>& x) { return detail::unary_op<functors::Tanh>(x); }
/// GELU; approximate is "none" (exact, erf) or "tanh", as in PyTorch.
template <class T> Tensor<T> gelu(const Tensor<T>& x, const std::string& approximate = "none") {
  TG_CHECK(approximate == "none" || approximate == "tanh", "gelu: approximate must be \"none\" or \"tanh\", got \"",
           approximate, "\"");
  return approximate == "none" ? detail::unary_op<functors::Gelu>(x) : detail::unary_op<functors::GeluTanh>(x);
}
template <class T> Tensor<T> silu(const Tensor<T>& x) { return detail::unary_op<functors::Silu>(x); }
template <class T> Tensor<T> elu(const Tensor<T>& x, double alpha = 1.0) { return detail::unary_op(x, functors::Elu{alpha}); }
/// log(1 + exp(beta·x))/beta, linear where beta·x > threshold (PyTorch's defaults: beta 1, threshold 20).
template <class T> Tensor<T> softplus(const Tensor<T>& x, double beta = 1.0, double threshold = 20.0) {
  return detail::unary_op(x, functors::Softplus{beta, threshold});
}

}  // namespace tg
