// LibTorch's side of bench_mlp's mnist-cnn workload, with the same model, data and output line:
//   cnn_reference mnist-cnn BATCH STEPS
// conv 1->32 3x3, ReLU, maxpool 2, conv 32->64 3x3, ReLU, maxpool 2, Linear 1600->128, ReLU, Linear 128->10;
// CrossEntropy, Adam(1e-3); one step = zero_grad + forward + loss + backward + step; 16 random batches
// cycled after 5 warm-up steps. Threads: OMP_NUM_THREADS (scripts/bench.sh sets it).
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

struct CNNImpl : torch::nn::Module {
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  CNNImpl() {
    conv1 = register_module("conv1", torch::nn::Conv2d(1, 32, 3));
    conv2 = register_module("conv2", torch::nn::Conv2d(32, 64, 3));
    fc1 = register_module("fc1", torch::nn::Linear(64 * 5 * 5, 128));
    fc2 = register_module("fc2", torch::nn::Linear(128, 10));
  }
  torch::Tensor forward(torch::Tensor x) {
    x = torch::max_pool2d(torch::relu(conv1(x)), 2);
    x = torch::max_pool2d(torch::relu(conv2(x)), 2);
    return fc2(torch::relu(fc1(x.flatten(1))));
  }
};
TORCH_MODULE(CNN);

int main(int argc, char** argv) {
  if (argc != 4 || std::string(argv[1]) != "mnist-cnn") {
    std::fprintf(stderr, "usage: %s mnist-cnn BATCH STEPS\n", argv[0]);
    return 2;
  }
  const int batch = std::atoi(argv[2]), steps = std::atoi(argv[3]);
  torch::manual_seed(42);
  CNN model;
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
  std::vector<torch::Tensor> xs, ys;
  for (int i = 0; i < 16; ++i) {
    xs.push_back(torch::rand({batch, 1, 28, 28}));
    ys.push_back(torch::randint(0, 10, {batch}, torch::kLong));
  }
  auto step = [&](int i) {
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(model->forward(xs[i % 16]), ys[i % 16]);
    loss.backward();
    opt.step();
    return loss;
  };
  float first_loss = 0, loss_value = 0;
  for (int i = 0; i < 5; ++i) {
    auto loss = step(i);
    if (i == 0) first_loss = loss.item<float>();
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) {
    auto loss = step(i);
    if (i == steps - 1) loss_value = loss.item<float>();
  }
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("mnist-cnn batch=%d steps=%d seconds=%.4f samples_per_s=%.1f final_loss=%.4f first_loss=%.4f\n", batch,
              steps, t, batch * double(steps) / t, loss_value, first_loss);
  return 0;
}
