#pragma once
/// embedding: rows of a weight table looked up by int64 indices of any shape (F::embedding), one op whose
/// backward scatter-adds the output gradient into the rows used. CPU only so far.
#include <algorithm>
#include <cstdint>
#include <optional>

#include "view.hpp"

namespace tg {
namespace detail {

/// padding_idx checked against num_embeddings and wrapped (−1 is the last row, as PyTorch).
inline std::optional<std::int64_t> wrap_padding_idx(const char* op, std::optional<std::int64_t> padding_idx,
                                                    std::int64_t num_embeddings) {
  if (!padding_idx) return padding_idx;
  TG_CHECK(*padding_idx >= -num_embeddings && *padding_idx < num_embeddings, op, ": padding_idx ", *padding_idx,
           " must be within num_embeddings ", num_embeddings);
  return *padding_idx < 0 ? *padding_idx + num_embeddings : *padding_idx;
}

}  // namespace detail

/// weight [num_embeddings, embedding_dim] looked up at `input` (int64, any shape): the output has shape
/// input.shape + [embedding_dim]. Repeated indices accumulate their gradients; the row `padding_idx` (negative
/// counts from the end, as PyTorch) receives none. Arguments in F::embedding's order (input, weight), not
/// torch.embedding's (weight, input). Differentiable w.r.t. weight.
/// Example: auto vectors = tg::embedding(tokens, table);   // tokens [B, L] -> [B, L, D]
template <class T>
Tensor<T> embedding(const Tensor<std::int64_t>& input, const Tensor<T>& weight,
                    std::optional<std::int64_t> padding_idx = std::nullopt) {
  const char* op = "embedding";
  kernels::require_cpu(op, {input.impl().get(), weight.impl().get()});
  TG_CHECK(weight.dim() == 2, op, ": weight must be 2-d [num_embeddings, embedding_dim], got shape ", weight.sizes());
  const std::int64_t rows = weight.size(0), dim = weight.size(1);
  padding_idx = detail::wrap_padding_idx(op, padding_idx, rows);
  const Tensor<std::int64_t> idx = input.contiguous();
  const std::int64_t* pi = idx.impl()->template data<std::int64_t>();
  const std::int64_t count = idx.numel();
  for (std::int64_t i = 0; i < count; ++i)
    TG_CHECK(pi[i] >= 0 && pi[i] < rows, op, ": index ", pi[i], " is out of range for num_embeddings ", rows,
             " (expected 0..", rows - 1, ")");
  Shape out_shape = input.sizes();
  out_shape.push_back(dim);
  const Tensor<T> w = weight.detach().contiguous();
  Tensor<T> out = empty<T>(out_shape);
  {
    const T* pw = w.impl()->template data<T>();
    T* po = out.impl()->template data<T>();
    for (std::int64_t i = 0; i < count; ++i) std::copy(pw + pi[i] * dim, pw + (pi[i] + 1) * dim, po + i * dim);
  }
  if (autograd::any_requires_grad(weight))
    autograd::record("EmbeddingBackward", out, {weight.impl()},
                     [si = autograd::save(idx), count, rows, dim, padding_idx](const Tensor<T>& g, autograd::GradInputs& gi) {
                       const Tensor<T> gc = g.contiguous();
                       const T* pg = gc.impl()->template data<T>();
                       const std::int64_t* pi = si.get("EmbeddingBackward")->template data<std::int64_t>();
                       Tensor<T> dw = zeros<T>(Shape{rows, dim});
                       T* pd = dw.impl()->template data<T>();
                       for (std::int64_t i = 0; i < count; ++i) {
                         if (pi[i] == padding_idx) continue;
                         T* row = pd + pi[i] * dim;
                         const T* gi_row = pg + i * dim;
                         for (std::int64_t j = 0; j < dim; ++j) row[j] += gi_row[j];
                       }
                       gi.set(0, dw);
                     });
  return out;
}

}  // namespace tg
