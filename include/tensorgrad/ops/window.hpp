#pragma once
/// Shape rules shared by the 2-d sliding-window ops (conv2d and the pools): argument checks and output sizes,
/// with PyTorch's formulas and error wording.
#include "../backend/cpu/window.hpp"
#include "../core/expanding_array.hpp"
#include "../core/tensor.hpp"

namespace tg {
namespace detail {

/// Windows of `kernel` taps (spaced `dilation`) sliding by `stride` over `size` + 2·`padding`. ceil_mode
/// keeps a last partial window, provided it starts inside the input or its left padding (PyTorch's rule).
inline std::int64_t window_outputs(std::int64_t size, std::int64_t kernel, std::int64_t stride, std::int64_t padding,
                                   std::int64_t dilation, bool ceil_mode) {
  const std::int64_t span = size + 2 * padding - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;
  std::int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= size + padding) --out;
  return out;
}

/// The geometry of a 2-d window op over the last two dims of `input`, checked: positive kernel, stride and
/// dilation, non-negative padding, and at least one output position.
inline backend::cpu::Window2d window2d(const char* op, const Shape& input, const ExpandingArray<2>& kernel,
                                       const ExpandingArray<2>& stride, const ExpandingArray<2>& padding,
                                       const ExpandingArray<2>& dilation, bool ceil_mode = false) {
  for (int i = 0; i < 2; ++i) {
    TG_CHECK(kernel[i] > 0, op, ": kernel size must be positive, got ", kernel.tuple_str());
    TG_CHECK(stride[i] > 0, op, ": stride must be positive, got ", stride.tuple_str());
    TG_CHECK(padding[i] >= 0, op, ": padding must be non-negative, got ", padding.tuple_str());
    TG_CHECK(dilation[i] > 0, op, ": dilation must be positive, got ", dilation.tuple_str());
  }
  const std::int64_t h = input[input.size() - 2], w = input[input.size() - 1];
  backend::cpu::Window2d g{h,         w,         0,         0,          kernel[0],   kernel[1],
                           stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1]};
  g.out_h = window_outputs(h, g.kh, g.sh, g.ph, g.dh, ceil_mode);
  g.out_w = window_outputs(w, g.kw, g.sw, g.pw, g.dw, ceil_mode);
  TG_CHECK(g.out_h > 0 && g.out_w > 0, op, ": input of shape ", input, " is too small for kernel size ",
           kernel.tuple_str(), " with padding ", padding.tuple_str(), " and dilation ", dilation.tuple_str(),
           " (calculated output size ", g.out_h, "x", g.out_w, ")");
  return g;
}

/// `input` with its last two dims replaced by the window op's output size.
inline Shape window_output_shape(Shape input, const backend::cpu::Window2d& g) {
  input[input.size() - 2] = g.out_h;
  input[input.size() - 1] = g.out_w;
  return input;
}

}  // namespace detail
}  // namespace tg
