#pragma once
/// Strided loops for the CPU backend: one N-d walker that every elementwise and reduction kernel shares.
/// Written by hand (not Eigen) because Eigen has no broadcasting strided N-d iterator; the innermost loop
/// is a plain counted loop that the compiler vectorises when strides are 1.
#include <algorithm>
#include <array>
#include <cstdint>

#include "../../core/shape.hpp"
#include "../../core/tensor_impl.hpp"

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

/// out[i] = f(in[i]); `out` is contiguous with in's shape.
template <class R, class A, class F>
void map1(const detail::TensorImpl& in, detail::TensorImpl& out, F f) {
  const A* a = in.data<A>();
  R* o = out.data<R>();
  if (in.is_contiguous()) {
    const std::int64_t n = in.numel();
    for (std::int64_t i = 0; i < n; ++i) o[i] = f(a[i]);
    return;
  }
  nd_loop<2>(in.sizes, {&out.strides, &in.strides}, [&](const auto& off, std::int64_t n, const auto& st) {
    R* po = o + off[0];
    const A* pa = a + off[1];
    for (std::int64_t i = 0; i < n; ++i) po[i * st[0]] = f(pa[i * st[1]]);
  });
}

/// out[i] = f(a[i], b[i]) with a and b broadcast to out's shape; `out` is contiguous.
template <class R, class A, class B, class F>
void map2(const detail::TensorImpl& ta, const detail::TensorImpl& tb, detail::TensorImpl& out, F f) {
  const A* a = ta.data<A>();
  const B* b = tb.data<B>();
  R* o = out.data<R>();
  const std::int64_t n = out.numel();
  const bool a_full = ta.sizes == out.sizes && ta.is_contiguous();
  const bool b_full = tb.sizes == out.sizes && tb.is_contiguous();
  if (a_full && b_full) {
    for (std::int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
    return;
  }
  if (a_full && tb.numel() == 1) {
    const B s = b[0];
    for (std::int64_t i = 0; i < n; ++i) o[i] = f(a[i], s);
    return;
  }
  if (b_full && ta.numel() == 1) {
    const A s = a[0];
    for (std::int64_t i = 0; i < n; ++i) o[i] = f(s, b[i]);
    return;
  }
  const Shape sa = broadcast_strides(ta, out.sizes), sb = broadcast_strides(tb, out.sizes);
  nd_loop<3>(out.sizes, {&out.strides, &sa, &sb}, [&](const auto& off, std::int64_t m, const auto& st) {
    R* po = o + off[0];
    const A* pa = a + off[1];
    const B* pb = b + off[2];
    for (std::int64_t i = 0; i < m; ++i) po[i * st[0]] = f(pa[i * st[1]], pb[i * st[2]]);
  });
}

/// out[i] = f(a[i], b[i], c[i]) with all three broadcast to out's shape; `out` is contiguous.
template <class R, class A, class B, class C, class F>
void map3(const detail::TensorImpl& ta, const detail::TensorImpl& tb, const detail::TensorImpl& tc,
          detail::TensorImpl& out, F f) {
  const A* a = ta.data<A>();
  const B* b = tb.data<B>();
  const C* c = tc.data<C>();
  R* o = out.data<R>();
  const std::int64_t n = out.numel();
  if (ta.sizes == out.sizes && tb.sizes == out.sizes && tc.sizes == out.sizes && ta.is_contiguous() &&
      tb.is_contiguous() && tc.is_contiguous()) {
    for (std::int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i], c[i]);
    return;
  }
  const Shape sa = broadcast_strides(ta, out.sizes), sb = broadcast_strides(tb, out.sizes),
              sc = broadcast_strides(tc, out.sizes);
  nd_loop<4>(out.sizes, {&out.strides, &sa, &sb, &sc}, [&](const auto& off, std::int64_t m, const auto& st) {
    for (std::int64_t i = 0; i < m; ++i)
      o[off[0] + i * st[0]] = f(a[off[1] + i * st[1]], b[off[2] + i * st[2]], c[off[3] + i * st[3]]);
  });
}

/// In place: x[i] = f(x[i]) (x may be any strided view).
template <class A, class F>
void update1(detail::TensorImpl& x, F f) {
  A* a = x.data<A>();
  if (x.is_contiguous()) {
    const std::int64_t n = x.numel();
    for (std::int64_t i = 0; i < n; ++i) a[i] = f(a[i]);
    return;
  }
  nd_loop<1>(x.sizes, {&x.strides}, [&](const auto& off, std::int64_t m, const auto& st) {
    for (std::int64_t i = 0; i < m; ++i) a[off[0] + i * st[0]] = f(a[off[0] + i * st[0]]);
  });
}

/// In place: x[i] = f(x[i], b[i]) with b broadcast to x's shape (x may be any strided view).
template <class A, class B, class F>
void update2(detail::TensorImpl& x, const detail::TensorImpl& tb, F f) {
  A* a = x.data<A>();
  const B* b = tb.data<B>();
  if (x.is_contiguous() && tb.is_contiguous() && tb.sizes == x.sizes) {
    const std::int64_t n = x.numel();
    for (std::int64_t i = 0; i < n; ++i) a[i] = f(a[i], b[i]);
    return;
  }
  const Shape sb = broadcast_strides(tb, x.sizes);
  nd_loop<2>(x.sizes, {&x.strides, &sb}, [&](const auto& off, std::int64_t m, const auto& st) {
    A* pa = a + off[0];
    const B* pb = b + off[1];
    for (std::int64_t i = 0; i < m; ++i) pa[i * st[0]] = f(pa[i * st[0]], pb[i * st[1]]);
  });
}

/// Reduction into `out` (already holding the identity), whose shape is in's with reduced dims set to 1:
/// out[j] = f(out[j], in[i]) over every i that maps to j. Deterministic order.
template <class R, class A, class F>
void reduce_into(const detail::TensorImpl& in, detail::TensorImpl& out, F f) {
  const A* a = in.data<A>();
  R* o = out.data<R>();
  if (out.numel() == 1 && in.is_contiguous()) {  // everything into one value: a flat loop, in the same order
    R acc = *o;
    for (std::int64_t i = 0, n = in.numel(); i < n; ++i) acc = f(acc, a[i]);
    *o = acc;
    return;
  }
  Shape so = Shape::filled(in.sizes.size(), 0);
  for (int i = 0; i < in.sizes.size(); ++i) so[i] = out.sizes[i] == 1 ? 0 : out.strides[i];
  nd_loop<2>(in.sizes, {&so, &in.strides}, [&](const auto& off, std::int64_t m, const auto& st) {
    R* po = o + off[0];
    const A* pa = a + off[1];
    if (st[0] == 0) {
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
