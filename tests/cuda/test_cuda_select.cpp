// CPU/CUDA parity of the selection ops (where, argmax/argmin, max/min along a dim and their backward) and of the
// int64 kernels an accuracy count needs (`(logits.argmax(1) == target).sum()`), run on the GPU. Every op here is
// exact (no rounding: selection copies values, int64 arithmetic is exact), so results must be equal, not close.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "cuda_test_util.hpp"

namespace {

using namespace cuda_test;

using tg::Tensor;

/// Values with many exact ties (a few distinct values), so "first of equal values wins" is exercised.
Tensor<float> tied(const tg::Shape& shape) { return tg::randint<float>(0, 4, shape); }

}  // namespace

TEST_CASE("cuda argmax, argmin, max and min along every dim match the CPU, ties and NaN included") {
  REQUIRE_GPU();
  tg::manual_seed(11);
  std::vector<std::pair<std::string, Tensor<float>>> inputs;
  for (std::int64_t n : kSizes)
    if (n > 0) inputs.emplace_back("[" + std::to_string(n) + ", 10] ties", tied({n, 10}));
  inputs.emplace_back("[7, 33, 5] normal", tg::randn<float>({7, 33, 5}));
  inputs.emplace_back("transposed [10, 257]", tg::randn<float>({257, 10}).t());
  std::vector<float> values = tg::randn<float>({6, 9}).tolist();
  values[2 * 9 + 4] = NAN;
  const Tensor<float> with_nan = tg::tensor<float>(values, {6, 9});
  inputs.emplace_back("[6, 9] with a NaN", with_nan);
  for (const auto& [name, x] : inputs) {
    const Tensor<float> xg = x.to(tg::kCUDA);
    for (std::int64_t d = 0; d < x.dim(); ++d) {
      const std::string what = name + ", dim " + std::to_string(d);
      check_equal(tg::argmax(x, d, false), tg::argmax(xg, d, false), "argmax " + what);
      check_equal(tg::argmin(x, d, true), tg::argmin(xg, d, true), "argmin keepdim " + what);
      check_equal(tg::max(x, d, false), tg::max(xg, d, false), "max " + what);
      check_equal(tg::min(x, d, true), tg::min(xg, d, true), "min keepdim " + what);
    }
    check_equal(tg::argmax(x), tg::argmax(xg), "argmax of all " + name);
    check_equal(tg::max(x), tg::max(xg), "max of all " + name);
  }
}

TEST_CASE("cuda max along a dim sends the gradient to the chosen element, as on the CPU") {
  REQUIRE_GPU();
  tg::manual_seed(12);
  const Tensor<double> base = tg::randn<double>({33, 17});
  for (std::int64_t d : {0, 1}) {
    const Tensor<double> xc = base.clone().requires_grad_(), xg = base.to(tg::kCUDA).requires_grad_();
    const Tensor<double> w = tg::randn<double>({d == 0 ? 17 : 33});
    (tg::max(xc, d, false) * w).sum().backward();
    (tg::min(xg, d, false) * w.to(tg::kCUDA)).sum().backward();  // min on the GPU: a different line each
    const Tensor<double> xg2 = base.to(tg::kCUDA).requires_grad_();
    (tg::max(xg2, d, false) * w.to(tg::kCUDA)).sum().backward();
    check_equal(xc.grad(), xg2.grad(), "d max / dx along dim " + std::to_string(d));
    const Tensor<double> xc2 = base.clone().requires_grad_();
    (tg::min(xc2, d, false) * w).sum().backward();
    check_equal(xc2.grad(), xg.grad(), "d min / dx along dim " + std::to_string(d));
  }
}

