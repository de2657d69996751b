// Autograd as the tutorials introduce it: dy/dx of y = x² at 3, then the "from scratch" network (no torch.nn): three
// hand-made layers trained with plain gradient descent to map x to (2x, 3x).
#include <iostream>
#include <tensorgrad/tensorgrad.hpp>

using tg::Tensor;

int main() {
  tg::manual_seed(42);

  // y = x², dy/dx = 2x = 6 at x = 3.
  auto x = tg::tensor<float>({3.0f}).requires_grad_();
  auto y = x.pow(2);
  y.backward(tg::ones_like(y));
  std::cout << "x = " << x << "\ny = x^2 = " << y << "\ndy/dx = " << x.grad() << "\n\n";

  // The from-scratch regression: X (4, 1) -> hidden 3 -> hidden 3 -> 2 outputs.
  auto X = tg::tensor<float>({{1}, {2}, {3}, {4}});
  auto Y = tg::tensor<float>({{2, 3}, {4, 6}, {6, 9}, {8, 12}});
  const int hidden = 3;
  auto param = [](tg::Shape shape) { return tg::normal<float>(0.0, 0.1, shape).requires_grad_(); };
  std::vector<Tensor<float>> params = {param({1, hidden}), param({hidden}), param({hidden, hidden}),
                                       param({hidden}), param({hidden, 2}), param({2})};
  auto forward = [&](const Tensor<float>& input) {
    auto z1 = tg::matmul(input, params[0]) + params[1];
    auto z2 = tg::matmul(z1, params[2]) + params[3];
    return tg::matmul(z2, params[4]) + params[5];
  };
  auto five = tg::tensor<float>({{5}});
  std::cout << "Prediction before training: model([5]) = " << forward(five) << "\n";

  const double learning_rate = 0.01;
  for (int epoch = 0; epoch < 200; ++epoch) {
    auto loss = (forward(X) - Y).pow(2).mean();
    for (auto& p : params) p.set_grad(Tensor<float>());  // zero_grad
    loss.backward();
    {
      tg::NoGradGuard no_grad;  // the update itself is not part of the graph
      for (auto& p : params) p.sub_(p.grad() * learning_rate);
    }
    if (epoch % 10 == 0) std::printf("Epoch %d, loss = %.8f\n", epoch + 1, loss.item());
  }
  std::cout << "Prediction after training: model([5]) = " << forward(five) << "\n";
}
