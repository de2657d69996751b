#pragma once
/// The kernel-call layer's GEMM (see backend/kernels.hpp), apart from the rest because the CPU's GEMM is Eigen,
/// the heaviest header to compile.
#include "cpu/gemm.hpp"
#include "kernels.hpp"

namespace tg {
namespace kernels {

// ---- linear algebra --------------------------------------------------------------------------------------

/// For t in [0, batch): out_t (n×m at out's data + t·n·m; out is contiguous) = A_t (n×k) · B_t (k×m), A_t with
/// element strides (as0, as1) from a + t·a_batch_stride (0: the same A for every t), likewise B; a and b point
/// into tensors on out's device.
template <class T>
void gemm(std::int64_t batch, std::int64_t n, std::int64_t k, std::int64_t m, const T* a, std::int64_t a_batch_stride,
          std::int64_t as0, std::int64_t as1, const T* b, std::int64_t b_batch_stride, std::int64_t bs0,
          std::int64_t bs1, TensorImpl& out) {
  if (batch * n * m == 0) return;
  if (k == 0) return fill<T>(out, 0.0);  // an empty sum
  T* po = out.data<T>();
  if (auto* be = device_of("matmul", {&out}))
    return be->gemm(dtype_v<T>, batch, n, k, m, a, a_batch_stride, as0, as1, b, b_batch_stride, bs0, bs1, po);
  for (std::int64_t t = 0; t < batch; ++t)
    backend::cpu::gemm(a + t * a_batch_stride, n, k, as0, as1, b + t * b_batch_stride, m, bs0, bs1, po + t * n * m);
}

}  // namespace kernels
}  // namespace tg
