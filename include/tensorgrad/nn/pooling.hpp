#pragma once
/// Pooling layers over [N, C, H, W] (or unbatched [C, H, W]) input: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d.
#include <cstdint>
#include <optional>
#include <string>

#include "functional.hpp"
#include "module_holder.hpp"
#include "options.hpp"

namespace tg {
namespace nn {
namespace detail {
/// PyTorch prints a pooling size as given: 2 for an int, (2, 3) for a tuple; an equal pair prints as the int.
inline std::string size_repr(const ExpandingArray<2>& a) {
  return a[0] == a[1] ? std::to_string(a[0]) : a.tuple_str();
}
}  // namespace detail

/// Example: MaxPool2d(MaxPool2dOptions(3).stride(2).padding(1)); stride defaults to kernel_size.
struct MaxPool2dOptions {
  MaxPool2dOptions(ExpandingArray<2> kernel_size) : kernel_size_(kernel_size), stride_(kernel_size) {}  // NOLINT
  TG_ARG(ExpandingArray<2>, kernel_size);
  TG_ARG(ExpandingArray<2>, stride);
  TG_ARG(ExpandingArray<2>, padding) = 0;
  TG_ARG(ExpandingArray<2>, dilation) = 1;
  TG_ARG(bool, ceil_mode) = false;
};

class MaxPool2dImpl : public Module {
 public:
  explicit MaxPool2dImpl(ExpandingArray<2> kernel_size) : MaxPool2dImpl(MaxPool2dOptions(kernel_size)) {}
  explicit MaxPool2dImpl(const MaxPool2dOptions& options) : options(options) {}
  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    return in_context([&] {
      return functional::max_pool2d(x, options.kernel_size(), options.stride(), options.padding(), options.dilation(),
                                    options.ceil_mode());
    });
  }
  std::string name() const override { return "MaxPool2d"; }
  std::string extra_repr() const override {
    return "kernel_size=" + detail::size_repr(options.kernel_size()) + ", stride=" + detail::size_repr(options.stride()) +
           ", padding=" + detail::size_repr(options.padding()) + ", dilation=" + detail::size_repr(options.dilation()) +
           ", ceil_mode=" + (options.ceil_mode() ? "true" : "false");
  }
  MaxPool2dOptions options;
};
TG_MODULE(MaxPool2d);

/// Example: AvgPool2d(AvgPool2dOptions(2).count_include_pad(false)); stride defaults to kernel_size.
struct AvgPool2dOptions {
  AvgPool2dOptions(ExpandingArray<2> kernel_size) : kernel_size_(kernel_size), stride_(kernel_size) {}  // NOLINT
  TG_ARG(ExpandingArray<2>, kernel_size);
  TG_ARG(ExpandingArray<2>, stride);
  TG_ARG(ExpandingArray<2>, padding) = 0;
  TG_ARG(bool, ceil_mode) = false;
  TG_ARG(bool, count_include_pad) = true;
  TG_ARG(std::optional<std::int64_t>, divisor_override) = std::nullopt;
};

class AvgPool2dImpl : public Module {
 public:
  explicit AvgPool2dImpl(ExpandingArray<2> kernel_size) : AvgPool2dImpl(AvgPool2dOptions(kernel_size)) {}
  explicit AvgPool2dImpl(const AvgPool2dOptions& options) : options(options) {}
  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    return in_context([&] {
      return functional::avg_pool2d(x, options.kernel_size(), options.stride(), options.padding(),
                                    options.ceil_mode(), options.count_include_pad(), options.divisor_override());
    });
  }
  std::string name() const override { return "AvgPool2d"; }
  std::string extra_repr() const override {
    return "kernel_size=" + detail::size_repr(options.kernel_size()) + ", stride=" + detail::size_repr(options.stride()) +
           ", padding=" + detail::size_repr(options.padding());
  }
  AvgPool2dOptions options;
};
TG_MODULE(AvgPool2d);

class AdaptiveAvgPool2dImpl : public Module {
 public:
  explicit AdaptiveAvgPool2dImpl(ExpandingArray<2> output_size) : output_size(output_size) {}
  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    return in_context([&] { return functional::adaptive_avg_pool2d(x, output_size); });
  }
  std::string name() const override { return "AdaptiveAvgPool2d"; }
  std::string extra_repr() const override { return "output_size=" + detail::size_repr(output_size); }
  ExpandingArray<2> output_size;
};
TG_MODULE(AdaptiveAvgPool2d);

}  // namespace nn
}  // namespace tg
