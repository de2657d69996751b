// CPU/CUDA parity of every loss of nn/functional_loss.hpp (and the nn::...Loss modules), forward and backward, in
// every reduction and option, run on the GPU.
//
// Each case computes the same loss on CPU tensors and on their copies on cuda:0 and compares values and the
// gradients of the input (and of the target for the pointwise losses). Tolerances (rtol·|cpu| + atol):
//   reduction "none" and every gradient: 1e-5 / 1e-5 (float32), 1e-12 / 1e-12 (float64). Pointwise losses run the
//     same bodies (backend/bodies/loss.hpp) per element; cross_entropy's per-row sums are added by 32 lanes and a
//     shuffle tree instead of left to right, a few ulps of values of order log C.
//   "sum"/"mean": the device sums in a tree, the CPU in rows: |cpu − cuda| <= rel·Σ|l| + rel with rel = 1e-5
//     (float32) or 1e-12 (float64), l the per-element losses ("mean" divides both sides by the same count).
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "cuda_test_util.hpp"

namespace {

using namespace cuda_test;

namespace F = tg::nn::functional;
using tg::Tensor;

const std::vector<std::string> kReductions = {"none", "mean", "sum"};

/// The message of the tg::Error f throws ("" if none).
template <class Fn> std::string error_of(Fn&& f) {
  try {
    f();
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "";
}

/// A loss of a list of operands (input, target, weights...) in a given reduction.
template <class T> using LossFn = std::function<Tensor<T>(const std::vector<Tensor<T>>&, const std::string&)>;

/// Compares loss(inputs, reduction) on the CPU and on the GPU: the value (for "sum"/"mean" within rel·Σ|l| + rel,
/// l the CPU's per-element losses), then the gradients of the operands marked differentiable after backward with
/// the same upstream gradient.
template <class T>
void check_loss(const LossFn<T>& loss, const std::vector<Tensor<T>>& inputs, const std::vector<bool>& differentiable,
                const std::string& reduction, const std::string& label) {
  const double tol = default_tol<T>();
  std::vector<Tensor<T>> cpu, gpu;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    Tensor<T> c = inputs[k].detach(), g = on_cuda(inputs[k].detach());
    if (differentiable[k]) {
      c.requires_grad_();
      g.requires_grad_();
    }
    cpu.push_back(c);
    gpu.push_back(g);
  }
  const Tensor<T> lc = loss(cpu, reduction), lg = loss(gpu, reduction);
  if (reduction == "none") {
    check_cuda_close(lc, lg, tol, tol, label + ": forward");
    const Tensor<T> up = tg::rand<T>(lc.sizes()) + 0.5;  // non-uniform: g·∂l is checked, not only ∂l
    lc.backward(up);
    lg.backward(on_cuda(up));
  } else {
    std::vector<Tensor<T>> plain;
    for (const Tensor<T>& t : inputs) plain.push_back(t.detach());
    const double scale = loss(plain, "none").abs().sum().item();
    check_cuda_close(lc, lg, 0, tol * scale + tol, label + ": forward");
    lc.backward();
    lg.backward();
  }
  for (std::size_t k = 0; k < inputs.size(); ++k)
    if (differentiable[k]) {
      INFO(label << ": gradient of operand " << k);
      REQUIRE(gpu[k].grad().defined());
      check_cuda_close(cpu[k].grad(), gpu[k].grad(), tol, tol, label + ": gradient of operand " + std::to_string(k));
    }
}

/// Runs check_loss, except for "mean" over no elements, which must throw on both devices (the mean of nothing).
template <class T>
void check_loss_or_empty_mean(const LossFn<T>& loss, const std::vector<Tensor<T>>& inputs,
                              const std::vector<bool>& differentiable, const std::string& reduction,
                              const std::string& label) {
  if (reduction == "mean" && inputs[0].numel() == 0) {
    INFO(label);
    std::vector<Tensor<T>> gpu;
    for (const Tensor<T>& t : inputs) gpu.push_back(on_cuda(t));
    CHECK_THROWS_AS(loss(inputs, reduction), tg::Error);
    CHECK_THROWS_AS(loss(gpu, reduction), tg::Error);
    return;
  }
  check_loss(loss, inputs, differentiable, reduction, label);
}

template <class T> Tensor<T> zeros_and_ones(const Tensor<T>& p) {
  std::vector<T> v = p.contiguous().tolist();
  for (T& e : v) e = e < T(0.5) ? T(0) : T(1);
  return tg::tensor<T>(v, p.sizes());
}

}  // namespace

