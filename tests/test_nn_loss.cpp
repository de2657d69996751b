// Losses: every value and gradient against hand-computed numbers (float64 through tg::nn::functional),
// each reduction, class weights, ignore_index, label smoothing, pos_weight, the numerically hard cases of
// stability for huge logits (finite, never inf or NaN), finite differences for every loss, the modules and their error messages.
// Reference numbers come from an independent transcription of PyTorch's documented formulas.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <tensorgrad/nn.hpp>
#include <tensorgrad/tensor.hpp>
#include "test_util.hpp"

namespace F = tg::nn::functional;
using tg::Tensor;
using TD = Tensor<double>;
using TL = Tensor<std::int64_t>;

using test_util::error_of;

namespace {

void require_values(const TD& t, const std::vector<double>& expected, double tol = 1e-12) {
  const std::vector<double> got = t.tolist();
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    REQUIRE(got[i] == Approx(expected[i]).margin(tol));
  }
}

TD leaf(std::initializer_list<double> values) { return tg::tensor<double>(values).requires_grad_(); }
TD leaf2(std::initializer_list<std::initializer_list<double>> rows) { return tg::tensor<double>(rows).requires_grad_(); }

/// Central differences (eps 1e-6) of a scalar loss against its backward.
void require_gradcheck(const std::function<TD(const TD&)>& loss, const TD& x0) {
  TD x = x0.detach().clone().requires_grad_();
  loss(x).backward();
  const std::vector<double> analytic = x.grad().tolist();
  std::vector<double> base = x0.tolist();
  for (std::size_t i = 0; i < base.size(); ++i) {
    auto at = [&](double delta) {
      std::vector<double> v = base;
      v[i] += delta;
      tg::NoGradGuard g;
      return loss(tg::tensor<double>(v, x0.sizes())).item();
    };
    const double numeric = (at(1e-6) - at(-1e-6)) / 2e-6;
    INFO("element " << i << " numeric " << numeric << " analytic " << analytic[i]);
    REQUIRE(std::abs(numeric - analytic[i]) <= 1e-5 + 1e-3 * std::abs(analytic[i]));
  }
}


}  // namespace

TEST_CASE("mse_loss: the seed's example in every reduction, with gradients for input and target", "[nn][loss]") {
  // The tutorial example: PyTorch prints 0.0400 for MSELoss([1.0, 2.5, 3.8], [1.2, 2.3, 4.0]).
  TD x = leaf({1.0, 2.5, 3.8}), y = leaf({1.2, 2.3, 4.0});
  TD loss = F::mse_loss(x, y);
  REQUIRE(loss.dim() == 0);
  REQUIRE(loss.item() == Approx(0.04).margin(1e-12));
  loss.backward();
  require_values(x.grad(), {2 * -0.2 / 3, 2 * 0.2 / 3, 2 * -0.2 / 3});
  require_values(y.grad(), {2 * 0.2 / 3, 2 * -0.2 / 3, 2 * 0.2 / 3});
  REQUIRE(F::mse_loss(x, y, "sum").item() == Approx(0.12).margin(1e-12));
  require_values(F::mse_loss(x, y, "none"), {0.04, 0.04, 0.04});
}

TEST_CASE("l1_loss: |x - y| with sign gradients and zero gradient where x == y", "[nn][loss]") {
  TD x = leaf({1.0, 2.5, 3.0}), y = tg::tensor<double>({1.5, 2.0, 3.0});
  TD loss = F::l1_loss(x, y);
  REQUIRE(loss.item() == Approx(1.0 / 3).margin(1e-12));
  loss.backward();
  require_values(x.grad(), {-1.0 / 3, 1.0 / 3, 0.0});
  REQUIRE(F::l1_loss(x, y, "sum").item() == Approx(1.0).margin(1e-12));
  require_values(F::l1_loss(x, y, "none"), {0.5, 0.5, 0.0});
}

