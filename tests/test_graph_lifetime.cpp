// Leak-free graphs: live counters of tensor impls and graph nodes (compiled in for the tests by
// TENSORGRAD_COUNT_OBJECTS, see core/live_counter.hpp) return exactly to their baseline after 10,000 graphs
// are built, back-propagated and dropped; backward through a freed graph throws instead of reading freed data.
#include <catch2/catch.hpp>
#include <tensorgrad/tensor.hpp>

#include <cstdint>

#ifndef TENSORGRAD_COUNT_OBJECTS
#error "tests/CMakeLists.txt defines TENSORGRAD_COUNT_OBJECTS for the test executable"
#endif

namespace {

using tg::TensorD;

std::int64_t live_impls() { return tg::detail::live_objects<tg::detail::TensorImpl>(); }
std::int64_t live_nodes() { return tg::detail::live_objects<tg::autograd::Node>(); }

/// A small MLP-like graph: matmul, add (broadcast), relu, views (transpose, reshape, slice), an in-place op on a
/// non-leaf, and a sum. `variant` picks which of the optional pieces the graph uses.
TensorD mlp_loss(const TensorD& x, const TensorD& w1, const TensorD& b1, const TensorD& w2, int variant) {
  TensorD h = (x.matmul(w1) + b1).relu();
  if (variant % 2 == 1) h = h.transpose(0, 1).reshape({4, 3}).transpose(0, 1).contiguous();  // views
  if (variant % 3 == 1) {
    TensorD scaled = h * 2.0;
    scaled.mul_(0.5);  // in place on a non-leaf: the tensor takes a new grad_fn
    h = scaled;
  }
  TensorD y = h.matmul(w2);
  if (variant % 5 == 1) y = y.slice(0, 1, 3);
  return y.sum();
}

}  // namespace

TEST_CASE("10,000 graphs built, back-propagated and dropped leave no tensor impl or node alive",
          "[autograd][lifetime]") {
  tg::Generator gen(7);
  TensorD w1 = tg::randn<double>({3, 4}, gen).requires_grad_();
  TensorD b1 = tg::randn<double>({4}, gen).requires_grad_();
  TensorD w2 = tg::randn<double>({4, 2}, gen).requires_grad_();
  const TensorD x = tg::randn<double>({3, 3}, gen);
  // Gradients exist before the baseline, so later backwards accumulate into them instead of creating them.
  mlp_loss(x, w1, b1, w2, 0).backward();
  const std::int64_t impls = live_impls(), nodes = live_nodes();
  REQUIRE(nodes == 0);

  for (int i = 0; i < 10000; ++i) {
    const bool retain = i % 2 == 0;
    const TensorD loss = mlp_loss(x, w1, b1, w2, i);
    CHECK(live_nodes() > 0);
    loss.backward(TensorD(), retain);
    if (retain) loss.backward();  // the retained graph backs up a second time, then is freed by dropping it
  }
  CHECK(live_impls() == impls);
  CHECK(live_nodes() == nodes);
}

TEST_CASE("graphs dropped without backward, or after a failed backward, are freed too", "[autograd][lifetime]") {
  TensorD w = tg::ones<double>({2, 2}).requires_grad_();
  const std::int64_t impls = live_impls(), nodes = live_nodes();
  for (int i = 0; i < 1000; ++i) {
    const TensorD y = (w.matmul(w) + w).relu().sum();
    if (i % 2 == 0) continue;  // never back-propagated
    y.backward();
    CHECK_THROWS_AS(y.backward(), tg::Error);  // the second backward fails cleanly
  }
  w.impl()->grad.reset();
  CHECK(live_impls() == impls);
  CHECK(live_nodes() == nodes);
}

TEST_CASE("backward through a freed graph throws tg::Error naming the op", "[autograd][lifetime]") {
  TensorD a = tg::tensor<double>({1.0, 2.0, 3.0}).requires_grad_();
  SECTION("a node with saved tensors") {
    const TensorD y = a * a;
    y.backward(tg::ones<double>({3}));
    CHECK_THROWS_WITH(y.backward(tg::ones<double>({3})),
                      Catch::Contains("MulBackward") && Catch::Contains("backward through the graph a second time"));
  }
  SECTION("a node without saved tensors") {
    const TensorD loss = (a + a).sum();
    loss.backward();
    CHECK_THROWS_WITH(loss.backward(), Catch::Contains("SumBackward") &&
                                           Catch::Contains("backward through the graph a second time"));
  }
  SECTION("an intermediate tensor kept by the caller, its graph freed by a backward from another root") {
    const TensorD h = (a * 3.0).exp();
    h.sum().backward();
    CHECK_THROWS_WITH(h.sum().backward(), Catch::Contains("ExpBackward"));
  }
  // The gradient of the first backward is intact: 2a, 2 or 3·exp(3a).
  CHECK(a.grad().defined());
}
