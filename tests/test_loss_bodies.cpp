// The loss kernels' bodies (backend/bodies/loss.hpp), run on the host.
//
// The CUDA backend maps a loss id to its functor (bodies::visit_loss) and applies it per element; cross_entropy
// gives each row to a warp whose lane k takes the elements k, k + 32, ... and combines the 32 partial maxima and
// sums. Here the same calls drive plain host loops, split across 32 "lanes" exactly as the kernel splits them, and
// the results must equal the CPU losses (which run the same bodies sequentially) and an independent long double
// reference of PyTorch's formulas.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "tensorgrad/backend/bodies/loss.hpp"
#include "tensorgrad/nn/functional_loss.hpp"
#include "tensorgrad/tensor.hpp"

namespace F = tg::nn::functional;
namespace bodies = tg::backend::bodies;
using tg::backend::LossOp;
using tg::Tensor;

namespace {

constexpr int kLanes = 32;  // the CUDA kernels' warp width

/// Relative tolerance of a result summed in another order than the CPU's (the warp split): a few ulps of the sum.
template <class T> double split_tol() { return sizeof(T) == 4 ? 1e-5 : 1e-12; }

bool close(double a, double b, double rel) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::abs(a - b) <= rel * std::max(1.0, std::max(std::abs(a), std::abs(b)));
}

/// The public loss an id stands for, with reduction "none" and the given weight and pos_weight: the public call of
/// the loss list (backend/op_list.hpp), so every listed loss is tested.
template <class T>
Tensor<T> public_loss(LossOp op, double param, const Tensor<T>& x, const Tensor<T>& y, const Tensor<T>& w,
                      const Tensor<T>& a) {
  switch (op) {
#define TG_TEST_LOSS(Functor, call)                                     \
  case LossOp::Functor: {                                               \
    [[maybe_unused]] const auto f = bodies::loss_from<bodies::Functor>(param); \
    return call;                                                        \
  }
    TG_POINTWISE_LOSSES(TG_TEST_LOSS)
#undef TG_TEST_LOSS
  }
  FAIL("unknown loss id " << static_cast<int>(op));
  return {};
}

}  // namespace

TEMPLATE_TEST_CASE("pointwise loss bodies, run per element through visit_loss, equal the CPU losses and their "
                   "gradients", "[loss][bodies]", float, double) {
  using T = TestType;
  tg::manual_seed(11);
  const std::int64_t n = 37;
  for (int id = 0; id < tg::backend::kNumLossOps; ++id) {
    const auto op = static_cast<LossOp>(id);
    const double param = op == LossOp::SmoothL1 ? 0.7 : 1.3;  // beta / delta; unused by the others
    const bool probabilities = op == LossOp::BinaryCrossEntropy;
    const Tensor<T> x = probabilities ? tg::rand<T>({n}) * 0.98 + 0.01 : tg::randn<T>({n}) * 2.0;
    const Tensor<T> y = probabilities || op == LossOp::BinaryCrossEntropyWithLogits ? tg::rand<T>({n})
                                                                                     : tg::randn<T>({n}) * 2.0;
    const Tensor<T> w = tg::rand<T>({n}) + 0.5;
    // pos_weight only exists for BCEWithLogits; the others read a = 1.
    const Tensor<T> a = op == LossOp::BinaryCrossEntropyWithLogits ? tg::rand<T>({n}) * 3.0 : tg::ones<T>({n});
    const Tensor<T> g = tg::rand<T>({n}) + 0.25;
    INFO("loss id " << id);

    const Tensor<T> xr = x.detach().requires_grad_(), yr = y.detach().requires_grad_();
    const Tensor<T> expected = public_loss(op, param, xr, yr, w, a);
    expected.backward(g);
    const std::vector<T> vx = x.tolist(), vy = y.tolist(), vw = w.tolist(), va = a.tolist(), vg = g.tolist();
    const std::vector<T> want = expected.tolist(), want_dx = xr.grad().tolist(), want_dy = yr.grad().tolist();
    bodies::visit_loss(op, param, [&](auto f) {
      CHECK(bodies::loss_id<decltype(f)> == op);
      for (std::int64_t i = 0; i < n; ++i) {
        INFO("element " << i << ": x " << vx[i] << ", y " << vy[i]);
        CHECK(bodies::in_domain(f, vx[i]));
        CHECK(close(bodies::pointwise_loss(f, vx[i], vy[i], vw[i], va[i]), want[i], split_tol<T>()));
        CHECK(close(bodies::pointwise_loss_grad(f, false, vg[i], vx[i], vy[i], vw[i], va[i]), want_dx[i],
                    split_tol<T>()));
        CHECK(close(bodies::pointwise_loss_grad(f, true, vg[i], vx[i], vy[i], vw[i], va[i]), want_dy[i],
                    split_tol<T>()));
      }
    });
  }
}

