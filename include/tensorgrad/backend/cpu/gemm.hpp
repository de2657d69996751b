#pragma once
/// GEMM on the CPU through Eigen: C = A·B for strided 2-d views, mapped without copying whenever the view
/// is row- or column-major (so transposed operands in backward cost nothing). Threads: OpenMP.
///
/// NOTE [ Allocation-free GEMM ]: Eigen's own product expression (`c.noalias() = A * B`) heap-allocates its
/// packing buffers on every call above 128 KB, and its OpenMP path always does, and a steady-state
/// training step must allocate nothing. So products that reach Eigen's blocked GEMM call its kernel driver,
/// `general_matrix_matrix_product::run`, directly with packing buffers this file keeps per thread (grown, never
/// shrunk), and split the output across threads here: each thread runs the sequential driver on a slab of
/// columns (or rows) of C (parallel.hpp). Small products (Eigen's coefficient-based and matrix-vector paths, which allocate
/// nothing) still go through the expression.
#include <Eigen/Core>
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>

#include "../../core/tensor_impl.hpp"
#include "parallel.hpp"

namespace tg {
namespace backend {
namespace cpu {

template <class T> using RowMajorMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T> using ColMajorMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;

/// Calls f with an Eigen map of the rows x cols matrix at p with strides (s0, s1), which must be row-major (unit
/// column stride) or column-major (unit row stride).
template <class T, class F>
void with_matrix(const T* p, std::int64_t rows, std::int64_t cols, std::int64_t s0, std::int64_t s1, F&& f) {
  using Stride = Eigen::OuterStride<>;
  if ((cols == 1 || s1 == 1) && (rows == 1 || s0 >= cols))
    f(Eigen::Map<const RowMajorMatrix<T>, 0, Stride>(p, rows, cols, Stride(rows == 1 ? cols : s0)));
  else
    f(Eigen::Map<const ColMajorMatrix<T>, 0, Stride>(p, rows, cols, Stride(cols == 1 ? rows : s1)));
}

namespace detail_gemm {

/// One of a thread's two packing buffers: 64-byte aligned (Eigen's packets), grown to the largest size asked.
template <class T> T* workspace(int which, std::size_t count) {
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  struct Buffer {
    std::unique_ptr<T, Free> data;
    std::size_t capacity = 0;
  };
  thread_local Buffer buffers[2];
  Buffer& b = buffers[which];
  if (count > b.capacity) {
    const std::size_t bytes = (count * sizeof(T) + 63) / 64 * 64;
    b.data.reset(static_cast<T*>(std::aligned_alloc(64, bytes)));
    if (!b.data) throw std::bad_alloc();
    b.capacity = bytes / sizeof(T);
  }
  return b.data.get();
}

/// Eigen's cache blocking for one sequential product, with the calling thread's packing buffers.
template <class T> class Blocking : public Eigen::internal::level3_blocking<T, T> {
 public:
  Blocking(Eigen::Index rows, Eigen::Index cols, Eigen::Index depth) {
    this->m_mc = rows;
    this->m_nc = cols;
    this->m_kc = depth;
    Eigen::internal::computeProductBlockingSizes<T, T, 1, Eigen::Index>(this->m_kc, this->m_mc, this->m_nc, 1);
    this->m_blockA = workspace<T>(0, static_cast<std::size_t>(this->m_kc * this->m_mc));
    this->m_blockB = workspace<T>(1, static_cast<std::size_t>(this->m_kc * this->m_nc));
  }
};

/// C (row-major, leading dimension ldc) += A·B on the calling thread, A and B in the storage orders given.
template <class T, int AOrder, int BOrder>
void run(std::int64_t n, std::int64_t k, std::int64_t m, const T* a, std::int64_t lda, const T* b, std::int64_t ldb,
         T* c, std::int64_t ldc) {
  // Eigen runs a row-major product as the column-major product Cᵀ = Bᵀ·Aᵀ, whose rows are C's columns.
  Blocking<T> blocking(m, n, k);
  Eigen::internal::general_matrix_matrix_product<Eigen::Index, T, AOrder, false, T, BOrder, false, Eigen::RowMajor,
                                                 1>::run(n, m, k, a, lda, b, ldb, c, 1, ldc, T(1), blocking);
}

/// C += A·B split into slabs of C's columns (or rows, when C is taller than wide), one per thread, each slab at
/// least kMinWork multiply-adds and a whole number of micro-panels. Each thread packs its own copy of the shared
/// operand, so a slab must be larger than in Eigen's own split (50k): below ~0.5M a second thread costs more in
/// fork/join and packing than it saves (a batch-1 MLP step ran 40% slower at 2 threads than at 1).
/// `row_step` is the distance between A's rows, `col_step` between B's columns; lda/ldb their leading dims.
/// Without `accumulate` each thread zeroes its own slab just before computing it: in parallel, and while the
/// slab is still in cache (Eigen's kernel only ever adds into C).
template <class T, int AOrder, int BOrder>
void parallel_run(std::int64_t n, std::int64_t k, std::int64_t m, const T* a, std::int64_t row_step, std::int64_t lda,
                  const T* b, std::int64_t col_step, std::int64_t ldb, T* c, bool accumulate) {
  const bool split_cols = m >= n;
  const std::int64_t extent = split_cols ? m : n;
  constexpr std::int64_t kPanel = 16;  // slab widths stay multiples of the kernels' register blocks
  constexpr std::int64_t kMinWork = 500000;
  auto slab = [&](std::int64_t begin, std::int64_t end) {
    if (begin >= end) return;
    if (split_cols) {
      if (!accumulate)
        for (std::int64_t i = 0; i < n; ++i) std::fill(c + i * m + begin, c + i * m + end, T(0));
      run<T, AOrder, BOrder>(n, k, end - begin, a, lda, b + begin * col_step, ldb, c + begin, m);
    } else {
      if (!accumulate) std::fill(c + begin * m, c + end * m, T(0));
      run<T, AOrder, BOrder>(end - begin, k, m, a + begin * row_step, lda, b, ldb, c + begin * m, m);
    }
  };
  // Threads split whole panels; the last slab also takes the columns (or rows) past the last full panel.
  const std::int64_t panels = std::max<std::int64_t>(1, extent / kPanel);
  parallel_for(
      panels, n * k * m,
      [&](std::int64_t first, std::int64_t last) { slab(first * kPanel, last == panels ? extent : last * kPanel); },
      kMinWork);
}

/// y (contiguous, `rows` long) += M·v with Eigen's matrix-vector kernel, which runs several rows or columns of
/// M at once (a dot product at a time is bound by the add latency: 3-4x slower for a 128 x 784 layer).
/// M is rows x cols in storage order Order with leading dimension ld; v has stride incv, which must be 1
/// when M is row-major.
template <class T, int Order>
void gemv(std::int64_t rows, std::int64_t cols, const T* m, std::int64_t ld, const T* v, std::int64_t incv, T* y) {
  using Eigen::Index;
  using LhsMapper = Eigen::internal::const_blas_data_mapper<T, Index, Order>;
  // The vector as a one-column matrix: element i at v[i * incv].
  using RhsMapper = Eigen::internal::const_blas_data_mapper<T, Index, Order == Eigen::RowMajor ? Eigen::ColMajor
                                                                                               : Eigen::RowMajor>;
  Eigen::internal::general_matrix_vector_product<Index, T, LhsMapper, Order, false, T, RhsMapper, false>::run(
      rows, cols, LhsMapper(m, ld), RhsMapper(v, Order == Eigen::RowMajor ? 1 : incv), y, 1, T(1));
}

}  // namespace detail_gemm

/// out (contiguous n x m, row-major) = A (n x k) · B (k x m), or += with `accumulate`.
template <class T>
void gemm(const T* a, std::int64_t n, std::int64_t k, std::int64_t as0, std::int64_t as1, const T* b, std::int64_t m,
          std::int64_t bs0, std::int64_t bs1, T* out, bool accumulate = false) {
  Eigen::Map<RowMajorMatrix<T>> c(out, n, m);
  if (k == 0 || n == 0 || m == 0) {
    if (!accumulate) c.setZero();
    return;
  }
  if (n * k * m <= 512) {  // a small network's layers: a plain loop costs less than setting up any Eigen product
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < m; ++j) {
        T acc = 0;
        for (std::int64_t p = 0; p < k; ++p) acc += a[i * as0 + p * as1] * b[p * bs0 + j * bs1];
        out[i * m + j] = accumulate ? out[i * m + j] + acc : acc;
      }
    return;
  }
  // Row-major (unit column stride) or column-major (unit row stride); a size-1 dim's stride is never stepped.
  const bool row_a = (k == 1 || as1 == 1) && (n == 1 || as0 >= k), col_a = (n == 1 || as0 == 1) && (k == 1 || as1 >= n);
  const bool row_b = (m == 1 || bs1 == 1) && (k == 1 || bs0 >= m), col_b = (k == 1 || bs0 == 1) && (m == 1 || bs1 >= k);
  if (!(row_a || col_a) || !(row_b || col_b)) {  // general strides (e.g. an expanded operand): gather a dense copy
    RowMajorMatrix<T> dense_a, dense_b;
    if (!(row_a || col_a)) {
      dense_a.resize(n, k);
      for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < k; ++j) dense_a(i, j) = a[i * as0 + j * as1];
      a = dense_a.data(), as0 = k, as1 = 1;
    }
    if (!(row_b || col_b)) {
      dense_b.resize(k, m);
      for (std::int64_t i = 0; i < k; ++i)
        for (std::int64_t j = 0; j < m; ++j) dense_b(i, j) = b[i * bs0 + j * bs1];
      b = dense_b.data(), bs0 = m, bs1 = 1;
    }
    return gemm(a, n, k, as0, as1, b, m, bs0, bs1, out, accumulate);
  }
  // A vector times a matrix (batch-1 layers and their backward): Eigen's matrix-vector kernel on the
  // matrix as stored. A row-major matrix needs a contiguous vector; otherwise the coefficient-based path below.
  if (n == 1 || m == 1) {
    const bool row_major = n == 1 ? col_b : row_a;  // storage of the matrix the vector multiplies: Bᵀ or A
    const std::int64_t v_stride = n == 1 ? as1 : bs0;
    if (!row_major || v_stride == 1 || k == 1) {
      if (!accumulate) c.setZero();
      using namespace detail_gemm;
      constexpr int R = Eigen::RowMajor, C = Eigen::ColMajor;
      if (n == 1) {  // outᵀ = Bᵀ·aᵀ; Bᵀ is m x k
        if (row_major) gemv<T, R>(m, k, b, std::max(bs1, k), a, 1, out);
        else gemv<T, C>(m, k, b, std::max(bs0, m), a, as1, out);
      } else {  // out = A·b
        if (row_major) gemv<T, R>(n, k, a, std::max(as0, k), b, 1, out);
        else gemv<T, C>(n, k, a, std::max(as1, n), b, bs0, out);
      }
      return;
    }
  }
  if (n > 1 && m > 1 && n + m + k >= 20) {  // where Eigen's own product would run its blocked GEMM
    using namespace detail_gemm;
    constexpr int R = Eigen::RowMajor, C = Eigen::ColMajor;
    const std::int64_t lda = row_a ? std::max(as0, k) : std::max(as1, n);
    const std::int64_t ldb = row_b ? std::max(bs0, m) : std::max(bs1, k);
    if (row_a && row_b) parallel_run<T, R, R>(n, k, m, a, as0, lda, b, bs1, ldb, out, accumulate);
    else if (row_a) parallel_run<T, R, C>(n, k, m, a, as0, lda, b, bs1, ldb, out, accumulate);
    else if (row_b) parallel_run<T, C, R>(n, k, m, a, as0, lda, b, bs1, ldb, out, accumulate);
    else parallel_run<T, C, C>(n, k, m, a, as0, lda, b, bs1, ldb, out, accumulate);
    return;
  }
  // Small products, and a strided vector against a row-major matrix: Eigen's coefficient-based product (it
  // allocates nothing and, unlike `A * B`, instantiates no second copy of the GEMM).
  with_matrix(a, n, k, as0, as1, [&](const auto& A) {
    with_matrix(b, k, m, bs0, bs1, [&](const auto& B) {
      if (accumulate) c.noalias() += A.lazyProduct(B);
      else c.noalias() = A.lazyProduct(B);
    });
  });
}

}  // namespace cpu
}  // namespace backend
}  // namespace tg
