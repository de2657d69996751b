// Consumer of tensorgrad through add_subdirectory, using the narrower tensor header on its own.
#include <tensorgrad/tensor.hpp>

#include <iostream>

int main() {
  // loss = sum(a * b) with a [2, 1] broadcast against b [3]: loss = (1 + 2) * (10 + 20 + 30) = 180,
  // dloss/da = sum(b) = 60 per row, dloss/db = sum(a) = 3 per element (broadcast gradients reduced to each shape).
  auto a = tg::tensor<double>({{1.0}, {2.0}}).requires_grad_();
  auto b = tg::tensor<double>({10.0, 20.0, 30.0}).requires_grad_();
  auto loss = (a * b).sum();
  loss.backward();

  bool ok = loss.item() == 180.0 && a.grad().sizes() == a.sizes() && b.grad().sizes() == b.sizes();
  ok = ok && a.grad().at({0, 0}) == 60.0 && a.grad().at({1, 0}) == 60.0;
  for (std::int64_t j = 0; j < 3; ++j) ok = ok && b.grad().at({j}) == 3.0;
  std::cout << "add_subdirectory consumer: loss " << loss.item() << ", dloss/da " << a.grad() << ", dloss/db "
            << b.grad() << "\n";
  if (!ok) std::cerr << "expected loss 180, dloss/da [[60], [60]], dloss/db [3, 3, 3]\n";
  return ok ? 0 : 1;
}