TEST_CASE("smooth_l1_loss and huber_loss: both branches, the boundary, beta/delta", "[nn][loss]") {
  // d = x - y = [-0.5, 2, -1].
  const TD y = tg::tensor<double>({0.5, -2.0, 1.0});
  SECTION("smooth_l1 beta = 1: 0.5 d^2 below 1, |d| - 0.5 from 1 on") {
    TD x = leaf({0.0, 0.0, 0.0});
    require_values(F::smooth_l1_loss(x, y, "none"), {0.125, 1.5, 0.5});
    TD loss = F::smooth_l1_loss(x, y, "sum");
    REQUIRE(loss.item() == Approx(2.125).margin(1e-12));
    loss.backward();
    require_values(x.grad(), {-0.5, 1.0, -1.0});
  }
  SECTION("smooth_l1 beta = 2 divides the quadratic part by beta") {
    TD x = leaf({0.0, 0.0, 0.0});
    require_values(F::smooth_l1_loss(x, y, "none", 2.0), {0.0625, 1.0, 0.25});
    F::smooth_l1_loss(x, y, "mean", 2.0).backward();
    require_values(x.grad(), {-0.25 / 3, 1.0 / 3, -0.5 / 3});
  }
  SECTION("smooth_l1 beta = 0 is the L1 loss") {
    TD x = leaf({0.0, 0.0, 0.0});
    require_values(F::smooth_l1_loss(x, y, "none", 0.0), {0.5, 2.0, 1.0});
  }
  SECTION("huber delta = 1 equals smooth_l1 beta = 1") {
    TD x = leaf({0.0, 0.0, 0.0});
    require_values(F::huber_loss(x, y, "none"), {0.125, 1.5, 0.5});
  }
  SECTION("huber delta = 2: 0.5 d^2 below 2, 2(|d| - 1) from 2 on, gradient clipped at delta") {
    TD x = leaf({0.0, 0.0, 0.0, 0.0});
    const TD y4 = tg::tensor<double>({0.5, -2.0, 1.0, 3.0});
    require_values(F::huber_loss(x, y4, "none", 2.0), {0.125, 2.0, 0.5, 4.0});
    F::huber_loss(x, y4, "sum", 2.0).backward();
    require_values(x.grad(), {-0.5, 2.0, -1.0, -2.0});
  }
}

TEST_CASE("cross_entropy: the seed's logits, value and softmax - onehot gradient", "[nn][loss]") {
  // The tutorial example: CrossEntropyLoss([[2.0, 0.5, -1.0], [0.1, 1.5, 0.2]], [0, 1]).
  TD x = leaf2({{2.0, 0.5, -1.0}, {0.1, 1.5, 0.2}});
  const TL t = tg::tensor<std::int64_t>({0, 1});
  TD loss = F::cross_entropy(x, t);
  REQUIRE(loss.item() == Approx(0.3297241404905412).margin(1e-12));
  loss.backward();
  require_values(x.grad(), {-0.10720148270536206, 0.08764519607001835, 0.019556286635343725, 0.08116394440210185,
                            -0.17086397535161357, 0.08970003094951172});
  REQUIRE(x.grad_fn_name().empty());
  REQUIRE(F::cross_entropy(x, t, TD(), -100, "sum").item() == Approx(0.24131129665715703 + 0.4181369843239254).margin(1e-12));
  TD none = F::cross_entropy(x, t, TD(), -100, "none");
  REQUIRE(none.sizes() == tg::Shape{2});
  require_values(none, {0.24131129665715703, 0.4181369843239254});
  REQUIRE(none.grad_fn_name() == "CrossEntropyLossBackward");
}

