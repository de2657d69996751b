// The backward engine's contract: broadcast reduction, accumulation and graph
// topology with exact float64 closed forms, the version counter, non-smooth points and deep graphs.
#include <catch2/catch.hpp>
#include <tensorgrad/tensor.hpp>
#include "test_util.hpp"

#include <cmath>
#include <cstring>
#include <vector>

namespace {

using tg::Shape;
using tg::TensorD;
using Values = std::vector<double>;
using test_util::unravel;

/// x ↦ x with a backward that counts its runs (and passes the gradient through unchanged).
TensorD counted_identity(const TensorD& x, int& runs) {
  TensorD y = x.detach().clone();
  tg::autograd::record("CountedBackward", y, {x.impl()}, [&runs](const TensorD& g, tg::autograd::GradInputs& gi) {
    ++runs;
    gi.set(0, g);
  });
  return y;
}

/// Index of `out_index` (an index into the broadcast shape `out`) in an operand of shape `s`.
std::vector<std::int64_t> operand_index(const std::vector<std::int64_t>& out_index, const Shape& s) {
  const int lead = static_cast<int>(out_index.size()) - s.size();
  std::vector<std::int64_t> idx(static_cast<std::size_t>(s.size()));
  for (int i = 0; i < s.size(); ++i) idx[i] = s[i] == 1 ? 0 : out_index[lead + i];
  return idx;
}

bool bitwise_equal(const TensorD& a, const TensorD& b) {
  const Values va = a.tolist(), vb = b.tolist();
  return va.size() == vb.size() && std::memcmp(va.data(), vb.data(), va.size() * sizeof(double)) == 0;
}

}  // namespace

// ---- broadcast reduction -------------------------------------------------------------------------

TEST_CASE("add and mul reduce broadcast gradients to each operand's shape (240 seeded shape pairs)",
          "[autograd][broadcast]") {
  tg::Generator gen(4);
  int pairs = 0;
  for (int trial = 0; trial < 240; ++trial) {
    // A broadcast shape of rank 0..4 with dims 1..3; each operand keeps a suffix of it, some dims set to 1.
    const int rank = static_cast<int>(gen.below(5));
    Shape out;
    for (int i = 0; i < rank; ++i) out.push_back(1 + static_cast<std::int64_t>(gen.below(3)));
    auto operand = [&] {
      const int r = static_cast<int>(gen.below(static_cast<std::uint64_t>(rank) + 1));
      Shape s;
      for (int i = rank - r; i < rank; ++i) s.push_back(gen.below(3) == 0 ? 1 : out[i]);
      return s;
    };
    const Shape sa = operand(), sb = operand();
    const Shape full = tg::detail::broadcast_shapes(sa, sb, "test");
    TensorD a = tg::randn<double>(sa, gen).requires_grad_(), b = tg::randn<double>(sb, gen).requires_grad_();
    const TensorD g = tg::randn<double>(full, gen);
    INFO("shapes " << sa << " and " << sb);

    (a + b).backward(g);
    (a * b).backward(g);  // accumulates: grad_a = Σ g + Σ g·b, grad_b = Σ g + Σ g·a
    REQUIRE(a.grad().sizes() == sa);
    REQUIRE(b.grad().sizes() == sb);

    Values ref_a(static_cast<std::size_t>(sa.numel()), 0.0), ref_b(static_cast<std::size_t>(sb.numel()), 0.0);
    for (std::int64_t o = 0; o < full.numel(); ++o) {
      const auto oi = unravel(o, full), ia = operand_index(oi, sa), ib = operand_index(oi, sb);
      std::int64_t fa = 0, fb = 0;
      for (int i = 0; i < sa.size(); ++i) fa = fa * sa[i] + ia[i];
      for (int i = 0; i < sb.size(); ++i) fb = fb * sb[i] + ib[i];
      ref_a[fa] += g.at(oi) + g.at(oi) * b.at(ib);
      ref_b[fb] += g.at(oi) + g.at(oi) * a.at(ia);
    }
    const Values ga = a.grad().tolist(), gb = b.grad().tolist();
    for (std::size_t i = 0; i < ref_a.size(); ++i) CHECK(std::abs(ga[i] - ref_a[i]) <= 1e-12 * (1 + std::abs(ref_a[i])));
    for (std::size_t i = 0; i < ref_b.size(); ++i) CHECK(std::abs(gb[i] - ref_b[i]) <= 1e-12 * (1 + std::abs(ref_b[i])));
    ++pairs;
  }
  CHECK(pairs == 240);
}

