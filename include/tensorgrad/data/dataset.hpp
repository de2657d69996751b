#pragma once
/// Datasets: the Dataset interface (size() and get(i), as torch.utils.data.Dataset's __len__/__getitem__),
/// Example, and TensorDataset over tensors whose first dim is the sample dim.
#include <cstdint>
#include <cstring>
#include <vector>

#include "../core/random.hpp"
#include "../ops/tensor_methods.hpp"

namespace tg {
namespace data {

/// One sample, or a stacked batch of samples (batch dim first): `data` is the input, `target` the label.
/// An aggregate, so `auto& [x, y] = example;` works.
template <class Input = Tensor<float>, class Target = Tensor<std::int64_t>>
struct Example {
  Input data;
  Target target;
};

namespace detail {
/// Copies the contiguous `row` (one sample of `row_numel` elements) into row `k` of the contiguous `batch`.
template <class T> void copy_row(const Tensor<T>& row, Tensor<T>& batch, std::int64_t k, std::int64_t row_numel) {
  std::memcpy(batch.data() + k * row_numel, row.data(), static_cast<std::size_t>(row_numel) * sizeof(T));
}

/// The shape of a batch of `n` samples of shape `sample`: [n, sample...].
inline Shape batch_shape(std::int64_t n, const Shape& sample) {
  Shape s = sample;
  s.insert(0, n);
  return s;
}
}  // namespace detail

/// The dataset interface: `size()` samples, each returned by `get(i)`. Input and Target are tensor types
/// (`Tensor<float>`, `Tensor<double>` or `Tensor<std::int64_t>`).
///
/// `get_batch(indices)` stacks samples into one Example (batch dim first). The default gathers `get(i)`
/// one by one into a preallocated batch; datasets that hold their samples in one tensor (TensorDataset,
/// MNIST) override it to copy rows straight from storage.
///
/// Example:
///   struct Squares : tg::data::Dataset<tg::Tensor<float>, tg::Tensor<float>> {
///     std::int64_t size() const override { return 10; }
///     Example<tg::Tensor<float>, tg::Tensor<float>> get(std::int64_t i) const override {
///       return {tg::tensor<float>({float(i)}), tg::tensor<float>({float(i * i)})};
///     }
///   };
template <class Input = Tensor<float>, class Target = Tensor<std::int64_t>>
class Dataset {
 public:
  using input_type = Input;
  using target_type = Target;
  using example_type = Example<Input, Target>;

  virtual ~Dataset() = default;
  /// Number of samples.
  virtual std::int64_t size() const = 0;
  /// Sample `index`, in [0, size()).
  virtual example_type get(std::int64_t index) const = 0;

  /// The samples at `indices`, stacked along a new first dim. Every sample must have the same shape.
  virtual example_type get_batch(const std::vector<std::int64_t>& indices) const {
    TG_CHECK(!indices.empty(), "Dataset::get_batch: empty index list (a batch needs at least one sample)");
    const auto n = static_cast<std::int64_t>(indices.size());
    example_type first = get(checked_index(indices[0]));
    example_type batch{empty<typename Input::value_type>(detail::batch_shape(n, first.data.sizes())),
                       empty<typename Target::value_type>(detail::batch_shape(n, first.target.sizes()))};
    const std::int64_t data_numel = first.data.numel(), target_numel = first.target.numel();
    for (std::int64_t k = 0; k < n; ++k) {
      example_type e = k == 0 ? first : get(checked_index(indices[k]));
      TG_CHECK(e.data.sizes() == first.data.sizes() && e.target.sizes() == first.target.sizes(),
               "Dataset::get_batch: sample ", indices[k], " has data ", e.data.sizes(), " and target ",
               e.target.sizes(), ", but sample ", indices[0], " has data ", first.data.sizes(), " and target ",
               first.target.sizes(), "; samples of a batch must have equal shapes");
      detail::copy_row(e.data.cpu().contiguous(), batch.data, k, data_numel);
      detail::copy_row(e.target.cpu().contiguous(), batch.target, k, target_numel);
    }
    return batch;
  }

 protected:
  /// `index` itself, after checking it is in [0, size()).
  std::int64_t checked_index(std::int64_t index) const {
    TG_CHECK(index >= 0 && index < size(), "Dataset: index ", index, " is out of range for a dataset of ", size(),
             " samples");
    return index;
  }
};

/// A dataset over an inputs tensor and a targets tensor whose first dims are the sample dim, as
/// torch.utils.data.TensorDataset. Sample i is (inputs[i], targets[i]); the tensors are kept (aliased, as
/// PyTorch does) on the CPU in contiguous form, so a batch is gathered with one memcpy per row.
///
/// Example:
///   tg::data::TensorDataset dataset(tg::randn({1000, 20}), tg::randint(0, 5, {1000}));
///   dataset.size();   // 1000
template <class X = float, class Y = std::int64_t>
class TensorDataset : public Dataset<Tensor<X>, Tensor<Y>> {
 public:
  using example_type = Example<Tensor<X>, Tensor<Y>>;

  TensorDataset(const Tensor<X>& inputs, const Tensor<Y>& targets)
      : inputs_(inputs.detach().cpu().contiguous()), targets_(targets.detach().cpu().contiguous()) {
    TG_CHECK(inputs_.dim() >= 1 && targets_.dim() >= 1, "TensorDataset: inputs ", inputs_.sizes(), " and targets ",
             targets_.sizes(), " need a first (sample) dim");
    TG_CHECK(inputs_.size(0) == targets_.size(0), "TensorDataset: size mismatch between tensors: inputs ",
             inputs_.sizes(), " has ", inputs_.size(0), " samples but targets ", targets_.sizes(), " has ",
             targets_.size(0));
  }

  std::int64_t size() const override { return inputs_.size(0); }
  /// (inputs[index], targets[index]), views into the dataset's tensors.
  example_type get(std::int64_t index) const override {
    this->checked_index(index);
    return {inputs_.select(0, index), targets_.select(0, index)};
  }
  example_type get_batch(const std::vector<std::int64_t>& indices) const override {
    const auto n = static_cast<std::int64_t>(indices.size());
    example_type batch{empty<X>(detail::batch_shape(n, sample_shape(inputs_))),
                       empty<Y>(detail::batch_shape(n, sample_shape(targets_)))};
    const std::int64_t data_numel = row_numel(inputs_), target_numel = row_numel(targets_);
    const X* in = inputs_.data();
    const Y* target_in = targets_.data();
    X* out = batch.data.data();
    Y* target_out = batch.target.data();
    for (std::int64_t k = 0; k < n; ++k) {
      const std::int64_t i = this->checked_index(indices[k]);
      std::memcpy(out + k * data_numel, in + i * data_numel, static_cast<std::size_t>(data_numel) * sizeof(X));
      std::memcpy(target_out + k * target_numel, target_in + i * target_numel,
                  static_cast<std::size_t>(target_numel) * sizeof(Y));
    }
    return batch;
  }

  /// All inputs, [size(), ...].
  const Tensor<X>& inputs() const { return inputs_; }
  /// All targets, [size(), ...].
  const Tensor<Y>& targets() const { return targets_; }

 private:
  template <class T> static Shape sample_shape(const Tensor<T>& t) {
    Shape s = t.sizes();
    s.erase(0);
    return s;
  }
  template <class T> static std::int64_t row_numel(const Tensor<T>& t) { return sample_shape(t).numel(); }

  Tensor<X> inputs_;
  Tensor<Y> targets_;
};

}  // namespace data
}  // namespace tg
