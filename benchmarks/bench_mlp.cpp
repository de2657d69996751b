// tensorgrad's side of the side-by-side benchmark against LibTorch. The workloads, arguments and
// one-line `key=value` output mirror LibTorch's reference program mlp_reference.cpp exactly (scripts/bench.sh
// builds it from outside the repository), so scripts/bench.sh
// compares the two as ratios in one run.
//
//   bench_mlp mnist-mlp BATCH STEPS     # 784-256-128-10 ReLU MLP, CrossEntropy, Adam(1e-3): one step is
//                                       # zero_grad + forward + loss + backward + step; 16 random batches
//                                       # cycled after 5 warm-up steps
//   bench_mlp mnist-cnn BATCH STEPS     # the CNN of examples/mnist_cnn.cpp (no dropout), same step, input
//                                       # [BATCH, 1, 28, 28]; LibTorch side: benchmarks/libtorch/cnn_reference.cpp
//   bench_mlp mnist-infer BATCH STEPS   # the same MLP, forward only under NoGradGuard (also us_per_batch=)
//   bench_mlp xor EPOCHS                # the tutorial's XORNet: 2-8-1 ReLU, BCEWithLogits, Adam(0.05), full batch
//   bench_mlp mnist-train DIR EPOCHS    # the tutorial's MNISTClassifier (Dropout 0.2) on the IDX files in DIR,
//                                       # batch 64, shuffled, last partial batch dropped; prints test accuracy
//   bench_mlp gemm N                    # raw sgemm rate through tg::matmul (Eigen): the backend's ceiling
//   ... --threads N                     # CPU threads (tg::set_num_threads); default: the OpenMP default
//   ... --device cuda                   # mnist-mlp, mnist-infer, xor: model and batches on the GPU (the
//                                       # bench_mlp_cuda build; its PyTorch side: benchmarks/pytorch_mlp.py)
//
// No figure may come from skipping work: training workloads also print first_loss= (the first step's loss,
// before any update) and check that the final loss is lower, exiting with status 1 otherwise; inference
// prints a checksum of every output; gemm checks one output element against a plain dot product.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../examples/mnist_classifier.hpp"
#include "mlp.hpp"

namespace nn = tg::nn;
namespace F = tg::nn::functional;
using tg::Tensor;

