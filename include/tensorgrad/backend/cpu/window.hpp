#pragma once
/// CPU kernels for 2-d sliding windows over contiguous planes (NCHW): im2col/col2im, which turn a whole
/// batch's convolution into one GEMM, and the max/average pooling windows. Loops over independent rows or
/// planes run on OpenMP threads (parallel.hpp).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "parallel.hpp"

namespace tg {
namespace backend {
namespace cpu {

/// A 2-d window's geometry over one plane: input and output sizes, kernel, stride, padding, dilation.
struct Window2d {
  std::int64_t in_h, in_w, out_h, out_w;
  std::int64_t kh, kw, sh, sw, ph, pw, dh, dw;
  std::int64_t in_plane() const { return in_h * in_w; }
  std::int64_t out_plane() const { return out_h * out_w; }
};

/// The outputs o in [lo, hi) whose input position start + o·stride lies inside [0, size).
inline void valid_range(std::int64_t start, std::int64_t stride, std::int64_t size, std::int64_t outputs,
                        std::int64_t& lo, std::int64_t& hi) {
  lo = start >= 0 ? 0 : (-start + stride - 1) / stride;
  hi = start <= size - 1 ? std::min(outputs, (size - 1 - start) / stride + 1) : 0;
  hi = std::max(hi, lo);
}

/// cols [C·kh·kw, N·out_h·out_w] (row-major) from x [N, C, in_h, in_w]: row (c, i, j) holds, for every
/// output position of every sample, the input element under kernel tap (i, j) of channel c (0 in padding).
template <class T> void im2col(const T* x, std::int64_t n, std::int64_t c, const Window2d& g, T* cols) {
  const std::int64_t taps = g.kh * g.kw, rows = c * taps, row_len = n * g.out_plane();
  parallel_for(rows, rows * row_len, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      const std::int64_t ch = r / taps, ki = r / g.kw % g.kh, kj = r % g.kw;
      const std::int64_t w_start = kj * g.dw - g.pw;
      std::int64_t lo, hi;
      valid_range(w_start, g.sw, g.in_w, g.out_w, lo, hi);
      T* dst = cols + r * row_len;
      for (std::int64_t b = 0; b < n; ++b) {
        const T* plane = x + (b * c + ch) * g.in_plane();
        for (std::int64_t oh = 0; oh < g.out_h; ++oh, dst += g.out_w) {
          const std::int64_t ih = oh * g.sh - g.ph + ki * g.dh;
          if (ih < 0 || ih >= g.in_h) {
            std::fill(dst, dst + g.out_w, T(0));
            continue;
          }
          const T* src = plane + ih * g.in_w + w_start;
          std::fill(dst, dst + lo, T(0));
          if (g.sw == 1) std::memcpy(dst + lo, src + lo, static_cast<std::size_t>(hi - lo) * sizeof(T));
          else
            for (std::int64_t ow = lo; ow < hi; ++ow) dst[ow] = src[ow * g.sw];
          std::fill(dst + hi, dst + g.out_w, T(0));
        }
      }
    }
  });
}

/// The adjoint of im2col: dx [N, C, in_h, in_w] = 0, then every cols entry added back to the input element it
/// was read from. One thread per channel, so no two threads touch the same element.
template <class T> void col2im(const T* cols, std::int64_t n, std::int64_t c, const Window2d& g, T* dx) {
  const std::int64_t row_len = n * g.out_plane();
  parallel_for(c, c * g.kh * g.kw * row_len, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t ch = begin; ch < end; ++ch) {
      for (std::int64_t b = 0; b < n; ++b) std::fill_n(dx + (b * c + ch) * g.in_plane(), g.in_plane(), T(0));
      for (std::int64_t ki = 0; ki < g.kh; ++ki)
        for (std::int64_t kj = 0; kj < g.kw; ++kj) {
          const std::int64_t w_start = kj * g.dw - g.pw;
          std::int64_t lo, hi;
          valid_range(w_start, g.sw, g.in_w, g.out_w, lo, hi);
          const T* src = cols + ((ch * g.kh + ki) * g.kw + kj) * row_len;
          for (std::int64_t b = 0; b < n; ++b) {
            T* plane = dx + (b * c + ch) * g.in_plane();
            for (std::int64_t oh = 0; oh < g.out_h; ++oh, src += g.out_w) {
              const std::int64_t ih = oh * g.sh - g.ph + ki * g.dh;
              if (ih < 0 || ih >= g.in_h) continue;
              T* dst = plane + ih * g.in_w + w_start;
              for (std::int64_t ow = lo; ow < hi; ++ow) dst[ow * g.sw] += src[ow];
            }
          }
        }
    }
  });
}