// ---- accumulation and topology --------------------------------------------------------------------

TEST_CASE("x + x, x * x and x - x have exact gradients 2, 2x and 0", "[autograd][accumulate]") {
  const Values v = {1.5, -2.0, 3.25};
  TensorD x = tg::tensor<double>({1.5, -2.0, 3.25}).requires_grad_();
  (x + x).sum().backward();
  CHECK(x.grad().tolist() == Values{2, 2, 2});
  x.grad().zero_();
  (x * x).sum().backward();
  CHECK(x.grad().tolist() == Values{3.0, -4.0, 6.5});
  x.grad().zero_();
  (x - x).sum().backward();
  CHECK(x.grad().tolist() == Values{0, 0, 0});
}

TEST_CASE("a diamond graph sums both paths", "[autograd][accumulate]") {
  TensorD x = tg::tensor<double>({0.5, -1.0, 2.0}).requires_grad_();
  const TensorD left = x * 2.0, right = x.exp();
  (left * right).sum().backward();  // d/dx (2x·eˣ) = 2eˣ + 2x·eˣ
  const Values g = x.grad().tolist();
  for (int i = 0; i < 3; ++i) {
    const double xv = x.at({i});
    CHECK(std::abs(g[i] - (2 * std::exp(xv) + 2 * xv * std::exp(xv))) <= 1e-12);
  }
}

TEST_CASE("a tensor used in three places gets the sum of three gradients", "[autograd][accumulate]") {
  TensorD x = tg::tensor<double>({0.25, 1.0, -0.5}).requires_grad_();
  (x * 3.0 + x.exp() + x.pow(2.0)).sum().backward();  // 3 + eˣ + 2x
  const Values g = x.grad().tolist();
  for (int i = 0; i < 3; ++i) CHECK(std::abs(g[i] - (3 + std::exp(x.at({i})) + 2 * x.at({i}))) <= 1e-12);
}

TEST_CASE("a weight used twice in a linear chain", "[autograd][accumulate]") {
  // y = w·(w·x) for scalars: dy/dw = 2wx, dy/dx = w².
  TensorD w = tg::scalar_tensor<double>(1.5).requires_grad_(), x = tg::scalar_tensor<double>(-2.0).requires_grad_();
  (w * (w * x)).backward();
  CHECK(w.grad().item() == 2 * 1.5 * -2.0);
  CHECK(x.grad().item() == 1.5 * 1.5);
}

TEST_CASE(".grad doubles on a second backward with retain_graph and zero_() restores exactly 0",
          "[autograd][accumulate]") {
  TensorD x = tg::tensor<double>({1.0, -3.0}).requires_grad_();
  const TensorD y = (x * x).sum();
  y.backward(TensorD(), /*retain_graph=*/true);
  const TensorD handle = x.grad();
  CHECK(handle.tolist() == Values{2, -6});
  y.backward(TensorD(), true);
  CHECK(x.grad().tolist() == Values{4, -12});
  CHECK(handle.tolist() == Values{4, -12});  // accumulated in place, as PyTorch
  x.grad().zero_();
  CHECK(x.grad().tolist() == Values{0, 0});
  y.backward();
  CHECK(x.grad().tolist() == Values{2, -6});
}

