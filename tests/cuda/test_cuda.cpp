// CPU/CUDA parity of every op of the device seam (backend/device_backend.hpp), run on the GPU. The elementwise
// ops come from their one list (op_tables.hpp).
//
// Each case computes the same expression on CPU tensors and on their copies on cuda:0 and compares the results
// element by element. Tolerances (rtol·|cpu| + atol):
//   elementwise ops, their backwards, casts, fills, updates: 1e-5 / 1e-5 (float32), 1e-12 / 1e-12 (float64);
//     libdevice's exp/log/tanh/erf and the host libm may differ by an ulp or two, well inside these.
//   sum/mean: the GPU adds in a tree, the CPU in rows, so rounding differs by up to ~eps·log2(n)·Σ|x|; checked as
//     |cpu - cuda| <= 1e-5·Σ|x| + 1e-5 (float32).
//   softmax/log_softmax: 1e-5 / 1e-5 (float32) on values in [0, 1] and log-probabilities.
//   matmul: cuBLAS reorders the k-term dot products (no TF32: cuBLAS's default math mode is full FP32), so
//     |cpu - cuda| <= 1e-5·Σ_k|a·b| + 1e-5, checked as 1e-4 relative on products of k <= 257 normal values.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../op_tables.hpp"
#include "cuda_test_util.hpp"

namespace {

using namespace cuda_test;

using tg::Tensor;

/// Inputs of every size of kSizes plus two non-contiguous views (a transpose and a strided slice).
template <class T> std::vector<std::pair<std::string, Tensor<T>>> unary_inputs(double lo, double hi) {
  tg::manual_seed(7);
  std::vector<std::pair<std::string, Tensor<T>>> in;
  for (std::int64_t n : kSizes) in.emplace_back("size " + std::to_string(n), tg::rand<T>({n}) * (hi - lo) + lo);
  in.emplace_back("transposed [33, 40]", (tg::rand<T>({40, 33}) * (hi - lo) + lo).t());
  in.emplace_back("every 3rd column of [31, 99]", (tg::rand<T>({31, 99}) * (hi - lo) + lo).slice(1, 0, 99, 3));
  return in;
}

/// The input range of each domain: wide enough to reach the ops' saturated tails, positive where required.
std::pair<double, double> range_of(tg::backend::Domain domain) {
  if (domain == tg::backend::Domain::Positive) return {0.1, 10};
  if (domain == tg::backend::Domain::AwayFromZero) return {-3, 3};
  return {-4, 4};
}

}  // namespace

TEMPLATE_TEST_CASE("cuda unary ops and their backwards match the CPU", "", float, double) {
  REQUIRE_GPU();
  using T = TestType;
  const double tol = default_tol<T>();
  for (const auto& c : op_tables::unary_ops<T>()) {
    const auto& f = c.fn;
    const auto [lo, hi] = range_of(c.domain);
    for (const auto& [label, x_cpu] : unary_inputs<T>(lo, hi)) {
      const Tensor<T> xc = x_cpu.detach().requires_grad_();
      const Tensor<T> xg = on_cuda(x_cpu.detach()).requires_grad_();
      const Tensor<T> yc = f(xc), yg = f(xg);
      check_cuda_close(yc, yg, tol, tol, c.name + " forward, " + label);
      // A non-uniform upstream gradient, so g·f'(x) is checked, not only f'(x).
      const Tensor<T> g = tg::rand<T>(yc.sizes()) + 0.5;
      yc.backward(g);
      yg.backward(on_cuda(g));
      check_cuda_close(xc.grad(), xg.grad(), tol, tol, c.name + " backward, " + label);
    }
  }
}

