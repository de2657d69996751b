// Factories: deterministic (core/creation.hpp, core/range.hpp) and random (core/random.hpp).
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <vector>
#include <tensorgrad/core/range.hpp>
#include <tensorgrad/tensor.hpp>

using F = std::vector<float>;
using D = std::vector<double>;
using L = std::vector<std::int64_t>;

namespace {
// Sample moments computed here, independently of the library's reductions.
double sample_mean(const D& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); }
double sample_std(const D& v) {
  const double m = sample_mean(v);
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}
}  // namespace

TEST_CASE("empty/zeros/ones/full: shape, dtype and values", "[creation]") {
  const auto e = tg::empty<double>({2, 3});
  CHECK(e.sizes() == tg::Shape{2, 3});
  CHECK(e.numel() == 6);
  CHECK(e.dtype() == tg::Dtype::Float64);
  CHECK(e.is_contiguous());
  CHECK(tg::zeros<float>({2, 2}).tolist() == F{0, 0, 0, 0});
  CHECK(tg::ones<std::int64_t>({3}).tolist() == L{1, 1, 1});
  CHECK(tg::full<float>({2}, 2.5f).tolist() == F{2.5f, 2.5f});
  CHECK(tg::zeros<float>({0, 4}).numel() == 0);
  CHECK_FALSE(tg::zeros<float>({2}).requires_grad());
  REQUIRE_THROWS_WITH(tg::empty<float>({2, -1}), Catch::Contains("empty") && Catch::Contains("[2, -1]"));
}

TEST_CASE("tensor(values), nested lists, scalar_tensor and *_like", "[creation]") {
  const auto t = tg::tensor<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(t.sizes() == tg::Shape{2, 3});
  CHECK(t.at({1, 0}) == 4.0f);
  CHECK(tg::tensor<float>({1, 2, 3}).sizes() == tg::Shape{3});
  const auto n = tg::tensor<double>({{1, 2}, {3, 4}, {5, 6}});
  CHECK(n.sizes() == tg::Shape{3, 2});
  CHECK(n.tolist() == D{1, 2, 3, 4, 5, 6});
  const auto s = tg::scalar_tensor<double>(2.5);
  CHECK(s.dim() == 0);
  CHECK(s.item() == 2.5);
  CHECK(tg::zeros_like(n).tolist() == D(6, 0.0));
  CHECK(tg::ones_like(n).sizes() == tg::Shape{3, 2});
  CHECK(tg::full_like(n, 7.0).tolist() == D(6, 7.0));
  CHECK(tg::empty_like(n).sizes() == tg::Shape{3, 2});
  REQUIRE_THROWS_WITH(tg::tensor<float>({1, 2, 3}, {2, 2}), Catch::Contains("tensor") && Catch::Contains("[2, 2]"));
  REQUIRE_THROWS_WITH((tg::tensor<float>({{1, 2}, {3}})), Catch::Contains("ragged"));
}

TEST_CASE("arange: PyTorch's length ceil((end - start) / step)", "[creation]") {
  CHECK(tg::arange(5).tolist() == F{0, 1, 2, 3, 4});
  CHECK(tg::arange(5).dtype() == tg::Dtype::Float32);
  const auto i = tg::arange<std::int64_t>(5);
  CHECK(i.dtype() == tg::Dtype::Int64);
  CHECK(i.tolist() == L{0, 1, 2, 3, 4});
  CHECK(tg::arange(1, 2.5, 0.5).tolist() == F{1, 1.5, 2});
  CHECK(tg::arange<double>(0, 1, 0.3).tolist() == D{0, 0.3, 0.6, 0.3 * 3});  // ceil(3.33) = 4 values
  CHECK(tg::arange<std::int64_t>(5, 0, -2).tolist() == L{5, 3, 1});
  CHECK(tg::arange(2.5).tolist() == F{0, 1, 2});
  CHECK(tg::arange(3, 3).numel() == 0);
  REQUIRE_THROWS_WITH(tg::arange(0, 5, 0), Catch::Contains("arange") && Catch::Contains("nonzero"));
  REQUIRE_THROWS_WITH(tg::arange(5, 0, 1), Catch::Contains("arange") && Catch::Contains("step sign"));
}

