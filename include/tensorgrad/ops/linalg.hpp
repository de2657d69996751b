#pragma once
/// matmul with PyTorch's rules (1-d, 2-d, batched with broadcast batch dims) and mm.
#include "../backend/cpu/gemm.hpp"
#include "reduce.hpp"

namespace tg {
namespace detail {

/// a [..., n, k] · b [..., k, m] with broadcast batch dims; both at least 2-d.
template <class T> Tensor<T> batched_matmul(const Tensor<T>& a, const Tensor<T>& b) {
  require_cpu("matmul", {a.impl().get(), b.impl().get()});
  const std::int64_t n = a.size(-2), k = a.size(-1), k2 = b.size(-2), m = b.size(-1);
  TG_CHECK(k == k2, "matmul: shapes ", a.sizes(), " and ", b.sizes(), " cannot be multiplied (", k, " != ", k2, ")");
  const Shape ba(a.sizes().begin(), a.sizes().end() - 2), bb(b.sizes().begin(), b.sizes().end() - 2);
  const Shape batch = broadcast_shapes(ba, bb, "matmul");
  Shape out_shape = batch;
  out_shape.push_back(n);
  out_shape.push_back(m);
  Tensor<T> out = empty<T>(out_shape);
  const auto& ai = *a.impl();
  const auto& bi = *b.impl();
  const int nb = batch.size();
  // Batch strides of each operand broadcast to `batch` (0 along broadcast dims).
  Shape sa = Shape::filled(nb, 0), sb = Shape::filled(nb, 0);
  for (int i = 0; i < ba.size(); ++i) sa[nb - ba.size() + i] = ba[i] == 1 ? 0 : ai.strides[i];
  for (int i = 0; i < bb.size(); ++i) sb[nb - bb.size() + i] = bb[i] == 1 ? 0 : bi.strides[i];
  const std::int64_t count = batch.numel();
  T* po = out.impl()->template data<T>();
  for (std::int64_t t = 0; t < count; ++t) {
    std::int64_t rem = t, oa = 0, ob = 0;
    for (int d = nb - 1; d >= 0; --d) {
      const std::int64_t i = rem % batch[d];
      rem /= batch[d];
      oa += i * sa[d];
      ob += i * sb[d];
    }
    backend::cpu::gemm(ai.template data<T>() + oa, n, k, ai.strides[ai.sizes.size() - 2], ai.strides[ai.sizes.size() - 1],
                       bi.template data<T>() + ob, m, bi.strides[bi.sizes.size() - 2], bi.strides[bi.sizes.size() - 1],
                       po + t * n * m);
  }
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

}  // namespace tg
