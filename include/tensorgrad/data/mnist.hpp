#pragma once
/// The MNIST dataset read from the standard IDX files, as torchvision.datasets.MNIST / LibTorch's
/// torch::data::datasets::MNIST.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>

#include "dataset.hpp"
#include "idx.hpp"

namespace tg {
namespace data {

/// Reads an IDX images file (magic 0x00000803) into a float tensor [N, 1, rows, cols] of grey levels
/// byte / 255 in [0, 1], or ((byte / 255) − mean) / std when `normalize` (MNIST's mean 0.1307 and std 0.3081,
/// as transforms.Normalize((0.1307,), (0.3081,))).
inline Tensor<float> read_idx_images(const std::string& path, bool normalize = false) {
  const IdxFile idx = read_idx(path, 3);
  // One table for the 256 grey levels: exact, identical for every pixel, and cheaper than per-pixel math.
  std::array<float, 256> level;
  for (int b = 0; b < 256; ++b) {
    const double x = b / 255.0;
    level[b] = static_cast<float>(normalize ? (x - 0.1307) / 0.3081 : x);
  }
  Tensor<float> images = empty<float>(Shape{idx.dims[0], 1, idx.dims[1], idx.dims[2]});
  float* out = images.data();
  for (std::size_t i = 0; i < idx.bytes.size(); ++i) out[i] = level[idx.bytes[i]];
  return images;
}

/// Reads an IDX labels file (magic 0x00000801) of digits into an int64 tensor [N]; a label above 9 is
/// rejected naming its index.
inline Tensor<std::int64_t> read_idx_labels(const std::string& path) {
  const IdxFile idx = read_idx(path, 1);
  Tensor<std::int64_t> labels = empty<std::int64_t>(Shape{idx.dims[0]});
  std::int64_t* out = labels.data();
  for (std::size_t i = 0; i < idx.bytes.size(); ++i) {
    TG_CHECK(idx.bytes[i] <= 9, "IDX file '", path, "': label ", int{idx.bytes[i]}, " at index ", i,
             " is out of range: expected a digit 0..9");
    out[i] = idx.bytes[i];
  }
  return labels;
}

/// MNIST from `root`, which holds the four standard IDX files (train-images-idx3-ubyte,
/// train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; uncompressed). Any number of
/// images is accepted: the official 60,000 / 10,000 or the 7,996 / 2,004 real digits that
/// scripts/get_mnist.sh writes. images() is float [N, 1, 28, 28] in [0, 1] (normalised when asked),
/// targets() int64 [N]; as a TensorDataset, sample i is (images()[i], targets()[i]).
///
/// Example:
///   tg::data::MNIST train("data", tg::data::MNIST::Mode::kTrain);
///   tg::data::DataLoader loader(train, tg::data::DataLoaderOptions().batch_size(64).shuffle(true));
class MNIST : public TensorDataset<float, std::int64_t> {
 public:
  enum class Mode { kTrain, kTest };
  static constexpr int kRows = 28;
  static constexpr int kCols = 28;

  explicit MNIST(const std::string& root, Mode mode = Mode::kTrain, bool normalize = false)
      : MNIST(load(root, mode, normalize), mode) {}

  const Tensor<float>& images() const { return inputs(); }
  bool is_train() const { return mode_ == Mode::kTrain; }

 private:
  MNIST(const Example<Tensor<float>, Tensor<std::int64_t>>& loaded, Mode mode)
      : TensorDataset(loaded.data, loaded.target), mode_(mode) {}

  static std::string file_path(const std::string& root, const char* name) {
    const std::string path = (std::filesystem::path(root) / name).string();
    TG_CHECK(std::filesystem::is_regular_file(path), "MNIST: missing file '", path, "' (expected ", name, " in '",
             root, "'; scripts/get_mnist.sh ", root, " writes it)");
    return path;
  }

  static Example<Tensor<float>, Tensor<std::int64_t>> load(const std::string& root, Mode mode, bool normalize) {
    const bool train = mode == Mode::kTrain;
    const std::string images_path = file_path(root, train ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte");
    const std::string labels_path = file_path(root, train ? "train-labels-idx1-ubyte" : "t10k-labels-idx1-ubyte");
    Tensor<float> images = read_idx_images(images_path, normalize);
    TG_CHECK(images.size(2) == kRows && images.size(3) == kCols, "MNIST: '", images_path, "': expected ", kRows,
             "x", kCols, " images, found ", images.size(2), "x", images.size(3));
    Tensor<std::int64_t> labels = read_idx_labels(labels_path);
    TG_CHECK(labels.size(0) == images.size(0), "MNIST: label count ", labels.size(0), " in '", labels_path,
             "' does not match image count ", images.size(0), " in '", images_path, "'");
    return {images, labels};
  }

  Mode mode_;
};

}  // namespace data
}  // namespace tg