TEST_CASE("pointwise loss bodies at PyTorch's reference points", "[loss][bodies]") {
  // (x - y)^2, |x - y| with |.|'(0) = 0, smooth L1 / Huber on both sides of beta / delta.
  CHECK(bodies::Squared{}.value(3.0, 1.0, 1.0) == 4.0);
  CHECK(bodies::Squared{}.dy(3.0, 1.0, 1.0) == -4.0);
  CHECK(bodies::Absolute{}.value(-1.5, 1.0, 1.0) == 2.5);
  CHECK(bodies::Absolute{}.dx(2.0, 2.0, 1.0) == 0.0);
  CHECK(bodies::SmoothL1{2.0}.value(1.0, 0.0, 1.0) == 0.25);  // 0.5·1/2
  CHECK(bodies::SmoothL1{2.0}.value(3.0, 0.0, 1.0) == 2.0);   // 3 - 1
  CHECK(bodies::SmoothL1{0.0}.dx(-3.0, 0.0, 1.0) == -1.0);    // beta = 0: L1
  CHECK(bodies::Huber{2.0}.value(3.0, 0.0, 1.0) == 4.0);      // 2·(3 - 1)
  CHECK(bodies::Huber{2.0}.dx(1.0, 0.0, 1.0) == 1.0);
  // BCE's log clamp at -100 and its finite gradient at 0; BCEWithLogits never overflows.
  CHECK(bodies::BinaryCrossEntropy{}.value(0.0, 1.0, 1.0) == 100.0);
  CHECK(std::isfinite(bodies::BinaryCrossEntropy{}.dx(0.0, 1.0, 1.0)));
  CHECK(bodies::BinaryCrossEntropyWithLogits{}.value(-200.0, 1.0, 1.0) == 200.0);
  CHECK(bodies::BinaryCrossEntropyWithLogits{}.value(0.0, 1.0, 3.0) == Approx(3 * std::log(2.0)));  // pos_weight 3
  CHECK(bodies::BinaryCrossEntropyWithLogits{}.dx(200.0, 1.0, 1.0) == Approx(-std::exp(-200.0)));  // -sigmoid(-200)
  // Only binary_cross_entropy restricts its input; a NaN passes (and makes a NaN loss), as PyTorch.
  CHECK_FALSE(bodies::in_domain(bodies::BinaryCrossEntropy{}, 1.5));
  CHECK_FALSE(bodies::in_domain(bodies::BinaryCrossEntropy{}, -0.01f));
  CHECK(bodies::in_domain(bodies::BinaryCrossEntropy{}, std::nan("")));
  CHECK(bodies::in_domain(bodies::BinaryCrossEntropy{}, 1.0));
  CHECK(bodies::in_domain(bodies::Squared{}, 1e30));
  CHECK(std::string(bodies::probability_error(1.5).what()) ==
        "binary_cross_entropy: all elements of input should be between 0 and 1, got 1.5 (pass logits to "
        "binary_cross_entropy_with_logits instead)");
}