TEST_CASE("linspace: inclusive, evenly spaced, exact end points", "[creation]") {
  CHECK(tg::linspace(0, 1, 5).tolist() == F{0, 0.25f, 0.5f, 0.75f, 1});
  CHECK(tg::linspace<double>(-1, 1, 3).tolist() == D{-1, 0, 1});
  CHECK(tg::linspace<double>(3, 7, 1).tolist() == D{3});
  CHECK(tg::linspace(0, 1, 0).numel() == 0);
  const auto l = tg::linspace<double>(0, 0.3, 7).tolist();
  CHECK(l.front() == 0.0);
  CHECK(l.back() == 0.3);
  for (std::size_t k = 0; k < l.size(); ++k) CHECK(l[k] == Approx(0.05 * static_cast<double>(k)).margin(1e-15));
  CHECK(tg::linspace<double>(10, 0, 3).tolist() == D{10, 5, 0});
  REQUIRE_THROWS_WITH(tg::linspace(0, 1, -1), Catch::Contains("linspace"));
}

TEST_CASE("eye: identity, rectangular, any dtype", "[creation]") {
  CHECK(tg::eye(2).tolist() == F{1, 0, 0, 1});
  const auto r = tg::eye<double>(2, 3);
  CHECK(r.sizes() == tg::Shape{2, 3});
  CHECK(r.tolist() == D{1, 0, 0, 0, 1, 0});
  CHECK(tg::eye<double>(3, 2).tolist() == D{1, 0, 0, 1, 0, 0});
  CHECK(tg::eye<std::int64_t>(3).tolist() == L{1, 0, 0, 0, 1, 0, 0, 0, 1});
  CHECK(tg::eye(0).numel() == 0);
  REQUIRE_THROWS_WITH(tg::eye(-1), Catch::Contains("eye"));
}

TEST_CASE("manual_seed: the same seed gives bitwise-identical draws", "[random]") {
  tg::manual_seed(42);
  const auto a = tg::randn<float>({64}).tolist();
  const auto ua = tg::rand<double>({8}).tolist();
  tg::manual_seed(42);
  const auto b = tg::randn<float>({64}).tolist();
  const auto ub = tg::rand<double>({8}).tolist();
  CHECK(a == b);
  CHECK(ua == ub);
  tg::manual_seed(43);
  CHECK(tg::randn<float>({64}).tolist() != a);
}

TEST_CASE("an explicit Generator is independent of the global one", "[random]") {
  tg::Generator g1(7);
  CHECK(g1.initial_seed() == 7);
  const auto x = tg::randn<double>({16}, g1).tolist();
  // Draining the global generator in between changes nothing for a fresh Generator(7)...
  tg::manual_seed(1);
  (void)tg::randn<double>({100});
  tg::Generator g2(7);
  CHECK(tg::randn<double>({16}, g2).tolist() == x);
  // ...and drawing from a private generator does not advance the global one.
  tg::manual_seed(3);
  const auto first = tg::rand<float>({4}).tolist();
  tg::manual_seed(3);
  tg::Generator other(99);
  (void)tg::rand<float>({10}, other);
  CHECK(tg::rand<float>({4}).tolist() == first);
}

TEST_CASE("randperm is a permutation of 0..n-1", "[random]") {
  tg::Generator g(5);
  const auto p = tg::randperm(100, g);
  CHECK(p.dtype() == tg::Dtype::Int64);
  auto v = p.tolist();
  CHECK(v != tg::arange<std::int64_t>(100).tolist());  // shuffled (fixed seed, so deterministic)
  std::sort(v.begin(), v.end());
  CHECK(v == tg::arange<std::int64_t>(100).tolist());
  CHECK(tg::randperm(0).numel() == 0);
  CHECK(tg::randperm(1).tolist() == L{0});
  REQUIRE_THROWS_WITH(tg::randperm(-1), Catch::Contains("randperm"));
}