TEMPLATE_TEST_CASE("cuda binary ops broadcast like the CPU", "", float, double) {
  REQUIRE_GPU();
  using T = TestType;
  const double tol = default_tol<T>();
  tg::manual_seed(11);
  // Positive quarters in [0.25, 2.5]: pow stays real, and eq/le/ge see ties.
  auto operand = [](tg::Shape s) { return (tg::randint<T>(1, 11, s) / 4.0).contiguous(); };
  std::vector<std::tuple<std::string, Tensor<T>, Tensor<T>>> pairs;
  for (std::int64_t n : kSizes) pairs.emplace_back("same shape " + std::to_string(n), operand({n}), operand({n}));
  pairs.emplace_back("[33, 1] with [1, 40]", operand({33, 1}), operand({1, 40}));
  pairs.emplace_back("[4, 1, 33] with [33]", operand({4, 1, 33}), operand({33}));
  pairs.emplace_back("[257] with 0-d", operand({257}), operand({}));
  pairs.emplace_back("transposed [40, 33] with [33]", operand({33, 40}).t(), operand({33}));
  pairs.emplace_back("column slice with row", operand({31, 99}).slice(1, 1, 99, 3), operand({1, 33}));
  using tg::backend::BinaryOp;
  for (const auto& [name, id, f] : op_tables::binary_ops<T>()) {
    for (const auto& [label, a, b] : pairs) {
      // pow's gradients have their own test case below; the comparisons, maximum and minimum theirs in the CPU suite.
      const bool differentiable = id == BinaryOp::Add || id == BinaryOp::Sub || id == BinaryOp::Mul || id == BinaryOp::Div;
      const Tensor<T> ac = a.detach().requires_grad_(differentiable), bc = b.detach().requires_grad_(differentiable);
      const Tensor<T> ag = on_cuda(a.detach()).requires_grad_(differentiable);
      const Tensor<T> bg = on_cuda(b.detach()).requires_grad_(differentiable);
      const Tensor<T> yc = f(ac, bc), yg = f(ag, bg);
      check_cuda_close(yc, yg, tol, tol, name + " forward, " + label);
      if (!differentiable) continue;
      // The backward sums the gradient back to each operand's shape: the broadcast cases check sum on the GPU.
      const Tensor<T> g = tg::rand<T>(yc.sizes());
      yc.backward(g);
      yg.backward(on_cuda(g));
      check_cuda_close(ac.grad(), ag.grad(), 1e-4, 1e-4, name + " grad a, " + label);
      check_cuda_close(bc.grad(), bg.grad(), 1e-4, 1e-4, name + " grad b, " + label);
    }
  }
}

TEST_CASE("cuda pow of two tensors differentiates like the CPU") {
  REQUIRE_GPU();
  tg::manual_seed(37);
  const Tensor<float> a = tg::rand<float>({33, 40}) * 2.0 + 0.1, b = tg::rand<float>({40}) * 3.0 - 1.0;
  const Tensor<float> ac = a.detach().requires_grad_(), bc = b.detach().requires_grad_();
  const Tensor<float> ag = on_cuda(a).requires_grad_(), bg = on_cuda(b).requires_grad_();
  const Tensor<float> yc = tg::pow(ac, bc), yg = tg::pow(ag, bg);
  check_cuda_close(yc, yg, 1e-5, 1e-5, "pow forward");
  yc.sum().backward();
  yg.sum().backward();
  check_cuda_close(ac.grad(), ag.grad(), 1e-4, 1e-5, "pow grad a");
  check_cuda_close(bc.grad(), bg.grad(), 1e-4, 1e-4, "pow grad b (summed over 33 rows)");
}

TEST_CASE("cuda in-place updates, fills and copies write through strided views") {
  REQUIRE_GPU();
  tg::manual_seed(3);
  const Tensor<float> base = tg::randn<float>({33, 40});
  const Tensor<float> b = tg::randn<float>({40});
  Tensor<float> xc = base.clone(), xg = on_cuda(base);
  // A transposed view ([40, 33], strides (1, 40)) updated with a column vector broadcast along its rows.
  const Tensor<float> col = tg::randn<float>({40, 1});
  xc.t().add_(col, 0.5);
  xg.t().add_(on_cuda(col), 0.5);
  check_cuda_close(xc, xg, 1e-5, 1e-5, "add_ alpha 0.5 through a transpose");
  xc.mul_(b);
  xg.mul_(on_cuda(b));
  check_cuda_close(xc, xg, 1e-5, 1e-5, "mul_ broadcast");
  xc.slice(1, 0, 40, 2).copy_(b.slice(0, 0, 20));
  xg.slice(1, 0, 40, 2).copy_(on_cuda(b).slice(0, 0, 20));
  check_cuda_close(xc, xg, 0, 0, "copy_ into every other column");
  xc.select(0, 5).fill_(2.5);
  xg.select(0, 5).fill_(2.5);
  check_cuda_close(xc, xg, 0, 0, "fill_ of one row");
  xc.div_(4.0);
  xg.div_(4.0);
  check_cuda_close(xc, xg, 1e-6, 1e-6, "div_ by a scalar");
  Tensor<double> zc = tg::ones<double>({1025}), zg = on_cuda(zc);
  zc.zero_();
  zg.zero_();
  check_cuda_close(zc, zg, 0, 0, "zero_ float64");
  CHECK(zg.sum().item() == 0.0);
}

