// Forward values of the ops against hand-computed numbers and naive loops; softmax also on
// extreme logits, where a naive exp would overflow.
#include <catch2/catch.hpp>
#include <tensorgrad/tensor.hpp>
#include "test_util.hpp"

#include <cmath>
#include <limits>
#include <vector>

namespace {

using tg::Shape;
using tg::TensorD;
using tg::TensorF;
using Values = std::vector<double>;
using test_util::unravel;

template <class T> bool all_finite(const tg::Tensor<T>& t) {
  for (T v : t.tolist())
    if (!std::isfinite(v)) return false;
  return true;
}

}  // namespace

// ---- elementwise -------------------------------------------------------------------------------------

TEST_CASE("elementwise unary ops and activations match hand-computed values", "[ops][values]") {
  const TensorD x = tg::tensor<double>({-2.0, -0.5, 0.0, 1.0, 3.0});
  const double e = std::exp(1.0);
  CHECK((-x).tolist() == Values{2.0, 0.5, -0.0, -1.0, -3.0});
  CHECK(x.abs().tolist() == Values{2.0, 0.5, 0.0, 1.0, 3.0});
  CHECK(tg::relu(x).tolist() == Values{0, 0, 0, 1, 3});
  CHECK(tg::leaky_relu(x).tolist() == Values{-0.02, -0.005, 0, 1, 3});
  CHECK(tg::leaky_relu(x, 0.5).tolist() == Values{-1.0, -0.25, 0, 1, 3});
  CHECK(x.clamp(-1.0, 2.0).tolist() == Values{-1.0, -0.5, 0.0, 1.0, 2.0});
  CHECK(x.clamp_min(0.5).tolist() == Values{0.5, 0.5, 0.5, 1.0, 3.0});
  CHECK(x.clamp_max(-0.5).tolist() == Values{-2.0, -0.5, -0.5, -0.5, -0.5});
  CHECK(x.pow(2.0).tolist() == Values{4.0, 0.25, 0.0, 1.0, 9.0});
  CHECK(x.pow(3.0).tolist() == Values{-8.0, -0.125, 0.0, 1.0, 27.0});

  const TensorD one = tg::tensor<double>({1.0});
  CHECK(one.exp().item() == Approx(e).epsilon(1e-15));
  CHECK(tg::tensor<double>({e * e}).log().item() == Approx(2.0).epsilon(1e-15));
  CHECK(tg::tensor<double>({0.0, 2.25}).sqrt().tolist() == Values{0.0, 1.5});
  CHECK(tg::sigmoid(one).item() == Approx(1 / (1 + 1 / e)).epsilon(1e-15));
  CHECK(tg::tanh(one).item() == Approx((e - 1 / e) / (e + 1 / e)).epsilon(1e-15));
  // Reference values of PyTorch's formulas at x = 1, worked out with erf(1/√2) = 0.6826894921370859.
  CHECK(tg::gelu(one).item() == Approx(0.8413447460685429).epsilon(1e-14));
  CHECK(tg::gelu(one, "tanh").item() == Approx(0.8411919906082768).epsilon(1e-14));
  CHECK(tg::silu(one).item() == Approx(0.7310585786300049).epsilon(1e-14));
  CHECK(tg::elu(tg::tensor<double>({-1.0, 2.0})).tolist()[0] == Approx(1 / e - 1).epsilon(1e-15));
  CHECK(tg::elu(tg::tensor<double>({-1.0, 2.0}), 0.5).tolist() == Values{0.5 * (1 / e - 1), 2.0});
}

TEST_CASE("sigmoid is stable at ±1000 in float32 and float64", "[ops][values][numerics]") {
  CHECK(tg::sigmoid(tg::tensor<double>({-1000.0, 1000.0})).tolist() == Values{0.0, 1.0});
  CHECK(tg::sigmoid(tg::tensor<float>({-1000.0f, 1000.0f})).tolist() == std::vector<float>{0.0f, 1.0f});
  CHECK(tg::silu(tg::tensor<double>({-1000.0})).item() == -0.0);
}

