#pragma once
/// matmul with PyTorch's rules (1-d, 2-d, batched with broadcast batch dims) and mm.
#include "../backend/kernels_gemm.hpp"
#include "inplace.hpp"
#include "reduce.hpp"

namespace tg {
namespace detail {

/// The single stride that walks an operand's batch dims (broadcast to `batch`) in row-major order, if one
/// exists: all zero (fully broadcast) or collapsible like a contiguous block. Returns false otherwise.
inline bool uniform_batch_stride(const Shape& batch, const Shape& strides, std::int64_t& stride) {
  stride = 0;
  std::int64_t expected = -1;  // the stride the next-outer non-trivial dim must have
  for (int d = batch.size() - 1; d >= 0; --d) {
    if (batch[d] == 1) continue;
    if (expected < 0) stride = strides[d];
    else if (strides[d] != expected) return false;
    expected = strides[d] * batch[d];
  }
  return true;
}

/// Batched GEMM on any device: each operand's batch dims must collapse to one stride (the kernel's batch
/// stride); one that does not (a rare partial broadcast) is materialised first.
template <class T> void gemm_batched(Tensor<T> a, Tensor<T> b, const Shape& batch, Tensor<T>& out) {
  const std::int64_t n = a.size(-2), k = a.size(-1), m = b.size(-1);
  auto batch_strides = [&](const Tensor<T>& t) {
    Shape st = Shape::filled(batch.size(), 0);
    const int lead = batch.size() - (t.dim() - 2);
    for (int i = 0; i < t.dim() - 2; ++i) st[lead + i] = t.sizes()[i] == 1 ? 0 : t.strides()[i];
    return st;
  };
  auto prepare = [&](Tensor<T>& t, std::int64_t rows, std::int64_t cols, std::int64_t& stride) {
    if (uniform_batch_stride(batch, batch_strides(t), stride)) return;
    Shape full = batch;
    full.push_back(rows);
    full.push_back(cols);
    t = clone(expand(t, full));
    stride = rows * cols;
  };
  std::int64_t sa = 0, sb = 0;
  prepare(a, n, k, sa);
  prepare(b, k, m, sb);
  kernels::gemm<T>(batch.numel(), n, k, m, a.impl()->template data<T>(), sa, a.stride(-2), a.stride(-1),
                   b.impl()->template data<T>(), sb, b.stride(-2), b.stride(-1), *out.impl());
}

/// a [..., n, k] · b [..., k, m] with broadcast batch dims; both at least 2-d.
template <class T> Tensor<T> batched_matmul(const Tensor<T>& a, const Tensor<T>& b) {
  kernels::common_device("matmul", {a.impl().get(), b.impl().get()});
  const std::int64_t n = a.size(-2), k = a.size(-1), k2 = b.size(-2), m = b.size(-1);
  TG_CHECK(k == k2, "matmul: shapes ", a.sizes(), " and ", b.sizes(), " cannot be multiplied (", k, " != ", k2, ")");
  const Shape ba(a.sizes().begin(), a.sizes().end() - 2), bb(b.sizes().begin(), b.sizes().end() - 2);
  const Shape batch = broadcast_shapes(ba, bb, "matmul");
  Shape out_shape = batch;
  out_shape.push_back(n);
  out_shape.push_back(m);
  Tensor<T> out = empty<T>(out_shape, a.device());
  gemm_batched(a, b, batch, out);
  if (autograd::any_requires_grad(a, b)) {
    autograd::SavedImpl s_a, s_b;
    if (b.requires_grad()) s_a = autograd::save(a);
    if (a.requires_grad()) s_b = autograd::save(b);
    autograd::record("MmBackward", out, {a.impl(), b.impl()},
                     [s_a, s_b, sha = a.sizes(), shb = b.sizes()](const Tensor<T>& g, autograd::GradInputs& gi) {
                       if (gi.needs(0))
                         gi.set(0, sum_to(batched_matmul(g, transpose(Tensor<T>(s_b.get("MmBackward")), -1, -2)), sha));
                       if (gi.needs(1))
                         gi.set(1, sum_to(batched_matmul(transpose(Tensor<T>(s_a.get("MmBackward")), -1, -2), g), shb));
                     });
  }
  return out;
}

}  // namespace detail

/// Matrix product with PyTorch's rules: 1-d·1-d is a dot product, a 1-d operand is treated as a row
/// (left) or column (right) vector, and batch dims broadcast.
template <class T> Tensor<T> matmul(const Tensor<T>& a, const Tensor<T>& b) {
  TG_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul: both arguments need at least 1 dimension, got shapes ", a.sizes(),
           " and ", b.sizes());
  if (a.dim() == 1 && b.dim() == 1) {
    TG_CHECK(a.numel() == b.numel(), "matmul: shapes ", a.sizes(), " and ", b.sizes(), " cannot be multiplied (",
             a.numel(), " != ", b.numel(), ")");
    return squeeze(squeeze(detail::batched_matmul(unsqueeze(a, 0), unsqueeze(b, 1)), 1), 0);
  }
  if (a.dim() == 1) return squeeze(detail::batched_matmul(unsqueeze(a, 0), b), -2);
  if (b.dim() == 1) return squeeze(detail::batched_matmul(a, unsqueeze(b, 1)), -1);
  return detail::batched_matmul(a, b);
}