TEST_CASE("each node's backward runs once per backward()", "[autograd][topology]") {
  int runs = 0;
  TensorD x = tg::tensor<double>({0.5, 2.0}).requires_grad_();
  const TensorD h = counted_identity(x, runs);
  const TensorD y = (h * 2.0 + h * h + h.exp()).sum();  // three consumers of h
  y.backward(TensorD(), true);
  CHECK(runs == 1);
  // Running h's backward once per consumer would still be caught here: 2 + 2x + eˣ summed once.
  for (int i = 0; i < 2; ++i) CHECK(std::abs(x.grad().at({i}) - (2 + 2 * x.at({i}) + std::exp(x.at({i})))) <= 1e-12);
  y.backward();
  CHECK(runs == 2);
}

TEST_CASE("retain_grad keeps a non-leaf gradient - other non-leaves keep none", "[autograd][topology]") {
  TensorD x = tg::tensor<double>({1.0, 2.0}).requires_grad_();
  TensorD h = x * 3.0;
  h.retain_grad();
  const TensorD k = h + 1.0;
  (h * k).sum().backward();  // d/dh (h² + h) = 2h + 1
  CHECK(h.retains_grad());
  CHECK(h.grad().tolist() == Values{7, 13});
  CHECK_FALSE(k.grad().defined());
  CHECK(x.grad().tolist() == Values{21, 39});
}

TEST_CASE("backward twice without retain_graph throws - a custom backward of the wrong shape throws",
          "[autograd][topology]") {
  TensorD x = tg::tensor<double>({1.0, 2.0}).requires_grad_();
  const TensorD y = (x.exp() * x).sum();
  y.backward();
  CHECK_THROWS_WITH(y.backward(), Catch::Contains("second time") && Catch::Contains("retain_graph=true"));

  TensorD z = x.detach().clone();
  tg::autograd::record("BadShapeBackward", z, {x.impl()}, [](const TensorD&, tg::autograd::GradInputs& gi) {
    gi.set(0, tg::ones<double>({3}));
  });
  CHECK_THROWS_WITH(z.sum().backward(),
                    Catch::Contains("BadShapeBackward: backward produced a gradient of shape [3] for input 0 of shape [2]"));
}

TEST_CASE("a zero upstream gradient gives exactly zero", "[autograd][contract]") {
  TensorD x = tg::tensor<double>({0.5, 1.5, 3.0}, {3}).requires_grad_();
  TensorD w = tg::tensor<double>({{1, -2, 0.5}, {2, 0.25, -1}}).requires_grad_();
  const TensorD y = tg::tanh(w.matmul(x.log())).softmax(0) / x.sum().sqrt();
  y.backward(tg::zeros<double>({2}));
  for (double v : x.grad().tolist()) CHECK(v == 0.0);
  for (double v : w.grad().tolist()) CHECK(v == 0.0);
}

TEST_CASE("backward twice with the graph retained gives bitwise-identical gradients", "[autograd][contract]") {
  tg::Generator gen(7);
  TensorD x = tg::randn<double>({4, 3}, gen).requires_grad_(), w = tg::randn<double>({3, 5}, gen).requires_grad_();
  const TensorD y = tg::gelu(x.matmul(w)).log_softmax(1).mean();
  y.backward(TensorD(), true);
  const TensorD gx = x.grad().clone(), gw = w.grad().clone();
  x.grad().zero_();
  w.grad().zero_();
  y.backward();
  CHECK(bitwise_equal(x.grad(), gx));
  CHECK(bitwise_equal(w.grad(), gw));
}