TEST_CASE("cuda casts between float32, float64 and int64 match the CPU") {
  REQUIRE_GPU();
  tg::manual_seed(5);
  for (std::int64_t n : kSizes) {
    const Tensor<float> f = tg::randn<float>({n}) * 100.0;
    const Tensor<float> fg = on_cuda(f);
    check_cuda_close(f.to<double>(), fg.to<double>(), 0, 0, "float32 -> float64, size " + std::to_string(n));
    // float -> int64 truncates toward zero, on both devices.
    check_cuda_close(f.to<std::int64_t>(), fg.to<std::int64_t>(), 0, 0, "float32 -> int64, size " + std::to_string(n));
    check_cuda_close(f.to<std::int64_t>().to<float>(), fg.to<std::int64_t>().to<float>(), 0, 0, "int64 -> float32");
  }
  const Tensor<double> d = tg::randn<double>({33, 40}).t();
  check_cuda_close(d.to<float>(), on_cuda(d).to<float>(), 0, 0, "non-contiguous float64 -> float32");
  const Tensor<std::int64_t> i = tg::full<std::int64_t>({31}, 7);
  Tensor<std::int64_t> ig = on_cuda(i);
  check_cuda_close(i, ig, 0, 0, "int64 upload");
  ig.fill_(-3);
  CHECK(ig.to(tg::kCPU).tolist() == std::vector<std::int64_t>(31, -3));
}

TEMPLATE_TEST_CASE("cuda sum and mean over dims match the CPU", "", float, double) {
  REQUIRE_GPU();
  using T = TestType;
  const double rel = sizeof(T) == 4 ? 1e-5 : 1e-12;
  tg::manual_seed(13);
  // Bounded by rel·Σ|x| (see the tolerance note at the top of this file).
  auto check_sum = [&](const Tensor<T>& x, std::int64_t dim, bool keepdim, const std::string& label) {
    const Tensor<T> xg = on_cuda(x);
    const Tensor<T> yc = dim < 0 ? x.sum() : x.sum(dim, keepdim), yg = dim < 0 ? xg.sum() : xg.sum(dim, keepdim);
    const double scale = tg::abs(x).sum().item();
    check_cuda_close(yc, yg, 0, rel * scale + rel, "sum " + label);
    if (x.numel() == 0) return;  // the mean of nothing is an error on every device
    const Tensor<T> mc = dim < 0 ? x.mean() : x.mean(dim, keepdim), mg = dim < 0 ? xg.mean() : xg.mean(dim, keepdim);
    check_cuda_close(mc, mg, 0, rel * scale + rel, "mean " + label);
  };
  for (std::int64_t n : kSizes) check_sum(tg::randn<T>({n}), -1, false, "all of [" + std::to_string(n) + "]");
  for (std::int64_t n : kSizes) {
    for (std::int64_t m : {std::int64_t{1}, std::int64_t{33}}) {
      const Tensor<T> x = tg::randn<T>({n, m});
      const std::string s = " of [" + std::to_string(n) + ", " + std::to_string(m) + "]";
      check_sum(x, 0, false, "dim 0" + s);
      check_sum(x, 1, true, "dim 1 keepdim" + s);
      check_sum(x.t(), 0, false, "dim 0 of the transpose" + s);
    }
  }
  const Tensor<T> x3 = tg::randn<T>({4, 31, 33});
  for (std::int64_t d = 0; d < 3; ++d) check_sum(x3, d, false, "dim " + std::to_string(d) + " of [4, 31, 33]");
  check_sum(x3.permute({2, 0, 1}), 1, false, "dim 1 of a permuted [33, 4, 31]");
  // Long reductions take the two-pass path: total, rows (reduced dim innermost) and columns (bias gradient).
  check_sum(tg::randn<T>({1 << 20}), -1, false, "all of [1048576]");
  check_sum(tg::randn<T>({3, 100000}), 1, false, "dim 1 of [3, 100000]");
  check_sum(tg::randn<T>({8192, 10}), 0, false, "dim 0 of [8192, 10]");
  // Summing an empty dim gives zeros.
  check_sum(tg::randn<T>({0, 5}), 0, false, "dim 0 of [0, 5]");
}