/// 2-d matrix product only (as torch.mm).
template <class T> Tensor<T> mm(const Tensor<T>& a, const Tensor<T>& b) {
  TG_CHECK(a.dim() == 2 && b.dim() == 2, "mm: expected 2-d tensors, got shapes ", a.sizes(), " and ", b.sizes());
  return detail::batched_matmul(a, b);
}

/// y = x·Wᵀ + b for x [*, in], weight [out, in], bias [out] (undefined for none), as one op: a single GEMM
/// forward, and a backward of two GEMMs on the strided operands (no transposed copies, no views), whose weight
/// gradient gᵀ·x comes out contiguous in weight's own [out, in] layout (so accumulating it into .grad is a
/// plain copy or a steal, not a transpose).
template <class T> Tensor<T> linear(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias = Tensor<T>()) {
  TG_CHECK(weight.dim() == 2, "linear: weight must be 2-d [out_features, in_features], got shape ", weight.sizes());
  TG_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(1), "linear: input of shape ", x.sizes(),
           " does not match weight of shape ", weight.sizes(), " (expected ", weight.size(1), " input features)");
  TG_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == weight.size(0)), "linear: bias of shape ",
           bias.defined() ? bias.sizes() : Shape{}, " does not match weight of shape ", weight.sizes(), " (expected [",
           weight.size(0), "])");
  if (x.dim() != 2) {  // fold leading dims into one batch dim and back
    Shape out_shape = x.sizes();
    out_shape[out_shape.size() - 1] = weight.size(0);
    return reshape(linear(reshape(x, Shape{-1, x.size(-1)}), weight, bias), out_shape);
  }
  if (bias.defined()) kernels::common_device("linear", {x.impl().get(), weight.impl().get(), bias.impl().get()});
  else kernels::common_device("linear", {x.impl().get(), weight.impl().get()});
  const detail::TensorImpl &xi = *x.impl(), &wi = *weight.impl();
  const std::int64_t n = xi.sizes[0], in = xi.sizes[1], out = wi.sizes[0];
  Tensor<T> y = empty<T>(Shape{n, out}, x.device());
  // y = x · Wᵀ, where Wᵀ is weight read with its two strides swapped.
  kernels::gemm<T>(1, n, in, out, xi.data<T>(), 0, xi.strides[0], xi.strides[1], wi.data<T>(), 0, wi.strides[1],
                   wi.strides[0], *y.impl());
  if (bias.defined()) {
    NoGradGuard no_grad;  // the bias add belongs to this op's node, not a node of its own
    add_(y, bias.detach());
  }
  if (autograd::any_requires_grad(x, weight, bias)) {
    autograd::SavedImpl sx, sw;
    if (weight.requires_grad()) sx = autograd::save(x);
    if (x.requires_grad()) sw = autograd::save(weight);
    autograd::record("AddmmBackward", y, {x.impl(), weight.impl(), bias.defined() ? bias.impl() : nullptr},
                     [sx, sw, n, in, out](const Tensor<T>& g, autograd::GradInputs& gi) {
                       const detail::TensorImpl& gg = *g.impl();
                       const T* pg = gg.data<T>();
                       if (gi.needs(0)) {  // dx = g · W
                         const detail::TensorImpl& w = *sw.get("AddmmBackward");
                         Tensor<T> dx = empty<T>(Shape{n, in}, g.device());
                         kernels::gemm<T>(1, n, out, in, pg, 0, gg.strides[0], gg.strides[1], w.data<T>(), 0,
                                          w.strides[0], w.strides[1], *dx.impl());
                         gi.set(0, dx);
                       }
                       if (gi.needs(1)) {  // dW = gᵀ · x
                         const detail::TensorImpl& xs = *sx.get("AddmmBackward");
                         Tensor<T> dw = empty<T>(Shape{out, in}, g.device());
                         kernels::gemm<T>(1, out, n, in, pg, 0, gg.strides[1], gg.strides[0], xs.data<T>(), 0,
                                          xs.strides[0], xs.strides[1], *dw.impl());
                         gi.set(1, dw);
                       }
                       if (gi.needs(2)) gi.set(2, sum(g, 0));
                     });
  }
  return y;
}

}  // namespace tg
