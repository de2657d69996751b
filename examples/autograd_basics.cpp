#include <iostream>
#include <tensorgrad/tensorgrad.hpp>
int main() {
  auto x = tg::tensor<double>({3.0}).requires_grad_();
  auto y = x * x;
  y.sum().backward();
  std::cout << "dy/dx at 3 = " << x.grad().item() << "\n";
}
