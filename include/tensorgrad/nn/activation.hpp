#pragma once
/// Activation modules (one per activation op in core), printing as PyTorch: ReLU(), LeakyReLU(negative_slope=0.01),
/// GELU(approximate='none'), ELU(alpha=1.0), Softmax(dim=1), ...
#include <cmath>
#include <cstdint>
#include <string>

#include "functional.hpp"
#include "module_holder.hpp"

namespace tg {
namespace nn {

class ReLUImpl : public Module {
 public:
  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    return in_context([&] { return functional::relu(x); });
  }
  std::string name() const override { return "ReLU"; }
};
TG_MODULE(ReLU);

class LeakyReLUImpl : public Module {
 public:
  explicit LeakyReLUImpl(double negative_slope = 0.01) : negative_slope(negative_slope) {}
  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    return in_context([&] { return functional::leaky_relu(x, negative_slope); });
  }
  std::string name() const override { return "LeakyReLU"; }
  std::string extra_repr() const override { return "negative_slope=" + detail::python_float(negative_slope); }
  double negative_slope;
};
TG_MODULE(LeakyReLU);

class SigmoidImpl : public Module {
 public:
  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    return in_context([&] { return functional::sigmoid(x); });
  }
  std::string name() const override { return "Sigmoid"; }
};
TG_MODULE(Sigmoid);

class TanhImpl : public Module {
 public:
  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    return in_context([&] { return functional::tanh(x); });
  }
  std::string name() const override { return "Tanh"; }
};
TG_MODULE(Tanh);

/// approximate: "none" (exact, erf) or "tanh".
class GELUImpl : public Module {
 public:
  explicit GELUImpl(std::string approximate = "none") : approximate(std::move(approximate)) {
    TG_CHECK(this->approximate == "none" || this->approximate == "tanh",
             "GELU: approximate must be \"none\" or \"tanh\", got \"", this->approximate, "\"");
  }
  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    return in_context([&] { return functional::gelu(x, approximate); });
  }
  std::string name() const override { return "GELU"; }
  std::string extra_repr() const override { return "approximate='" + approximate + "'"; }
  std::string approximate;
};
TG_MODULE(GELU);

class SiLUImpl : public Module {
 public:
  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    return in_context([&] { return functional::silu(x); });
  }
  std::string name() const override { return "SiLU"; }
};
TG_MODULE(SiLU);

class ELUImpl : public Module {
 public:
  explicit ELUImpl(double alpha = 1.0) : alpha(alpha) {}
  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    return in_context([&] { return functional::elu(x, alpha); });
  }
  std::string name() const override { return "ELU"; }
  std::string extra_repr() const override { return "alpha=" + detail::python_float(alpha); }
  double alpha;
};
TG_MODULE(ELU);

/// log(1 + exp(beta·x))/beta, linear where beta·x > threshold. Prints as PyTorch, whose defaults are the
/// integers 1 and 20: integral values print without a fraction (Softplus(beta=1, threshold=20)), others as
/// Python floats (beta=0.5).
class SoftplusImpl : public Module {
 public:
  explicit SoftplusImpl(double beta = 1.0, double threshold = 20.0) : beta(beta), threshold(threshold) {}
  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    return in_context([&] { return functional::softplus(x, beta, threshold); });
  }
  std::string name() const override { return "Softplus"; }
  std::string extra_repr() const override { return "beta=" + number(beta) + ", threshold=" + number(threshold); }
  double beta, threshold;

 private:
  static std::string number(double v) {
    return v == std::floor(v) && std::abs(v) < 1e15 ? std::to_string(static_cast<long long>(v)) : detail::python_float(v);
  }
};
TG_MODULE(Softplus);

/// Softmax along `dim` (no default, as LibTorch: the class dim must be stated).
class SoftmaxImpl : public Module {
 public:
  explicit SoftmaxImpl(std::int64_t dim) : dim(dim) {}
  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    return in_context([&] { return functional::softmax(x, dim); });
  }
  std::string name() const override { return "Softmax"; }
  std::string extra_repr() const override { return "dim=" + std::to_string(dim); }
  std::int64_t dim;
};
TG_MODULE(Softmax);

class LogSoftmaxImpl : public Module {
 public:
  explicit LogSoftmaxImpl(std::int64_t dim) : dim(dim) {}
  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    return in_context([&] { return functional::log_softmax(x, dim); });
  }
  std::string name() const override { return "LogSoftmax"; }
  std::string extra_repr() const override { return "dim=" + std::to_string(dim); }
  std::int64_t dim;
};
TG_MODULE(LogSoftmax);

}  // namespace nn
}  // namespace tg
