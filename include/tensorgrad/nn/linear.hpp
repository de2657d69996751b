#pragma once
/// Linear: y = x·Wᵀ + b with weight [out_features, in_features] and PyTorch's default init.
#include <cmath>
#include <cstdint>
#include <string>

#include "functional.hpp"
#include "init.hpp"
#include "module_holder.hpp"
#include "options.hpp"

namespace tg {
namespace nn {

/// Example: Linear(LinearOptions(784, 256).bias(false))
struct LinearOptions {
  LinearOptions(std::int64_t in_features, std::int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  TG_ARG(std::int64_t, in_features);
  TG_ARG(std::int64_t, out_features);
  TG_ARG(bool, bias) = true;
};

class LinearImpl : public Module {
 public:
  LinearImpl(std::int64_t in_features, std::int64_t out_features, bool bias = true)
      : LinearImpl(LinearOptions(in_features, out_features).bias(bias)) {}
  explicit LinearImpl(const LinearOptions& options) : options(options) {
    TG_CHECK(options.in_features() >= 0 && options.out_features() >= 0,
             "Linear: in_features and out_features must be non-negative, got ", options.in_features(), " and ",
             options.out_features());
    weight = register_parameter("weight", empty<float>({options.out_features(), options.in_features()}));
    if (options.bias()) bias = register_parameter("bias", empty<float>({options.out_features()}));
    reset_parameters();
  }

  /// PyTorch's default: kaiming_uniform_(weight, a=√5), i.e. U(±1/√in_features), and bias U(±1/√in_features).
  void reset_parameters() {
    init::kaiming_uniform_(weight, std::sqrt(5.0));
    if (bias.defined()) {
      const std::int64_t fan_in = options.in_features();
      const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
      init::uniform_(bias, -bound, bound);
    }
  }

  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    TG_MODULE_CHECK(x.dim() >= 1 && x.size(-1) == options.in_features(), "expected input with ",
                    options.in_features(), " features, got ", x.sizes());
    const Tensor<T> w = typed<T>(weight, "weight");  // named first: a whole module of another dtype says "weight"
    return functional::linear(x, w, typed<T>(bias, "bias"));
  }

  std::string name() const override { return "Linear"; }
  std::string extra_repr() const override {
    return "in_features=" + std::to_string(options.in_features()) +
               ", out_features=" + std::to_string(options.out_features()) +
               ", bias=" + (options.bias() ? "true" : "false");
  }

  LinearOptions options;
  AnyTensor weight;
  /// Undefined when constructed with bias(false).
  AnyTensor bias;
};
TG_MODULE(Linear);

}  // namespace nn
}  // namespace tg