namespace {

/// One row's cross entropy computed the way a CUDA warp computes it: lane k reduces the elements k, k + 32, ...,
/// then the 32 partial results are combined (max, then sums).
template <class T> struct WarpRow {
  T loss = 0, m = 0, log_s = 0, weight_sum = 0;
};
template <class T>
WarpRow<T> warp_style_row(const bodies::CrossEntropyParams<T>& p, const T* row, std::int64_t t, const T* w) {
  WarpRow<T> r;
  r.m = -std::numeric_limits<T>::infinity();
  for (int lane = 0; lane < kLanes; ++lane)
    r.m = bodies::larger(r.m, bodies::strided_max(row, lane, p.classes, kLanes));
  T exp_sum = 0, smooth = 0;
  const bool smoothing = p.spread != T(0);
  for (int lane = 0; lane < kLanes; ++lane) {
    const bodies::RowSums<T> part = bodies::strided_sums(row, lane, p.classes, kLanes, r.m, w, smoothing);
    exp_sum += part.exp_sum;
    smooth += part.smooth;
    if (smoothing) r.weight_sum += bodies::strided_weight_sum(w, lane, p.classes, kLanes);
  }
  r.log_s = std::log(exp_sum);
  r.loss = bodies::cross_entropy_loss(p, r.m, r.log_s, smooth, r.weight_sum, row[t],
                                      bodies::target_weight(w, t, p.ignore_index));
  return r;
}

/// PyTorch's formula in long double: l = (1 - eps)·w_t·(-log p_t) + (eps/C)·Σ_c w_c·(-log p_c).
template <class T>
long double reference_loss(const T* row, std::int64_t classes, std::int64_t t, const T* w, double eps) {
  long double m = -INFINITY;
  for (std::int64_t c = 0; c < classes; ++c) m = std::max<long double>(m, row[c]);
  long double s = 0;
  for (std::int64_t c = 0; c < classes; ++c) s += std::exp(static_cast<long double>(row[c]) - m);
  auto nlp = [&](std::int64_t c) { return (m - static_cast<long double>(row[c])) + std::log(s); };
  auto wc = [&](std::int64_t c) { return w ? static_cast<long double>(w[c]) : 1.0L; };
  long double l = (1 - static_cast<long double>(eps)) * wc(t) * nlp(t);
  if (eps != 0)
    for (std::int64_t c = 0; c < classes; ++c) l += static_cast<long double>(eps) / classes * wc(c) * nlp(c);
  return l;
}

/// Rows of logits with their targets, covering what the kernel must get right.
template <class T> struct CeCase {
  std::string name;
  std::int64_t classes;
  std::vector<T> logits;  // rows × classes
  std::vector<std::int64_t> targets;
};

template <class T> std::vector<CeCase<T>> ce_cases() {
  const T inf = std::numeric_limits<T>::infinity();
  std::vector<CeCase<T>> cases;
  tg::manual_seed(5);
  for (std::int64_t classes : {1, 10, 31, 32, 33, 100, 1000}) {
    const std::int64_t rows = 6;
    CeCase<T> c{"random logits, " + std::to_string(classes) + " classes", classes,
                (tg::randn<T>({rows, classes}) * 3.0).tolist(),
                tg::randint<std::int64_t>(0, classes, {rows}).tolist()};
    c.targets[2] = -100;  // an ignored row
    cases.push_back(c);
  }
  // Huge logits: exact through (max - x) + log Σ exp(x - max); [1e8, 1e8] gives log 2.
  cases.push_back({"logits of 1e8", 3, {T(1e8), T(1e8), T(-1e8), T(1e8), T(0), T(-1e8)}, {0, 2}});
  // -inf logits: a -inf target has an infinite loss; elsewhere -inf just gets probability 0.
  cases.push_back({"-inf logits", 3, {T(0), -inf, T(1), T(2), T(-1), -inf, T(0.5), -inf, T(0.25)}, {0, 1, 2}});
  return cases;
}

}  // namespace

