// maximum/minimum, comparison masks, where, cat and stack: values against hand-computed results, gradients
// against hand-derived closed forms and float64 central differences, and error messages.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>
#include <tensorgrad/tensor.hpp>

using TD = tg::Tensor<double>;
using Values = std::vector<double>;

namespace {

Values values(const TD& t) { return t.tolist(); }

/// Central differences of L(inputs) = sum(f(inputs) * w) for a fixed weight tensor w (so symmetric errors
/// cannot cancel), compared against the gradients backward() gives, within gradcheck's
/// tolerances (atol 1e-5, rtol 1e-3).
void check_gradients(const std::function<TD(const std::vector<TD>&)>& f, std::vector<TD> inputs) {
  for (TD& x : inputs) x.requires_grad_();
  const TD out = f(inputs);
  std::vector<double> wv(static_cast<std::size_t>(out.numel()));
  for (std::size_t i = 0; i < wv.size(); ++i) wv[i] = 0.5 + 0.37 * static_cast<double>(i % 7);
  const TD w = tg::tensor<double>(wv, out.sizes());
  (out * w).sum().backward();
  const double eps = 1e-6;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const Values analytic = values(inputs[k].grad());
    REQUIRE(inputs[k].grad().sizes() == inputs[k].sizes());
    double* p = inputs[k].data();
    for (std::int64_t i = 0; i < inputs[k].numel(); ++i) {
      tg::NoGradGuard guard;
      const double saved = p[i];
      p[i] = saved + eps;
      const double up = (f(inputs) * w).sum().item();
      p[i] = saved - eps;
      const double down = (f(inputs) * w).sum().item();
      p[i] = saved;
      const double numeric = (up - down) / (2 * eps);
      INFO("input " << k << " element " << i);
      CHECK(std::abs(numeric - analytic[i]) <= 1e-5 + 1e-3 * std::abs(analytic[i]));
    }
  }
}

}  // namespace

TEST_CASE("maximum/minimum: values with broadcasting and NaN propagation", "[compare]") {
  const auto a = tg::tensor<float>({{1, 5}, {3, -2}});
  const auto b = tg::tensor<float>({2, 0});
  CHECK(tg::maximum(a, b).tolist() == std::vector<float>{2, 5, 3, 0});
  CHECK(tg::minimum(a, b).tolist() == std::vector<float>{1, 0, 2, -2});
  CHECK(tg::maximum(a, b).sizes() == tg::Shape{2, 2});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto m = tg::maximum(tg::tensor<double>({nan, 1.0}), tg::tensor<double>({0.0, nan})).tolist();
  CHECK(std::isnan(m[0]));
  CHECK(std::isnan(m[1]));
  const auto n = tg::minimum(tg::tensor<double>({nan, 1.0}), tg::tensor<double>({0.0, nan})).tolist();
  CHECK(std::isnan(n[0]));
  CHECK(std::isnan(n[1]));
}

TEST_CASE("maximum/minimum: the winner gets the gradient, ties split it in half", "[compare][autograd]") {
  SECTION("maximum") {
    auto a = tg::tensor<double>({1, 5, 2}).requires_grad_();
    auto b = tg::tensor<double>({3, 2, 2}).requires_grad_();
    tg::maximum(a, b).sum().backward();
    CHECK(values(a.grad()) == Values{0, 1, 0.5});
    CHECK(values(b.grad()) == Values{1, 0, 0.5});
    CHECK(tg::maximum(a, b).grad_fn_name() == "MaximumBackward");
  }
  SECTION("minimum") {
    auto a = tg::tensor<double>({1, 5, 2}).requires_grad_();
    auto b = tg::tensor<double>({3, 2, 2}).requires_grad_();
    tg::minimum(a, b).sum().backward();
    CHECK(values(a.grad()) == Values{1, 0, 0.5});
    CHECK(values(b.grad()) == Values{0, 1, 0.5});
  }
  SECTION("broadcast operand with ties, weighted upstream gradient") {
    // a = [[2, 5], [3, 0]], b = [2, 0]: ties at (0, 0) and (1, 1).
    auto a = tg::tensor<double>({{2, 5}, {3, 0}}).requires_grad_();
    auto b = tg::tensor<double>({2, 0}).requires_grad_();
    tg::maximum(a, b).backward(tg::tensor<double>({{1, 2}, {3, 4}}));
    CHECK(values(a.grad()) == Values{0.5, 2, 3, 2});
    CHECK(values(b.grad()) == Values{0.5, 2});  // column 0: half of 1; column 1: half of 4
  }
  SECTION("NaN: both sides get the whole gradient (PyTorch's formula)") {
    auto a = tg::tensor<double>({std::numeric_limits<double>::quiet_NaN()}).requires_grad_();
    auto b = tg::tensor<double>({1.0}).requires_grad_();
    tg::maximum(a, b).sum().backward();
    CHECK(values(a.grad()) == Values{1});
    CHECK(values(b.grad()) == Values{1});
  }
}

