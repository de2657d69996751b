// The LibTorch peer of examples/xor.cpp for scripts/compile_bench.sh: the same program (XORNet 2-8-1 with
// ReLU, BCEWithLogitsLoss, Adam(lr=0.05), 1000 full-batch epochs, truth table), written against
// <torch/torch.h>, so the two compile times compare like for like. Never built by CMake.
#include <torch/torch.h>

#include <cstdio>
#include <iostream>
#include <vector>

struct XORNetImpl : torch::nn::Module {
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  torch::nn::ReLU relu{nullptr};
  XORNetImpl() {
    fc1 = register_module("fc1", torch::nn::Linear(2, 8));
    relu = register_module("relu", torch::nn::ReLU());
    fc2 = register_module("fc2", torch::nn::Linear(8, 1));
  }
  torch::Tensor forward(torch::Tensor x) { return fc2(relu(fc1(x))); }
};
TORCH_MODULE(XORNet);

int main() {
  torch::manual_seed(0);
  auto X_xor = torch::tensor({{0.f, 0.f}, {0.f, 1.f}, {1.f, 0.f}, {1.f, 1.f}});
  auto y_xor = torch::tensor({{0.f}, {1.f}, {1.f}, {0.f}});
  XORNet model;
  std::cout << model << "\n";
  torch::nn::BCEWithLogitsLoss criterion;
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(0.05));
  torch::Tensor loss;
  for (int epoch = 0; epoch < 1000; ++epoch) {
    const auto order = torch::randperm(4);  // one shuffled full batch per epoch, as the DataLoader does
    loss = criterion(model(X_xor.index_select(0, order)), y_xor.index_select(0, order));
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    if ((epoch + 1) % 200 == 0) std::printf("Epoch [%d/1000], Loss: %.4f\n", epoch + 1, loss.item<float>());
  }
  torch::NoGradGuard no_grad;
  auto probs = torch::sigmoid(model(X_xor));
  auto accuracy = ((probs >= 0.5).to(torch::kFloat) == y_xor).to(torch::kFloat).mean().item<float>();
  std::printf("Final Accuracy: %.2f%%\n", accuracy * 100);
  return accuracy == 1.0f ? 0 : 1;
}