/// out[b, a, p] = in[a, b, p] (+ bias[a]) for contiguous [A, B, P] → [B, A, P]: moves the GEMM's
/// channel-major result into NCHW and back. `bias` may be null.
template <class T>
void swap_outer(const T* in, std::int64_t A, std::int64_t B, std::int64_t P, T* out, const T* bias = nullptr) {
  parallel_for(B, A * B * P, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t b = begin; b < end; ++b)
      for (std::int64_t a = 0; a < A; ++a) {
        const T* src = in + (a * B + b) * P;
        T* dst = out + (b * A + a) * P;
        const T shift = bias ? bias[a] : T(0);
        for (std::int64_t p = 0; p < P; ++p) dst[p] = src[p] + shift;
      }
  });
}

/// Max pooling over `planes` planes: out and the flat in-plane index of each window's maximum (the first
/// one on ties; a NaN wins, as in PyTorch, so it propagates). Columns whose windows lie wholly inside the
/// row run tap by tap over the whole output row with selects instead of branches: random data makes the
/// "new maximum?" branch unpredictable, and mispredictions cost more than the comparisons themselves.
template <class T>
void max_pool2d(const T* x, std::int64_t planes, const Window2d& g, T* out, std::int64_t* indices) {
  // Outputs [ow_lo, ow_hi) see all kw taps: ow·sw − pw ≥ 0 and ow·sw − pw + (kw − 1)·dw ≤ in_w − 1.
  const std::int64_t ow_lo = std::min(g.out_w, (g.pw + g.sw - 1) / g.sw);
  const std::int64_t last = g.in_w - 1 - (g.kw - 1) * g.dw + g.pw;
  const std::int64_t ow_hi = std::max(ow_lo, last < 0 ? 0 : std::min(g.out_w, last / g.sw + 1));
  parallel_for(planes, planes * g.out_plane() * g.kh * g.kw, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) {
      const T* plane = x + p * g.in_plane();
      for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
        T* o = out + p * g.out_plane() + oh * g.out_w;
        std::int64_t* idx = indices + p * g.out_plane() + oh * g.out_w;
        std::int64_t ki_lo, ki_hi;
        valid_range(oh * g.sh - g.ph, g.dh, g.in_h, g.kh, ki_lo, ki_hi);
        const std::int64_t row0 = oh * g.sh - g.ph;  // input row of tap ki = 0
        auto one_window = [&](std::int64_t ow) {
          std::int64_t kj_lo, kj_hi;
          valid_range(ow * g.sw - g.pw, g.dw, g.in_w, g.kw, kj_lo, kj_hi);
          T best = -std::numeric_limits<T>::infinity();
          std::int64_t at = (row0 + ki_lo * g.dh) * g.in_w + ow * g.sw - g.pw + kj_lo * g.dw;
          for (std::int64_t ki = ki_lo; ki < ki_hi; ++ki)
            for (std::int64_t kj = kj_lo; kj < kj_hi; ++kj) {
              const std::int64_t i = (row0 + ki * g.dh) * g.in_w + ow * g.sw - g.pw + kj * g.dw;
              const T v = plane[i];
              if (v > best || std::isnan(v)) {
                best = v;
                at = i;
              }
            }
          o[ow] = best;
          idx[ow] = at;
        };
        for (std::int64_t ow = 0; ow < ow_lo; ++ow) one_window(ow);
        for (std::int64_t ow = ow_hi; ow < g.out_w; ++ow) one_window(ow);
        if (ow_lo == ow_hi) continue;
        // Locals, not g's fields or the output rows: stores through o/idx could otherwise alias them.
        const std::int64_t col0 = -g.pw, sw = g.sw, n_in = ow_hi - ow_lo;
        T* TG_RESTRICT best = o + ow_lo;
        std::int64_t* TG_RESTRICT at = idx + ow_lo;
        const std::int64_t first = (row0 + ki_lo * g.dh) * g.in_w + col0 + ow_lo * sw;
        for (std::int64_t j = 0; j < n_in; ++j) {
          best[j] = -std::numeric_limits<T>::infinity();
          at[j] = first + j * sw;
        }
        for (std::int64_t ki = ki_lo; ki < ki_hi; ++ki)
          for (std::int64_t kj = 0; kj < g.kw; ++kj) {
            const std::int64_t tap = (row0 + ki * g.dh) * g.in_w + col0 + kj * g.dw + ow_lo * sw;
            const T* TG_RESTRICT src = plane + tap;
            for (std::int64_t j = 0; j < n_in; ++j) {
              const T v = src[j * sw];
              const bool take = v > best[j] || v != v;  // v != v: isnan, spelled so the loop stays branch-free
              best[j] = take ? v : best[j];
              at[j] = take ? tap + j * sw : at[j];
            }
          }
      }
    }
  });
}

