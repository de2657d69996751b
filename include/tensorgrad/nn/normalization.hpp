#pragma once
/// LayerNorm(normalized_shape): F::layer_norm over the trailing dims, with an elementwise weight (ones) and
/// bias (zeros) of shape normalized_shape.
/// Example: nn::LayerNorm ln(512);  nn::LayerNorm ln2(nn::LayerNormOptions({8, 8}).elementwise_affine(false));
#include <cstdint>
#include <string>

#include "functional.hpp"
#include "module_holder.hpp"
#include "options.hpp"

namespace tg {
namespace nn {

struct LayerNormOptions {
  LayerNormOptions(Shape normalized_shape) : normalized_shape_(normalized_shape) {}
  TG_ARG(Shape, normalized_shape);
  TG_ARG(double, eps) = 1e-5;
  TG_ARG(bool, elementwise_affine) = true;
};

class LayerNormImpl : public Module {
 public:
  /// The common case: normalise the last dim, of size `normalized_shape` (PyTorch's LayerNorm(int)).
  explicit LayerNormImpl(std::int64_t normalized_shape) : LayerNormImpl(LayerNormOptions(Shape{normalized_shape})) {}
  explicit LayerNormImpl(const LayerNormOptions& options) : options(options) {
    const Shape& shape = options.normalized_shape();
    TG_CHECK(shape.size() >= 1, "LayerNorm: normalized_shape must have at least one dim, got ", shape);
    for (std::int64_t d : shape) TG_CHECK(d > 0, "LayerNorm: normalized_shape must be positive, got ", shape);
    if (options.elementwise_affine()) {
      weight = register_parameter("weight", empty<float>(shape));
      bias = register_parameter("bias", empty<float>(shape));
    }
    reset_parameters();
  }

  /// weight = 1, bias = 0.
  void reset_parameters() {
    if (!options.elementwise_affine()) return;
    NoGradGuard no_grad;
    weight.fill_(1.0);
    bias.fill_(0.0);
  }

  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    return in_context([&] {
      return functional::layer_norm(x, options.normalized_shape(), typed<T>(weight, "weight"), typed<T>(bias, "bias"),
                                    options.eps());
    });
  }

  std::string name() const override { return "LayerNorm"; }
  /// normalized_shape prints as PyTorch's tuple: (512,) or (8, 8).
  std::string extra_repr() const override {
    std::string shape = "(";
    for (int i = 0; i < options.normalized_shape().size(); ++i)
      shape += (i ? ", " : "") + std::to_string(options.normalized_shape()[i]);
    shape += options.normalized_shape().size() == 1 ? ",)" : ")";
    return shape + ", eps=" + detail::python_float(options.eps()) +
           ", elementwise_affine=" + (options.elementwise_affine() ? "true" : "false");
  }

  LayerNormOptions options;
  /// Undefined with elementwise_affine(false).
  AnyTensor weight, bias;
};
TG_MODULE(LayerNorm);

}  // namespace nn
}  // namespace tg