TEMPLATE_TEST_CASE("cuda softmax and log_softmax match the CPU, forward and backward", "", float, double) {
  REQUIRE_GPU();
  using T = TestType;
  const double tol = default_tol<T>();
  tg::manual_seed(17);
  for (bool log : {false, true}) {
    const std::string op = log ? "log_softmax" : "softmax";
    auto f = [log](const Tensor<T>& x, std::int64_t dim) { return log ? tg::log_softmax(x, dim) : tg::softmax(x, dim); };
    std::vector<std::tuple<std::string, Tensor<T>, std::int64_t>> cases;
    for (std::int64_t n : kSizes) cases.emplace_back("last dim of [3, " + std::to_string(n) + "]", tg::randn<T>({3, n}) * 4.0, -1);
    cases.emplace_back("dim 0 of [257, 5]", tg::randn<T>({257, 5}) * 4.0, 0);
    cases.emplace_back("dim 1 of [2, 33, 7]", tg::randn<T>({2, 33, 7}) * 4.0, 1);
    cases.emplace_back("last dim of a transposed [40, 33]", tg::randn<T>({33, 40}).t() * 4.0, -1);
    cases.emplace_back("large logits", tg::randn<T>({4, 1025}) * 100.0, -1);
    for (const auto& [label, x, dim] : cases) {
      const Tensor<T> xc = x.detach().requires_grad_(), xg = on_cuda(x.detach()).requires_grad_();
      const Tensor<T> yc = f(xc, dim), yg = f(xg, dim);
      check_cuda_close(yc, yg, tol, tol, op + " forward, " + label);
      const Tensor<T> g = tg::randn<T>(yc.sizes());
      yc.backward(g);
      yg.backward(on_cuda(g));
      check_cuda_close(xc.grad(), xg.grad(), 1e-4, 1e-4, op + " backward, " + label);
    }
  }
}

TEMPLATE_TEST_CASE("cuda matmul matches the CPU for every operand layout", "", float, double) {
  REQUIRE_GPU();
  using T = TestType;
  const double rel = sizeof(T) == 4 ? 1e-4 : 1e-11;
  tg::manual_seed(19);
  auto check_mm = [&](const Tensor<T>& a, const Tensor<T>& b, const std::string& label) {
    const Tensor<T> yc = tg::matmul(a, b), yg = tg::matmul(on_cuda(a), on_cuda(b));
    check_cuda_close(yc, yg, rel, rel, "matmul " + label);
  };
  const std::vector<std::int64_t> dims = {1, 31, 32, 33, 257};
  for (std::int64_t n : dims)
    for (std::int64_t k : dims)
      for (std::int64_t m : {std::int64_t{1}, std::int64_t{33}}) {
        const std::string s = std::to_string(n) + "x" + std::to_string(k) + " @ " + std::to_string(k) + "x" + std::to_string(m);
        check_mm(tg::randn<T>({n, k}), tg::randn<T>({k, m}), s);
        check_mm(tg::randn<T>({k, n}).t(), tg::randn<T>({m, k}).t(), "both transposed " + s);
      }
  check_mm(tg::randn<T>({0, 5}), tg::randn<T>({5, 3}), "empty rows");
  check_mm(tg::randn<T>({4, 0}), tg::randn<T>({0, 3}), "k = 0 gives zeros");
  // General strides (every other column) are copied before cuBLAS sees them.
  check_mm(tg::randn<T>({31, 66}).slice(1, 0, 66, 2), tg::randn<T>({33, 40}), "strided a");
  check_mm(tg::randn<T>({31, 33}), tg::randn<T>({33, 80}).slice(1, 0, 80, 2), "strided b");
  // Batched, with the right operand broadcast over the batch (batch stride 0), and a vector operand.
  check_mm(tg::randn<T>({3, 31, 33}), tg::randn<T>({33, 32}), "batched [3, 31, 33] @ [33, 32]");
  check_mm(tg::randn<T>({2, 3, 31, 33}), tg::randn<T>({3, 33, 32}), "batched [2, 3, 31, 33] @ [3, 33, 32]");
  check_mm(tg::randn<T>({257}), tg::randn<T>({257, 33}), "vector @ matrix");
  check_mm(tg::randn<T>({33, 257}), tg::randn<T>({257}), "matrix @ vector");
  // Gradients of matmul run matmuls with transposed operands.
  const Tensor<T> a = tg::randn<T>({31, 33}), b = tg::randn<T>({33, 32});
  const Tensor<T> ac = a.detach().requires_grad_(), bc = b.detach().requires_grad_();
  const Tensor<T> ag = on_cuda(a).requires_grad_(), bg = on_cuda(b).requires_grad_();
  tg::matmul(ac, bc).sum().backward();
  tg::matmul(ag, bg).sum().backward();
  check_cuda_close(ac.grad(), ag.grad(), rel, rel, "matmul grad a");
  check_cuda_close(bc.grad(), bg.grad(), rel, rel, "matmul grad b");
}