TEST_CASE("cuda where selects and differentiates like the CPU, broadcasting all three operands") {
  REQUIRE_GPU();
  tg::manual_seed(13);
  for (std::int64_t n : kSizes) {
    INFO("rows " << n);
    const Tensor<float> a = tg::randn<float>({n, 33}), b = tg::randn<float>({33});
    const Tensor<float> cond = tg::gt(tg::randn<float>({n, 1}), 0.0f);
    const Tensor<float> ac = a.clone().requires_grad_(), bc = b.clone().requires_grad_();
    const Tensor<float> ag = a.to(tg::kCUDA).requires_grad_(), bg = b.to(tg::kCUDA).requires_grad_();
    const Tensor<float> yc = tg::where(cond, ac, bc), yg = tg::where(cond.to(tg::kCUDA), ag, bg);
    check_equal(yc, yg, "where forward");
    const Tensor<float> w = tg::randn<float>({n, 33});
    (yc * w).sum().backward();
    (yg * w.to(tg::kCUDA)).sum().backward();
    check_equal(ac.grad(), ag.grad(), "where d/da");
    // b's gradient sums over rows: the GPU's tree order rounds differently, so compare within float rounding.
    const std::vector<float> gc = bc.grad().tolist(), gg = bg.grad().to(tg::kCPU).tolist();
    for (std::size_t i = 0; i < gc.size(); ++i) CHECK(gg[i] == Approx(gc[i]).margin(1e-5).epsilon(1e-5));
  }
  // An int64 condition and a non-contiguous operand.
  const Tensor<std::int64_t> icond = tg::tensor<std::int64_t>({1, 0, 0, 1, 1, 0}, {2, 3});
  const Tensor<double> a = tg::randn<double>({3, 2}).t(), b = tg::randn<double>({2, 3});
  check_equal(tg::where(icond, a, b), tg::where(icond.to(tg::kCUDA), a.to(tg::kCUDA), b.to(tg::kCUDA)),
              "where with an int64 condition and a transposed operand");
}

TEST_CASE("cuda int64 arithmetic, comparisons and sums match the CPU (an accuracy count)") {
  REQUIRE_GPU();
  tg::manual_seed(14);
  for (std::int64_t n : kSizes) {
    INFO("batch " << n);
    const Tensor<float> logits = tg::randn<float>({n, 10});
    const Tensor<std::int64_t> target = tg::randint(0, 10, {n});
    const Tensor<std::int64_t> correct_cpu = (logits.argmax(1) == target).sum();
    const Tensor<std::int64_t> correct_gpu = (logits.to(tg::kCUDA).argmax(1) == target.to(tg::kCUDA)).sum();
    REQUIRE(correct_gpu.device() == tg::kCUDA);
    CHECK(correct_gpu.item() == correct_cpu.item());
    const Tensor<std::int64_t> a = tg::randint(-1000, 1000, {n, 3}), b = tg::randint(1, 50, {3});
    const Tensor<std::int64_t> ag = a.to(tg::kCUDA), bg = b.to(tg::kCUDA);
    check_equal(a + b, ag + bg, "int64 add");
    check_equal(a * b + a, ag * bg + ag, "int64 mul/add");
    check_equal(tg::maximum(a, b), tg::maximum(ag, bg), "int64 maximum");
    check_equal(a >= b, ag >= bg, "int64 ge");
    check_equal(a == 7, ag == 7, "int64 == scalar");
    check_equal(tg::sum(a, 0, false), tg::sum(ag, 0, false), "int64 sum over dim 0");
    check_equal(tg::sum(a), tg::sum(ag), "int64 total sum");
  }
}

TEST_CASE("cuda float comparisons with a scalar match the CPU") {
  REQUIRE_GPU();
  const Tensor<float> x = tg::tensor<float>({-1.0f, 0.0f, 0.1f, 0.5f, 2.0f});
  const Tensor<float> xg = x.to(tg::kCUDA);
  check_equal(x > 0.0f, xg > 0.0f, "x > 0");
  check_equal(x == 0.1, xg == 0.1, "x == 0.1 (compared in float32, as PyTorch)");
  check_equal(0.5 <= x, 0.5 <= xg, "0.5 <= x");
  CHECK_THROWS_WITH(tg::tensor<std::int64_t>({1, 2}).to(tg::kCUDA) == 0.5, Catch::Contains("floating scalar"));
}
