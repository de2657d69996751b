#pragma once
/// DataLoader: iterates a dataset in stacked batches, reshuffling each epoch with its own seeded generator,
/// as torch.utils.data.DataLoader (single process) with LibTorch's options struct.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/random.hpp"
#include "dataset.hpp"

namespace tg {
namespace data {

/// DataLoader settings, with LibTorch's chainable setters. Defaults are PyTorch's (batch_size 1, no shuffle,
/// keep the last partial batch); `seed` seeds the loader's own generator.
/// Example: tg::data::DataLoaderOptions().batch_size(64).shuffle(true).seed(0)
class DataLoaderOptions {
 public:
  DataLoaderOptions() = default;
  explicit DataLoaderOptions(std::int64_t batch_size) : batch_size_(batch_size) {}

  DataLoaderOptions& batch_size(std::int64_t value) {
    batch_size_ = value;
    return *this;
  }
  /// Draw a new random order of the samples at the start of every epoch.
  DataLoaderOptions& shuffle(bool value) {
    shuffle_ = value;
    return *this;
  }
  /// Skip the last batch when it has fewer than batch_size samples.
  DataLoaderOptions& drop_last(bool value) {
    drop_last_ = value;
    return *this;
  }
  /// Seed of the loader's generator: the same seed gives the same order in every epoch, bitwise, whatever
  /// else uses tg::default_generator().
  DataLoaderOptions& seed(std::uint64_t value) {
    seed_ = value;
    return *this;
  }
  std::int64_t batch_size() const { return batch_size_; }
  bool shuffle() const { return shuffle_; }
  bool drop_last() const { return drop_last_; }
  std::uint64_t seed() const { return seed_; }

 private:
  std::int64_t batch_size_ = 1;
  bool shuffle_ = false;
  bool drop_last_ = false;
  std::uint64_t seed_ = 0;
};

/// Iterates `dataset` (any tg::data::Dataset, held by value: TensorDataset and MNIST copies alias their
/// tensors) in batches of `batch_size` samples stacked along a new first dim. Each call to begin() starts
/// an epoch; with shuffle, an epoch's order is a fresh permutation from the loader's generator, so the
/// orders of epochs 1, 2, ... are a pure function of the seed. Iterators of an epoch are invalidated by
/// the next begin().
///
/// Example:
///   tg::data::DataLoader loader(dataset, tg::data::DataLoaderOptions().batch_size(64).shuffle(true));
///   for (int epoch = 0; epoch < 10; ++epoch)
///     for (auto& batch : loader) train_step(batch.data, batch.target);
template <class D>
class DataLoader {
  static_assert(std::is_base_of_v<Dataset<typename D::input_type, typename D::target_type>, D>,
                "tg::data::DataLoader: the dataset must derive from tg::data::Dataset<Input, Target>");

 public:
  using dataset_type = D;
  /// A stacked batch: `data` [batch, ...], `target` [batch, ...].
  using Batch = Example<typename D::input_type, typename D::target_type>;

  DataLoader(D dataset, DataLoaderOptions options = DataLoaderOptions())
      : dataset_(std::move(dataset)), options_(options), generator_(options.seed()) {
    TG_CHECK(options_.batch_size() > 0, "DataLoader: batch_size should be a positive integer value, but got ",
             "batch_size=", options_.batch_size());
    order_.resize(static_cast<std::size_t>(dataset_.size()));
  }

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    using pointer = const Batch*;
    using reference = const Batch&;

    iterator(DataLoader* loader, std::int64_t batch) : loader_(loader), batch_(batch) { load(); }
    reference operator*() const { return current_; }
    pointer operator->() const { return &current_; }
    iterator& operator++() {
      ++batch_;
      load();
      return *this;
    }
    friend bool operator==(const iterator& a, const iterator& b) { return a.batch_ == b.batch_; }
    friend bool operator!=(const iterator& a, const iterator& b) { return !(a == b); }

   private:
    void load() {
      if (batch_ >= loader_->size()) return;
      const std::int64_t bs = loader_->options_.batch_size(), n = loader_->dataset_.size();
      const std::int64_t first = batch_ * bs, last = std::min(first + bs, n);
      indices_.assign(loader_->order_.begin() + first, loader_->order_.begin() + last);
      current_ = loader_->dataset_.get_batch(indices_);
    }

    DataLoader* loader_;
    std::int64_t batch_;
    std::vector<std::int64_t> indices_;
    Batch current_;
  };

  /// Starts an epoch (a new order when shuffling) and returns its first batch.
  iterator begin() {
    std::iota(order_.begin(), order_.end(), std::int64_t{0});
    if (options_.shuffle()) {
      // Fisher–Yates with the loader's generator (same draws as tg::randperm), no tensor round trip.
      std::lock_guard<std::mutex> lock(generator_.mutex());
      for (std::int64_t i = static_cast<std::int64_t>(order_.size()) - 1; i > 0; --i)
        std::swap(order_[i], order_[generator_.below(static_cast<std::uint64_t>(i + 1))]);
    }
    return iterator(this, 0);
  }
  iterator end() { return iterator(this, size()); }

  /// Number of batches per epoch (len(loader) in PyTorch).
  std::int64_t size() const {
    const std::int64_t n = dataset_.size(), bs = options_.batch_size();
    return options_.drop_last() ? n / bs : (n + bs - 1) / bs;
  }
  std::int64_t batch_size() const { return options_.batch_size(); }
  const DataLoaderOptions& options() const { return options_; }
  const D& dataset() const { return dataset_; }

 private:
  D dataset_;
  DataLoaderOptions options_;
  Generator generator_;
  std::vector<std::int64_t> order_;
};

}  // namespace data
}  // namespace tg
