#pragma once
/// Batched matrix multiply through cuBLAS. cuBLAS is column-major; a row-major product C = A·B (n×m) is the
/// column-major product Cᵀ = Bᵀ·Aᵀ, so the operands are passed swapped. An operand with strides (ld, 1) is
/// row-major, i.e. its transpose stored column-major with leading dimension ld ("N" after the swap); one with
/// strides (1, ld) is column-major ("T"). Any other layout is first copied to a contiguous buffer.
#include <cublas_v2.h>

#include <cstdint>
#include <mutex>
#include <vector>

#include "allocator.cuh"
#include "check.cuh"
#include "elementwise.cuh"

namespace tg {
namespace backend {
namespace cuda {

/// One cuBLAS handle per device, created on first use and kept for the program's life (destroying it at exit
/// would race the CUDA runtime's own teardown).
inline cublasHandle_t cublas_handle(int device) {
  static std::mutex mutex;
  static std::vector<cublasHandle_t> handles;
  std::lock_guard<std::mutex> lock(mutex);
  if (static_cast<int>(handles.size()) <= device) handles.resize(device + 1, nullptr);
  if (!handles[device]) TG_CUBLAS_CHECK(cublasCreate(&handles[device]));
  return handles[device];
}

/// How cuBLAS reads a rows×cols operand with element strides (s0, s1): after the operand swap a row-major
/// operand is "N" and a column-major one "T"; ld is the leading dimension cuBLAS walks.
struct GemmOperand {
  bool usable = false;
  cublasOperation_t op = CUBLAS_OP_N;
  std::int64_t ld = 1;
};

inline GemmOperand classify_operand(std::int64_t rows, std::int64_t cols, std::int64_t s0, std::int64_t s1) {
  // A size-1 dim's stride is never walked, so it may be anything; cuBLAS only needs ld >= the leading extent.
  if ((cols == 1 || s1 == 1) && (rows == 1 || s0 >= std::max<std::int64_t>(cols, 1)))
    return {true, CUBLAS_OP_N, rows == 1 ? std::max<std::int64_t>(cols, 1) : s0};
  if ((rows == 1 || s0 == 1) && (cols == 1 || s1 >= std::max<std::int64_t>(rows, 1)))
    return {true, CUBLAS_OP_T, cols == 1 ? std::max<std::int64_t>(rows, 1) : s1};
  return {};
}

inline void gemm_strided_batched(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                                 const float* a, int lda, long long sa, const float* b, int ldb, long long sb,
                                 float* c, int ldc, long long sc, int batch) {
  const float one = 1, zero = 0;
  TG_CUBLAS_CHECK(cublasSgemmStridedBatched(h, ta, tb, m, n, k, &one, a, lda, sa, b, ldb, sb, &zero, c, ldc, sc, batch));
}
inline void gemm_strided_batched(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                                 const double* a, int lda, long long sa, const double* b, int ldb, long long sb,
                                 double* c, int ldc, long long sc, int batch) {
  const double one = 1, zero = 0;
  TG_CUBLAS_CHECK(cublasDgemmStridedBatched(h, ta, tb, m, n, k, &one, a, lda, sa, b, ldb, sb, &zero, c, ldc, sc, batch));
}

/// Scratch device memory from the caching allocator, returned on scope exit.
class ScratchBuffer {
 public:
  ScratchBuffer(CachingAllocator& alloc, std::size_t nbytes, int device)
      : alloc_(alloc), nbytes_(nbytes), device_(device), p_(alloc.allocate(nbytes, device)) {}
  ~ScratchBuffer() { alloc_.deallocate(p_, nbytes_, device_); }
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;
  void* get() const { return p_; }

 private:
  CachingAllocator& alloc_;
  std::size_t nbytes_;
  int device_;
  void* p_;
};

/// out_b (n×m, row-major) = A_b (n×k) · B_b (k×m) for b in [0, batch); see DeviceBackend::gemm.
template <class T>
void gemm(std::int64_t batch, std::int64_t n, std::int64_t k, std::int64_t m, const T* a, std::int64_t a_bs,
          std::int64_t as0, std::int64_t as1, const T* b, std::int64_t b_bs, std::int64_t bs0, std::int64_t bs1, T* out,
          CachingAllocator& alloc, int device) {
  if (batch == 0 || n == 0 || m == 0) return;
  if (k == 0) {  // an empty sum: zeros (cuBLAS would not touch C)
    TG_CUDA_CHECK(cudaMemsetAsync(out, 0, static_cast<std::size_t>(batch * n * m) * sizeof(T)));
    return;
  }
  constexpr std::int64_t kIntMax = 2147483647;
  TG_CHECK(n <= kIntMax && k <= kIntMax && m <= kIntMax && batch <= kIntMax,
           "matmul: CUDA gemm sizes must fit in 32 bits, got batch ", batch, ", ", n, "x", k, " @ ", k, "x", m);
  // A general-strided operand becomes a contiguous copy (one matrix when it is broadcast over the batch).
  auto prepare = [&](const T*& p, std::int64_t& bs, std::int64_t& s0, std::int64_t& s1, std::int64_t rows,
                     std::int64_t cols, std::unique_ptr<ScratchBuffer>& holder) {
    if (classify_operand(rows, cols, s0, s1).usable) return;
    const std::int64_t copies = bs == 0 ? 1 : batch;
    holder = std::make_unique<ScratchBuffer>(alloc, static_cast<std::size_t>(copies * rows * cols) * sizeof(T), device);
    T* dst = static_cast<T*>(holder->get());
    const Shape shape{copies, rows, cols};
    launch_elementwise<2>(shape, {Shape{rows * cols, cols, 1}, Shape{bs, s0, s1}}, CastBody<T, T>{dst, p});
    p = dst;
    bs = bs == 0 ? 0 : rows * cols;
    s0 = cols;
    s1 = 1;
  };
  std::unique_ptr<ScratchBuffer> a_copy, b_copy;
  prepare(a, a_bs, as0, as1, n, k, a_copy);
  prepare(b, b_bs, bs0, bs1, k, m, b_copy);
  const GemmOperand ga = classify_operand(n, k, as0, as1), gb = classify_operand(k, m, bs0, bs1);
  TG_CHECK(ga.ld <= kIntMax && gb.ld <= kIntMax, "matmul: CUDA gemm leading dimensions must fit in 32 bits");
  // Column-major: outᵀ (m×n, ld m) = Bᵀ (m×k) · Aᵀ (k×n).
  gemm_strided_batched(cublas_handle(device), gb.op, ga.op, static_cast<int>(m), static_cast<int>(n),
                       static_cast<int>(k), b, static_cast<int>(gb.ld), b_bs, a, static_cast<int>(ga.ld), a_bs, out,
                       static_cast<int>(m), n * m, static_cast<int>(batch));
}

}  // namespace cuda
}  // namespace backend
}  // namespace tg
