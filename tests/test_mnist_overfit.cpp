// The MNIST pipeline end to end on a tiny synthetic IDX set written here (no network, no real digits):
// IDX files -> tg::data::MNIST -> DataLoader -> the tutorial's MNISTClassifier -> CrossEntropyLoss -> Adam.
// The hidden "[.mnist_fixture]" case writes the same set for the examples' ctest smoke runs.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../examples/mnist_classifier.hpp"  // the model mnist_mlp trains
#include "test_util.hpp"

namespace nn = tg::nn;
using tg::Tensor;

namespace {

void put_be32(std::ofstream& out, std::uint32_t v) {
  const char bytes[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  out.write(bytes, 4);
}

/// Digit k of the synthetic set: a bright 6x6 square in cell k of a 2x5 grid over a dim, noisy background.
std::vector<unsigned char> synthetic_image(int k, std::uint32_t& noise) {
  std::vector<unsigned char> pixels(28 * 28);
  for (auto& p : pixels) {
    noise = noise * 1664525u + 1013904223u;  // a fixed LCG: the files are the same bytes on every run
    p = static_cast<unsigned char>((noise >> 24) % 48);
  }
  const int top = 4 + (k / 5) * 12, left = 1 + (k % 5) * 5;
  for (int r = top; r < top + 6; ++r)
    for (int c = left; c < left + 5; ++c) pixels[r * 28 + c] = 255;
  return pixels;
}

/// Writes `count` images and labels as the standard IDX pair `prefix`-images-idx3-ubyte / -labels-idx1-ubyte.
void write_idx_pair(const std::filesystem::path& dir, const std::string& prefix, int count, std::uint32_t seed) {
  std::ofstream images(dir / (prefix + "-images-idx3-ubyte"), std::ios::binary);
  std::ofstream labels(dir / (prefix + "-labels-idx1-ubyte"), std::ios::binary);
  put_be32(images, 0x00000803);
  put_be32(images, static_cast<std::uint32_t>(count));
  put_be32(images, 28);
  put_be32(images, 28);
  put_be32(labels, 0x00000801);
  put_be32(labels, static_cast<std::uint32_t>(count));
  std::uint32_t noise = seed;
  for (int i = 0; i < count; ++i) {
    const int digit = (i * 7) % 10;  // every digit, in a mixed order
    const std::vector<unsigned char> pixels = synthetic_image(digit, noise);
    images.write(reinterpret_cast<const char*>(pixels.data()), static_cast<std::streamsize>(pixels.size()));
    labels.put(static_cast<char>(digit));
  }
  REQUIRE(images.good());
  REQUIRE(labels.good());
}

/// The four MNIST files in `dir`: `train` training and `test` test images.
void write_synthetic_mnist(const std::filesystem::path& dir, int train, int test) {
  std::filesystem::create_directories(dir);
  write_idx_pair(dir, "train", train, 1);
  write_idx_pair(dir, "t10k", test, 2);
}

using test_util::TempDir;

}  // namespace

TEST_CASE("MNISTClassifier overfits one batch of a synthetic IDX set to loss < 1e-3 within 500 steps",
          "[mnist][overfit]") {
  TempDir tmp("tg-mnist-overfit");
  write_synthetic_mnist(tmp.dir, 40, 10);
  tg::data::MNIST train(tmp.str(), tg::data::MNIST::Mode::kTrain);
  REQUIRE(train.size() == 40);
  REQUIRE(train.images().sizes() == tg::Shape{40, 1, 28, 28});
  // The square of digit (i * 7) % 10 at image 1 (digit 7: grid row 1, column 2) reads back as 1.0.
  REQUIRE(train.targets().at({1}) == 7);
  REQUIRE(train.images().at({1, 0, 16, 11}) == 1.0f);

  tg::data::DataLoader loader(train, tg::data::DataLoaderOptions().batch_size(32).shuffle(true).seed(3));
  const auto batch = *loader.begin();
  REQUIRE(batch.data.sizes() == tg::Shape{32, 1, 28, 28});

  tg::manual_seed(0);
  MNISTClassifier model;  // in training mode: dropout stays on, as in the real run
  nn::CrossEntropyLoss criterion;
  tg::optim::Adam<float> optimizer(model->parameters(), tg::optim::AdamOptions(1e-3));
  const float first_loss = criterion(model(batch.data), batch.target).item();
  REQUIRE(std::abs(first_loss - std::log(10.0f)) < 0.5f);  // near-uniform predictions at initialisation

  int steps = 0;
  float loss_value = first_loss;
  bool all_finite = true;
  while (steps < 500 && loss_value >= 1e-3f) {
    optimizer.zero_grad();
    auto loss = criterion(model(batch.data), batch.target);
    loss.backward();
    optimizer.step();
    loss_value = loss.item();
    all_finite = all_finite && std::isfinite(loss_value);
    ++steps;
  }
  INFO("steps: " << steps << ", last loss: " << loss_value);
  REQUIRE(all_finite);
  REQUIRE(loss_value < 1e-3f);

  model->eval();
  tg::NoGradGuard no_grad;
  const auto predicted = model(batch.data).argmax(1);
  REQUIRE((predicted == batch.target).sum().item() == 32);
}

// Not run by default (hidden tag): examples/CMakeLists.txt runs it as the ctest fixture that gives
// mnist_mlp and mnist_predict a data folder, named by TG_SYNTHETIC_MNIST_DIR.
TEST_CASE("write the synthetic MNIST set for the examples' smoke runs", "[.mnist_fixture]") {
  const char* dir = std::getenv("TG_SYNTHETIC_MNIST_DIR");
  REQUIRE(dir != nullptr);
  write_synthetic_mnist(dir, 256, 100);
  REQUIRE(tg::data::MNIST(dir, tg::data::MNIST::Mode::kTrain).size() == 256);
  REQUIRE(tg::data::MNIST(dir, tg::data::MNIST::Mode::kTest).size() == 100);
}
