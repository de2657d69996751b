#include <catch2/catch.hpp>
#include <tensorgrad/tensorgrad.hpp>

TEST_CASE("y = x*x has dy/dx = 2x at x = 3", "[autograd]") {
  auto x = tg::tensor<double>({3.0}).requires_grad_();
  (x * x).sum().backward();
  REQUIRE(x.grad().item() == 6.0);
}
