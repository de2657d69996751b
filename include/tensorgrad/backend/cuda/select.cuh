#pragma once
/// Selection kernels: where, argmax/argmin along a dim, and the gather/scatter of max/min along a dim. The
/// per-line bodies are backend/bodies/select.hpp, the ones the CPU ops run.
#include <cuda_runtime.h>

#include <cstdint>

#include "../../core/tensor_impl.hpp"
#include "../bodies/select.hpp"
#include "check.cuh"
#include "elementwise.cuh"

namespace tg {
namespace backend {
namespace cuda {

template <class C, class T> struct WhereBody {
  T* out;
  const C* cond;
  const T* a;
  const T* b;
  __device__ void operator()(const std::int64_t (&o)[4]) const { out[o[0]] = cond[o[1]] != C(0) ? a[o[2]] : b[o[3]]; }
};

template <class C, class T>
void where(const detail::TensorImpl& cond, const detail::TensorImpl& a, const detail::TensorImpl& b,
           detail::TensorImpl& out) {
  launch_elementwise<4>(out.sizes,
                        {out.strides, strides_at(cond, out.sizes), strides_at(a, out.sizes), strides_at(b, out.sizes)},
                        WhereBody<C, T>{out.data<T>(), cond.data<C>(), a.data<T>(), b.data<T>()});
}

/// One thread per line: adjacent threads take adjacent c, so for inner > 1 their reads are coalesced; for
/// inner == 1 (argmax over the classes of [N, C] logits) each thread walks its own short row.
template <class T>
__global__ void arg_reduce_kernel(const T* x, std::int64_t lines, std::int64_t n, std::int64_t inner, bool is_max,
                                  std::int64_t* index) {
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < lines;
       i += std::int64_t{gridDim.x} * blockDim.x) {
    const std::int64_t a = i / inner, c = i - a * inner;
    index[i] = bodies::arg_best(x + a * n * inner + c, n, inner, is_max);
  }
}

template <class T>
void arg_reduce(const detail::TensorImpl& x, std::int64_t outer, std::int64_t n, std::int64_t inner, bool is_max,
                detail::TensorImpl& index) {
  const std::int64_t lines = outer * inner;
  if (lines == 0) return;
  arg_reduce_kernel<T><<<grid_for(lines), kBlock>>>(x.data<T>(), lines, n, inner, is_max, index.data<std::int64_t>());
  check_launch("arg_reduce_kernel");
}

/// to_lines == false: out[i] = x[line_offset(i)] (gather); true: out[line_offset(i)] = x[i] (scatter, the backward).
template <class T>
__global__ void gather_kernel(const T* x, std::int64_t lines, std::int64_t n, std::int64_t inner,
                              const std::int64_t* index, T* out, bool to_lines) {
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < lines;
       i += std::int64_t{gridDim.x} * blockDim.x) {
    const std::int64_t at = bodies::line_offset(i, n, inner, index);
    if (to_lines) out[at] = x[i];
    else out[i] = x[at];
  }
}

template <class T>
void gather(const detail::TensorImpl& x, std::int64_t outer, std::int64_t n, std::int64_t inner,
            const detail::TensorImpl& index, detail::TensorImpl& out, bool to_lines) {
  const std::int64_t lines = outer * inner;
  if (lines == 0) return;
  gather_kernel<T><<<grid_for(lines), kBlock>>>(x.data<T>(), lines, n, inner, index.data<std::int64_t>(),
                                                out.data<T>(), to_lines);
  check_launch("gather_kernel");
}

}  // namespace cuda
}  // namespace backend
}  // namespace tg