namespace {

/// A two-layer MLP with MSE loss, its parameters on `device`; returns the loss of one forward/backward.
struct Mlp {
  Tensor<float> w1, b1, w2, b2;
  Mlp(const Mlp& cpu, tg::Device device)
      : w1(cpu.w1.detach().to(device).requires_grad_()),
        b1(cpu.b1.detach().to(device).requires_grad_()),
        w2(cpu.w2.detach().to(device).requires_grad_()),
        b2(cpu.b2.detach().to(device).requires_grad_()) {}
  Mlp() {
    w1 = (tg::randn<float>({20, 32}) * 0.3).requires_grad_();
    b1 = (tg::randn<float>({32}) * 0.1).requires_grad_();
    w2 = (tg::randn<float>({32, 3}) * 0.3).requires_grad_();
    b2 = (tg::randn<float>({3}) * 0.1).requires_grad_();
  }
  Tensor<float> loss(const Tensor<float>& x, const Tensor<float>& y) const {
    const Tensor<float> h = tg::relu(tg::matmul(x, w1) + b1);
    const Tensor<float> out = tg::matmul(h, w2) + b2;
    return tg::pow(out - y, 2.0).mean();
  }
  /// One SGD step (the update the optimizers make, written with in-place ops).
  void step(float lr) {
    tg::NoGradGuard no_grad;
    for (Tensor<float>* p : {&w1, &b1, &w2, &b2}) {
      p->add_(p->grad(), -lr);
      p->grad().zero_();
    }
  }
};

}  // namespace

TEST_CASE("cuda MLP gradients and SGD steps match the CPU run") {
  REQUIRE_GPU();
  tg::manual_seed(23);
  Mlp cpu;
  Mlp gpu(cpu, tg::kCUDA);
  const Tensor<float> x = tg::randn<float>({64, 20}), y = tg::randn<float>({64, 3});
  const Tensor<float> xg = on_cuda(x), yg = on_cuda(y);
  for (int step = 0; step < 3; ++step) {
    const Tensor<float> lc = cpu.loss(x, y), lg = gpu.loss(xg, yg);
    INFO("step " << step);
    CHECK(lg.item() == Approx(lc.item()).epsilon(1e-5));
    lc.backward();
    lg.backward();
    check_cuda_close(cpu.w1.grad(), gpu.w1.grad(), 1e-4, 1e-5, "dL/dw1");
    check_cuda_close(cpu.b1.grad(), gpu.b1.grad(), 1e-4, 1e-5, "dL/db1");
    check_cuda_close(cpu.w2.grad(), gpu.w2.grad(), 1e-4, 1e-5, "dL/dw2");
    check_cuda_close(cpu.b2.grad(), gpu.b2.grad(), 1e-4, 1e-5, "dL/db2");
    cpu.step(0.1f);
    gpu.step(0.1f);
    check_cuda_close(cpu.w1, gpu.w1, 1e-4, 1e-5, "w1 after the step");
  }
}