TEST_CASE("cross_entropy: class weights make the mean divide by the targets' total weight", "[nn][loss]") {
  TD x = leaf2({{2.0, 0.5, -1.0}, {0.1, 1.5, 0.2}});
  const TL t = tg::tensor<std::int64_t>({0, 1});
  const TD w = tg::tensor<double>({1.0, 2.0, 3.0});
  TD loss = F::cross_entropy(x, t, w);
  // (1 * l0 + 2 * l1) / (1 + 2)
  REQUIRE(loss.item() == Approx(0.3591950884350026).margin(1e-12));
  REQUIRE(F::cross_entropy(x, t, w, -100, "sum").item() ==
          Approx(0.24131129665715703 + 2 * 0.4181369843239254).margin(1e-12));
  loss.backward();
  // Row n's gradient is w[y_n] (softmax - onehot) / 3; the unweighted mean's gradient times 2 w[y_n] / 3.
  require_values(x.grad(), {-0.10720148270536206 * 2 / 3, 0.08764519607001835 * 2 / 3, 0.019556286635343725 * 2 / 3,
                            0.08116394440210185 * 4 / 3, -0.17086397535161357 * 4 / 3, 0.08970003094951172 * 4 / 3});
}

TEST_CASE("cross_entropy: ignore_index drops a sample from the value, the mean's count and the gradient", "[nn][loss]") {
  TD x = leaf2({{2.0, 0.5, -1.0}, {0.1, 1.5, 0.2}});
  TD loss = F::cross_entropy(x, tg::tensor<std::int64_t>({0, -100}));
  REQUIRE(loss.item() == Approx(0.24131129665715703).margin(1e-12));
  loss.backward();
  require_values(x.grad(), {-0.10720148270536206 * 2, 0.08764519607001835 * 2, 0.019556286635343725 * 2, 0, 0, 0});
  // A custom ignore_index; 'none' gives 0 for the ignored sample.
  require_values(F::cross_entropy(x, tg::tensor<std::int64_t>({2, 1}), TD(), 2, "none"), {0.0, 0.4181369843239254});
  // Every target ignored: the mean is 0/0 = NaN, as PyTorch.
  REQUIRE(std::isnan(F::cross_entropy(x, tg::tensor<std::int64_t>({-100, -100})).item()));
}

TEST_CASE("cross_entropy: label smoothing mixes (1 - eps) onehot with eps / C", "[nn][loss]") {
  TD x = leaf2({{2.0, 0.5, -1.0}, {0.1, 1.5, 0.2}});
  const TL t = tg::tensor<std::int64_t>({0, 1});
  TD loss = F::cross_entropy(x, t, TD(), -100, "mean", 0.1);
  REQUIRE(loss.item() == Approx(0.4497241404905412).margin(1e-12));
  require_values(F::cross_entropy(x, t, TD(), -100, "none", 0.1), {0.391311296657157, 0.5081369843239254});
  loss.backward();
  require_values(x.grad(), {-0.07386814937202874, 0.07097852940335168, 0.0028896199686770582, 0.06449727773543519,
                            -0.13753064201828025, 0.07303336428284506});
  // With class weights the smoothing term is weighted per class and the mean still divides by sum w[y_n].
  REQUIRE(F::cross_entropy(x, t, tg::tensor<double>({1.0, 2.0, 3.0}), -100, "mean", 0.1).item() ==
          Approx(0.5594610205457967).margin(1e-12));
}

TEST_CASE("cross_entropy: stable for huge logits", "[nn][loss]") {
  TD x = leaf2({{1e8, 1e8}});
  TD loss = F::cross_entropy(x, tg::tensor<std::int64_t>({0}));
  REQUIRE(std::abs(loss.item() - std::log(2.0)) <= 1e-12);
  loss.backward();
  require_values(x.grad(), {-0.5, 0.5});

  TD y = leaf2({{1000.0, 0.0, -1000.0}});
  require_values(F::cross_entropy(y, tg::tensor<std::int64_t>({2, }), TD(), -100, "none"), {2000.0});
  require_values(F::cross_entropy(y, tg::tensor<std::int64_t>({0})).reshape({1}), {0.0});
  F::cross_entropy(y, tg::tensor<std::int64_t>({1})).backward();
  require_values(y.grad(), {1.0, -1.0, 0.0});

  // float32 logits of +-1e4 stay finite too.
  Tensor<float> f = tg::tensor<float>({{1e4f, -1e4f}, {-1e4f, 1e4f}});
  const float v = F::cross_entropy(f, tg::tensor<std::int64_t>({1, 1})).item();
  REQUIRE(std::isfinite(v));
  REQUIRE(v == Approx(1e4).epsilon(1e-6));
}

