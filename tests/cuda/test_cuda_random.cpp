// Dropout masks on the GPU (backend/cuda/random.cuh): one 64-bit draw from the generator per call seeds Philox4x32-10
// (backend/bodies/philox.hpp), so for the same generator state the CUDA mask must be bitwise the CPU mask, and
// dropout's output and gradient must be bitwise the CPU's (both are x·mask and g·mask, one rounding each). Every
// comparison here is exact equality, not a tolerance.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "cuda_test_util.hpp"

namespace {

using namespace cuda_test;

namespace F = tg::nn::functional;
using tg::Tensor;

}  // namespace

TEMPLATE_TEST_CASE("cuda dropout mask: bitwise the CPU mask for the same generator state", "[cuda][dropout]", float,
                   double) {
  REQUIRE_GPU();
  for (double p : {0.1, 0.5, 0.9, 1.0}) {
    for (std::int64_t n : kSizes) {
      tg::Generator cpu_gen(1234), gpu_gen(1234);
      const std::string what = "p " + std::to_string(p) + ", size " + std::to_string(n);
      // dropout of ones is the mask itself (1·m is exact).
      const Tensor<TestType> cpu = F::dropout(tg::ones<TestType>({n}), p, true, cpu_gen);
      const Tensor<TestType> gpu = F::dropout(tg::ones<TestType>({n}, tg::kCUDA), p, true, gpu_gen);
      check_equal(cpu, gpu, what);
      // One draw per call on both devices: the generators are still in step.
      REQUIRE(cpu_gen.next_u64() == gpu_gen.next_u64());
    }
  }
  // A mask large enough for the grid-stride loop to matter, a size that is not a multiple of a Philox block, and
  // a multi-dimensional shape (the mask is laid out row-major, entry i of the flattened tensor).
  for (const tg::Shape& shape : {tg::Shape{(1 << 20) + 3}, tg::Shape{7, 33, 5}}) {
    tg::Generator cpu_gen(5), gpu_gen(5);
    check_equal(F::dropout(tg::ones<TestType>(shape), 0.3, true, cpu_gen),
                  F::dropout(tg::ones<TestType>(shape, tg::kCUDA), 0.3, true, gpu_gen), "large or 3-d mask");
  }
}

TEMPLATE_TEST_CASE("cuda dropout mask: reproducible per seed, different across seeds and calls", "[cuda][dropout]",
                   float, double) {
  REQUIRE_GPU();
  const Tensor<TestType> ones = tg::ones<TestType>({1025}, tg::kCUDA);
  tg::Generator a(9), b(9), c(10);
  const std::vector<TestType> first = F::dropout(ones, 0.5, true, a).to(tg::kCPU).tolist();
  REQUIRE(F::dropout(ones, 0.5, true, b).to(tg::kCPU).tolist() == first);
  REQUIRE(F::dropout(ones, 0.5, true, c).to(tg::kCPU).tolist() != first);
  REQUIRE(F::dropout(ones, 0.5, true, a).to(tg::kCPU).tolist() != first);  // the next call, the next seed
  // Through tg::manual_seed and the default generator, as nn::Dropout draws.
  tg::manual_seed(21);
  const std::vector<TestType> seeded = F::dropout(ones, 0.2).to(tg::kCPU).tolist();
  tg::manual_seed(21);
  REQUIRE(F::dropout(ones, 0.2).to(tg::kCPU).tolist() == seeded);
}

TEMPLATE_TEST_CASE("cuda dropout2d: the [N, C, 1, 1] channel mask is bitwise the CPU's", "[cuda][dropout]", float,
                   double) {
  REQUIRE_GPU();
  tg::Generator data(3);
  for (const tg::Shape& shape : {tg::Shape{4, 33, 3, 5}, tg::Shape{1, 1, 2, 2}, tg::Shape{0, 3, 2, 2},
                                 tg::Shape{257, 4, 1, 1}, tg::Shape{31, 4, 4}}) {
    const Tensor<TestType> x = tg::randn<TestType>(shape, data);
    tg::Generator cpu_gen(77), gpu_gen(77);
    const Tensor<TestType> cpu = F::dropout2d(x, 0.4, true, cpu_gen);
    const Tensor<TestType> gpu = F::dropout2d(x.to(tg::kCUDA), 0.4, true, gpu_gen);
    check_equal(cpu, gpu, "dropout2d of shape " + std::to_string(shape.size()) + "-d, numel " +
                                std::to_string(shape.numel()));
    REQUIRE(cpu_gen.next_u64() == gpu_gen.next_u64());
  }
}

TEMPLATE_TEST_CASE("cuda F::dropout then backward: output and gradient bitwise the CPU's", "[cuda][dropout]", float,
                   double) {
  REQUIRE_GPU();
  tg::Generator data(8);
  for (std::int64_t n : kSizes) {
    const Tensor<TestType> x0 = tg::randn<TestType>({n, 3}, data), w = tg::randn<TestType>({n, 3}, data);
    Tensor<TestType> x_cpu = x0.clone().requires_grad_();
    Tensor<TestType> x_gpu = x0.to(tg::kCUDA).requires_grad_();
    tg::Generator cpu_gen(31), gpu_gen(31);
    const Tensor<TestType> y_cpu = F::dropout(x_cpu, 0.25, true, cpu_gen);
    const Tensor<TestType> y_gpu = F::dropout(x_gpu, 0.25, true, gpu_gen);
    // d/dx sum(w · dropout(x)) = w · mask: elementwise, so exact on both devices (only the loss's sum is not).
    (y_cpu * w).sum().backward();
    (y_gpu * w.to(tg::kCUDA)).sum().backward();
    check_equal(y_cpu.detach(), y_gpu.detach(), "output, size " + std::to_string(n) + "x3");
    check_equal(x_cpu.grad(), x_gpu.grad(), "gradient, size " + std::to_string(n) + "x3");
  }
  // A non-contiguous input: the mask is laid out by the output's shape, whatever the input's strides.
  const Tensor<TestType> base = tg::randn<TestType>({40, 33}, data);
  Tensor<TestType> b_cpu = base.clone().requires_grad_(), b_gpu = base.to(tg::kCUDA).requires_grad_();
  tg::Generator cpu_gen(4), gpu_gen(4);
  const Tensor<TestType> y_cpu = F::dropout(b_cpu.t(), 0.5, true, cpu_gen);
  const Tensor<TestType> y_gpu = F::dropout(b_gpu.t(), 0.5, true, gpu_gen);
  y_cpu.sum().backward();
  y_gpu.sum().backward();
  check_equal(y_cpu.detach(), y_gpu.detach(), "output of a transposed input");
  check_equal(b_cpu.grad(), b_gpu.grad(), "gradient of a transposed input");
}

TEST_CASE("cuda nn::Dropout in a module: the same mask as on the CPU under the same manual_seed", "[cuda][dropout]") {
  REQUIRE_GPU();
  tg::nn::Dropout drop(0.2);
  const Tensor<float> x = tg::randn<float>({64, 512});
  tg::manual_seed(6);
  const Tensor<float> cpu = drop(x);
  tg::manual_seed(6);
  check_equal(cpu, drop(x.to(tg::kCUDA)), "nn::Dropout(0.2) on [64, 512]");
}
