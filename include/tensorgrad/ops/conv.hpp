#pragma once
/// conv2d on NCHW tensors as GEMMs over chunks of the batch: im2col gathers every kernel tap's input into
/// cols [C·kH·kW, n·oH·oW] for n samples at a time, the weight [O, C/groups·kH·kW] multiplies it (one GEMM per
/// group), and the [O, n, oH·oW] product moves to NCHW with the bias added on the way. Chunks keep cols near
/// kChunkElements however large the batch; backward redoes im2col per chunk from the saved input (cheap next
/// to the GEMMs) instead of keeping every chunk's cols alive between forward and backward.
#include <algorithm>

#include "../autograd/function.hpp"
#include "fwd.hpp"
#include "../backend/cpu/gemm.hpp"
#include "reduce.hpp"
#include "view.hpp"
#include "window.hpp"

namespace tg {
namespace detail {

/// The sizes of one conv2d call and its batch chunking.
struct Conv2dPlan {
  backend::cpu::Window2d g;
  std::int64_t n, c, o, groups;
  std::int64_t og, kg;  // output channels and cols rows per group
  std::int64_t chunk;   // samples per chunk

  static constexpr std::int64_t kChunkElements = std::int64_t{1} << 22;  // 16 MB of float cols
  Conv2dPlan(const backend::cpu::Window2d& g, std::int64_t n, std::int64_t c, std::int64_t o, std::int64_t groups)
      : g(g), n(n), c(c), o(o), groups(groups), og(o / groups), kg(c / groups * g.kh * g.kw) {
    chunk = std::clamp<std::int64_t>(kChunkElements / std::max<std::int64_t>(1, rows() * g.out_plane()), 1,
                                     std::max<std::int64_t>(n, 1));
  }
  std::int64_t rows() const { return c * g.kh * g.kw; }
  std::int64_t in_sample() const { return c * g.in_plane(); }
  std::int64_t out_sample() const { return o * g.out_plane(); }
};

/// For each of `groups` blocks: out_g (+)= A_g · B_g, where A_g and B_g are given by (pointer, rows, cols,
/// row stride, col stride) at block offsets a_step and b_step, and out_g is contiguous at out + g·n·m.
template <class T>
void grouped_gemm(std::int64_t groups, const T* a, std::int64_t a_step, std::int64_t n, std::int64_t k,
                  std::int64_t as0, std::int64_t as1, const T* b, std::int64_t b_step, std::int64_t m, std::int64_t bs0,
                  std::int64_t bs1, T* out, bool accumulate = false) {
  for (std::int64_t g = 0; g < groups; ++g)
    backend::cpu::gemm(a + g * a_step, n, k, as0, as1, b + g * b_step, m, bs0, bs1, out + g * n * m, accumulate);
}

}  // namespace detail

/// 2-d convolution (PyTorch's F.conv2d; strictly a cross-correlation): input [N, C, H, W] or unbatched
/// [C, H, W], weight [O, C/groups, kH, kW], optional bias [O]; output [N, O, oH, oW] with
/// oH = ⌊(H + 2·padding − dilation·(kH − 1) − 1) / stride⌋ + 1 (and likewise oW).
template <class T>
Tensor<T> conv2d(const Tensor<T>& input, const Tensor<T>& weight, const Tensor<T>& bias = Tensor<T>(),
                 const ExpandingArray<2>& stride = 1, const ExpandingArray<2>& padding = 0,
                 const ExpandingArray<2>& dilation = 1, std::int64_t groups = 1) {
  TG_CHECK(input.defined() && weight.defined(), "conv2d: got an undefined input or weight");
  TG_CHECK(weight.dim() == 4, "conv2d: weight must be 4-d [out_channels, in_channels/groups, kH, kW], got shape ",
           weight.sizes());
  TG_CHECK(input.dim() == 3 || input.dim() == 4, "conv2d: expected 3-d (unbatched) or 4-d (batched) input, got shape ",
           input.sizes());
  if (input.dim() == 3) return squeeze(conv2d(unsqueeze(input, 0), weight, bias, stride, padding, dilation, groups), 0);
  const std::int64_t o = weight.size(0), c = input.size(1);
  TG_CHECK(groups > 0, "conv2d: groups must be positive, got ", groups);
  TG_CHECK(o % groups == 0, "conv2d: out_channels (", o, ") must be divisible by groups (", groups, ")");
  TG_CHECK(c == weight.size(1) * groups, "conv2d: given groups=", groups, ", weight of shape ", weight.sizes(),
           " expects input with ", weight.size(1) * groups, " channels, got input of shape ", input.sizes());
  TG_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == o), "conv2d: bias of shape ",
           bias.defined() ? bias.sizes() : Shape{}, " does not match weight of shape ", weight.sizes(), " (expected [", o,
           "])");
  if (bias.defined()) kernels::require_cpu("conv2d", {input.impl().get(), weight.impl().get(), bias.impl().get()});
  else kernels::require_cpu("conv2d", {input.impl().get(), weight.impl().get()});
  const detail::Conv2dPlan plan(
      detail::window2d("conv2d", input.sizes(), {weight.size(2), weight.size(3)}, stride, padding, dilation),
      input.size(0), c, o, groups);
  const backend::cpu::Window2d& g = plan.g;
  const std::int64_t p = g.out_plane();

  const Tensor<T> x = input.contiguous(), w = weight.contiguous();
  const Tensor<T> b = bias.defined() ? bias.contiguous() : Tensor<T>();
  Tensor<T> out = empty<T>({plan.n, o, g.out_h, g.out_w});
  Tensor<T> cols = empty<T>({plan.rows() * plan.chunk * p});
  Tensor<T> product = empty<T>({o * plan.chunk * p});
  for (std::int64_t s = 0; s < plan.n; s += plan.chunk) {
    const std::int64_t nb = std::min(plan.chunk, plan.n - s), np = nb * p;
    backend::cpu::im2col(x.data() + s * plan.in_sample(), nb, c, g, cols.data());
    detail::grouped_gemm(groups, w.data(), plan.og * plan.kg, plan.og, plan.kg, plan.kg, 1, cols.data(), plan.kg * np,
                         np, np, 1, product.data());
    backend::cpu::swap_outer(product.data(), o, nb, p, out.data() + s * plan.out_sample(),
                             b.defined() ? b.data() : nullptr);
  }

  if (autograd::any_requires_grad(input, weight, bias)) {
    autograd::SavedImpl sx, sw;
    if (weight.requires_grad()) sx = autograd::save(x);
    if (input.requires_grad()) sw = autograd::save(weight);
    autograd::record(
        "ConvolutionBackward", out, {input.impl(), weight.impl(), bias.defined() ? bias.impl() : nullptr},
        [plan, sx, sw, sws = weight.sizes()](const Tensor<T>& grad, autograd::GradInputs& gi) {
          const backend::cpu::Window2d& g = plan.g;
          const std::int64_t p = g.out_plane(), o = plan.o;
          const Tensor<T> gc = grad.contiguous();
          if (gi.needs(2)) gi.set(2, sum(sum(gc.view({plan.n, o, p}), 2), 0));
          if (!gi.needs(0) && !gi.needs(1)) return;
          const Tensor<T> x = gi.needs(1) ? Tensor<T>(sx.get("ConvolutionBackward")) : Tensor<T>();
          const Tensor<T> w = gi.needs(0) ? Tensor<T>(sw.get("ConvolutionBackward")).contiguous() : Tensor<T>();
          Tensor<T> dw = !gi.needs(1) ? Tensor<T>() : plan.n ? empty<T>(sws) : zeros<T>(sws);  // no chunk: no sum
          Tensor<T> dx = gi.needs(0) ? empty<T>({plan.n, plan.c, g.in_h, g.in_w}) : Tensor<T>();
          Tensor<T> gr = empty<T>({o * plan.chunk * p});  // a chunk of grad as [O, n, oH·oW]
          Tensor<T> cols = empty<T>({plan.rows() * plan.chunk * p});
          for (std::int64_t s = 0; s < plan.n; s += plan.chunk) {
            const std::int64_t nb = std::min(plan.chunk, plan.n - s), np = nb * p;
            backend::cpu::swap_outer(gc.data() + s * plan.out_sample(), nb, o, p, gr.data());
            if (gi.needs(1)) {  // dW_g += grad_g · cols_gᵀ
              backend::cpu::im2col(x.data() + s * plan.in_sample(), nb, plan.c, g, cols.data());
              detail::grouped_gemm(plan.groups, gr.data(), plan.og * np, plan.og, np, np, 1, cols.data(),
                                   plan.kg * np, plan.kg, 1, np, dw.data(), /*accumulate=*/s > 0);
            }
            if (gi.needs(0)) {  // dcols_g = W_gᵀ · grad_g, scattered back onto the chunk's input
              detail::grouped_gemm(plan.groups, w.data(), plan.og * plan.kg, plan.kg, plan.og, 1, plan.kg, gr.data(),
                                   plan.og * np, np, np, 1, cols.data());
              backend::cpu::col2im(cols.data(), nb, plan.c, g, dx.data() + s * plan.in_sample());
            }
          }
          if (gi.needs(1)) gi.set(1, dw);
          if (gi.needs(0)) gi.set(0, dx);
        });
  }
  return out;
}

}  // namespace tg