/// dx = 0, then each output gradient added to its window's maximum.
template <class T>
void max_pool2d_backward(const T* grad, const std::int64_t* indices, std::int64_t planes, const Window2d& g, T* dx) {
  parallel_for(planes, planes * g.in_plane(), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) {
      T* plane = dx + p * g.in_plane();
      std::fill_n(plane, g.in_plane(), T(0));
      for (std::int64_t o = 0; o < g.out_plane(); ++o) plane[indices[p * g.out_plane() + o]] += grad[p * g.out_plane() + o];
    }
  });
}

/// An averaging window: rows [h0, h1) and columns [w0, w1) of the plane, summed and divided by `divisor`.
struct AvgWindow {
  std::int64_t h0, h1, w0, w1;
  std::int64_t divisor;
};

/// Average pooling with the window of output (oh, ow) given by window(oh, ow) (fixed or adaptive windows).
template <class T, class WindowOf>
void avg_pool2d(const T* x, std::int64_t planes, const Window2d& g, WindowOf window, T* out) {
  parallel_for(planes, planes * g.in_plane(), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) {
      const T* plane = x + p * g.in_plane();
      for (std::int64_t oh = 0; oh < g.out_h; ++oh)
        for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
          const AvgWindow w = window(oh, ow);
          T total = 0;
          for (std::int64_t h = w.h0; h < w.h1; ++h)
            for (std::int64_t c = w.w0; c < w.w1; ++c) total += plane[h * g.in_w + c];
          out[(p * g.out_h + oh) * g.out_w + ow] = total / static_cast<T>(w.divisor);
        }
    }
  });
}

/// dx = 0, then each output gradient spread evenly (÷ divisor) over its window.
template <class T, class WindowOf>
void avg_pool2d_backward(const T* grad, std::int64_t planes, const Window2d& g, WindowOf window, T* dx) {
  parallel_for(planes, planes * g.in_plane(), [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) {
      T* plane = dx + p * g.in_plane();
      std::fill_n(plane, g.in_plane(), T(0));
      for (std::int64_t oh = 0; oh < g.out_h; ++oh)
        for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
          const AvgWindow w = window(oh, ow);
          const T share = grad[(p * g.out_h + oh) * g.out_w + ow] / static_cast<T>(w.divisor);
          for (std::int64_t h = w.h0; h < w.h1; ++h)
            for (std::int64_t c = w.w0; c < w.w1; ++c) plane[h * g.in_w + c] += share;
        }
    }
  });
}

}  // namespace cpu
}  // namespace backend
}  // namespace tg