TEST_CASE("binary ops broadcast and match hand-computed values", "[ops][values]") {
  const TensorD a = tg::tensor<double>({{1, 2, 3}, {4, 5, 6}});
  const TensorD b = tg::tensor<double>({10, 20, 40});
  CHECK((a + b).tolist() == Values{11, 22, 43, 14, 25, 46});
  CHECK((a - b).tolist() == Values{-9, -18, -37, -6, -15, -34});
  CHECK((a * b).tolist() == Values{10, 40, 120, 40, 100, 240});
  CHECK((b / a).tolist() == Values{10, 10, 40.0 / 3, 2.5, 4, 40.0 / 6});
  CHECK((a + 1).tolist() == Values{2, 3, 4, 5, 6, 7});
  CHECK((1 - a).tolist() == Values{0, -1, -2, -3, -4, -5});
  CHECK((12.0 / a).tolist() == Values{12, 6, 4, 3, 2.4, 2});
  const TensorD col = tg::tensor<double>({2.0, 3.0}).unsqueeze(1);
  CHECK(tg::pow(a, col).tolist() == Values{1, 4, 9, 64, 125, 216});
  CHECK((a.t() * b.unsqueeze(1)).sizes() == Shape{3, 2});
  CHECK((a.t() * b.unsqueeze(1)).tolist() == Values{10, 40, 40, 100, 120, 240});
}

// ---- softmax (stable on extreme logits) -----------------------------------------------------------------

TEST_CASE("softmax of (1000, 0, -1000) is finite and sums to 1", "[ops][softmax][numerics]") {
  const TensorD y = tg::tensor<double>({1000.0, 0.0, -1000.0}).softmax(0);
  REQUIRE(all_finite(y));
  CHECK(std::abs(y.sum().item() - 1.0) <= 1e-12);
  CHECK(y.tolist() == Values{1.0, 0.0, 0.0});  // e^-1000 underflows to exactly 0

  const TensorF yf = tg::tensor<float>({1000.0f, 0.0f, -1000.0f}).softmax(0);
  REQUIRE(all_finite(yf));
  CHECK(std::abs(yf.sum().item() - 1.0f) <= 1e-6f);
  CHECK(yf.tolist() == std::vector<float>{1.0f, 0.0f, 0.0f});
}

TEST_CASE("softmax rows sum to 1 along every dim", "[ops][softmax]") {
  tg::Generator gen(11);
  const TensorD x = tg::randn<double>({2, 3, 4}, gen) * 30.0;
  const TensorF xf = x.to<float>();
  for (int d = 0; d < 3; ++d) {
    for (double s : x.softmax(d).sum(d).tolist()) CHECK(std::abs(s - 1.0) <= 1e-12);
    for (float s : xf.softmax(d).sum(d).tolist()) CHECK(std::abs(s - 1.0f) <= 1e-6f);
  }
  // Against the definition, on values small enough for the naive form.
  const TensorD small = tg::tensor<double>({{1, 2, 3}, {0, 0, 0}});
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  const Values y = small.softmax(1).tolist();
  const Values expected = {std::exp(1.0) / z, std::exp(2.0) / z, std::exp(3.0) / z, 1 / 3.0, 1 / 3.0, 1 / 3.0};
  for (int i = 0; i < 6; ++i) CHECK(y[i] == Approx(expected[i]).epsilon(1e-14));
}

TEST_CASE("log_softmax is finite for logits of ±1e4", "[ops][softmax][numerics]") {
  const TensorD y = tg::tensor<double>({1e4, -1e4, 0.0}).log_softmax(0);
  REQUIRE(all_finite(y));
  CHECK(y.tolist() == Values{0.0, -2e4, -1e4});
  const TensorF yf = tg::tensor<float>({{1e4f, -1e4f, 0.0f}, {-1e4f, -1e4f, -1e4f}}).log_softmax(1);
  REQUIRE(all_finite(yf));
  CHECK(yf.tolist()[0] == 0.0f);
  CHECK(yf.tolist()[1] == -2e4f);
  CHECK(yf.tolist()[2] == -1e4f);
  // log_softmax equals log(softmax) where the latter does not underflow.
  const TensorD x = tg::tensor<double>({{0.5, -1.0, 2.0}});
  const Values a = x.log_softmax(1).tolist(), b = x.softmax(1).log().tolist();
  for (int i = 0; i < 3; ++i) CHECK(a[i] == Approx(b[i]).epsilon(1e-14));
}