TEMPLATE_TEST_CASE("cuda pointwise losses match the CPU in every reduction, with weights and pos_weight",
                   "[cuda][loss]", float, double) {
  REQUIRE_GPU();
  using T = TestType;
  tg::manual_seed(41);
  constexpr std::int64_t kCols = 3;
  for (std::int64_t n : kSizes)
    for (bool transposed : {false, true}) {
      // [n, 3] operands; the transposed variant reads a non-contiguous view of a [3, n] tensor.
      auto make = [&](const Tensor<T>& t) { return transposed ? t.reshape({kCols, n}).t() : t; };
      const Tensor<T> x = make(tg::randn<T>({n, kCols}) * 2.0), y = make(tg::randn<T>({n, kCols}) * 2.0);
      const Tensor<T> prob = make(tg::rand<T>({n, kCols}) * 0.98 + 0.01), label = make(tg::rand<T>({n, kCols}));
      const Tensor<T> weight = tg::rand<T>({n, kCols}) + 0.5, col_weight = tg::rand<T>({kCols}) + 0.5;
      const Tensor<T> pos_weight = tg::rand<T>({kCols}) * 3.0;
      struct Case {
        std::string name;
        LossFn<T> f;
        std::vector<Tensor<T>> in;
        std::vector<bool> diff;
      };
      using V = std::vector<Tensor<T>>;
      using S = std::string;
      const std::vector<Case> cases = {
          {"mse_loss", [](const V& v, const S& r) { return F::mse_loss(v[0], v[1], r); }, {x, y}, {true, true}},
          {"l1_loss", [](const V& v, const S& r) { return F::l1_loss(v[0], v[1], r); }, {x, y}, {true, true}},
          {"l1_loss at x == y (zero gradient)", [](const V& v, const S& r) { return F::l1_loss(v[0], v[1], r); },
           {x, x.detach().clone()}, {true, true}},
          {"smooth_l1_loss beta 0.5", [](const V& v, const S& r) { return F::smooth_l1_loss(v[0], v[1], r, 0.5); },
           {x, y}, {true, true}},
          {"smooth_l1_loss beta 0", [](const V& v, const S& r) { return F::smooth_l1_loss(v[0], v[1], r, 0.0); },
           {x, y}, {true, true}},
          {"huber_loss delta 1.5", [](const V& v, const S& r) { return F::huber_loss(v[0], v[1], r, 1.5); }, {x, y},
           {true, true}},
          {"binary_cross_entropy",
           [](const V& v, const S& r) { return F::binary_cross_entropy(v[0], v[1], Tensor<T>(), r); }, {prob, label},
           {true, true}},
          {"binary_cross_entropy with a per-element weight",
           [](const V& v, const S& r) { return F::binary_cross_entropy(v[0], v[1], v[2], r); }, {prob, label, weight},
           {true, true, false}},
          {"binary_cross_entropy at exactly 0 and 1 (the -100 log clamp)",
           [](const V& v, const S& r) { return F::binary_cross_entropy(v[0], v[1], Tensor<T>(), r); },
           {zeros_and_ones(prob), label}, {true, true}},
          {"binary_cross_entropy_with_logits on logits up to ~±60",
           [](const V& v, const S& r) { return F::binary_cross_entropy_with_logits(v[0], v[1], Tensor<T>(), r); },
           {x * 10.0, label}, {true, true}},
          {"binary_cross_entropy_with_logits with weight [3] and pos_weight [3]",
           [](const V& v, const S& r) { return F::binary_cross_entropy_with_logits(v[0], v[1], v[2], r, v[3]); },
           {x, label, col_weight, pos_weight}, {true, true, false, false}},
      };
      for (const std::string& red : kReductions)
        for (const Case& c : cases)
          check_loss_or_empty_mean<T>(c.f, c.in, c.diff, red,
                                      c.name + ", reduction " + red + ", [" + std::to_string(n) + ", 3]" +
                                          (transposed ? " transposed" : ""));
    }
}

