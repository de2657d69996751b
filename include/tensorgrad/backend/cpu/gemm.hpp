#pragma once
/// GEMM on the CPU through Eigen: C = A·B for strided 2-d views, mapped without copying whenever the view
/// is row- or column-major (so transposed operands in backward cost nothing). Threads: Eigen's OpenMP pool.
#include <Eigen/Core>

#include "../../core/tensor_impl.hpp"

namespace tg {
namespace backend {
namespace cpu {

template <class T> using RowMajorMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T> using ColMajorMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;

/// Calls f with an Eigen expression for the rows x cols matrix at p with strides (s0, s1).
template <class T, class F>
void with_matrix(const T* p, std::int64_t rows, std::int64_t cols, std::int64_t s0, std::int64_t s1, F&& f) {
  using Stride = Eigen::OuterStride<>;
  if ((cols == 1 || s1 == 1) && (rows == 1 || s0 >= cols)) {
    f(Eigen::Map<const RowMajorMatrix<T>, 0, Stride>(p, rows, cols, Stride(rows == 1 ? cols : s0)));
  } else if ((rows == 1 || s0 == 1) && (cols == 1 || s1 >= rows)) {
    f(Eigen::Map<const ColMajorMatrix<T>, 0, Stride>(p, rows, cols, Stride(cols == 1 ? rows : s1)));
  } else {  // general strides (e.g. an expanded operand): gather into a dense copy once
    RowMajorMatrix<T> dense(rows, cols);
    for (std::int64_t i = 0; i < rows; ++i)
      for (std::int64_t j = 0; j < cols; ++j) dense(i, j) = p[i * s0 + j * s1];
    f(dense);
  }
}

/// out (contiguous rows x cols, row-major) = A (n x k) · B (k x m), or += with `accumulate`.
template <class T>
void gemm(const T* a, std::int64_t n, std::int64_t k, std::int64_t as0, std::int64_t as1, const T* b, std::int64_t m,
          std::int64_t bs0, std::int64_t bs1, T* out, bool accumulate = false) {
  Eigen::Map<RowMajorMatrix<T>> c(out, n, m);
  if (k == 0) {
    if (!accumulate) c.setZero();
    return;
  }
  with_matrix(a, n, k, as0, as1, [&](const auto& A) {
    with_matrix(b, k, m, bs0, bs1, [&](const auto& B) {
      if (accumulate) c.noalias() += A * B;
      else c.noalias() = A * B;
    });
  });
}

}  // namespace cpu
}  // namespace backend
}  // namespace tg