// Subtracting the max first, (x − max) − log Σ e^(x − max), keeps full precision; x − (max + log Σ) rounds
// max + log Σ at the magnitude of the logits (float32 ulp at 1e4 is ~1e-3).
TEST_CASE("log_softmax keeps float32 precision at large logits", "[ops][softmax][numerics]") {
  const std::vector<float> y = tg::tensor<float>({-1e4f, -1e4f, -1e4f}).log_softmax(0).tolist();
  for (float v : y) CHECK(v == Approx(-std::log(3.0)).epsilon(1e-6));
  const std::vector<float> z = tg::tensor<float>({1e4f + 1, 1e4f, 1e4f}).log_softmax(0).tolist();
  CHECK(z[0] == Approx(1 - std::log(std::exp(1.0) + 2)).epsilon(1e-6));
}

// ---- matmul -------------------------------------------------------------------------------------------

TEST_CASE("matmul matches a naive triple loop on random shapes, batched and broadcast", "[ops][matmul]") {
  struct Shapes {
    Shape a, b;
  };
  tg::Generator gen(5);
  std::vector<Shapes> cases = {
      {{1, 1}, {1, 1}}, {{3, 4}, {4, 5}},       {{7, 1}, {1, 6}},          {{2, 3, 4}, {2, 4, 5}},
      {{2, 3, 4}, {4, 2}}, {{3, 4}, {5, 4, 2}}, {{2, 1, 3, 4}, {3, 4, 2}}, {{1, 3, 4}, {6, 4, 2}},
  };
  for (int i = 0; i < 12; ++i) {
    const std::int64_t n = 1 + gen.below(6), k = 1 + gen.below(6), m = 1 + gen.below(6), batch = 1 + gen.below(3);
    cases.push_back({{batch, n, k}, {batch, k, m}});
    cases.push_back({{n, k}, {k, m}});
  }
  for (const Shapes& c : cases) {
    const TensorD a = tg::randn<double>(c.a, gen), b = tg::randn<double>(c.b, gen);
    const TensorD out = a.matmul(b);
    INFO("shapes " << c.a << " and " << c.b);
    const std::int64_t n = c.a[c.a.size() - 2], k = c.a.back(), m = c.b.back();
    const Shape batch = tg::detail::broadcast_shapes(Shape(c.a.begin(), c.a.end() - 2), Shape(c.b.begin(), c.b.end() - 2), "test");
    Shape expected_shape = batch;
    expected_shape.push_back(n);
    expected_shape.push_back(m);
    REQUIRE(out.sizes() == expected_shape);
    for (std::int64_t flat = 0; flat < out.numel(); ++flat) {
      const auto oi = unravel(flat, expected_shape);
      auto operand = [&](const Shape& s, std::int64_t r, std::int64_t col) {
        std::vector<std::int64_t> idx(static_cast<std::size_t>(s.size()));
        const int lead = batch.size() - (s.size() - 2);
        for (int d = 0; d < s.size() - 2; ++d) idx[d] = s[d] == 1 ? 0 : oi[lead + d];
        idx[s.size() - 2] = r;
        idx[s.size() - 1] = col;
        return idx;
      };
      const std::int64_t r = oi[oi.size() - 2], col = oi.back();
      double ref = 0;
      for (std::int64_t p = 0; p < k; ++p) ref += a.at(operand(c.a, r, p)) * b.at(operand(c.b, p, col));
      CHECK(std::abs(out.at(oi) - ref) <= 1e-12 * (1 + std::abs(ref)));
    }
  }
}