TEST_CASE("nll_loss on log_softmax equals cross_entropy, with weights and ignore_index", "[nn][loss]") {
  TD x = leaf2({{2.0, 0.5, -1.0}, {0.1, 1.5, 0.2}});
  const TL t = tg::tensor<std::int64_t>({0, 1});
  TD loss = F::nll_loss(tg::log_softmax(x, 1), t);
  REQUIRE(loss.item() == Approx(0.3297241404905412).margin(1e-12));
  loss.backward();
  require_values(x.grad(), {-0.10720148270536206, 0.08764519607001835, 0.019556286635343725, 0.08116394440210185,
                            -0.17086397535161357, 0.08970003094951172});
  // On plain inputs: l_n = -w[y_n] x[n, y_n]; the gradient is -w[y_n] / sum(w) at the target only.
  TD logp = leaf2({{-1.0, -2.0, -3.0}, {-4.0, -5.0, -6.0}});
  const TD w = tg::tensor<double>({1.0, 2.0, 3.0});
  TD weighted = F::nll_loss(logp, tg::tensor<std::int64_t>({0, 2}), w);
  REQUIRE(weighted.item() == Approx((1.0 * 1 + 3.0 * 6) / 4).margin(1e-12));
  weighted.backward();
  require_values(logp.grad(), {-0.25, 0, 0, 0, 0, -0.75});
  require_values(F::nll_loss(logp, tg::tensor<std::int64_t>({0, -100}), TD(), -100, "none"), {1.0, 0.0});
  REQUIRE(F::nll_loss(logp, tg::tensor<std::int64_t>({1, 2}), TD(), -100, "sum").item() == Approx(8.0).margin(1e-12));
}

TEST_CASE("binary_cross_entropy: values, PyTorch's gradient, the -100 log clamp, weights", "[nn][loss]") {
  TD x = leaf({0.2, 0.9, 0.5});
  const TD y = tg::tensor<double>({0.0, 1.0, 1.0});
  TD loss = F::binary_cross_entropy(x, y);
  REQUIRE(loss.item() == Approx(-(std::log(0.8) + std::log(0.9) + std::log(0.5)) / 3).margin(1e-12));
  loss.backward();
  // (x - y) / (x (1 - x)) / N
  require_values(x.grad(), {0.2 / (0.2 * 0.8) / 3, -0.1 / (0.9 * 0.1) / 3, -0.5 / 0.25 / 3});
  // log(0) is clamped at -100, so certain-but-wrong predictions cost exactly 100.
  require_values(F::binary_cross_entropy(tg::tensor<double>({0.0, 1.0, 0.0}), tg::tensor<double>({1.0, 0.0, 0.0}),
                                         TD(), "none"),
                 {100.0, 100.0, 0.0});
  // Elementwise weight (broadcast) multiplies each term.
  const TD w = tg::tensor<double>({2.0, 1.0, 0.5});
  REQUIRE(F::binary_cross_entropy(x, y, w, "sum").item() ==
          Approx(-(2 * std::log(0.8) + std::log(0.9) + 0.5 * std::log(0.5))).margin(1e-12));
}