TEMPLATE_TEST_CASE("cross_entropy row bodies split across 32 lanes equal the CPU loss and PyTorch's formula, with "
                   "weights, ignore_index and label smoothing", "[loss][bodies]", float, double) {
  using T = TestType;
  for (const CeCase<T>& cc : ce_cases<T>()) {
    const std::int64_t rows = static_cast<std::int64_t>(cc.targets.size()), classes = cc.classes;
    const Tensor<T> weight = tg::rand<T>({classes}) + 0.5;
    const std::vector<T> vw = weight.tolist();
    for (double eps : {0.0, 0.1, 1.0})
      for (bool weighted : {false, true}) {
        INFO(cc.name << ", label_smoothing " << eps << (weighted ? ", class weights" : ""));
        const T* w = weighted ? vw.data() : nullptr;
        const auto p = bodies::cross_entropy_params<T>(classes, -100, eps);
        const Tensor<T> x = tg::tensor<T>(cc.logits, {rows, classes}).requires_grad_();
        const Tensor<std::int64_t> y = tg::tensor<std::int64_t>(cc.targets, {rows});
        const Tensor<T> loss = F::cross_entropy(x, y, weighted ? weight : Tensor<T>(), -100, "none", eps);
        const Tensor<T> g = tg::rand<T>({rows}) + 0.5;
        loss.backward(g);
        const std::vector<T> cpu = loss.tolist(), cpu_grad = x.grad().tolist(), vg = g.tolist();
        for (std::int64_t i = 0; i < rows; ++i) {
          INFO("row " << i << ", target " << cc.targets[i]);
          const std::int64_t t = cc.targets[i];
          const T* row = cc.logits.data() + i * classes;
          if (t == p.ignore_index) {  // the kernels write 0 for the loss and every gradient element of the row
            CHECK(cpu[i] == 0);
            for (std::int64_t c = 0; c < classes; ++c) CHECK(cpu_grad[i * classes + c] == 0);
            CHECK(bodies::target_weight(w, t, p.ignore_index) == 0);
            continue;
          }
          const WarpRow<T> r = warp_style_row(p, row, t, w);
          CHECK(close(r.loss, cpu[i], split_tol<T>()));
          CHECK(close(r.loss, static_cast<double>(reference_loss(row, classes, t, w, eps)), split_tol<T>()));
          // The gradient, element by element, from the warp's statistics.
          const auto factors = bodies::cross_entropy_grad_row(p, vg[i], w ? w[t] : T(1), r.weight_sum);
          for (std::int64_t c = 0; c < classes; ++c) {
            INFO("class " << c);
            const T d = bodies::cross_entropy_grad(factors, row[c], r.m, r.log_s, w ? w[c] : T(1));
            CHECK(close(c == t ? d - factors.target : d, cpu_grad[i * classes + c], split_tol<T>()));
          }
        }
      }
  }
}