TEST_CASE("matmul's 1-d rules and mm match hand-computed products", "[ops][matmul]") {
  const TensorD v = tg::tensor<double>({1, 2, 3});
  const TensorD m = tg::tensor<double>({{1, 0}, {0, 1}, {2, -1}});
  const TensorD dot = v.matmul(v);
  CHECK(dot.dim() == 0);
  CHECK(dot.item() == 14.0);
  const TensorD vm = v.matmul(m);
  CHECK(vm.sizes() == Shape{2});
  CHECK(vm.tolist() == Values{7, -1});
  const TensorD mv = m.t().matmul(v);
  CHECK(mv.sizes() == Shape{2});
  CHECK(mv.tolist() == Values{7, -1});
  const TensorD mm = tg::mm(m.t(), m);
  CHECK(mm.tolist() == Values{5, -2, -2, 2});
  const TensorD batched_vec = tg::stack({m, m * 2.0}).matmul(tg::tensor<double>({1.0, 1.0}));
  CHECK(batched_vec.sizes() == Shape{2, 3});
  CHECK(batched_vec.tolist() == Values{1, 1, 1, 2, 2, 2});
  CHECK(tg::tensor<float>({{1, 2}, {3, 4}}).matmul(tg::tensor<float>({{5, 6}, {7, 8}})).tolist() ==
        std::vector<float>{19, 22, 43, 50});
}

TEST_CASE("matmul with one side a vector matches a naive loop for every operand layout", "[ops][matmul]") {
  // Large enough for the matrix-vector kernel (k·m above the small-product loop), with the matrix row- or
  // column-major and the vector contiguous or strided: a batch-1 layer's forward (x·Wᵀ) and backward shapes.
  tg::Generator gen(9);
  const std::int64_t k = 37, m = 29;
  const TensorD w = tg::randn<double>({m, k}, gen);       // contiguous [m, k]; w.t() is [k, m] column-major
  const TensorD wide = tg::randn<double>({k, 3 * m}, gen);  // every third column: a [k, m] view with stride 3
  const TensorD xs = tg::randn<double>({k, 2}, gen);      // a column of it: a length-k vector with stride 2
  const TensorD x = tg::randn<double>({1, k}, gen);
  auto naive = [](const TensorD& a, const TensorD& b) {
    TensorD out = tg::zeros<double>({a.size(0), b.size(1)});
    for (std::int64_t i = 0; i < a.size(0); ++i)
      for (std::int64_t j = 0; j < b.size(1); ++j) {
        double acc = 0;
        for (std::int64_t p = 0; p < a.size(1); ++p) acc += a.at({i, p}) * b.at({p, j});
        out.at({i, j}) = acc;
      }
    return out;
  };
  const std::vector<std::pair<TensorD, TensorD>> products = {
      {x, w.t()},                                         // row vector · column-major matrix
      {x, w.t().contiguous()},                            // row vector · row-major matrix
      {xs.slice(1, 0, 1).t(), w.t()},                     // strided row vector · column-major matrix
      {xs.slice(1, 0, 1).t(), w.t().contiguous()},        // strided row vector · row-major matrix
      {w, x.t()},                                         // row-major matrix · vector
      {w.t().contiguous().t(), x.t()},                    // column-major matrix · vector
      {w, xs.slice(1, 1, 2)},                             // row-major matrix · strided vector
      {w.t().contiguous().t(), xs.slice(1, 1, 2)},        // column-major matrix · strided vector
      {x, wide.slice(1, 0, 3 * m, 3)},                    // a matrix with no unit stride (copied first)
  };
  for (std::size_t i = 0; i < products.size(); ++i) {
    INFO("product " << i << ": " << products[i].first.sizes() << " x " << products[i].second.sizes());
    const TensorD got = products[i].first.matmul(products[i].second);
    const TensorD want = naive(products[i].first, products[i].second);
    REQUIRE(got.sizes() == want.sizes());
    const Values g = got.tolist(), e = want.tolist();
    for (std::size_t j = 0; j < g.size(); ++j) CHECK(std::abs(g[j] - e[j]) <= 1e-12 * (1 + std::abs(e[j])));
  }
  // The float path through the same kernel.
  const TensorF xf = x.to<float>(), wf = w.to<float>();
  const std::vector<float> yf = xf.matmul(wf.t()).tolist();
  const Values yd = naive(x, w.t()).tolist();
  for (std::size_t j = 0; j < yf.size(); ++j) CHECK(yf[j] == Approx(yd[j]).margin(1e-4));
}

// ---- reductions ---------------------------------------------------------------------------------------

