#pragma once
/// Conv2d: 2-d convolution over [N, C, H, W] (or unbatched [C, H, W]) input, with PyTorch's default init.
#include <cmath>
#include <cstdint>
#include <string>

#include "functional.hpp"
#include "init.hpp"
#include "module_holder.hpp"
#include "options.hpp"

namespace tg {
namespace nn {

/// Example: Conv2d(Conv2dOptions(1, 32, 3).stride(1).padding(1))
struct Conv2dOptions {
  Conv2dOptions(std::int64_t in_channels, std::int64_t out_channels, ExpandingArray<2> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  TG_ARG(std::int64_t, in_channels);
  TG_ARG(std::int64_t, out_channels);
  TG_ARG(ExpandingArray<2>, kernel_size);
  TG_ARG(ExpandingArray<2>, stride) = 1;
  TG_ARG(ExpandingArray<2>, padding) = 0;
  TG_ARG(ExpandingArray<2>, dilation) = 1;
  TG_ARG(std::int64_t, groups) = 1;
  TG_ARG(bool, bias) = true;
};

class Conv2dImpl : public Module {
 public:
  Conv2dImpl(std::int64_t in_channels, std::int64_t out_channels, ExpandingArray<2> kernel_size)
      : Conv2dImpl(Conv2dOptions(in_channels, out_channels, kernel_size)) {}
  explicit Conv2dImpl(const Conv2dOptions& options) : options(options) {
    const std::int64_t groups = options.groups();
    TG_CHECK(options.in_channels() > 0 && options.out_channels() > 0, "Conv2d: in_channels and out_channels must be ",
             "positive, got ", options.in_channels(), " and ", options.out_channels());
    TG_CHECK(groups > 0, "Conv2d: groups must be a positive integer, got ", groups);
    TG_CHECK(options.in_channels() % groups == 0, "Conv2d: in_channels (", options.in_channels(),
             ") must be divisible by groups (", groups, ")");
    TG_CHECK(options.out_channels() % groups == 0, "Conv2d: out_channels (", options.out_channels(),
             ") must be divisible by groups (", groups, ")");
    weight = register_parameter("weight", empty<float>({options.out_channels(), options.in_channels() / groups,
                                                        options.kernel_size()[0], options.kernel_size()[1]}));
    if (options.bias()) bias = register_parameter("bias", empty<float>({options.out_channels()}));
    reset_parameters();
  }

  /// PyTorch's default: kaiming_uniform_(weight, a=√5), i.e. U(±1/√fan_in) with fan_in = in/groups·kH·kW,
  /// and bias U(±1/√fan_in).
  void reset_parameters() {
    init::kaiming_uniform_(weight, std::sqrt(5.0));
    if (bias.defined()) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(init::calculate_fan_in_and_fan_out(weight).first));
      init::uniform_(bias, -bound, bound);
    }
  }

  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    TG_MODULE_CHECK(x.dim() == 3 || x.dim() == 4, "expected 3-d (unbatched) or 4-d (batched) input, got shape ",
                    x.sizes());
    TG_MODULE_CHECK(x.size(-3) == options.in_channels(), "expected input with ", options.in_channels(),
                    " channels, got shape ", x.sizes());
    const Tensor<T> w = typed<T>(weight, "weight");
    return in_context([&] {
      return functional::conv2d(x, w, typed<T>(bias, "bias"), options.stride(), options.padding(), options.dilation(),
                                options.groups());
    });
  }

  std::string name() const override { return "Conv2d"; }
  /// As PyTorch: padding, dilation and groups only when not the default.
  std::string extra_repr() const override {
    std::string s = std::to_string(options.in_channels()) + ", " + std::to_string(options.out_channels()) +
                    ", kernel_size=" + options.kernel_size().tuple_str() + ", stride=" + options.stride().tuple_str();
    if (options.padding() != ExpandingArray<2>(0)) s += ", padding=" + options.padding().tuple_str();
    if (options.dilation() != ExpandingArray<2>(1)) s += ", dilation=" + options.dilation().tuple_str();
    if (options.groups() != 1) s += ", groups=" + std::to_string(options.groups());
    if (!options.bias()) s += ", bias=false";
    return s;
  }

  Conv2dOptions options;
  AnyTensor weight;
  /// Undefined when constructed with bias(false).
  AnyTensor bias;
};
TG_MODULE(Conv2d);

}  // namespace nn
}  // namespace tg