TEST_CASE("binary_cross_entropy_with_logits: the seed's example, gradient sigmoid(x) - y, stability", "[nn][loss]") {
  // The tutorial example: BCEWithLogitsLoss([-0.5, 1.5, -2.0, 3.0], [0, 1, 0, 1]) (shape [4, 1]).
  TD x = tg::tensor<double>({-0.5, 1.5, -2.0, 3.0}, {4, 1}).requires_grad_();
  const TD y = tg::tensor<double>({0.0, 1.0, 0.0, 1.0}, {4, 1});
  TD loss = F::binary_cross_entropy_with_logits(x, y);
  REQUIRE(loss.item() == Approx(0.21275140619489347).margin(1e-12));
  require_values(F::binary_cross_entropy_with_logits(x, y, TD(), "none"),
                 {0.4740769841801067, 0.2014132779827524, 0.1269280110429727, 0.04858735157374206});
  loss.backward();
  require_values(x.grad(), {0.09438516719953635, -0.04560638095158909, 0.029800730505529387, -0.011856468294391659});

  // Huge logits stay finite: x = -200, y = 1 gives 200 (not inf, not 100); x = 200, y = 0 likewise.
  TD big = leaf({-200.0, 200.0, 200.0});
  TD l = F::binary_cross_entropy_with_logits(big, tg::tensor<double>({1.0, 0.0, 1.0}), TD(), "none");
  require_values(l, {200.0, 200.0, 0.0});
  l.sum().backward();
  require_values(big.grad(), {-1.0, 1.0, 0.0});
  Tensor<float> bigf = tg::tensor<float>({-200.f});
  REQUIRE(F::binary_cross_entropy_with_logits(bigf, tg::tensor<float>({1.f})).item() == 200.f);
}

TEST_CASE("binary_cross_entropy_with_logits: pos_weight scales the positive term, broadcast over classes", "[nn][loss]") {
  // Two samples, two classes; pos_weight [3, 1] applies to column 0 only.
  TD x = leaf2({{0.5, 0.5}, {-1.0, 2.0}});
  const TD y = tg::tensor<double>({{1.0, 1.0}, {0.0, 1.0}});
  const TD pw = tg::tensor<double>({3.0, 1.0});
  auto softplus = [](double v) { return std::log1p(std::exp(v)); };
  auto sigmoid = [](double v) { return 1 / (1 + std::exp(-v)); };
  TD l = F::binary_cross_entropy_with_logits(x, y, TD(), "none", pw);
  // y = 1: p * softplus(-x); y = 0: softplus(x) whatever p is.
  require_values(l, {3 * softplus(-0.5), softplus(-0.5), softplus(-1.0), softplus(-2.0)});
  l.sum().backward();
  // d/dx = (1 - y) - (1 + (p - 1) y) sigmoid(-x)
  require_values(x.grad(), {-3 * sigmoid(-0.5), -sigmoid(-0.5), sigmoid(-1.0), -sigmoid(-2.0)});
}

TEST_CASE("every loss passes a float64 finite-difference check, target gradients included", "[nn][loss][gradcheck]") {
  const TD x0 = tg::tensor<double>({{0.3, -1.2, 2.0}, {0.7, 0.1, -0.4}});
  const TD y0 = tg::tensor<double>({{0.1, -0.2, 1.0}, {2.7, 0.6, -0.9}});
  const TD p0 = tg::tensor<double>({{0.3, 0.8, 0.45}, {0.6, 0.15, 0.9}});
  const TD q0 = tg::tensor<double>({{0.2, 1.0, 0.0}, {0.5, 0.0, 1.0}});
  const TD w = tg::tensor<double>({0.5, 2.0, 1.5});
  const TL t = tg::tensor<std::int64_t>({2, 0});
  // Each line: one loss as a function of its input, then of its target.
  std::vector<std::pair<std::string, std::function<TD(const TD&, const TD&)>>> table = {
      {"mse", [](const TD& a, const TD& b) { return F::mse_loss(a, b); }},
      {"l1", [](const TD& a, const TD& b) { return F::l1_loss(a, b, "sum"); }},
      {"smooth_l1", [](const TD& a, const TD& b) { return F::smooth_l1_loss(a, b, "mean", 0.8); }},
      {"huber", [](const TD& a, const TD& b) { return F::huber_loss(a, b, "sum", 0.6); }},
      {"bce_with_logits", [&](const TD& a, const TD& b) {
         return F::binary_cross_entropy_with_logits(a, b * 0.3 + 0.2, w, "mean", w * 2.0); }},
  };
  for (const auto& entry : table) {
    INFO(entry.first);
    const auto& f = entry.second;  // a named reference: C++17 lambdas cannot capture structured bindings
    require_gradcheck([&](const TD& a) { return f(a, y0); }, x0);
    require_gradcheck([&](const TD& b) { return f(x0, b); }, y0);
  }
  INFO("bce");
  require_gradcheck([&](const TD& a) { return F::binary_cross_entropy(a, q0, w); }, p0);
  require_gradcheck([&](const TD& b) { return F::binary_cross_entropy(p0, b, w, "sum"); }, q0);
  INFO("cross_entropy with weights and smoothing");
  require_gradcheck([&](const TD& a) { return F::cross_entropy(a, t, w, -100, "mean", 0.2); }, x0);
  require_gradcheck([&](const TD& a) { return F::cross_entropy(a, t, TD(), -100, "sum"); }, x0);
  INFO("nll");
  require_gradcheck([&](const TD& a) { return F::nll_loss(a, t, w); }, x0);
}