namespace {

tg::Device g_device = tg::kCPU;  // --device

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Fails the run when training did not reduce the loss: a fast figure from a step that did no work is no figure.
int check_loss_fell(const char* workload, float first, float last) {
  if (std::isfinite(last) && last < first) return 0;
  std::fprintf(stderr, "%s: the loss did not fall (first %.4f, final %.4f): the measured steps did not train\n",
               workload, first, last);
  return 1;
}

// Fraction of rows whose argmax of `logits` [N, C] equals `labels` [N].
double accuracy(const Tensor<float>& logits, const Tensor<std::int64_t>& labels) {
  const Tensor<std::int64_t> predicted = tg::argmax(logits, 1).contiguous();
  const Tensor<std::int64_t> expected = labels.contiguous();
  const std::int64_t n = predicted.numel();
  std::int64_t correct = 0;
  for (std::int64_t i = 0; i < n; ++i) correct += predicted.data()[i] == expected.data()[i];
  return n > 0 ? double(correct) / double(n) : 0.0;
}

// The CNN of examples/mnist_cnn.cpp without its dropout (as the MLP above has none): two conv/ReLU/maxpool
// stages and two Linear layers, 225,034 parameters.
struct CNNImpl : nn::Module {
  nn::Conv2d conv1{nullptr}, conv2{nullptr};
  nn::Linear fc1{nullptr}, fc2{nullptr};
  CNNImpl() {
    conv1 = register_module("conv1", nn::Conv2d(1, 32, 3));
    conv2 = register_module("conv2", nn::Conv2d(32, 64, 3));
    fc1 = register_module("fc1", nn::Linear(64 * 5 * 5, 128));
    fc2 = register_module("fc2", nn::Linear(128, 10));
  }
  Tensor<float> forward(const Tensor<float>& x) {
    auto h = F::max_pool2d(tg::relu(conv1(x)), 2);
    h = F::max_pool2d(tg::relu(conv2(h)), 2);
    return fc2(tg::relu(fc1(h.flatten(1))));
  }
};
TG_MODULE(CNN);

// Training steps of `model` on 16 distinct random batches of `input` shape (cycled, so the data is not one
// cached buffer), after 5 warm-up steps.
// On a GPU the timed loop ends with the last loss's item(), which waits for every queued kernel.
template <class Model> int train_steps(const char* workload, Model& model, const tg::Shape& input, int steps) {
  model->to(g_device);
  tg::optim::Adam<float> opt(model->parameters(), tg::optim::AdamOptions(1e-3));
  const std::int64_t batch = input[0];
  std::vector<Tensor<float>> xs;
  std::vector<Tensor<std::int64_t>> ys;
  for (int i = 0; i < 16; ++i) {
    xs.push_back(tg::rand<float>(input).to(g_device));
    ys.push_back(tg::randint<std::int64_t>(0, 10, {batch}).to(g_device));
  }
  auto step = [&](int i) {
    opt.zero_grad();
    auto loss = F::cross_entropy(model(xs[i % 16]), ys[i % 16]);
    loss.backward();
    opt.step();
    return loss;
  };
  float first_loss = 0, loss_value = 0;
  for (int i = 0; i < 5; ++i) {  // warm-up
    auto loss = step(i);
    if (i == 0) first_loss = loss.item();
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) {
    auto loss = step(i);
    if (i == steps - 1) loss_value = loss.item();  // read once, as the reference does
  }
  const double t = seconds_since(t0);
  std::printf("%s batch=%lld steps=%d seconds=%.4f samples_per_s=%.1f final_loss=%.4f first_loss=%.4f\n", workload,
              static_cast<long long>(batch), steps, t, batch * double(steps) / t, loss_value, first_loss);
  return check_loss_fell(workload, first_loss, loss_value);
}

int mnist_mlp(int batch, int steps) {
  MLP model;
  return train_steps("mnist-mlp", model, {batch, 784}, steps);
}

int mnist_cnn(int batch, int steps) {
  CNN model;
  return train_steps("mnist-cnn", model, {batch, 1, 28, 28}, steps);
}

int mnist_infer(int batch, int steps) {
  MLP model;
  model->to(g_device);
  model->eval();
  tg::NoGradGuard no_grad;
  std::vector<Tensor<float>> xs;
  for (int i = 0; i < 16; ++i) xs.push_back(tg::rand<float>({batch, 784}).to(g_device));
  // The checksum reads every output, so no forward can be skipped.
  float checksum = 0;
  for (int i = 0; i < 5; ++i) checksum += model(xs[i % 16]).sum().item();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) checksum += model(xs[i % 16]).sum().item();
  const double t = seconds_since(t0);
  std::printf("mnist-infer batch=%d steps=%d seconds=%.4f samples_per_s=%.1f us_per_batch=%.2f checksum=%.3f\n", batch,
              steps, t, batch * double(steps) / t, 1e6 * t / steps, checksum);
  return 0;
}

int xor_net(int epochs) {
  nn::Sequential model(nn::Linear(2, 8), nn::ReLU(), nn::Linear(8, 1));
  model->to(g_device);
  tg::optim::Adam<float> opt(model->parameters(), tg::optim::AdamOptions(0.05));
  const auto x = tg::tensor<float>({{0, 0}, {0, 1}, {1, 0}, {1, 1}}).to(g_device);
  const auto y = tg::tensor<float>({{0}, {1}, {1}, {0}}).to(g_device);
  float first_loss = 0, loss_value = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int e = 0; e < epochs; ++e) {
    opt.zero_grad();
    auto loss = F::binary_cross_entropy_with_logits(model(x), y);
    loss.backward();
    opt.step();
    if (e == 0) first_loss = loss.item();
    if (e == epochs - 1) loss_value = loss.item();
  }
  const double t = seconds_since(t0);
  tg::NoGradGuard no_grad;
  const Tensor<float> p = tg::sigmoid(model(x)).to(tg::kCPU).contiguous(), labels = y.to(tg::kCPU);
  int correct = 0;
  for (int i = 0; i < 4; ++i) correct += (p.data()[i] >= 0.5f) == (labels.data()[i] >= 0.5f);
  std::printf("xor batch=4 steps=%d seconds=%.4f samples_per_s=%.1f final_loss=%.4f accuracy=%.2f first_loss=%.4f\n",
              epochs, t, 4.0 * epochs / t, loss_value, correct / 4.0, first_loss);
  return check_loss_fell("xor", first_loss, loss_value);
}