namespace {

/// Targets in 0..classes-1, with every 7th set to ignore_index when `ignore` (and the rest left as drawn).
Tensor<std::int64_t> class_targets(std::int64_t n, std::int64_t classes, bool ignore, std::int64_t ignore_index) {
  std::vector<std::int64_t> t = tg::randint<std::int64_t>(0, classes, {n}).tolist();
  if (ignore)
    for (std::size_t i = 0; i < t.size(); i += 7) t[i] = ignore_index;
  return tg::tensor<std::int64_t>(t, {n});
}

}  // namespace

TEMPLATE_TEST_CASE("cuda cross_entropy and nll_loss match the CPU: reductions, class weights, ignore_index, label "
                   "smoothing", "[cuda][loss]", float, double) {
  REQUIRE_GPU();
  using T = TestType;
  using V = std::vector<Tensor<T>>;
  tg::manual_seed(43);
  for (std::int64_t classes : {1, 10, 1000})
    for (std::int64_t n : kSizes) {
      const Tensor<T> logits = tg::randn<T>({n, classes}) * 3.0;
      const Tensor<T> class_weight = tg::rand<T>({classes}) + 0.5;
      // -100 (outside the classes) and 0 (a class: its targets are ignored) as ignore_index.
      for (std::int64_t ignore_index : {std::int64_t{-100}, std::int64_t{0}})
        for (bool ignore : {false, true})
          for (bool weighted : {false, true}) {
            const Tensor<std::int64_t> y = class_targets(n, classes, ignore, ignore_index);
            const Tensor<std::int64_t> yg = on_cuda(y);
            const Tensor<T> w = weighted ? class_weight : Tensor<T>();
            const std::string base = "[" + std::to_string(n) + ", " + std::to_string(classes) + "]" +
                                     (weighted ? ", class weights" : "") +
                                     (ignore ? ", ignore_index " + std::to_string(ignore_index) : "");
            auto target_for = [&](const V& v) { return v[0].device() == tg::kCUDA ? yg : y; };
            for (const std::string& red : kReductions) {
              for (double eps : {0.0, 0.1, 1.0}) {
                const LossFn<T> ce = [&, eps](const V& v, const std::string& r) {
                  return F::cross_entropy(v[0], target_for(v), v.size() > 1 ? v[1] : Tensor<T>(), ignore_index, r, eps);
                };
                V in = {logits};
                if (weighted) in.push_back(w);
                check_loss<T>(ce, in, {true, false}, red,
                              "cross_entropy " + base + ", label_smoothing " + std::to_string(eps) +
                                  ", reduction " + red);
              }
              const LossFn<T> nll = [&](const V& v, const std::string& r) {
                return F::nll_loss(v[0], target_for(v), v.size() > 1 ? v[1] : Tensor<T>(), ignore_index, r);
              };
              V in = {tg::log_softmax(logits, 1)};
              if (weighted) in.push_back(w);
              check_loss<T>(nll, in, {true, false}, red, "nll_loss " + base + ", reduction " + red);
            }
          }
    }
}