TEST_CASE("loss modules call their functional form, on float, and print as PyTorch", "[nn][loss]") {
  const Tensor<float> x = tg::tensor<float>({{2.0f, 0.5f, -1.0f}, {0.1f, 1.5f, 0.2f}});
  const TL t = tg::tensor<std::int64_t>({0, 1});
  tg::nn::CrossEntropyLoss ce;
  REQUIRE(ce(x, t).item() == Approx(0.3297241404905412).epsilon(1e-6));
  tg::nn::CrossEntropyLoss smoothed(tg::nn::CrossEntropyLossOptions().label_smoothing(0.1).reduction("none"));
  REQUIRE(smoothed(x, t).tolist()[1] == Approx(0.5081369843239254).epsilon(1e-6));
  tg::nn::CrossEntropyLoss weighted(tg::nn::CrossEntropyLossOptions().weight(tg::tensor<float>({1.f, 2.f, 3.f})));
  REQUIRE(weighted(x, t).item() == Approx(0.3591950884350026).epsilon(1e-6));
  REQUIRE(weighted->named_buffers().at(0).first == "weight");

  const Tensor<float> a = tg::tensor<float>({1.0f, 2.5f, 3.8f}), b = tg::tensor<float>({1.2f, 2.3f, 4.0f});
  REQUIRE(tg::nn::MSELoss()(a, b).item() == Approx(0.04).epsilon(1e-5));
  REQUIRE(tg::nn::MSELoss(tg::nn::MSELossOptions("sum"))(a, b).item() == Approx(0.12).epsilon(1e-5));
  REQUIRE(tg::nn::L1Loss()(a, b).item() == Approx(0.2).epsilon(1e-5));
  REQUIRE(tg::nn::SmoothL1Loss(tg::nn::SmoothL1LossOptions().beta(0.5))(a, b).item() == Approx(0.04).epsilon(1e-5));
  REQUIRE(tg::nn::HuberLoss(tg::nn::HuberLossOptions().delta(0.1))(a, b).item() == Approx(0.1 * 0.15).epsilon(1e-5));
  REQUIRE(tg::nn::NLLLoss()(tg::log_softmax(x, 1), t).item() == Approx(0.3297241404905412).epsilon(1e-6));
  REQUIRE(tg::nn::BCELoss()(tg::tensor<float>({0.5f}), tg::tensor<float>({1.f})).item() ==
          Approx(std::log(2.0)).epsilon(1e-6));
  const Tensor<float> z = tg::tensor<float>({-0.5f, 1.5f, -2.0f, 3.0f}, {4, 1});
  const Tensor<float> zy = tg::tensor<float>({0.f, 1.f, 0.f, 1.f}, {4, 1});
  REQUIRE(tg::nn::BCEWithLogitsLoss()(z, zy).item() == Approx(0.21275140619489347).epsilon(1e-6));
  tg::nn::BCEWithLogitsLoss pos(tg::nn::BCEWithLogitsLossOptions().pos_weight(tg::tensor<float>({3.f})));
  REQUIRE(pos(tg::tensor<float>({0.5f}), tg::tensor<float>({1.f})).item() ==
          Approx(3 * std::log1p(std::exp(-0.5))).epsilon(1e-6));

  auto printed = [](const auto& m) {
    std::ostringstream os;
    os << m;
    return os.str();
  };
  REQUIRE(printed(tg::nn::MSELoss()) == "MSELoss()");
  REQUIRE(printed(tg::nn::L1Loss()) == "L1Loss()");
  REQUIRE(printed(tg::nn::SmoothL1Loss()) == "SmoothL1Loss()");
  REQUIRE(printed(tg::nn::HuberLoss()) == "HuberLoss()");
  REQUIRE(printed(tg::nn::CrossEntropyLoss()) == "CrossEntropyLoss()");
  REQUIRE(printed(tg::nn::NLLLoss()) == "NLLLoss()");
  REQUIRE(printed(tg::nn::BCELoss()) == "BCELoss()");
  REQUIRE(printed(tg::nn::BCEWithLogitsLoss()) == "BCEWithLogitsLoss()");
}