TEST_CASE("every reduction along every dim of a 2x3x4 tensor matches naive loops", "[ops][reduce]") {
  tg::Generator gen(3);
  const TensorD x = tg::randn<double>({2, 3, 4}, gen);
  const Shape shape = x.sizes();
  for (int d = 0; d < 3; ++d) {
    INFO("dim " << d);
    Shape kept = shape;
    kept[d] = 1;
    const std::int64_t n = shape[d];
    Values sum(kept.numel()), mx(kept.numel()), mn(kept.numel()), var_u(kept.numel()), var_b(kept.numel());
    std::vector<std::int64_t> amax(kept.numel()), amin(kept.numel());
    for (std::int64_t flat = 0; flat < kept.numel(); ++flat) {
      auto idx = unravel(flat, kept);
      double s = 0, hi = -INFINITY, lo = INFINITY;
      for (std::int64_t i = 0; i < n; ++i) {
        idx[d] = i;
        const double v = x.at(idx);
        s += v;
        if (v > hi) hi = v, amax[flat] = i;
        if (v < lo) lo = v, amin[flat] = i;
      }
      double ss = 0;
      for (std::int64_t i = 0; i < n; ++i) {
        idx[d] = i;
        ss += (x.at(idx) - s / n) * (x.at(idx) - s / n);
      }
      sum[flat] = s, mx[flat] = hi, mn[flat] = lo, var_u[flat] = ss / (n - 1), var_b[flat] = ss / n;
    }
    auto check_close = [](const TensorD& got, const Values& want) {
      const Values g = got.tolist();
      REQUIRE(g.size() == want.size());
      for (std::size_t i = 0; i < g.size(); ++i) CHECK(std::abs(g[i] - want[i]) <= 1e-12 * (1 + std::abs(want[i])));
    };
    Shape dropped = shape;
    dropped.erase(d);
    CHECK(x.sum(d).sizes() == dropped);
    CHECK(x.sum(d, true).sizes() == kept);
    CHECK(x.sum(d - 3, true).sizes() == kept);  // negative dim
    check_close(x.sum(d), sum);
    Values mean = sum;
    for (double& v : mean) v /= n;
    check_close(x.mean(d), mean);
    check_close(x.mean(d, true), mean);
    CHECK(x.max(d).tolist() == mx);
    CHECK(x.min(d, true).tolist() == mn);
    CHECK(x.min(d, true).sizes() == kept);
    CHECK(x.argmax(d).tolist() == amax);
    CHECK(x.argmin(d, true).tolist() == amin);
    CHECK(x.argmin(d, true).sizes() == kept);
    check_close(x.var(d, true), var_u);
    check_close(x.var(d, false, true), var_b);
    Values std_u = var_u, std_b = var_b;
    for (double& v : std_u) v = std::sqrt(v);
    for (double& v : std_b) v = std::sqrt(v);
    check_close(x.std(d, true), std_u);
    check_close(x.std(d, false), std_b);
    CHECK(x.std(d, false, true).sizes() == kept);
  }
}

TEST_CASE("full reductions and var/std, unbiased and biased, on hand-computed values", "[ops][reduce]") {
  const TensorD x = tg::tensor<double>({{1, 2}, {3, 4}});
  CHECK(x.sum().dim() == 0);
  CHECK(x.sum().item() == 10.0);
  CHECK(x.mean().item() == 2.5);
  CHECK(x.max().item() == 4.0);
  CHECK(x.min().item() == 1.0);
  CHECK(x.argmax().item() == 3);
  CHECK(x.argmin().item() == 0);
  CHECK(x.var().item() == Approx(5.0 / 3).epsilon(1e-15));  // Σ(x − 2.5)² = 5, over n − 1 = 3
  CHECK(x.var(false).item() == 1.25);
  CHECK(x.std().item() == Approx(std::sqrt(5.0 / 3)).epsilon(1e-15));
  CHECK(x.std(false).item() == Approx(std::sqrt(1.25)).epsilon(1e-15));
  CHECK(x.var(0, true).tolist() == Values{2, 2});
  CHECK(x.var(1, false).tolist() == Values{0.25, 0.25});
  const TensorD s = tg::scalar_tensor<double>(7.0);
  CHECK(s.sum().item() == 7.0);
  CHECK(s.max().item() == 7.0);
  CHECK(s.sum(0).dim() == 0);
  // float32 reductions agree with the float64 ones.
  CHECK(x.to<float>().var().item() == Approx(5.0 / 3).epsilon(1e-6));
}