TEST_CASE("cuda nn::Sequential of Linear layers moved with to(kCUDA) matches the CPU model") {
  REQUIRE_GPU();
  tg::manual_seed(31);
  tg::nn::Sequential cpu(tg::nn::Linear(20, 32), tg::nn::ReLU(), tg::nn::Linear(32, 3));
  tg::nn::Sequential gpu(tg::nn::Linear(20, 32), tg::nn::ReLU(), tg::nn::Linear(32, 3));
  {
    tg::NoGradGuard no_grad;
    const auto src = cpu->parameters();
    auto dst = gpu->parameters();
    for (std::size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
  }
  gpu->to(tg::kCUDA);
  for (const auto& p : gpu->parameters()) CHECK(p.device() == tg::kCUDA);
  const Tensor<float> x = tg::randn<float>({64, 20}), y = tg::randn<float>({64, 3});
  const Tensor<float> lc = tg::pow(cpu->forward(x) - y, 2.0).mean();
  const Tensor<float> lg = tg::pow(gpu->forward(on_cuda(x)) - on_cuda(y), 2.0).mean();
  CHECK(lg.item() == Approx(lc.item()).epsilon(1e-5));
  lc.backward();
  lg.backward();
  const auto pc = cpu->named_parameters(), pg = gpu->named_parameters();
  for (std::size_t i = 0; i < pc.size(); ++i) {
    INFO(pc[i].first);
    REQUIRE(pg[i].second.grad().device() == tg::kCUDA);
    check_cuda_close(pc[i].second.grad(), pg[i].second.grad(), 1e-4, 1e-5, "d loss / d " + pc[i].first);
  }
}

TEST_CASE("cuda caching allocator: a repeated training step calls cudaMalloc no more") {
  REQUIRE_GPU();
  tg::manual_seed(29);
  Mlp cpu;
  Mlp gpu(cpu, tg::kCUDA);
  const Tensor<float> x = on_cuda(tg::randn<float>({128, 20})), y = on_cuda(tg::randn<float>({128, 3}));
  auto train_step = [&] {
    gpu.loss(x, y).backward();
    gpu.step(0.05f);
  };
  // Two warm-up steps: the first step's gradients become the parameters' .grad without a copy, so the second step
  // is the first to need a second block of their sizes; from the third step on the free lists serve everything.
  train_step();
  train_step();
  const auto before = tg::cuda::memory_stats();
  train_step();
  train_step();
  const auto after = tg::cuda::memory_stats();
  CHECK(after.num_cuda_malloc == before.num_cuda_malloc);
  CHECK(after.num_cuda_free == before.num_cuda_free);
  CHECK(after.bytes_in_use == before.bytes_in_use);
  // Released blocks serve the next request of their size class.
  const auto s0 = tg::cuda::memory_stats();
  { const Tensor<float> t = tg::empty<float>({1000}, tg::kCUDA); }
  { const Tensor<float> t = tg::empty<float>({1000}, tg::kCUDA); }
  CHECK(tg::cuda::memory_stats().num_cuda_malloc - s0.num_cuda_malloc <= 1);
  tg::cuda::empty_cache();
  CHECK(tg::cuda::memory_stats().bytes_cached == 0);
}

TEST_CASE("cuda ops refuse tensors on different devices") {
  REQUIRE_GPU();
  const Tensor<float> a = tg::ones<float>({3}), b = on_cuda(tg::ones<float>({3}));
  CHECK_THROWS_AS(a + b, tg::Error);
  CHECK_THROWS_AS(tg::matmul(tg::ones<float>({2, 3}), on_cuda(tg::ones<float>({3, 2}))), tg::Error);
  Tensor<float> c = b.clone();
  CHECK_THROWS_AS(c.add_(a), tg::Error);
}

TEST_CASE("cuda tensors print and read back through the host") {
  REQUIRE_GPU();
  const Tensor<float> x = on_cuda(tg::tensor<float>({1.5f, -2.0f, 3.25f}));
  CHECK(x.device() == tg::kCUDA);
  CHECK(x.sum().item() == 2.75f);
  CHECK(x.to(tg::kCPU).tolist() == std::vector<float>{1.5f, -2.0f, 3.25f});
  std::ostringstream os;
  os << x;
  CHECK(os.str().find("device='cuda:0'") != std::string::npos);
  CHECK(tg::cuda::device_count() >= 1);
  tg::cuda::synchronize();
}
