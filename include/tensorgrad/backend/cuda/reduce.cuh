#pragma once
/// Reductions: sum over any set of dims, and softmax/log_softmax along one dim.
///
/// sum is deterministic and atomics-free. Each output element's reduced elements are split into `chunks`; a first
/// pass writes one partial per (output, chunk), a second pass (only when chunks > 1) sums the partials. Two
/// layouts: when the reduced dims are the innermost in memory, one block per (output, chunk) reads them coalesced
/// ("row" kernel); otherwise adjacent threads take adjacent outputs and read along the kept innermost dim
/// ("column" kernel, e.g. a bias gradient summing rows of an [N, M] matrix).
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "../../core/tensor_impl.hpp"
#include "allocator.cuh"
#include "check.cuh"
#include "elementwise.cuh"
#include "strided.cuh"

namespace tg {
namespace backend {
namespace cuda {

/// Sum of v over the block (blockDim.x a multiple of 32); the result is valid in thread 0.
template <class T> __device__ T block_sum(T v, T* shared /* >= 32 */) {
  for (int s = 16; s > 0; s >>= 1) v += __shfl_down_sync(0xffffffffu, v, s);
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  __syncthreads();  // shared may still be read by a previous call
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  const int warps = blockDim.x / 32;
  v = threadIdx.x < warps ? shared[threadIdx.x] : T(0);
  if (warp == 0)
    for (int s = 16; s > 0; s >>= 1) v += __shfl_down_sync(0xffffffffu, v, s);
  return v;
}

/// NaN-propagating max (as torch.max: a NaN anywhere in the row makes the row NaN).
template <class T> __device__ T nan_max(T a, T b) { return (a != a || a > b) ? a : b; }

/// Max of v over the block, returned to every thread.
template <class T> __device__ T block_max_all(T v, T* shared /* >= 33 */) {
  for (int s = 16; s > 0; s >>= 1) v = nan_max(v, __shfl_down_sync(0xffffffffu, v, s));
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  if (warp == 0) {
    const int warps = blockDim.x / 32;
    v = lane < warps ? shared[lane] : shared[0];
    for (int s = 16; s > 0; s >>= 1) v = nan_max(v, __shfl_down_sync(0xffffffffu, v, s));
    if (lane == 0) shared[32] = v;
  }
  __syncthreads();
  return shared[32];
}

/// Writes sum over r in chunk c of x[out_calc(o) + red_calc(r)] to out[o·o_stride + c·c_stride]; block (o, c).
template <class T>
__global__ void sum_row_kernel(const T* x, OffsetCalc<1> out_calc, OffsetCalc<1> red_calc, std::int64_t r_total,
                               std::int64_t chunk, T* out, std::int64_t o_stride, std::int64_t c_stride) {
  __shared__ T shared[32];
  const std::int64_t o = blockIdx.x, c = blockIdx.y;
  std::int64_t base[1], off[1];
  out_calc.get(o, base);
  const std::int64_t begin = c * chunk, end = begin + chunk < r_total ? begin + chunk : r_total;
  T acc = 0;
  for (std::int64_t r = begin + threadIdx.x; r < end; r += blockDim.x) {
    red_calc.get(r, off);
    acc += x[base[0] + off[0]];
  }
  acc = block_sum(acc, shared);
  if (threadIdx.x == 0) out[o * o_stride + c * c_stride] = acc;
}

constexpr int kColumnX = 32, kColumnY = 8;

/// Block (32, 8): threads x take 32 adjacent outputs, threads y split chunk c of the reduced elements among them.
template <class T>
__global__ void sum_column_kernel(const T* x, OffsetCalc<1> out_calc, OffsetCalc<1> red_calc, std::int64_t n_out,
                                  std::int64_t r_total, std::int64_t chunk, T* out, std::int64_t o_stride,
                                  std::int64_t c_stride) {
  __shared__ T shared[kColumnY][kColumnX + 1];
  const std::int64_t o = blockIdx.x * std::int64_t{kColumnX} + threadIdx.x, c = blockIdx.y;
  T acc = 0;
  if (o < n_out) {
    std::int64_t base[1], off[1];
    out_calc.get(o, base);
    const std::int64_t begin = c * chunk, end = begin + chunk < r_total ? begin + chunk : r_total;
    for (std::int64_t r = begin + threadIdx.y; r < end; r += kColumnY) {
      red_calc.get(r, off);
      acc += x[base[0] + off[0]];
    }
  }
  shared[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && o < n_out) {
    T total = 0;
    for (int y = 0; y < kColumnY; ++y) total += shared[y][threadIdx.x];
    out[o * o_stride + c * c_stride] = total;
  }
}

inline int sm_count() {
  int device = 0, count = 0;
  TG_CUDA_CHECK(cudaGetDevice(&device));
  TG_CUDA_CHECK(cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, device));
  return count;
}

template <class T>
void launch_sum(const T* x, const OffsetCalc<1>& out_calc, const OffsetCalc<1>& red_calc, std::int64_t n_out,
                std::int64_t r_total, std::int64_t chunks, bool rows, T* out, std::int64_t o_stride,
                std::int64_t c_stride) {
  const std::int64_t chunk = (r_total + chunks - 1) / chunks;
  if (rows) {
    const int threads = static_cast<int>(std::min<std::int64_t>(256, (chunk + 31) / 32 * 32));
    sum_row_kernel<T><<<dim3(static_cast<unsigned>(n_out), static_cast<unsigned>(chunks)), threads>>>(
        x, out_calc, red_calc, r_total, chunk, out, o_stride, c_stride);
    check_launch("sum_row_kernel");
  } else {
    const dim3 grid(static_cast<unsigned>((n_out + kColumnX - 1) / kColumnX), static_cast<unsigned>(chunks));
    sum_column_kernel<T><<<grid, dim3(kColumnX, kColumnY)>>>(x, out_calc, red_calc, n_out, r_total, chunk, out,
                                                             o_stride, c_stride);
    check_launch("sum_column_kernel");
  }
}

/// out = sum of x over the dims where out has size 1 and x does not (out contiguous, x's rank).
template <class T> void sum(const detail::TensorImpl& x, detail::TensorImpl& out, CachingAllocator& alloc, int device) {
  const std::int64_t n_out = out.numel();
  if (n_out == 0) return;
  Shape kept_sizes, kept_strides, red_sizes, red_strides;
  std::int64_t kept_min = INT64_MAX, red_min = INT64_MAX;  // smallest memory stride of each group
  for (int d = 0; d < x.sizes.size(); ++d) {
    if (x.sizes[d] == 1) continue;
    const std::int64_t s = x.strides[d] < 0 ? -x.strides[d] : x.strides[d];
    if (out.sizes[d] == 1) {
      red_sizes.push_back(x.sizes[d]);
      red_strides.push_back(x.strides[d]);
      red_min = std::min(red_min, s);
    } else {
      kept_sizes.push_back(x.sizes[d]);
      kept_strides.push_back(x.strides[d]);
      kept_min = std::min(kept_min, s);
    }
  }
  const OffsetCalc<1> out_calc = make_offset_calc<1>(kept_sizes, {kept_strides});
  const OffsetCalc<1> red_calc = make_offset_calc<1>(red_sizes, {red_strides});
  const std::int64_t r_total = red_sizes.numel();
  T* o = out.data<T>();
  if (r_total == 0) {
    TG_CUDA_CHECK(cudaMemsetAsync(o, 0, static_cast<std::size_t>(n_out) * sizeof(T)));
    return;
  }
  const bool rows = red_min < kept_min && (r_total >= 32 || n_out == 1);
  // Split long reductions so that at least ~2 blocks per SM have work (at most 65535 chunks: gridDim.y).
  const std::int64_t outputs_in_flight = rows ? n_out : (n_out + kColumnX - 1) / kColumnX;
  const std::int64_t want = std::max<std::int64_t>(1, 2 * sm_count() / std::max<std::int64_t>(1, outputs_in_flight));
  const std::int64_t chunks = std::min<std::int64_t>({want, (r_total + 2047) / 2048, 65535});
  const T* xp = x.data<T>();
  if (chunks <= 1) {
    launch_sum<T>(xp, out_calc, red_calc, n_out, r_total, 1, rows, o, 1, 0);
    return;
  }
  // Pass 1: partials[o][c] (rows) or partials[c][o] (columns), laid out so that pass 2 reads them coalesced.
  const std::size_t bytes = static_cast<std::size_t>(n_out * chunks) * sizeof(T);
  T* partials = static_cast<T*>(alloc.allocate(bytes, device));
  try {
    launch_sum<T>(xp, out_calc, red_calc, n_out, r_total, chunks, rows, partials, rows ? chunks : 1,
                  rows ? 1 : n_out);
    OffsetCalc<1> part_out, part_red;
    part_out.ndim = part_red.ndim = 1;
    part_out.sizes[0] = n_out;
    part_red.sizes[0] = chunks;
    part_out.strides[0][0] = rows ? chunks : 1;
    part_red.strides[0][0] = rows ? 1 : n_out;
    launch_sum<T>(partials, part_out, part_red, n_out, chunks, 1, rows, o, 1, 0);
  } catch (...) {
    alloc.deallocate(partials, bytes, device);
    throw;
  }
  alloc.deallocate(partials, bytes, device);
}

/// One block per row of a contiguous [rows, d] view (softmax along the last dim).
template <class T> __global__ void softmax_lastdim_kernel(const T* x, T* out, std::int64_t d, bool log) {
  __shared__ T shared[33];
  const T* row = x + blockIdx.x * d;
  T* orow = out + blockIdx.x * d;
  T m = -INFINITY;
  for (std::int64_t j = threadIdx.x; j < d; j += blockDim.x) m = nan_max(m, row[j]);
  m = block_max_all(m, shared);
  T s = 0;
  for (std::int64_t j = threadIdx.x; j < d; j += blockDim.x) s += std::exp(row[j] - m);
  s = block_sum(s, shared);
  if (threadIdx.x == 0) shared[32] = s;
  __syncthreads();
  s = shared[32];
  if (log) {
    const T ls = std::log(s);
    for (std::int64_t j = threadIdx.x; j < d; j += blockDim.x) orow[j] = (row[j] - m) - ls;
  } else {
    for (std::int64_t j = threadIdx.x; j < d; j += blockDim.x) orow[j] = std::exp(row[j] - m) / s;
  }
}

/// One thread per (outer, inner) pair of a contiguous [outer, d, inner] view (softmax along a middle dim).
template <class T>
__global__ void softmax_strided_kernel(const T* x, T* out, std::int64_t outer, std::int64_t d, std::int64_t inner,
                                       bool log) {
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < outer * inner;
       i += std::int64_t{gridDim.x} * blockDim.x) {
    const std::int64_t base = (i / inner) * d * inner + i % inner;
    T m = -INFINITY;
    for (std::int64_t j = 0; j < d; ++j) m = nan_max(m, x[base + j * inner]);
    T s = 0;
    for (std::int64_t j = 0; j < d; ++j) s += std::exp(x[base + j * inner] - m);
    const T ls = std::log(s);
    for (std::int64_t j = 0; j < d; ++j) {
      const T v = x[base + j * inner] - m;
      out[base + j * inner] = log ? v - ls : std::exp(v) / s;
    }
  }
}

template <class T> void softmax(const detail::TensorImpl& x, int dim, bool log, detail::TensorImpl& out) {
  if (x.numel() == 0) return;
  const int nd = x.sizes.size();
  if (nd == 0) {
    // A 0-d tensor is its own one-element row: softmax 1, log_softmax 0 (NaN stays NaN, as on the CPU).
    softmax_strided_kernel<T><<<1, 1>>>(x.data<T>(), out.data<T>(), 1, 1, 1, log);
    check_launch("softmax_strided_kernel");
    return;
  }
  if (dim < 0) dim += nd;
  std::int64_t outer = 1, inner = 1;
  for (int i = 0; i < dim; ++i) outer *= x.sizes[i];
  for (int i = dim + 1; i < nd; ++i) inner *= x.sizes[i];
  const std::int64_t d = x.sizes[dim];
  if (inner == 1) {
    const int threads = static_cast<int>(std::min<std::int64_t>(256, (d + 31) / 32 * 32));
    softmax_lastdim_kernel<T><<<static_cast<unsigned>(outer), threads>>>(x.data<T>(), out.data<T>(), d, log);
    check_launch("softmax_lastdim_kernel");
  } else {
    softmax_strided_kernel<T><<<grid_for(outer * inner), kBlock>>>(x.data<T>(), out.data<T>(), outer, d, inner, log);
    check_launch("softmax_strided_kernel");
  }
}

}  // namespace cuda
}  // namespace backend
}  // namespace tg