TEMPLATE_TEST_CASE("cuda cross_entropy: non-contiguous, huge, -inf and all-ignored inputs match the CPU",
                   "[cuda][loss]", float, double) {
  REQUIRE_GPU();
  using T = TestType;
  tg::manual_seed(47);
  const T inf = std::numeric_limits<T>::infinity();
  struct Case {
    std::string name;
    Tensor<T> logits;
    Tensor<std::int64_t> target;
  };
  std::vector<Case> cases = {
      {"transposed [257, 33] logits", (tg::randn<T>({33, 257}) * 3.0).t(), tg::randint<std::int64_t>(0, 33, {257})},
      {"logits of 1e8", tg::tensor<T>({1e8, 1e8, -1e8, 1e8, 0, -1e8}, {2, 3}), tg::tensor<std::int64_t>({0, 2})},
      {"logits times 1e4", tg::randn<T>({33, 10}) * 1e4, tg::randint<std::int64_t>(0, 10, {33})},
      {"-inf logits (finite and infinite losses)",
       tg::tensor<T>({0, -inf, 1, 2, -1, -inf, 0.5, -inf, 0.25}, {3, 3}), tg::tensor<std::int64_t>({0, 1, 2})},
      {"every target ignored", tg::randn<T>({5, 4}), tg::full<std::int64_t>({5}, -100)},
  };
  for (const Case& c : cases)
    for (const std::string& red : kReductions)
      for (double eps : {0.0, 0.2}) {
        const std::string label = "cross_entropy, " + c.name + ", reduction " + red + ", label_smoothing " +
                                  std::to_string(eps);
        INFO(label);
        const Tensor<T> xc = c.logits.detach().requires_grad_(), xg = on_cuda(c.logits.detach()).requires_grad_();
        const Tensor<T> lc = F::cross_entropy(xc, c.target, Tensor<T>(), -100, red, eps);
        const Tensor<T> lg = F::cross_entropy(xg, on_cuda(c.target), Tensor<T>(), -100, red, eps);
        const double tol = default_tol<T>();
        check_cuda_close(lc, lg, tol, tol, label + ": forward");  // few rows: the reductions add few terms
        const Tensor<T> up = tg::rand<T>(lc.sizes()) + 0.5;
        lc.backward(up);
        lg.backward(on_cuda(up));
        check_cuda_close(xc.grad(), xg.grad(), tol, tol, label + ": gradient");
      }
}

TEST_CASE("cuda class-index losses throw the CPU's error for an out-of-range target, and BCE for a non-probability",
          "[cuda][loss][errors]") {
  REQUIRE_GPU();
  const Tensor<float> logits = on_cuda(tg::randn<float>({40, 10}));
  std::vector<std::int64_t> t(40, 3);
  t[17] = 12;  // the first bad target, in a row that a later warp handles
  t[33] = -5;
  const Tensor<std::int64_t> bad = on_cuda(tg::tensor<std::int64_t>(t, {40}));
  CHECK(error_of([&] { F::cross_entropy(logits, bad); }) ==
        "cross_entropy: target 12 is out of bounds for 10 classes (expected 0..9 or ignore_index -100)");
  CHECK(error_of([&] { F::nll_loss(logits.log_softmax(1), bad); }) ==
        "nll_loss: target 12 is out of bounds for 10 classes (expected 0..9 or ignore_index -100)");
  CHECK(error_of([&] { F::cross_entropy(logits, bad, tg::Tensor<float>(), 12); }) ==
        "cross_entropy: target -5 is out of bounds for 10 classes (expected 0..9 or ignore_index 12)");
  const Tensor<float> p = on_cuda(tg::tensor<float>({0.5f, 0.25f, 1.5f, -1.0f}));
  CHECK(error_of([&] { F::binary_cross_entropy(p, on_cuda(tg::zeros<float>({4}))); }) ==
        "binary_cross_entropy: all elements of input should be between 0 and 1, got 1.5 (pass logits to "
        "binary_cross_entropy_with_logits instead)");
  // The device stays usable after the errors (no device-side assert).
  const Tensor<std::int64_t> good = on_cuda(tg::full<std::int64_t>({40}, 3));
  CHECK(std::isfinite(F::cross_entropy(logits, good).item()));
  // Operands on different devices are refused, naming the loss.
  CHECK_THROWS_WITH(F::cross_entropy(logits, tg::full<std::int64_t>({40}, 3)),
                    Catch::Contains("cross_entropy: expected all tensors on the same device"));
  CHECK_THROWS_WITH(F::mse_loss(logits, tg::zeros<float>({40, 10})),
                    Catch::Contains("mse_loss: expected all tensors on the same device"));
  CHECK_THROWS_WITH(F::cross_entropy(logits, good, tg::ones<float>({10})),
                    Catch::Contains("cross_entropy: expected all tensors on the same device"));
}

