#pragma once
/// CPU kernels over the lines of a contiguous tensor viewed as [outer, n, inner] (line (a, c) is the n elements
/// x[a·n·inner + k·inner + c]): softmax along a dim, and the selection kernels whose per-line bodies
/// (backend/bodies/select.hpp) the CUDA kernels share.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "../../core/tensor_impl.hpp"
#include "../bodies/select.hpp"

namespace tg {
namespace backend {
namespace cpu {

/// out = softmax (log_softmax when `log`) of contiguous x along `dim`, max-subtracted so large logits stay finite.
template <class T> void softmax(const detail::TensorImpl& x, int dim, bool log, detail::TensorImpl& out) {
  const std::int64_t n = x.sizes.size() ? x.sizes[dim] : 1;
  std::int64_t outer = 1, inner = 1;
  for (int i = 0; i < dim; ++i) outer *= x.sizes[i];
  for (int i = dim + 1; i < x.sizes.size(); ++i) inner *= x.sizes[i];
  const T* p = x.data<T>();
  T* o = out.data<T>();
  for (std::int64_t a = 0; a < outer; ++a)
    for (std::int64_t c = 0; c < inner; ++c) {
      const T* row = p + a * n * inner + c;
      T* orow = o + a * n * inner + c;
      T mx = -std::numeric_limits<T>::infinity();
      for (std::int64_t k = 0; k < n; ++k) mx = std::max(mx, row[k * inner]);
      if (std::isinf(mx) && mx < 0) mx = 0;  // an all -inf row: avoid (-inf) - (-inf)
      T total = 0;
      for (std::int64_t k = 0; k < n; ++k) {
        const T e = std::exp(row[k * inner] - mx);
        total += e;
        if (!log) orow[k * inner] = e;
      }
      if (log) {
        // (x − max) − log Σ: forming max + log Σ first would round at the logits' magnitude.
        const T log_total = std::log(total);
        for (std::int64_t k = 0; k < n; ++k) orow[k * inner] = (row[k * inner] - mx) - log_total;
      } else {
        const T inv = T(1) / total;
        for (std::int64_t k = 0; k < n; ++k) orow[k * inner] *= inv;
      }
    }
}

template <class T>
void arg_reduce(const detail::TensorImpl& x, std::int64_t outer, std::int64_t n, std::int64_t inner, bool is_max,
                detail::TensorImpl& index) {
  const T* p = x.data<T>();
  std::int64_t* o = index.data<std::int64_t>();
  for (std::int64_t a = 0; a < outer; ++a)
    for (std::int64_t c = 0; c < inner; ++c) o[a * inner + c] = bodies::arg_best(p + a * n * inner + c, n, inner, is_max);
}

template <class T>
void gather(const detail::TensorImpl& x, std::int64_t outer, std::int64_t n, std::int64_t inner,
            const detail::TensorImpl& index, detail::TensorImpl& out) {
  const T* p = x.data<T>();
  const std::int64_t* ix = index.data<std::int64_t>();
  T* o = out.data<T>();
  for (std::int64_t i = 0; i < outer * inner; ++i) o[i] = p[bodies::line_offset(i, n, inner, ix)];
}

template <class T>
void scatter(const detail::TensorImpl& src, std::int64_t outer, std::int64_t n, std::int64_t inner,
             const detail::TensorImpl& index, detail::TensorImpl& out) {
  const T* p = src.data<T>();
  const std::int64_t* ix = index.data<std::int64_t>();
  T* o = out.data<T>();
  for (std::int64_t i = 0; i < outer * inner; ++i) o[bodies::line_offset(i, n, inner, ix)] = p[i];
}

}  // namespace cpu
}  // namespace backend
}  // namespace tg