TEST_CASE("backward mutates neither the inputs nor the upstream gradient", "[autograd][contract]") {
  TensorD a = tg::tensor<double>({{1, 2}, {3, 4}}).requires_grad_();
  TensorD b = tg::tensor<double>({0.5, -1}).requires_grad_();
  const TensorD out = (a * b + a.exp()) / b;
  const TensorD g = tg::tensor<double>({{1, -1}, {0.5, 2}});
  out.backward(g);
  CHECK(a.tolist() == Values{1, 2, 3, 4});
  CHECK(b.tolist() == Values{0.5, -1});
  CHECK(g.tolist() == Values{1, -1, 0.5, 2});
  CHECK(a._version() == 0);
  CHECK(b._version() == 0);
  CHECK(g._version() == 0);
  // The seed gradient is not aliased into a leaf's .grad either: a leaf that is its own root gets a copy.
  TensorD leaf = tg::tensor<double>({1, 2}).requires_grad_();
  const TensorD seed = tg::tensor<double>({3, 4});
  leaf.backward(seed);
  leaf.grad().add_(1.0);
  CHECK(seed.tolist() == Values{3, 4});
}

TEST_CASE("NoGradGuard records nothing and restores grad mode", "[autograd][grad_mode]") {
  TensorD x = tg::tensor<double>({1, 2}).requires_grad_();
  CHECK(tg::is_grad_enabled());
  {
    tg::NoGradGuard guard;
    CHECK_FALSE(tg::is_grad_enabled());
    const TensorD y = (x * 2.0).exp().sum();
    CHECK_FALSE(y.requires_grad());
    CHECK(y.is_leaf());
    CHECK(y.grad_fn_name().empty());
    {
      tg::NoGradGuard nested;
    }
    CHECK_FALSE(tg::is_grad_enabled());
  }
  CHECK(tg::is_grad_enabled());
  CHECK((x * 2.0).grad_fn_name() == "MulBackward");
}

TEST_CASE("detach cuts the graph and shares storage", "[autograd][grad_mode]") {
  TensorD x = tg::tensor<double>({2.0, -1.0}).requires_grad_();
  const TensorD d = x.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.impl()->storage == x.impl()->storage);
  (d * x).sum().backward();  // only the direct path: gradient d = x
  CHECK(x.grad().tolist() == Values{2.0, -1.0});
}

// ---- version counter -----------------------------------------------------------------------------

TEST_CASE("modifying a saved output in place makes backward throw, naming the op and the versions",
          "[autograd][version]") {
  TensorD x = tg::tensor<double>({0.0, 1.0}).requires_grad_();
  TensorD y = x.exp();
  y.add_(1.0);
  CHECK_THROWS_WITH(y.sum().backward(), Catch::Contains("modified by an in-place operation") &&
                                           Catch::Contains("ExpBackward saved a tensor of shape [2] at version 0, but it is now at version 1"));
}

TEST_CASE("modifying an input saved by mul, or a view of it, makes backward throw", "[autograd][version]") {
  TensorD w = tg::tensor<double>({1.0, 2.0, 3.0}).requires_grad_();
  TensorD a = tg::tensor<double>({4.0, 5.0, 6.0});
  const TensorD y = (a * w).sum();
  a.mul_(2.0);
  CHECK_THROWS_WITH(y.backward(), Catch::Contains("MulBackward saved a tensor of shape [3] at version 0, but it is now at version 1"));

  TensorD base = tg::tensor<double>({{1, 2}, {3, 4}});
  const TensorD z = (base * w.slice(0, 0, 2)).sum();
  TensorD row = base.select(0, 1);
  row.fill_(0.0);  // writes through a view: the shared storage's version moves
  CHECK_THROWS_WITH(z.backward(), Catch::Contains("MulBackward") && Catch::Contains("at version 0, but it is now at version 1"));
}

TEST_CASE("an unmodified saved tensor passes the version check after unrelated in-place ops", "[autograd][version]") {
  TensorD w = tg::tensor<double>({1.0, 2.0}).requires_grad_();
  TensorD a = tg::tensor<double>({3.0, 4.0});
  TensorD other = tg::tensor<double>({0.0, 0.0});
  const TensorD y = (a * w).sum();
  other.add_(1.0);
  y.backward();
  CHECK(w.grad().tolist() == Values{3, 4});
}