int mnist_train(const std::string& dir, int epochs) {
  // Grey levels byte / 255 without normalisation, as the reference.
  tg::data::MNIST train(dir, tg::data::MNIST::Mode::kTrain);
  tg::data::MNIST test(dir, tg::data::MNIST::Mode::kTest);
  MNISTClassifier model;
  tg::optim::Adam<float> opt(model->parameters(), tg::optim::AdamOptions(1e-3));
  // The reference visits i + 64 <= n of a fresh permutation per epoch: shuffled, last partial batch dropped.
  tg::data::DataLoader loader(train, tg::data::DataLoaderOptions().batch_size(64).shuffle(true).drop_last(true).seed(42));
  float first_loss = NAN, loss_value = 0;
  double acc = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int e = 0; e < epochs; ++e) {
    model->train();
    for (auto& batch : loader) {
      opt.zero_grad();
      auto loss = F::cross_entropy(model(batch.data), batch.target);
      loss.backward();
      opt.step();
      loss_value = loss.item();
      if (std::isnan(first_loss)) first_loss = loss_value;
    }
    model->eval();
    tg::NoGradGuard no_grad;
    acc = accuracy(model(test.images()), test.targets());
    std::printf("epoch %d test_accuracy=%.4f\n", e + 1, acc);
  }
  const double t = seconds_since(t0);
  std::printf("mnist-train train=%lld test=%lld epochs=%d seconds=%.3f test_accuracy=%.4f final_loss=%.4f "
              "first_loss=%.4f\n",
              (long long)train.size(), (long long)test.size(), epochs, t, acc, loss_value, first_loss);
  return check_loss_fell("mnist-train", first_loss, loss_value);
}

int gemm(int n) {
  tg::NoGradGuard no_grad;
  const auto a = tg::rand<float>({n, n});
  const auto b = tg::rand<float>({n, n});
  Tensor<float> c = tg::matmul(a, b);  // warm-up: Eigen's blocking buffers and OpenMP threads
  // Enough repetitions for about a second at the machine's expected rate, at least three.
  const double flops = 2.0 * n * double(n) * n;
  const int reps = std::max(3, int(100e9 / flops));
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) c = tg::matmul(a, b);
  const double t = seconds_since(t0);
  // One output element against a plain float64 dot product: the product was really computed.
  double expected = 0;
  for (int k = 0; k < n; ++k) expected += double(a.data()[k]) * b.data()[std::int64_t(k) * n];
  const double got = c.data()[0];
  std::printf("gemm n=%d reps=%d seconds=%.4f gflops=%.1f threads=%d\n", n, reps, t, flops * reps / t / 1e9,
              tg::get_num_threads());
  if (std::abs(got - expected) > 1e-4 * std::abs(expected) + 1e-3) {
    std::fprintf(stderr, "gemm: c[0, 0] = %.6f, expected %.6f\n", got, expected);
    return 1;
  }
  return 0;
}

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s mnist-mlp BATCH STEPS | mnist-cnn BATCH STEPS | mnist-infer BATCH STEPS | xor EPOCHS | mnist-train DIR EPOCHS |"
               " gemm N  [--threads N] [--device cpu|cuda]\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads") {
      if (i + 1 >= argc) return usage(argv[0]);
      tg::set_num_threads(std::atoi(argv[++i]));
    } else if (a == "--device") {
      if (i + 1 >= argc) return usage(argv[0]);
      try {
        g_device = tg::Device(argv[++i]);
      } catch (const tg::Error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return usage(argv[0]);
      }
    } else {
      args.push_back(a);
    }
  }
  if (args.size() < 2) return usage(argv[0]);
  tg::manual_seed(42);
  const std::string& workload = args[0];
  const auto count = [&](std::size_t i) { return i < args.size() ? std::atoi(args[i].c_str()) : 0; };
  try {
    if (workload == "mnist-mlp" && args.size() == 3) return mnist_mlp(count(1), count(2));
    if (workload == "mnist-cnn" && args.size() == 3) return mnist_cnn(count(1), count(2));
    if (workload == "mnist-infer" && args.size() == 3) return mnist_infer(count(1), count(2));
    if (workload == "xor") return xor_net(count(1));
    if (workload == "mnist-train" && args.size() == 3) return mnist_train(args[1], count(2));
    if (workload == "gemm") return gemm(count(1));
  } catch (const tg::Error& e) {
    std::fprintf(stderr, "%s: %s\n", workload.c_str(), e.what());
    return 1;
  }
  return usage(argv[0]);
}
