#pragma once
/// 2-d pooling over the last two dims of [N, C, H, W] or unbatched [C, H, W] input: max_pool2d (keeps each
/// window's argmax for backward), avg_pool2d and adaptive_avg_pool2d (one averaging kernel, two window rules).
#include <optional>

#include "../autograd/function.hpp"
#include "fwd.hpp"
#include "../core/creation.hpp"
#include "../backend/kernels.hpp"
#include "window.hpp"

namespace tg {
namespace detail {

/// Checks shared by the pools: 3-d or 4-d input on the CPU, padding at most half the (dilated) kernel.
inline backend::cpu::Window2d pool_window(const char* op, const TensorImpl& x, const ExpandingArray<2>& kernel,
                                          const ExpandingArray<2>& stride, const ExpandingArray<2>& padding,
                                          const ExpandingArray<2>& dilation, bool ceil_mode) {
  TG_CHECK(x.sizes.size() == 3 || x.sizes.size() == 4, op, ": expected 3-d (unbatched) or 4-d (batched) input, got shape ",
           x.sizes);
  kernels::require_cpu(op, {&x});
  for (int i = 0; i < 2; ++i)
    TG_CHECK(padding[i] <= (dilation[i] * (kernel[i] - 1) + 1) / 2, op,
             ": pad should be at most half of effective kernel size, but got padding ", padding.tuple_str(),
             ", kernel size ", kernel.tuple_str(), " and dilation ", dilation.tuple_str());
  return window2d(op, x.sizes, kernel, stride, padding, dilation, ceil_mode);
}

/// Average pooling with the window rule `window(oh, ow) -> AvgWindow`, recorded as `backward_name`.
template <class T, class WindowOf>
Tensor<T> avg_pool(const Tensor<T>& input, const backend::cpu::Window2d& g, WindowOf window, const char* backward_name) {
  const Tensor<T> x = input.contiguous();
  const std::int64_t planes = g.in_plane() ? x.numel() / g.in_plane() : 0;
  Tensor<T> out = empty<T>(window_output_shape(x.sizes(), g));
  backend::cpu::avg_pool2d(x.data(), planes, g, window, out.data());
  if (autograd::any_requires_grad(input))
    autograd::record(backward_name, out, {input.impl()},
                     [g, window, planes, shape = input.sizes()](const Tensor<T>& grad, autograd::GradInputs& gi) {
                       Tensor<T> dx = empty<T>(shape);
                       backend::cpu::avg_pool2d_backward(grad.contiguous().data(), planes, g, window, dx.data());
                       gi.set(0, dx);
                     });
  return out;
}

}  // namespace detail

/// Maximum over each kernel_size window (stride defaults to kernel_size); padding counts as −∞.
template <class T>
Tensor<T> max_pool2d(const Tensor<T>& input, const ExpandingArray<2>& kernel_size,
                     const std::optional<ExpandingArray<2>>& stride = std::nullopt, const ExpandingArray<2>& padding = 0,
                     const ExpandingArray<2>& dilation = 1, bool ceil_mode = false) {
  TG_CHECK(input.defined(), "max_pool2d: got an undefined tensor");
  const backend::cpu::Window2d g = detail::pool_window("max_pool2d", *input.impl(), kernel_size,
                                                       stride.value_or(kernel_size), padding, dilation, ceil_mode);
  const Tensor<T> x = input.contiguous();
  const std::int64_t planes = g.in_plane() ? x.numel() / g.in_plane() : 0;
  const Shape out_shape = detail::window_output_shape(x.sizes(), g);
  Tensor<T> out = empty<T>(out_shape);
  Tensor<std::int64_t> indices = empty<std::int64_t>(out_shape);
  backend::cpu::max_pool2d(x.data(), planes, g, out.data(), indices.data());
  if (autograd::any_requires_grad(input))
    autograd::record("MaxPool2DWithIndicesBackward", out, {input.impl()},
                     [indices, g, planes, shape = input.sizes()](const Tensor<T>& grad, autograd::GradInputs& gi) {
                       Tensor<T> dx = empty<T>(shape);
                       backend::cpu::max_pool2d_backward(grad.contiguous().data(), indices.data(), planes, g, dx.data());
                       gi.set(0, dx);
                     });
  return out;
}

/// Mean over each kernel_size window (stride defaults to kernel_size). count_include_pad counts padded
/// positions in the divisor; divisor_override, when given, replaces the divisor.
template <class T>
Tensor<T> avg_pool2d(const Tensor<T>& input, const ExpandingArray<2>& kernel_size,
                     const std::optional<ExpandingArray<2>>& stride = std::nullopt, const ExpandingArray<2>& padding = 0,
                     bool ceil_mode = false, bool count_include_pad = true,
                     std::optional<std::int64_t> divisor_override = std::nullopt) {
  TG_CHECK(input.defined(), "avg_pool2d: got an undefined tensor");
  TG_CHECK(!divisor_override || *divisor_override != 0, "avg_pool2d: divisor must be not zero");
  const backend::cpu::Window2d g = detail::pool_window("avg_pool2d", *input.impl(), kernel_size,
                                                       stride.value_or(kernel_size), padding, 1, ceil_mode);
  // PyTorch's rule: the window is clipped to the padded input for the padded count, then to the input itself.
  auto window = [g, count_include_pad, divisor_override](std::int64_t oh, std::int64_t ow) {
    std::int64_t h0 = oh * g.sh - g.ph, w0 = ow * g.sw - g.pw;
    std::int64_t h1 = std::min(h0 + g.kh, g.in_h + g.ph), w1 = std::min(w0 + g.kw, g.in_w + g.pw);
    const std::int64_t padded = (h1 - h0) * (w1 - w0);
    h0 = std::max<std::int64_t>(h0, 0);
    w0 = std::max<std::int64_t>(w0, 0);
    h1 = std::min(h1, g.in_h);
    w1 = std::min(w1, g.in_w);
    const std::int64_t divisor =
        divisor_override ? *divisor_override : count_include_pad ? padded : (h1 - h0) * (w1 - w0);
    return backend::cpu::AvgWindow{h0, h1, w0, w1, divisor};
  };
  return detail::avg_pool(input, g, window, "AvgPool2DBackward");
}

/// Mean over output_size windows that tile the input: window i spans [⌊i·H/oH⌋, ⌈(i+1)·H/oH⌉).
template <class T> Tensor<T> adaptive_avg_pool2d(const Tensor<T>& input, const ExpandingArray<2>& output_size) {
  TG_CHECK(input.defined(), "adaptive_avg_pool2d: got an undefined tensor");
  TG_CHECK(input.dim() == 3 || input.dim() == 4,
           "adaptive_avg_pool2d: expected 3-d (unbatched) or 4-d (batched) input, got shape ", input.sizes());
  kernels::require_cpu("adaptive_avg_pool2d", {input.impl().get()});
  TG_CHECK(output_size[0] > 0 && output_size[1] > 0, "adaptive_avg_pool2d: output size must be positive, got ",
           output_size.tuple_str());
  TG_CHECK(input.size(-2) > 0 && input.size(-1) > 0, "adaptive_avg_pool2d: expected input with non-zero height and width, got shape ",
           input.sizes());
  backend::cpu::Window2d g{input.size(-2), input.size(-1), output_size[0], output_size[1], 0, 0, 0, 0, 0, 0, 0, 0};
  auto window = [g](std::int64_t oh, std::int64_t ow) {
    const std::int64_t h0 = oh * g.in_h / g.out_h, h1 = ((oh + 1) * g.in_h + g.out_h - 1) / g.out_h;
    const std::int64_t w0 = ow * g.in_w / g.out_w, w1 = ((ow + 1) * g.in_w + g.out_w - 1) / g.out_w;
    return backend::cpu::AvgWindow{h0, h1, w0, w1, (h1 - h0) * (w1 - w0)};
  };
  return detail::avg_pool(input, g, window, "AdaptiveAvgPool2DBackward");
}

}  // namespace tg