TEST_CASE("randint stays in the half-open range low..high and reaches every value", "[random]") {
  tg::Generator g(11);
  const auto r = tg::randint(-3, 5, {10000}, g);
  CHECK(r.dtype() == tg::Dtype::Int64);
  CHECK(r.sizes() == tg::Shape{10000});
  const auto v = r.tolist();
  CHECK(*std::min_element(v.begin(), v.end()) == -3);
  CHECK(*std::max_element(v.begin(), v.end()) == 4);
  CHECK(std::set<std::int64_t>(v.begin(), v.end()).size() == 8);
  const auto f = tg::randint<float>(0, 2, {100}, g).tolist();
  CHECK(std::all_of(f.begin(), f.end(), [](float x) { return x == 0.0f || x == 1.0f; }));
  REQUIRE_THROWS_WITH(tg::randint(3, 3, {2}), Catch::Contains("randint") && Catch::Contains("low < high"));
}

TEST_CASE("rand is uniform on the unit interval - randn and normal match their moments", "[random]") {
  tg::Generator g(2024);
  const auto u = tg::rand<double>({100000}, g).tolist();
  CHECK(*std::min_element(u.begin(), u.end()) >= 0.0);
  CHECK(*std::max_element(u.begin(), u.end()) < 1.0);
  CHECK(sample_mean(u) == Approx(0.5).margin(0.005));           // standard error 0.0009
  CHECK(sample_std(u) == Approx(std::sqrt(1.0 / 12)).margin(0.005));
  const auto n = tg::randn<double>({100000}, g).tolist();
  CHECK(sample_mean(n) == Approx(0.0).margin(0.02));           // standard error 0.0032
  CHECK(sample_std(n) == Approx(1.0).margin(0.02));
  const auto m = tg::normal<double>(2.0, 3.0, {100000}, g).tolist();
  CHECK(sample_mean(m) == Approx(2.0).margin(0.05));           // standard error 0.0095
  CHECK(sample_std(m) == Approx(3.0).margin(0.05));            // standard error 0.0067
  REQUIRE_THROWS_WITH(tg::normal(0.0, -1.0, {2}), Catch::Contains("normal") && Catch::Contains("std"));
}

TEST_CASE("in-place uniform_/normal_ and the *_like random factories", "[random]") {
  tg::Generator g(8);
  auto t = tg::empty<double>({1000});
  t.uniform_(-2.0, 2.0, g);
  const auto v = t.tolist();
  CHECK(*std::min_element(v.begin(), v.end()) >= -2.0);
  CHECK(*std::max_element(v.begin(), v.end()) < 2.0);
  CHECK(*std::min_element(v.begin(), v.end()) < -1.9);  // 1000 draws reach both ends
  CHECK(*std::max_element(v.begin(), v.end()) > 1.9);
  auto w = tg::zeros<double>({20000});
  w.normal_(5.0, 0.5, g);
  CHECK(sample_mean(w.tolist()) == Approx(5.0).margin(0.02));
  CHECK(sample_std(w.tolist()) == Approx(0.5).margin(0.02));
  const auto like = tg::randn_like(tg::zeros<float>({3, 4}), g);
  CHECK(like.sizes() == tg::Shape{3, 4});
  const auto r = tg::rand_like(tg::zeros<float>({2, 5}), g).tolist();
  CHECK(r.size() == 10);
  CHECK(std::all_of(r.begin(), r.end(), [](float x) { return x >= 0.0f && x < 1.0f; }));
  // A non-contiguous view is filled in place through its strides: only the first column changes.
  auto m = tg::zeros<double>({3, 2});
  auto col = m.select(1, 0);
  col.uniform_(1.0, 2.0, g);
  const auto mv = m.tolist();
  CHECK(mv[1] == 0.0);
  CHECK(mv[3] == 0.0);
  CHECK(mv[5] == 0.0);
  CHECK((mv[0] >= 1.0 && mv[2] >= 1.0 && mv[4] >= 1.0));
}