// ---- views share storage --------------------------------------------------------------------------------

TEST_CASE("views alias their base and copies do not", "[ops][view]") {
  TensorD base = tg::tensor<double>({1, 2, 3, 4, 5, 6}, {2, 3});
  const TensorD t = base.t();
  CHECK(t.sizes() == Shape{3, 2});
  CHECK(t.strides() == Shape{1, 3});
  CHECK(t.tolist() == Values{1, 4, 2, 5, 3, 6});
  CHECK(base.slice(1, 0, 3, 2).tolist() == Values{1, 3, 4, 6});
  CHECK(base.select(1, -1).tolist() == Values{3, 6});
  CHECK(base.permute({1, 0}).tolist() == t.tolist());
  CHECK(base.unsqueeze(1).sizes() == Shape{2, 1, 3});
  CHECK(base.view({3, 2}).tolist() == Values{1, 2, 3, 4, 5, 6});
  CHECK(t.reshape({6}).tolist() == Values{1, 4, 2, 5, 3, 6});
  CHECK(base.narrow(0, 1, 1).expand({2, 3}).tolist() == Values{4, 5, 6, 4, 5, 6});
  const TensorD c = base.clone();
  base.at({0, 0}) = 100;
  CHECK(t.at({0, 0}) == 100);
  CHECK(c.at({0, 0}) == 1);
  CHECK(base.flatten().sizes() == Shape{6});
  CHECK(tg::zeros<double>({2, 1, 3, 1}).squeeze().sizes() == Shape{2, 3});
}

TEST_CASE("softplus matches PyTorch 1.13 on both sides of its threshold, values and gradients", "[unary][softplus]") {
  // torch.nn.functional.softplus(x, beta=2, threshold=3) in float64, and its gradient (y.sum().backward()).
  const TensorD x = tg::tensor<double>({-6, -2, -0.5, 0, 0.25, 1.5, 3, 6}).requires_grad_();
  const TensorD y = tg::softplus(x, 2.0, 3.0);
  y.sum().backward();
  const Values want_y = {3.072096738866403e-06, 0.009074963958904869, 0.15663084375911143, 0.34657359027997264,
                         0.48703849209005334,   1.524293675786871,    3.0,                 6.0};
  const Values want_g = {6.144174602214718e-06, 0.017986209962091555, 0.2689414213699951, 0.5,
                         0.6224593312018546,    0.9525741268224333,   1.0,                1.0};
  const Values got_y = y.tolist(), got_g = x.grad().tolist();
  for (std::size_t i = 0; i < want_y.size(); ++i) {
    CHECK(got_y[i] == Approx(want_y[i]).epsilon(1e-14));
    CHECK(got_g[i] == Approx(want_g[i]).epsilon(1e-14));
  }
  // Defaults (beta 1, threshold 20) in float32: 19 is still on the log side, 21 on the linear one.
  const TensorF xf = tg::tensor<float>({-30, -1, 0, 1, 19, 21}).requires_grad_();
  const TensorF yf = tg::softplus(xf);
  yf.sum().backward();
  const std::vector<float> want_yf = {9.357622912219837e-14f, 0.3132616877555847f, 0.6931471824645996f,
                                      1.31326162815094f,      19.0f,               21.0f};
  const std::vector<float> want_gf = {9.357622912219837e-14f, 0.2689414322376251f, 0.5f, 0.7310585975646973f, 1.0f, 1.0f};
  const std::vector<float> got_yf = yf.tolist(), got_gf = xf.grad().tolist();
  for (std::size_t i = 0; i < want_yf.size(); ++i) {
    CHECK(got_yf[i] == Approx(want_yf[i]).epsilon(1e-6));
    CHECK(got_gf[i] == Approx(want_gf[i]).epsilon(1e-6));
  }
}