TEST_CASE("maximum/minimum/where: finite differences (float64, away from ties)", "[compare][autograd]") {
  const TD a = tg::tensor<double>({{0.3, -1.2, 2.5}, {1.1, 0.4, -0.7}});
  const TD b = tg::tensor<double>({0.9, -0.5, 0.1});
  check_gradients([](const std::vector<TD>& in) { return tg::maximum(in[0], in[1]); }, {a.clone(), b.clone()});
  check_gradients([](const std::vector<TD>& in) { return tg::minimum(in[0], in[1]); }, {a.clone(), b.clone()});
  // Non-contiguous operand: a transposed [3, 2] against a column [3, 1].
  check_gradients([](const std::vector<TD>& in) { return tg::maximum(in[0].t(), in[1]); },
                  {a.clone(), tg::tensor<double>({0.2, -0.3, 1.0}, {3, 1})});
  const TD cond = tg::tensor<double>({1, 0, 1}, {1, 3});
  check_gradients([cond](const std::vector<TD>& in) { return tg::where(cond, in[0], in[1]); },
                  {a.clone(), tg::tensor<double>({0.5, 1.5}, {2, 1})});
}

TEST_CASE("comparisons: 0/1 masks of the input dtype, tensor-tensor and tensor-scalar", "[compare]") {
  const auto a = tg::tensor<float>({1, 2, 3}), b = tg::tensor<float>({3, 2, 1});
  using F = std::vector<float>;
  CHECK(tg::eq(a, b).tolist() == F{0, 1, 0});
  CHECK(tg::ne(a, b).tolist() == F{1, 0, 1});
  CHECK(tg::lt(a, b).tolist() == F{1, 0, 0});
  CHECK(tg::le(a, b).tolist() == F{1, 1, 0});
  CHECK(tg::gt(a, b).tolist() == F{0, 0, 1});
  CHECK(tg::ge(a, b).tolist() == F{0, 1, 1});
  CHECK((a == b).tolist() == F{0, 1, 0});
  CHECK((a != b).tolist() == F{1, 0, 1});
  CHECK((a < b).tolist() == F{1, 0, 0});
  CHECK((a <= b).tolist() == F{1, 1, 0});
  CHECK((a > b).tolist() == F{0, 0, 1});
  CHECK((a >= b).tolist() == F{0, 1, 1});
  // Scalars on either side.
  CHECK((a > 1.5).tolist() == F{0, 1, 1});
  CHECK((a == 2).tolist() == F{0, 1, 0});
  CHECK((2 < a).tolist() == F{0, 0, 1});
  CHECK((2 >= a).tolist() == F{1, 1, 0});
  CHECK((2 != a).tolist() == F{1, 0, 1});
  CHECK(tg::le(a, 2).tolist() == F{1, 1, 0});
  // A float32 tensor compares in float32, as PyTorch: 0.1f == 0.1.
  CHECK((tg::tensor<float>({0.1f}) == 0.1).item() == 1.0f);
  // int64 against a fractional scalar compares exactly, not against the truncated scalar.
  const auto i = tg::tensor<std::int64_t>({1, 2});
  CHECK((i > 1.5).tolist() == std::vector<std::int64_t>{0, 1});
  CHECK((i == 1).tolist() == std::vector<std::int64_t>{1, 0});
}

TEST_CASE("comparisons: broadcasting, and masks never require grad", "[compare]") {
  const auto col = tg::tensor<double>({1, 2, 3}, {3, 1});
  const auto row = tg::tensor<double>({2, 2, 2}).requires_grad_();
  const TD m = col < row;
  CHECK(m.sizes() == tg::Shape{3, 3});
  CHECK(values(m) == Values{1, 1, 1, 0, 0, 0, 0, 0, 0});
  CHECK_FALSE(m.requires_grad());
  CHECK(values((row * col > 3.0).sum(0)) == Values{2, 2, 2});  // [[2]*3, [4]*3, [6]*3] > 3: masks count with sum
}