TEST_CASE("cuda loss modules moved with to(kCUDA) match the CPU on the tutorial's examples", "[cuda][loss]") {
  REQUIRE_GPU();
  namespace nn = tg::nn;
  // The loss tutorial's three examples (MSELoss, CrossEntropyLoss, BCEWithLogitsLoss), plus weighted modules
  // whose weight buffers follow to().
  const Tensor<float> pred = tg::tensor<float>({1.0f, 2.5f, 3.8f}), target = tg::tensor<float>({1.2f, 2.3f, 4.0f});
  nn::MSELoss mse;
  CHECK(mse(on_cuda(pred), on_cuda(target)).item() == Approx(mse(pred, target).item()).epsilon(1e-6));
  const Tensor<float> logits = tg::tensor<float>({{2.0f, 0.5f, -1.0f}, {0.1f, 1.5f, 0.2f}});
  const Tensor<std::int64_t> labels = tg::tensor<std::int64_t>({0, 1});
  auto ce_options = [] {
    return nn::CrossEntropyLossOptions().weight(tg::tensor<float>({1.0f, 2.0f, 0.5f})).label_smoothing(0.1);
  };
  nn::CrossEntropyLoss ce_cpu(ce_options()), ce_gpu(ce_options());
  ce_gpu->to(tg::kCUDA);
  CHECK(ce_gpu(on_cuda(logits), on_cuda(labels)).item() == Approx(ce_cpu(logits, labels).item()).epsilon(1e-6));
  const Tensor<float> z = tg::tensor<float>({-0.5f, 1.5f, -2.0f, 3.0f}, {4, 1});
  const Tensor<float> yz = tg::tensor<float>({0.0f, 1.0f, 0.0f, 1.0f}, {4, 1});
  nn::BCEWithLogitsLoss bce_cpu(nn::BCEWithLogitsLossOptions().pos_weight(tg::tensor<float>({2.0f})));
  nn::BCEWithLogitsLoss bce_gpu(nn::BCEWithLogitsLossOptions().pos_weight(tg::tensor<float>({2.0f})));
  bce_gpu->to(tg::kCUDA);
  CHECK(bce_gpu(on_cuda(z), on_cuda(yz)).item() == Approx(bce_cpu(z, yz).item()).epsilon(1e-6));
  nn::BCELoss bce_prob;
  const Tensor<float> p = tg::sigmoid(z);
  CHECK(bce_prob(on_cuda(p), on_cuda(yz)).item() == Approx(bce_prob(p, yz).item()).epsilon(1e-6));
}

TEST_CASE("cuda cross_entropy training steps do not call cudaMalloc after warm-up", "[cuda][loss]") {
  REQUIRE_GPU();
  tg::manual_seed(53);
  const Tensor<float> w = on_cuda(tg::randn<float>({20, 10})).requires_grad_();
  const Tensor<float> x = on_cuda(tg::randn<float>({64, 20}));
  const Tensor<std::int64_t> y = on_cuda(tg::randint<std::int64_t>(0, 10, {64}));
  auto step = [&] {
    tg::nn::functional::cross_entropy(tg::matmul(x, w), y, Tensor<float>(), -100, "mean", 0.1).backward();
    tg::NoGradGuard no_grad;
    Tensor<float> wm = w;
    wm.add_(w.grad(), -0.1);
    wm.grad().zero_();
  };
  // Two warm-up steps: the first step's weight gradient is kept as w.grad without a copy, so the second step is
  // the first to need a second block of that size; from the third step on every block comes from the free lists.
  step();
  step();
  const auto before = tg::cuda::memory_stats();
  step();
  step();
  const auto after = tg::cuda::memory_stats();
  CHECK(after.num_cuda_malloc == before.num_cuda_malloc);
  CHECK(after.bytes_in_use == before.bytes_in_use);
}
