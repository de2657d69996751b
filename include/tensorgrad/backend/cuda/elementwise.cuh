#pragma once
/// Elementwise kernels: one grid-stride kernel template per operand count, instantiated with a small "body" that
/// reads and writes through the offsets an OffsetCalc computes (or the linear index itself on the contiguous fast
/// path). The scalar math is the functors of backend/functors.hpp, the same bodies the CPU backend runs.
#include <cuda_runtime.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "../../core/tensor_impl.hpp"
#include "../device_backend.hpp"
#include "check.cuh"
#include "strided.cuh"

namespace tg {
namespace backend {
namespace cuda {

constexpr int kBlock = 256;

/// Enough blocks to cover n with one element per thread, capped: a grid-stride loop covers the rest.
inline unsigned grid_for(std::int64_t n) {
  return static_cast<unsigned>(std::min<std::int64_t>((n + kBlock - 1) / kBlock, std::int64_t{1} << 20));
}

template <int N, class Body> __global__ void strided_kernel(std::int64_t n, OffsetCalc<N> calc, Body body) {
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < n;
       i += std::int64_t{gridDim.x} * blockDim.x) {
    std::int64_t off[N];
    calc.get(i, off);
    body(off);
  }
}

template <int N, class Body> __global__ void contiguous_kernel(std::int64_t n, Body body) {
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < n;
       i += std::int64_t{gridDim.x} * blockDim.x) {
    std::int64_t off[N];
    for (int k = 0; k < N; ++k) off[k] = i;
    body(off);
  }
}

/// Runs body(offsets) for every element of `shape`; strides[k] are operand k's strides at shape's rank.
template <int N, class Body> void launch_elementwise(const Shape& shape, const std::array<Shape, N>& strides, Body body) {
  const std::int64_t n = shape.numel();
  if (n == 0) return;
  const OffsetCalc<N> calc = make_offset_calc<N>(shape, strides);
  if (calc.is_contiguous()) {
    contiguous_kernel<N><<<grid_for(n), kBlock>>>(n, body);
    check_launch("contiguous_kernel");
  } else {
    strided_kernel<N><<<grid_for(n), kBlock>>>(n, calc, body);
    check_launch("strided_kernel");
  }
}

// ---- bodies (offset 0 is the written operand) ---------------------------------------------------------------

template <class T, class F> struct UnaryBody {
  F f;
  T* out;
  const T* x;
  __device__ void operator()(const std::int64_t (&o)[2]) const { out[o[0]] = f(x[o[1]]); }
};
template <class T, class F> struct UnaryBackwardBody {
  F f;
  T* out;
  const T* g;
  const T* x;
  const T* y;
  __device__ void operator()(const std::int64_t (&o)[4]) const { out[o[0]] = g[o[1]] * f.grad(x[o[2]], y[o[3]]); }
};
template <class T, class F> struct BinaryBody {
  F f;
  T* out;
  const T* a;
  const T* b;
  __device__ void operator()(const std::int64_t (&o)[3]) const { out[o[0]] = f(a[o[1]], b[o[2]]); }
};
template <class T> struct UpdateBody {
  UpdateOp op;
  T* x;
  const T* b;
  T alpha;
  __device__ void operator()(const std::int64_t (&o)[2]) const {
    const T v = b[o[1]];
    switch (op) {
      case UpdateOp::Copy: x[o[0]] = v; break;
      case UpdateOp::Axpy: x[o[0]] = x[o[0]] + alpha * v; break;
      case UpdateOp::Mul: x[o[0]] = x[o[0]] * v; break;
      case UpdateOp::Div: x[o[0]] = x[o[0]] / v; break;
    }
  }
};
template <class T> struct FillBody {
  T* x;
  T value;
  __device__ void operator()(const std::int64_t (&o)[1]) const { x[o[0]] = value; }
};
template <class To, class From> struct CastBody {
  To* out;
  const From* x;
  __device__ void operator()(const std::int64_t (&o)[2]) const { out[o[0]] = static_cast<To>(x[o[1]]); }
};

// ---- dtype dispatch -----------------------------------------------------------------------------------------

/// Calls f(T{}) for the float dtypes; anything else throws naming the op.
template <class F> void dispatch_floating(Dtype d, const char* op, F&& f) {
  switch (d) {
    case Dtype::Float32: return f(float{});
    case Dtype::Float64: return f(double{});
    default: TG_CHECK(false, op, ": the CUDA backend has no ", dtype_name(d), " kernel (float32 and float64 only)");
  }
}
/// Calls f(T{}) for every dtype.
template <class F> void dispatch_all(Dtype d, F&& f) {
  switch (d) {
    case Dtype::Float32: return f(float{});
    case Dtype::Float64: return f(double{});
    case Dtype::Int64: return f(std::int64_t{});
  }
}

/// The strides of `t` read at `shape` (broadcast when t's sizes differ).
inline Shape strides_at(const detail::TensorImpl& t, const Shape& shape) {
  return broadcast_strides(t.sizes, t.strides, shape);
}

}  // namespace cuda
}  // namespace backend
}  // namespace tg