TEST_CASE("in-place ops on a leaf that requires grad throw, except under NoGradGuard", "[autograd][version]") {
  TensorD x = tg::tensor<double>({1.0, 2.0}).requires_grad_();
  CHECK_THROWS_WITH(x.add_(1.0), Catch::Contains("add_: a leaf tensor that requires grad is being used in an in-place operation"));
  CHECK_THROWS_WITH(x.mul_(tg::tensor<double>({2.0, 2.0})), Catch::Contains("mul_: a leaf tensor that requires grad"));
  CHECK(x.tolist() == Values{1, 2});
  CHECK(x._version() == 0);
  {
    tg::NoGradGuard guard;
    x.add_(1.0);  // an optimizer step
  }
  CHECK(x.tolist() == Values{2, 3});
  CHECK(x._version() == 1);
}

// ---- non-smooth points ---------------------------------------------------------------------------

TEST_CASE("non-smooth points: relu'(0) = 0, abs'(0) = 0, clamp passes the gradient at its bounds",
          "[autograd][nonsmooth]") {
  TensorD x = tg::tensor<double>({0.0, -1.0, 2.0}).requires_grad_();
  tg::relu(x).sum().backward();
  CHECK(x.grad().tolist() == Values{0, 0, 1});
  x.grad().zero_();
  x.abs().sum().backward();
  CHECK(x.grad().tolist() == Values{0, -1, 1});

  TensorD c = tg::tensor<double>({-1.0, 1.0, 0.0, 2.0, -3.0}).requires_grad_();
  c.clamp(-1.0, 1.0).sum().backward();
  CHECK(c.grad().tolist() == Values{1, 1, 1, 0, 0});
}

TEST_CASE("max/min over all elements share the gradient among ties, along a dim the first takes it", "[autograd][nonsmooth]") {
  TensorD x = tg::tensor<double>({3.0, 1.0, 3.0, 3.0}).requires_grad_();
  (x.max() * 6.0).backward();
  CHECK(x.grad().tolist() == Values{2, 0, 2, 2});
  TensorD y = tg::tensor<double>({{-1, 4}, {-1, 0}}).requires_grad_();
  y.min().backward();
  CHECK(y.grad().tolist() == Values{0.5, 0, 0.5, 0});
  TensorD m = tg::tensor<double>({{2, 0, 0}, {5, 5, 1}}).requires_grad_();
  m.min(1).sum().backward();
  CHECK(m.grad().tolist() == Values{0, 1, 0, 0, 0, 1});
  TensorD n = tg::tensor<double>({{2, 0, 2}, {5, 5, 2}}).requires_grad_();
  n.max(1).sum().backward();
  CHECK(n.grad().tolist() == Values{1, 0, 0, 1, 0, 0});
}

TEST_CASE("sqrt(0) is finite forward - sigmoid and tanh saturate without NaN", "[autograd][nonsmooth]") {
  CHECK(tg::tensor<double>({0.0, 4.0}).sqrt().tolist() == Values{0, 2});
  TensorD x = tg::tensor<double>({-1000.0, 1000.0}).requires_grad_();
  const TensorD s = tg::sigmoid(x);
  CHECK(s.tolist() == Values{0, 1});
  (s + tg::tanh(x)).sum().backward();
  CHECK(x.grad().tolist() == Values{0, 0});
}

// ---- deep graphs (no recursion) --------------------------------------------------------------------------

TEST_CASE("a chain of 100,000 ops backpropagates and is destroyed without stack overflow", "[autograd][deep]") {
  TensorD x = tg::scalar_tensor<double>(1.0).requires_grad_();
  {
    TensorD y = x;
    for (int i = 0; i < 100000; ++i) y = -y;  // even count: dy/dx = 1
    y.backward();
  }
  CHECK(x.grad().item() == 1.0);
  {
    // Never back-propagated: the whole chain is freed when the last handle goes.
    TensorD y = x;
    for (int i = 0; i < 100000; ++i) y = y + 1.0;
    CHECK(y.item() == 100001.0);
  }
  CHECK(x.grad().item() == 1.0);
}