TEST_CASE("cross_entropy row bodies: exact values at huge logits, infinities, one class", "[loss][bodies]") {
  const auto p = bodies::cross_entropy_params<double>(2, -100, 0.0);
  double m = 0, log_s = 0;
  const double huge[] = {1e8, 1e8};
  CHECK(bodies::cross_entropy_row(p, huge, 0, static_cast<const double*>(nullptr), 2.0, m, log_s) == std::log(2.0));
  CHECK(m == 1e8);
  const double minus_inf_target[] = {-HUGE_VAL, 0.0};
  CHECK(std::isinf(bodies::cross_entropy_row(p, minus_inf_target, 0, static_cast<const double*>(nullptr), 2.0, m,
                                             log_s)));
  // Its gradient is still finite: softmax is (0, 1), so d = (0 - 1, 1 - 0) = (-1, 1).
  const auto f = bodies::cross_entropy_grad_row(p, 1.0, 1.0, 2.0);
  CHECK(bodies::cross_entropy_grad(f, -HUGE_VAL, m, log_s, 1.0) - f.target == -1.0);
  CHECK(bodies::cross_entropy_grad(f, 0.0, m, log_s, 1.0) == 1.0);
  // A single class: log_softmax is 0, so is the loss and its gradient.
  const auto p1 = bodies::cross_entropy_params<float>(1, -100, 0.0);
  float m1 = 0, ls1 = 0;
  const float one[] = {3.5f};
  CHECK(bodies::cross_entropy_row(p1, one, 0, static_cast<const float*>(nullptr), 1.0f, m1, ls1) == 0.0f);
  const auto f1 = bodies::cross_entropy_grad_row(p1, 2.0f, 1.0f, 1.0f);
  CHECK(bodies::cross_entropy_grad(f1, 3.5f, m1, ls1, 1.0f) - f1.target == 0.0f);
  // A NaN logit makes the row NaN, wherever a lane meets it.
  const double with_nan[] = {0.0, NAN};
  CHECK(std::isnan(bodies::cross_entropy_row(p, with_nan, 0, static_cast<const double*>(nullptr), 2.0, m, log_s)));
}

TEMPLATE_TEST_CASE("nll_loss row bodies equal the CPU nll_loss and its gradient", "[loss][bodies]", float, double) {
  using T = TestType;
  tg::manual_seed(9);
  const std::int64_t rows = 40, classes = 7;
  const Tensor<T> x = tg::randn<T>({rows, classes}).requires_grad_();
  std::vector<std::int64_t> targets = tg::randint<std::int64_t>(0, classes, {rows}).tolist();
  targets[3] = targets[17] = 4;  // ignore_index inside the class range ignores class 4
  const Tensor<T> weight = tg::rand<T>({classes}) + 0.5;
  const Tensor<T> g = tg::rand<T>({rows}) + 0.5;
  const Tensor<T> loss = F::nll_loss(x, tg::tensor<std::int64_t>(targets, {rows}), weight, 4, "none");
  loss.backward(g);
  const std::vector<T> vx = x.tolist(), vw = weight.tolist(), vg = g.tolist(), cpu = loss.tolist(),
                       cpu_grad = x.grad().tolist();
  for (std::int64_t i = 0; i < rows; ++i) {
    const std::int64_t t = targets[i];
    const T coef = bodies::target_weight(vw.data(), t, 4);
    CHECK(coef == (t == 4 ? T(0) : vw[t]));
    CHECK(cpu[i] == (t == 4 ? T(0) : bodies::nll_loss_value(vx[i * classes + t], coef)));
    CHECK(cpu[i] == (t == 4 ? T(0) : -vw[t] * vx[i * classes + t]));
    for (std::int64_t c = 0; c < classes; ++c)
      CHECK(cpu_grad[i * classes + c] == (c == t && t != 4 ? bodies::nll_loss_grad(vg[i], coef) : T(0)));
  }
}

TEST_CASE("class targets: in range, ignore_index, and the error both devices raise", "[loss][bodies]") {
  CHECK(bodies::class_target_ok(0, 3, -100));
  CHECK(bodies::class_target_ok(2, 3, -100));
  CHECK(bodies::class_target_ok(-100, 3, -100));
  CHECK_FALSE(bodies::class_target_ok(3, 3, -100));
  CHECK_FALSE(bodies::class_target_ok(-1, 3, -100));
  CHECK(bodies::class_target_ok(7, 3, 7));  // ignore_index need not be a class
  CHECK_FALSE(bodies::class_target_ok(0, 0, -100));
  try {
    bodies::check_class_target("cross_entropy", 12, 10, -100);
    FAIL("no error");
  } catch (const tg::Error& e) {
    CHECK(std::string(e.what()) ==
          "cross_entropy: target 12 is out of bounds for 10 classes (expected 0..9 or ignore_index -100)");
  }
}
