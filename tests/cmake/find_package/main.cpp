// Consumer of an installed tensorgrad: a matmul through Eigen and its gradient, checked against hand values.
#include <tensorgrad/tensorgrad.hpp>

#include <iostream>

int main() {
  // loss = sum(relu(W x)) with W x = [[-1], [7]]: relu keeps the second row only, so dloss/dW = [[0, 0], [1, 1]].
  auto w = tg::tensor<double>({{1.0, -2.0}, {3.0, 4.0}}).requires_grad_();
  auto x = tg::tensor<double>({{1.0}, {1.0}});
  auto loss = tg::relu(tg::matmul(w, x)).sum();
  loss.backward();

  const double expected_grad[2][2] = {{0.0, 0.0}, {1.0, 1.0}};
  bool ok = loss.item() == 7.0;
  for (std::int64_t i = 0; i < 2; ++i)
    for (std::int64_t j = 0; j < 2; ++j) ok = ok && w.grad().at({i, j}) == expected_grad[i][j];
  std::cout << "find_package consumer: loss " << loss.item() << ", dloss/dW " << w.grad() << "\n";
  if (!ok) std::cerr << "expected loss 7 and dloss/dW [[0, 0], [1, 1]]\n";
  return ok ? 0 : 1;
}
