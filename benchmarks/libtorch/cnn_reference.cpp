// LibTorch's side of bench_mlp's mnist-cnn workload, with the same model, data and output line, and of its gemm
// ceiling:
//   cnn_reference mnist-cnn BATCH STEPS
//   cnn_reference gemm N        # torch::mm of two N x N float tensors: the sgemm of the BLAS beneath LibTorch
// conv 1->32 3x3, ReLU, maxpool 2, conv 32->64 3x3, ReLU, maxpool 2, Linear 1600->128, ReLU, Linear 128->10;
// CrossEntropy, Adam(1e-3); one step = zero_grad + forward + loss + backward + step; 16 random batches
// cycled after 5 warm-up steps. Threads: OMP_NUM_THREADS for torch's intra-op pool, OPENBLAS_NUM_THREADS for the
// BLAS pool beneath it (scripts/bench.sh sweeps both).
#include <dlfcn.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
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

// Debian's LibTorch calls whatever libblas.so.3 the alternatives system selects, so the BLAS is looked up at run
// time: with OpenBLAS, its thread count and the kernel family it picked (OPENBLAS_CORETYPE can force one);
// "-" otherwise.
std::string blas_info() {
  using get_int = int (*)();
  using get_str = char* (*)();
  const auto threads = reinterpret_cast<get_int>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  const auto core = reinterpret_cast<get_str>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (threads == nullptr || core == nullptr) return "blas=unknown blas_threads=- blas_core=-";
  return "blas=openblas blas_threads=" + std::to_string(threads()) + " blas_core=" + core();
}

// The sgemm rate through torch::mm, timed as bench_mlp's gemm (tg::matmul through Eigen) and printed in its format.
int gemm(int n) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(42);
  const auto a = torch::rand({n, n});
  const auto b = torch::rand({n, n});
  auto c = torch::mm(a, b);  // warm-up: the BLAS's buffers and threads
  // Enough repetitions for about a second at the machine's expected rate, at least three.
  const double flops = 2.0 * n * double(n) * n;
  const int reps = std::max(3, int(100e9 / flops));
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) torch::mm_out(c, a, b);
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // One output element against a plain float64 dot product: the product was really computed.
  const auto pa = a.accessor<float, 2>(), pb = b.accessor<float, 2>();
  double expected = 0;
  for (int k = 0; k < n; ++k) expected += double(pa[0][k]) * pb[k][0];
  const double got = c.accessor<float, 2>()[0][0];
  std::printf("gemm n=%d reps=%d seconds=%.4f gflops=%.1f threads=%d %s\n", n, reps, t, flops * reps / t / 1e9,
              torch::get_num_threads(), blas_info().c_str());
  if (std::abs(got - expected) > 1e-4 * std::abs(expected) + 1e-3) {
    std::fprintf(stderr, "gemm: c[0, 0] = %.6f, expected %.6f\n", got, expected);
    return 1;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "gemm") return gemm(std::atoi(argv[2]));
  if (argc != 4 || std::string(argv[1]) != "mnist-cnn") {
    std::fprintf(stderr, "usage: %s mnist-cnn BATCH STEPS | gemm N\n", argv[0]);
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
