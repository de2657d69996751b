#pragma once
/// Subset and random_split, as torch.utils.data.Subset / random_split.
#include <cstdint>
#include <memory>
#include <vector>

#include "../core/random.hpp"
#include "dataset.hpp"

namespace tg {
namespace data {

/// The samples of `dataset` at `indices`, in that order: sample i is dataset[indices[i]].
/// Batches are gathered by the underlying dataset's get_batch, so a subset of a TensorDataset keeps its
/// row-copy fast path.
template <class Input = Tensor<float>, class Target = Tensor<std::int64_t>>
class Subset : public Dataset<Input, Target> {
 public:
  using example_type = Example<Input, Target>;

  Subset(std::shared_ptr<const Dataset<Input, Target>> dataset, std::vector<std::int64_t> indices)
      : dataset_(std::move(dataset)), indices_(std::move(indices)) {
    TG_CHECK(dataset_, "Subset: null dataset");
    const std::int64_t n = dataset_->size();
    for (std::int64_t i : indices_)
      TG_CHECK(i >= 0 && i < n, "Subset: index ", i, " is out of range for a dataset of ", n, " samples");
  }

  std::int64_t size() const override { return static_cast<std::int64_t>(indices_.size()); }
  example_type get(std::int64_t index) const override { return dataset_->get(indices_[this->checked_index(index)]); }
  example_type get_batch(const std::vector<std::int64_t>& indices) const override {
    std::vector<std::int64_t> mapped(indices.size());
    for (std::size_t k = 0; k < indices.size(); ++k) mapped[k] = indices_[this->checked_index(indices[k])];
    return dataset_->get_batch(mapped);
  }

  /// Positions of this subset's samples in the underlying dataset.
  const std::vector<std::int64_t>& indices() const { return indices_; }
  const Dataset<Input, Target>& dataset() const { return *dataset_; }

 private:
  std::shared_ptr<const Dataset<Input, Target>> dataset_;
  std::vector<std::int64_t> indices_;
};

/// Splits `dataset` into non-overlapping subsets of the given lengths (which must sum to its size), drawn
/// from one random permutation of `generator`, as torch.utils.data.random_split. The subsets share one
/// copy of `dataset` (tensor datasets alias their tensors, so this copies no samples).
///
/// Example:
///   tg::Generator gen(42);
///   auto parts = tg::data::random_split(dataset, {800, 200}, gen);   // parts[0].size() == 800
template <class D>
std::vector<Subset<typename D::input_type, typename D::target_type>> random_split(
    const D& dataset, const std::vector<std::int64_t>& lengths, Generator& generator = default_generator()) {
  using SubsetT = Subset<typename D::input_type, typename D::target_type>;
  std::int64_t total = 0;
  for (std::int64_t len : lengths) {
    TG_CHECK(len >= 0, "random_split: lengths must be non-negative, got ", len);
    total += len;
  }
  TG_CHECK(total == dataset.size(), "random_split: sum of input lengths (", total,
           ") does not equal the length of the input dataset (", dataset.size(), ")");
  auto shared = std::make_shared<const D>(dataset);
  const std::vector<std::int64_t> perm = randperm(total, generator).tolist();
  std::vector<SubsetT> parts;
  parts.reserve(lengths.size());
  auto start = perm.begin();
  for (std::int64_t len : lengths) {
    parts.emplace_back(shared, std::vector<std::int64_t>(start, start + len));
    start += len;
  }
  return parts;
}

}  // namespace data
}  // namespace tg
