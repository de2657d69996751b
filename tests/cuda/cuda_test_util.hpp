#pragma once
// What every GPU test file uses: the skip without a GPU, the sizes every kernel is checked on, and the CPU-vs-CUDA
// comparisons.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

/// Skips the test case, saying why, when no GPU can be used.
#define REQUIRE_GPU()                                                                               \
  do {                                                                                              \
    if (!tg::cuda::is_available()) {                                                                \
      WARN("skipped: no CUDA device is available (tg::cuda::device_count() == 0): GPU test not run"); \
      return;                                                                                       \
    }                                                                                               \
  } while (0)

namespace cuda_test {

using tg::Tensor;

/// Sizes around the kernels' block and warp boundaries: empty, one element, a warp
/// and one either side of it, and just past 256- and 1024-thread blocks.
inline const std::vector<std::int64_t> kSizes = {0, 1, 31, 32, 33, 257, 1025};

template <class T> double default_tol() { return sizeof(T) == 4 ? 1e-5 : 1e-12; }

template <class T> Tensor<T> on_cuda(const Tensor<T>& t) { return t.defined() ? t.to(tg::kCUDA) : t; }

/// Asserts `actual` (any device) equals `expected` elementwise within rtol·|expected| + atol; NaNs must match NaNs.
template <class T>
void check_close(const Tensor<T>& expected, const Tensor<T>& actual, double rtol, double atol, const std::string& what) {
  INFO(what);
  REQUIRE(expected.sizes() == actual.sizes());
  const std::vector<T> a = expected.to(tg::kCPU).contiguous().tolist();
  const std::vector<T> b = actual.to(tg::kCPU).contiguous().tolist();
  std::int64_t bad = 0;
  std::size_t first = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double x = a[i], y = b[i];
    const bool ok = (std::isnan(x) && std::isnan(y)) || x == y || std::abs(x - y) <= rtol * std::abs(x) + atol;
    if (!ok && bad++ == 0) first = i;
  }
  if (bad) FAIL_CHECK(bad << " of " << a.size() << " elements differ; first at " << first << ": expected " << a[first]
                          << " vs " << b[first]);
}

/// check_close for a result that must live on the GPU.
template <class T>
void check_cuda_close(const Tensor<T>& cpu, const Tensor<T>& cuda, double rtol, double atol, const std::string& what) {
  INFO(what);
  REQUIRE(cuda.device() == tg::kCUDA);
  check_close(cpu, cuda, rtol, atol, what);
}

/// Asserts that a GPU tensor holds exactly the CPU tensor's values (NaN matching NaN), for the exact kernels:
/// selection, int64 arithmetic, dropout masks.
template <class T> void check_equal(const Tensor<T>& cpu, const Tensor<T>& cuda, const std::string& what) {
  INFO(what);
  REQUIRE(cuda.device() == tg::kCUDA);
  check_close(cpu, cuda, 0.0, 0.0, what);
}

}  // namespace cuda_test