TEST_CASE("where: values with broadcasting of cond, a and b", "[compare]") {
  const auto a = tg::tensor<float>({1, 2, 3}), b = tg::tensor<float>({10, 20, 30});
  CHECK(tg::where(tg::tensor<float>({1, 0, 1}), a, b).tolist() == std::vector<float>{1, 20, 3});
  // cond [2, 1], a [3], b 0-d -> [2, 3]
  const auto w = tg::where(tg::tensor<float>({1, 0}, {2, 1}), a, tg::scalar_tensor<float>(9));
  CHECK(w.sizes() == tg::Shape{2, 3});
  CHECK(w.tolist() == std::vector<float>{1, 2, 3, 9, 9, 9});
  // Any nonzero counts as true; the mask may have another dtype.
  CHECK(tg::where(tg::tensor<std::int64_t>({-2, 0, 7}), a, b).tolist() == std::vector<float>{1, 20, 3});
  CHECK(tg::where(a > 1.5, a, 0.0).tolist() == std::vector<float>{0, 2, 3});
  CHECK(tg::where(a > 1.5, -1.0, b).tolist() == std::vector<float>{10, -1, -1});
}

TEST_CASE("where: gradients go to a where cond holds and to b elsewhere", "[compare][autograd]") {
  auto a = tg::tensor<double>({1, 2, 3}).requires_grad_();
  auto b = tg::scalar_tensor<double>(9).requires_grad_();
  const auto cond = tg::tensor<double>({1, 0}, {2, 1});
  auto out = tg::where(cond, a, b);
  CHECK(out.grad_fn_name() == "WhereBackward");
  out.backward(tg::tensor<double>({{1, 2, 3}, {4, 5, 6}}));
  CHECK(values(a.grad()) == Values{1, 2, 3});  // row 0 only
  CHECK(b.grad().sizes() == tg::Shape{});
  CHECK(b.grad().item() == 15.0);  // row 1 summed into the 0-d b
  // Leaky ReLU written with where: slope 1 for x > 0, 0.1 otherwise.
  auto x = tg::tensor<double>({-2, 3}).requires_grad_();
  tg::where(x > 0, x, x * 0.1).sum().backward();
  CHECK(values(x.grad()) == Values{0.1, 1.0});
}

TEST_CASE("cat: values along any dim, non-contiguous inputs, skipped 1-d empties", "[join]") {
  const auto a = tg::tensor<float>({{1, 2, 3}, {4, 5, 6}});
  const auto b = tg::tensor<float>({{7, 8, 9}});
  const auto c0 = tg::cat({a, b});
  CHECK(c0.sizes() == tg::Shape{3, 3});
  CHECK(c0.tolist() == std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9});
  const auto c1 = tg::cat({a, tg::tensor<float>({{10}, {11}}), a}, -1);
  CHECK(c1.sizes() == tg::Shape{2, 7});
  CHECK(c1.tolist() == std::vector<float>{1, 2, 3, 10, 1, 2, 3, 4, 5, 6, 11, 4, 5, 6});
  // a.t() is [3, 2] and not contiguous.
  CHECK(tg::cat({a.t(), a.t()}, 1).tolist() == std::vector<float>{1, 4, 1, 4, 2, 5, 2, 5, 3, 6, 3, 6});
  CHECK(tg::cat(std::vector<tg::Tensor<float>>{tg::empty<float>({0}), b}).tolist() == std::vector<float>{7, 8, 9});
  const auto ints = tg::cat({tg::tensor<std::int64_t>({1}), tg::tensor<std::int64_t>({2, 3})});
  CHECK(ints.tolist() == std::vector<std::int64_t>{1, 2, 3});
}

TEST_CASE("cat: each input's gradient is its slice of the output gradient", "[join][autograd]") {
  auto a = tg::tensor<double>({{1, 2, 3}, {4, 5, 6}}).requires_grad_();
  auto b = tg::tensor<double>({{7, 8}, {9, 10}}).requires_grad_();
  const auto frozen = tg::tensor<double>({{0}, {0}});
  auto out = tg::cat({a, frozen, b}, 1);
  CHECK(out.grad_fn_name() == "CatBackward");
  out.backward(tg::tensor<double>({{1, 2, 3, 4, 5, 6}, {7, 8, 9, 10, 11, 12}}));
  CHECK(values(a.grad()) == Values{1, 2, 3, 7, 8, 9});
  CHECK(values(b.grad()) == Values{5, 6, 11, 12});
  CHECK_FALSE(frozen.grad().defined());
  check_gradients([](const std::vector<TD>& in) { return tg::cat({in[0] * in[0], in[1]}, 0); },
                  {tg::tensor<double>({{0.5, -1.0}}), tg::tensor<double>({{2.0, 3.0}, {-0.5, 0.25}})});
}

