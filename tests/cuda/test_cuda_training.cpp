// Whole training loops on the GPU: XOR and the MNIST MLP must train on the GPU to the same accuracy as on the CPU.
// The tutorials' programs with `.to(device)` added, run once on the CPU and once on cuda:0 from the same initial
// weights and the same random stream. Every op of these loops has a CUDA kernel (Linear, ReLU, Dropout with Philox
// masks equal to the CPU's, the losses, Adam), so the two runs follow the same trajectory up to float rounding;
// the checks are on what a user compares: the final loss (within 2e-3 after hundreds of steps of rounding
// differences) and the accuracy (equal for XOR, within one percentage point for the MNIST-style MLP).
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "cuda_test_util.hpp"

#include "../../examples/mnist_classifier.hpp"

namespace {

using namespace cuda_test;

using tg::Tensor;
namespace nn = tg::nn;
namespace F = tg::nn::functional;

/// Copies every parameter of `from` into `to` (same architecture), so two models start from the same weights.
template <class M> void copy_parameters(const M& from, M& to) {
  tg::NoGradGuard no_grad;
  const auto src = from->parameters();
  auto dst = to->parameters();
  REQUIRE(src.size() == dst.size());
  for (std::size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i].to(dst[i].device()));
}

struct XorResult {
  float loss;
  int correct;
};

/// The XOR tutorial's loop: 2-8-1 ReLU net, BCEWithLogitsLoss, Adam(0.05), 1000 full-batch epochs, on `device`.
XorResult train_xor(nn::Sequential& model, tg::Device device) {
  model->to(device);
  tg::optim::Adam<float> optimizer(model->parameters(), tg::optim::AdamOptions(0.05));
  nn::BCEWithLogitsLoss criterion;
  const Tensor<float> x = tg::tensor<float>({{0, 0}, {0, 1}, {1, 0}, {1, 1}}).to(device);
  const Tensor<float> y = tg::tensor<float>({{0}, {1}, {1}, {0}}).to(device);
  Tensor<float> loss;
  for (int epoch = 0; epoch < 1000; ++epoch) {
    loss = criterion(model(x), y);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
  tg::NoGradGuard no_grad;
  const Tensor<float> predicted = tg::gt(tg::sigmoid(model(x)), 0.5f);
  const int correct = static_cast<int>(tg::eq(predicted, y).sum().item());
  return {loss.item(), correct};
}

/// Ten well-separated classes of 784-pixel "images": a random prototype per class plus noise.
struct Digits {
  Tensor<float> images;
  Tensor<std::int64_t> labels;
};
Digits synthetic_digits(const Tensor<float>& prototypes, std::int64_t n) {
  const Tensor<std::int64_t> labels = tg::randint(0, 10, {n});
  Tensor<float> images = 0.8f * tg::randn<float>({n, 784});
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < 784; ++j) images.data()[i * 784 + j] += prototypes.data()[labels.data()[i] * 784 + j];
  return {images.reshape({n, 1, 28, 28}), labels};
}

struct MnistResult {
  float last_loss;
  double accuracy;
};

/// The MNIST tutorial's loop (MNISTClassifier with Dropout 0.2, CrossEntropyLoss, Adam(1e-3), batches of 64), on
/// `device`; the batches stay on the CPU and move per step, as a DataLoader's do.
MnistResult train_mnist(MNISTClassifier& model, const Digits& train, const Digits& test, tg::Device device) {
  model->to(device);
  tg::optim::Adam<float> optimizer(model->parameters(), tg::optim::AdamOptions(1e-3));
  nn::CrossEntropyLoss criterion;
  model->train();
  float last = 0;
  const std::int64_t n = train.labels.size(0);
  for (int epoch = 0; epoch < 2; ++epoch)
    for (std::int64_t start = 0; start + 64 <= n; start += 64) {
      const Tensor<float> x = train.images.slice(0, start, start + 64).to(device);
      const Tensor<std::int64_t> y = train.labels.slice(0, start, start + 64).to(device);
      optimizer.zero_grad();
      const Tensor<float> loss = criterion(model(x), y);
      loss.backward();
      optimizer.step();
      last = loss.item();
    }
  model->eval();
  tg::NoGradGuard no_grad;
  const Tensor<float> logits = model(test.images.to(device));
  const std::int64_t correct = (logits.argmax(1) == test.labels.to(device)).sum().item();
  return {last, 100.0 * correct / test.labels.size(0)};
}

}  // namespace

TEST_CASE("cuda XOR: the tutorial's loop trains to 100% on the GPU, as on the CPU") {
  REQUIRE_GPU();
  tg::manual_seed(0);
  nn::Sequential cpu(nn::Linear(2, 8), nn::ReLU(), nn::Linear(8, 1));
  nn::Sequential gpu(nn::Linear(2, 8), nn::ReLU(), nn::Linear(8, 1));
  copy_parameters(cpu, gpu);
  const XorResult c = train_xor(cpu, tg::kCPU);
  const XorResult g = train_xor(gpu, tg::kCUDA);
  for (const auto& p : gpu->parameters()) CHECK(p.device() == tg::kCUDA);
  CHECK(c.correct == 4);
  CHECK(g.correct == 4);
  CHECK(std::abs(g.loss - c.loss) < 2e-3);
}

TEST_CASE("cuda MNIST MLP: the tutorial's classifier with dropout trains on the GPU to the CPU's accuracy") {
  REQUIRE_GPU();
  tg::manual_seed(5);
  const Tensor<float> prototypes = tg::randn<float>({10, 784});
  const Digits train = synthetic_digits(prototypes, 64 * 40), test = synthetic_digits(prototypes, 1000);
  MNISTClassifier cpu, gpu;
  copy_parameters(cpu, gpu);
  tg::manual_seed(6);  // the dropout masks: one draw per Dropout call, the same stream on both devices
  const MnistResult c = train_mnist(cpu, train, test, tg::kCPU);
  tg::manual_seed(6);
  const MnistResult g = train_mnist(gpu, train, test, tg::kCUDA);
  INFO("cpu: loss " << c.last_loss << ", accuracy " << c.accuracy << "%; cuda: loss " << g.last_loss << ", accuracy "
                    << g.accuracy << "%");
  CHECK(c.accuracy >= 95.0);
  CHECK(g.accuracy >= 95.0);
  CHECK(std::abs(g.accuracy - c.accuracy) <= 1.0);
  CHECK(std::abs(g.last_loss - c.last_loss) < 2e-2);
}
