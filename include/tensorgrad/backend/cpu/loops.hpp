#pragma once
/// Strided loops for the CPU backend: one N-d walker (nd_loop) under the one elementwise loop (map) and the
/// reduction (reduce_into).
/// Written by hand (not Eigen) because Eigen has no broadcasting strided N-d iterator; the innermost loop
/// is a plain counted loop that the compiler vectorises when strides are 1.
#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "../../core/shape.hpp"
#include "../../core/tensor_impl.hpp"
#include "parallel.hpp"

namespace tg {
namespace backend {
namespace cpu {

/// Calls inner(offsets, n, inner_strides) for every innermost row of `shape`, where offsets[k] is operand
/// k's element offset at the row start and inner_strides[k] its stride along the last dim.
template <std::size_t N, class Inner>
void nd_loop(const Shape& shape, const std::array<const Shape*, N>& strides, Inner&& inner) {
  const int nd = shape.size();
  if (shape.numel() == 0) return;
  std::array<std::int64_t, N> off{};
  if (nd == 0) {
    inner(off, std::int64_t{1}, std::array<std::int64_t, N>{});
    return;
  }
  std::array<std::int64_t, N> inner_stride;
  for (std::size_t k = 0; k < N; ++k) inner_stride[k] = (*strides[k])[nd - 1];
  const std::int64_t n_inner = shape[nd - 1];
  const std::int64_t rows = shape.numel() / n_inner;
  std::int64_t idx[kMaxDims];
  std::fill(idx, idx + nd, std::int64_t{0});
  for (std::int64_t r = 0; r < rows; ++r) {
    inner(off, n_inner, inner_stride);
    for (int d = nd - 2; d >= 0; --d) {
      for (std::size_t k = 0; k < N; ++k) off[k] += (*strides[k])[d];
      if (++idx[d] < shape[d]) break;
      for (std::size_t k = 0; k < N; ++k) off[k] -= (*strides[k])[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/// Strides that read `t` broadcast to `shape` (0 along broadcast dims).
inline Shape broadcast_strides(const detail::TensorImpl& t, const Shape& shape) {
  Shape st = Shape::filled(shape.size(), 0);
  const int lead = shape.size() - t.sizes.size();
  for (int i = 0; i < t.sizes.size(); ++i) st[lead + i] = t.sizes[i] == 1 ? 0 : t.strides[i];
  return st;
}

/// Contiguous operands: a flat loop, split across threads for large tensors (each thread a contiguous block,
/// which it vectorises).
template <class R, class F, class... P> void map_flat(R* o, std::int64_t n, F f, const P*... p) {
  parallel_for(n, n, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) o[i] = f(p[i]...);
  });
}

/// Binary op with one single-valued operand and the other contiguous of out's shape: the value is hoisted.
template <class R, class A, class B, class F>
bool scalar_fast_path(R* o, const Shape& shape, F f, const detail::TensorImpl& ta, const detail::TensorImpl& tb) {
  const std::int64_t n = shape.numel();
  const bool a_full = ta.sizes == shape && ta.is_contiguous();
  const bool b_full = tb.sizes == shape && tb.is_contiguous();
  if (a_full && tb.numel() == 1) {
    const A* a = ta.data<A>();
    const B s = tb.data<B>()[0];
    for (std::int64_t i = 0; i < n; ++i) o[i] = f(a[i], s);
    return true;
  }
  if (b_full && ta.numel() == 1) {
    const A s = ta.data<A>()[0];
    const B* b = tb.data<B>();
    for (std::int64_t i = 0; i < n; ++i) o[i] = f(s, b[i]);
    return true;
  }
  return false;
}

template <class R, class... A, class F, std::size_t... K>
void map_strided(R* o, const Shape& shape, const std::array<const Shape*, sizeof...(A) + 1>& strides, F f,
                 std::index_sequence<K...>, const A*... p) {
  nd_loop<sizeof...(A) + 1>(shape, strides, [&](const auto& off, std::int64_t m, const auto& s) {
    R* po = o + off[0];
    for (std::int64_t i = 0; i < m; ++i) po[i * s[0]] = f(p[off[K + 1] + i * s[K + 1]]...);
  });
}

/// The one elementwise loop: out[i] = f(in_0[i], ..., in_k[i]), every input broadcast to out's shape (NumPy
/// rules). `out` may be any strided view, and may be one of the inputs (in-place updates pass x as both: each
/// element is read before it is written, at the same position). R is out's element type, A... the inputs'.
/// Fast paths: every operand contiguous with out's shape (a flat loop the compiler vectorises), and for two
/// inputs, one of them a single value (tensor-scalar arithmetic).
template <class R, class... A, class F, class... In>
void map(detail::TensorImpl& out, F f, const In&... in) {
  static_assert(sizeof...(A) == sizeof...(In), "cpu::map: one element type per input");
  R* o = out.data<R>();
  const std::int64_t n = out.numel();
  const bool flat = out.is_contiguous() && ((in.sizes == out.sizes && in.is_contiguous()) && ...);
  if (flat) {
    map_flat(o, n, f, in.template data<A>()...);
    return;
  }
  if constexpr (sizeof...(In) == 2) {
    if (out.is_contiguous() && scalar_fast_path<R, A...>(o, out.sizes, f, in...)) return;
  }
  const std::array<Shape, sizeof...(In)> st{broadcast_strides(in, out.sizes)...};
  std::array<const Shape*, sizeof...(In) + 1> strides{&out.strides};
  for (std::size_t k = 0; k < sizeof...(In); ++k) strides[k + 1] = &st[k];
  map_strided<R, A...>(o, out.sizes, strides, f, std::index_sequence_for<In...>{}, in.template data<A>()...);
}

/// acc folded with f over the contiguous a[0, n). Long runs keep kLanes independent partial results (the first
/// kLanes elements, then each lane folds every kLanes-th element) that are folded into acc at the end: one
/// running value would make every step wait for the previous one, and the lanes let the compiler vectorise.
/// The order is fixed by n alone, so results do not depend on threads; for sums it also rounds less.
template <class R, class A, class F> R fold_contiguous(R acc, const A* a, std::int64_t n, F f) {
  constexpr std::int64_t kLanes = 32;
  std::int64_t i = 0;
  if (n >= 2 * kLanes) {
    R part[kLanes];
    for (std::int64_t l = 0; l < kLanes; ++l) part[l] = static_cast<R>(a[l]);
    for (i = kLanes; i + kLanes <= n; i += kLanes)
      for (std::int64_t l = 0; l < kLanes; ++l) part[l] = f(part[l], a[i + l]);
    for (std::int64_t l = 0; l < kLanes; ++l) acc = f(acc, part[l]);
  }
  for (; i < n; ++i) acc = f(acc, a[i]);
  return acc;
}

/// Reduction into `out` (already holding the identity), whose shape is in's with reduced dims set to 1:
/// out[j] = f(out[j], in[i]) over every i that maps to j, for an associative f. Deterministic order.
template <class R, class A, class F>
void reduce_into(const detail::TensorImpl& in, detail::TensorImpl& out, F f) {
  const A* a = in.data<A>();
  R* o = out.data<R>();
  if (out.numel() == 1 && in.is_contiguous()) {  // everything into one value
    *o = fold_contiguous(*o, a, in.numel(), f);
    return;
  }
  Shape so = Shape::filled(in.sizes.size(), 0);
  for (int i = 0; i < in.sizes.size(); ++i) so[i] = out.sizes[i] == 1 ? 0 : out.strides[i];
  nd_loop<2>(in.sizes, {&so, &in.strides}, [&](const auto& off, std::int64_t m, const auto& st) {
    R* po = o + off[0];
    const A* pa = a + off[1];
    if (st[0] == 0 && st[1] == 1) {
      *po = fold_contiguous(*po, pa, m, f);
    } else if (st[0] == 0) {
      R acc = *po;
      for (std::int64_t i = 0; i < m; ++i) acc = f(acc, pa[i * st[1]]);
      *po = acc;
    } else {
      for (std::int64_t i = 0; i < m; ++i) po[i * st[0]] = f(po[i * st[0]], pa[i * st[1]]);
    }
  });
}

}  // namespace cpu
}  // namespace backend
}  // namespace tg