TEST_CASE("stack: a new dim at any position - gradients are the selected slices", "[join][autograd]") {
  const auto a = tg::tensor<float>({{1, 2, 3}, {4, 5, 6}});
  const auto b = tg::tensor<float>({{7, 8, 9}, {10, 11, 12}});
  CHECK(tg::stack({a, b}).sizes() == tg::Shape{2, 2, 3});
  CHECK(tg::stack({a, b}).tolist() == std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  CHECK(tg::stack({a, b}, 1).sizes() == tg::Shape{2, 2, 3});
  CHECK(tg::stack({a, b}, 1).tolist() == std::vector<float>{1, 2, 3, 7, 8, 9, 4, 5, 6, 10, 11, 12});
  const auto last = tg::stack({a, b}, -1);
  CHECK(last.sizes() == tg::Shape{2, 3, 2});
  CHECK(last.tolist() == std::vector<float>{1, 7, 2, 8, 3, 9, 4, 10, 5, 11, 6, 12});
  CHECK(tg::stack({tg::scalar_tensor<float>(1), tg::scalar_tensor<float>(2)}).tolist() == std::vector<float>{1, 2});

  auto x = tg::tensor<double>({1, 2}).requires_grad_();
  auto y = tg::tensor<double>({3, 4}).requires_grad_();
  auto s = tg::stack({x, y}, 1);  // [[1, 3], [2, 4]]
  CHECK(s.grad_fn_name() == "StackBackward");
  s.backward(tg::tensor<double>({{10, 20}, {30, 40}}));
  CHECK(values(x.grad()) == Values{10, 30});
  CHECK(values(y.grad()) == Values{20, 40});
  check_gradients([](const std::vector<TD>& in) { return tg::stack({in[0], in[1] * in[0]}, 2); },
                  {tg::tensor<double>({{0.5, -1.0}, {1.5, 2.0}}), tg::tensor<double>({{2.0, 3.0}, {-0.5, 0.25}})});
}

TEST_CASE("cat/stack: errors name the op and the shapes", "[join]") {
  const auto a = tg::zeros<float>({2, 3}), b = tg::zeros<float>({1, 2}), v = tg::zeros<float>({3});
  REQUIRE_THROWS_WITH(tg::cat({a, b}),
                      Catch::Contains("cat") && Catch::Contains("[2, 3]") && Catch::Contains("[1, 2]"));
  REQUIRE_THROWS_WITH(tg::cat({a, v}), Catch::Contains("cat") && Catch::Contains("same number of dimensions") &&
                                           Catch::Contains("[2, 3]") && Catch::Contains("[3]"));
  REQUIRE_THROWS_WITH(tg::cat({a, a}, 2), Catch::Contains("cat") && Catch::Contains("dim 2"));
  REQUIRE_THROWS_WITH(tg::cat({tg::scalar_tensor<float>(1)}), Catch::Contains("cat: zero-dimensional"));
  REQUIRE_THROWS_WITH(tg::cat(std::vector<tg::Tensor<float>>{}),
                      Catch::Contains("cat") && Catch::Contains("non-empty"));
  REQUIRE_THROWS_WITH(tg::stack({a, b}),
                      Catch::Contains("stack") && Catch::Contains("[2, 3]") && Catch::Contains("[1, 2]"));
  REQUIRE_THROWS_WITH(tg::stack({a, a}, 3), Catch::Contains("stack") && Catch::Contains("dim 3"));
  REQUIRE_THROWS_WITH(tg::stack(std::vector<tg::Tensor<float>>{}), Catch::Contains("stack"));
  REQUIRE_THROWS_WITH(tg::maximum(a, v.slice(0, 0, 2)),
                      Catch::Contains("maximum") && Catch::Contains("[2, 3]") && Catch::Contains("[2]"));
  REQUIRE_THROWS_WITH(tg::where(v, a, b), Catch::Contains("where") && Catch::Contains("[2, 3]"));
}
