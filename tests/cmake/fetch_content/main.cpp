// Consumer of tensorgrad through FetchContent: a few steps of plain gradient descent on a quadratic.
#include <tensorgrad/tensorgrad.hpp>

#include <cmath>
#include <iomanip>
#include <iostream>

int main() {
  // Minimise (w - 3)^2 from w = 0 with lr 0.25: each step w <- w - 0.25 * 2 (w - 3) halves the distance to 3,
  // so after 20 steps w = 3 - 3 * 2^-20 exactly (every value is a dyadic rational, exact in double).
  auto w = tg::tensor<double>({0.0}).requires_grad_();
  for (int step = 0; step < 20; ++step) {
    auto loss = ((w - 3.0) * (w - 3.0)).sum();
    loss.backward();
    tg::NoGradGuard no_grad;
    w.sub_(w.grad() * 0.25);
    w.grad().zero_();
  }
  const double expected = 3.0 - 3.0 * std::ldexp(1.0, -20);
  const bool ok = w.item() == expected;
  std::cout << std::setprecision(17) << "fetch_content consumer: w after 20 steps " << w.item() << "\n";
  if (!ok) std::cerr << "expected w = " << expected << "\n";
  return ok ? 0 : 1;
}
