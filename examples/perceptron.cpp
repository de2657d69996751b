// The tutorial "Perceptrons and Neurons": Rosenblatt's perceptron learning rule w <- w + lr·(y − ŷ)·x learns
// the linearly separable AND and OR gates, cannot learn XOR, and a two-layer network with the tutorial's
// hand-crafted weights solves XOR. The exit status is 0 exactly when all four outcomes are as expected.
//
// Usage: perceptron [--seed N]     (N defaults to 42, the tutorial's np.random.seed(42))
#include <cstdio>
#include <iostream>

#include <tensorgrad/tensorgrad.hpp>

#include "seed_arg.hpp"

using tg::Tensor;

class Perceptron {
 public:
  /// Weights drawn from N(0, 0.1²) (or zeros), bias 0, as the tutorial's numpy class.
  Perceptron(std::int64_t n_inputs, double learning_rate = 0.1, bool zero_weights = false)
      : weights(zero_weights ? tg::zeros<double>({n_inputs}) : tg::randn<double>({n_inputs}) * 0.1),
        lr(learning_rate) {}

  int predict(const Tensor<double>& x) const {
    const double linear = (x * weights).sum().item() + bias;
    return linear >= 0 ? 1 : 0;
  }

  /// The perceptron learning rule; stops at the first epoch without a mistake.
  Perceptron& train(const Tensor<double>& X, const Tensor<std::int64_t>& y, int epochs = 100) {
    for (int epoch = 0; epoch < epochs; ++epoch) {
      int errors = 0;
      for (std::int64_t i = 0; i < X.size(0); ++i) {
        const auto xi = X[i];
        const int error = static_cast<int>(y.at({i})) - predict(xi);
        if (error != 0) {
          // Update weights and bias
          weights.add_(xi, lr * error);
          bias += lr * error;
          ++errors;
        }
      }
      if (errors == 0) {
        std::printf("Converged at epoch %d\n", epoch + 1);
        break;
      }
    }
    return *this;
  }

  Tensor<double> weights;
  double bias = 0.0;
  double lr;
};

/// Prints each input's prediction and returns how many are right.
int report(const Perceptron& perceptron, const Tensor<double>& X, const Tensor<std::int64_t>& y) {
  int correct = 0;
  for (std::int64_t i = 0; i < X.size(0); ++i) {
    const int pred = perceptron.predict(X[i]);
    correct += pred == y.at({i});
    std::printf("  [%g %g] -> %d (expected %lld)\n", X.at({i, 0}), X.at({i, 1}), pred,
                static_cast<long long>(y.at({i})));
  }
  return correct;
}

int main(int argc, char** argv) {
  const std::uint64_t seed = seed_from_args(argc, argv, 42);
  tg::manual_seed(seed);
  const auto X = tg::tensor<double>({{0, 0}, {0, 1}, {1, 0}, {1, 1}});

  // Train on AND gate
  const auto y_and = tg::tensor<std::int64_t>({0, 0, 0, 1});
  std::cout << "Training a perceptron on AND\n";
  Perceptron and_gate(2);
  and_gate.train(X, y_and, 100);
  std::cout << "\nLearned AND gate:\n";
  const int and_correct = report(and_gate, X, y_and);
  std::cout << "\nLearned weights: " << and_gate.weights << "\nLearned bias: " << and_gate.bias << "\n";
  std::printf("Accuracy: %d/4\n\n", and_correct);

  // Train on OR gate
  const auto y_or = tg::tensor<std::int64_t>({0, 1, 1, 1});
  std::cout << "Training a perceptron on OR\n";
  Perceptron or_gate(2);
  or_gate.train(X, y_or, 100);
  std::cout << "\nLearned OR gate:\n";
  const int or_correct = report(or_gate, X, y_or);
  const double w1 = or_gate.weights.at({0}), w2 = or_gate.weights.at({1});
  std::printf("Decision boundary: %.2f*x1 + %.2f*x2 + %.2f = 0\n", w1, w2, or_gate.bias);
  std::printf("Accuracy: %d/4\n\n", or_correct);

  // XOR is not linearly separable: the rule cycles forever.
  const auto y_xor = tg::tensor<std::int64_t>({0, 1, 1, 0});
  std::cout << "XOR truth table:\n";
  for (std::int64_t i = 0; i < 4; ++i)
    std::printf("  [%g %g] -> %lld\n", X.at({i, 0}), X.at({i, 1}), static_cast<long long>(y_xor.at({i})));
  Perceptron xor_gate(2, 0.1, /*zero_weights=*/true);
  xor_gate.train(X, y_xor, 1000);
  std::cout << "\nPerceptron predictions on XOR (after 1000 epochs):\n";
  const int xor_correct = report(xor_gate, X, y_xor);
  std::printf("\nAccuracy: %d/4 - Perceptron CANNOT learn XOR!\n\n", xor_correct);

  // Manual two-layer network for XOR (hidden: 2 sigmoid neurons, AND-like and OR-like; output: 1 neuron).
  // These weights are hand-crafted to solve XOR.
  const auto W1 = tg::tensor<double>({{20, 20}, {20, 20}});
  const auto b1 = tg::tensor<double>({-30, -10});
  const auto W2 = tg::tensor<double>({{-60}, {60}});
  const auto b2 = tg::tensor<double>({-30});
  auto forward = [&](const Tensor<double>& x) {
    const auto h = tg::sigmoid(tg::matmul(x, W1) + b1);  // Hidden layer
    return tg::sigmoid(tg::matmul(h, W2) + b2);          // Output layer
  };
  std::cout << "Two-layer network solving XOR:\n";
  const auto out = forward(X);
  int two_layer_correct = 0;
  for (std::int64_t i = 0; i < 4; ++i) {
    const double pred = out.at({i, 0});
    const int pred_class = pred > 0.5 ? 1 : 0;
    two_layer_correct += pred_class == y_xor.at({i});
    std::printf("  [%g %g] -> %.4f -> class %d (expected %lld)\n", X.at({i, 0}), X.at({i, 1}), pred, pred_class,
                static_cast<long long>(y_xor.at({i})));
  }
  std::cout << "\nWith a hidden layer, neural networks can learn XOR!\n";

  const bool as_expected = and_correct == 4 && or_correct == 4 && xor_correct < 4 && two_layer_correct == 4;
  return as_expected ? 0 : 1;
}