TEST_CASE("loss errors name the loss and the shapes or values at fault", "[nn][loss][errors]") {
  const TD a = tg::tensor<double>({1.0, 2.0, 3.0});
  const TD col = tg::tensor<double>({1.0, 2.0, 3.0}, {3, 1});
  REQUIRE(error_of([&] { F::mse_loss(col, a); }) ==
          "mse_loss: input of shape [3, 1] and target of shape [3] differ (tensorgrad does not broadcast a loss's "
          "target; reshape it, e.g. [N] -> [N, 1])");
  REQUIRE(error_of([&] { F::l1_loss(a, a, "avg"); }) ==
          "l1_loss: reduction must be \"mean\", \"sum\" or \"none\", got \"avg\"");
  REQUIRE(error_of([] { tg::nn::MSELoss(tg::nn::MSELossOptions("average")); }) ==
          "MSELoss: reduction must be \"mean\", \"sum\" or \"none\", got \"average\"");
  const TD logits = tg::tensor<double>({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  REQUIRE(error_of([&] { F::cross_entropy(logits, tg::tensor<std::int64_t>({0, 3})); }) ==
          "cross_entropy: target 3 is out of bounds for 3 classes (expected 0..2 or ignore_index -100)");
  REQUIRE(error_of([&] { F::cross_entropy(logits, tg::tensor<std::int64_t>({0, 1, 2})); }) ==
          "cross_entropy: expected input [N, C] and target [N], got input [2, 3] and target [3]");
  REQUIRE(error_of([&] { F::cross_entropy(logits, tg::tensor<std::int64_t>({0, 1}), tg::tensor<double>({1.0, 2.0})); }) ==
          "cross_entropy: weight of shape [2] does not match 3 classes (expected [3])");
  REQUIRE(error_of([&] { F::nll_loss(logits, tg::tensor<std::int64_t>({-1, 0})); }) ==
          "nll_loss: target -1 is out of bounds for 3 classes (expected 0..2 or ignore_index -100)");
  REQUIRE(error_of([&] { F::binary_cross_entropy(tg::tensor<double>({0.5, 1.5}), tg::tensor<double>({0.0, 1.0})); }) ==
          "binary_cross_entropy: all elements of input should be between 0 and 1, got 1.5 (pass logits to "
          "binary_cross_entropy_with_logits instead)");
  REQUIRE(error_of([&] { F::cross_entropy(logits, tg::tensor<std::int64_t>({0, 1}), TD(), -100, "mean", 1.5); }) ==
          "cross_entropy: label_smoothing must be between 0.0 and 1.0, got 1.5");
}
