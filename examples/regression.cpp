// The tutorial "moving away from scratch": the from-scratch regression network (x -> (2x, 3x)) rebuilt with
// nn::Linear layers in a Module, then with nn::Sequential, each trained by SGD(lr=0.01) for 200 iterations.
// Both must predict model([5]) ≈ [10, 15] (within 1.0): the exit status says whether they do.
//
// Usage: regression [--seed N]     (N defaults to 42, the tutorial's torch.manual_seed(42))
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <tensorgrad/tensorgrad.hpp>

#include "seed_arg.hpp"

namespace nn = tg::nn;
using tg::Tensor;

struct NNImpl : nn::Module {
  nn::Linear fc1{nullptr}, fc2{nullptr}, fc_out{nullptr};
  NNImpl(std::int64_t input_size, std::int64_t hidden_size, std::int64_t output_size) {
    // Define layers using nn::Linear (includes weights and biases automatically)
    fc1 = register_module("fc1", nn::Linear(input_size, hidden_size));        // input to hidden1
    fc2 = register_module("fc2", nn::Linear(hidden_size, hidden_size));       // hidden1 to hidden2
    fc_out = register_module("fc_out", nn::Linear(hidden_size, output_size)); // hidden2 to output
  }
  Tensor<float> forward(Tensor<float> x) {
    // Apply the layers in sequence (no activation function for simplicity)
    x = fc1(x);     // input -> First layer
    x = fc2(x);     // First layer -> Second layer
    x = fc_out(x);  // Second layer -> output
    return x;
  }
};
TG_MODULE(NN);

// Mean squared error (MSE) loss function
Tensor<float> loss(const Tensor<float>& y, const Tensor<float>& y_predicted) { return (y_predicted - y).pow(2).mean(); }

/// SGD(lr=0.01) for 200 iterations on (X, Y), printing the loss every 10 epochs as the tutorial does.
template <class Model> void train(Model& model, const Tensor<float>& X, const Tensor<float>& Y) {
  const double learning_rate = 0.01;
  const int n_iterations = 200;
  tg::optim::SGD<float> optimizer(model->parameters(), tg::optim::SGDOptions(learning_rate));
  for (int epoch = 0; epoch < n_iterations; ++epoch) {
    auto y_pred = model(X);       // Forward pass
    auto l = loss(Y, y_pred);     // Calculate loss
    optimizer.zero_grad();        // Zero gradients
    l.backward();                 // Backward pass to compute gradients
    optimizer.step();             // Optimizer step
    if (epoch % 10 == 0) std::printf("Epoch %d, loss = %.8f\n", epoch + 1, l.item());
  }
}

/// Prints model([5]) and says whether it is within 1.0 of [10, 15] in both outputs.
template <class Model> bool check_prediction(Model& model) {
  const auto prediction = model(tg::tensor<float>({{5}}));
  std::cout << "Prediction after training: model([5]) = " << prediction << "\n";
  const bool ok = std::abs(prediction.at({0, 0}) - 10.0f) < 1.0f && std::abs(prediction.at({0, 1}) - 15.0f) < 1.0f;
  std::cout << (ok ? "OK: within 1.0 of [10, 15]\n" : "FAILED: not within 1.0 of [10, 15]\n");
  return ok;
}

int main(int argc, char** argv) {
  const std::uint64_t seed = seed_from_args(argc, argv, 42);
  tg::manual_seed(seed);

  // Creating the dataset as tensors
  auto X = tg::tensor<float>({{1}, {2}, {3}, {4}});                         // shape (4, 1)
  auto Y = tg::tensor<float>({{2, 3}, {4, 6}, {6, 9}, {8, 12}});            // shape (4, 2)

  std::cout << "== The network as a Module with nn::Linear layers ==\n";
  // Fix input and output size based on the shape of X and Y
  NN model(X.size(1), 3, Y.size(1));
  std::cout << model << "\n";
  std::cout << "Prediction before training: model([5]) = " << model(tg::tensor<float>({{5}})) << "\n";
  train(model, X, Y);
  bool ok = check_prediction(model);

  // With nn::Module, the model has named_parameters(): names and values (and gradients) of its parameters.
  std::cout << "\n";
  for (const auto& [name, param] : model->named_parameters()) {
    std::cout << "Parameter name: " << name << "\nValue: \n" << param.detach() << "\nGradient: \n"
              << param.grad() << "\n---\n";
  }

  std::cout << "\n== The same network with nn::Sequential ==\n";
  // Constructing the model directly with nn::Sequential
  nn::Sequential sequential(nn::Linear(1, 3),  // input_size = 1, hidden_size = 3
                            nn::Linear(3, 3),  // hidden_size to hidden_size
                            nn::Linear(3, 2)); // hidden_size to output_size = 2
  std::cout << sequential << "\n";
  train(sequential, X, Y);
  ok = check_prediction(sequential) && ok;
  return ok ? 0 : 1;
}
