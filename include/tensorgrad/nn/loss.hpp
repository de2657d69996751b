#pragma once
/// Loss modules: MSELoss, L1Loss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss,
/// BCEWithLogitsLoss. Each holds its options and calls its functional form (nn/functional_loss.hpp) on
/// float tensors; they print as PyTorch does, e.g. "CrossEntropyLoss()".
///
/// Example:
///   tg::nn::CrossEntropyLoss criterion(tg::nn::CrossEntropyLossOptions().label_smoothing(0.1));
///   auto loss = criterion(logits, labels);
#include <cstdint>
#include <string>

#include "functional_loss.hpp"
#include "module_holder.hpp"
#include "options.hpp"

namespace tg {
namespace nn {

/// Options of the losses that only take a reduction: "mean" (default), "sum" or "none".
struct ReductionOptions {
  ReductionOptions(std::string reduction = "mean") : reduction_(std::move(reduction)) {}
  TG_ARG(std::string, reduction);
};
using MSELossOptions = ReductionOptions;
using L1LossOptions = ReductionOptions;

struct SmoothL1LossOptions {
  TG_ARG(std::string, reduction) = "mean";
  TG_ARG(double, beta) = 1.0;
};
struct HuberLossOptions {
  TG_ARG(std::string, reduction) = "mean";
  TG_ARG(double, delta) = 1.0;
};
struct CrossEntropyLossOptions {
  /// Per-class weights [C] (undefined: all 1).
  TG_ARG(AnyTensor, weight);
  TG_ARG(std::int64_t, ignore_index) = -100;
  TG_ARG(std::string, reduction) = "mean";
  TG_ARG(double, label_smoothing) = 0.0;
};
struct NLLLossOptions {
  TG_ARG(AnyTensor, weight);
  TG_ARG(std::int64_t, ignore_index) = -100;
  TG_ARG(std::string, reduction) = "mean";
};
struct BCELossOptions {
  /// Per-element weights, broadcast to the input (undefined: all 1).
  TG_ARG(AnyTensor, weight);
  TG_ARG(std::string, reduction) = "mean";
};
struct BCEWithLogitsLossOptions {
  TG_ARG(AnyTensor, weight);
  TG_ARG(std::string, reduction) = "mean";
  /// Weight of the positive term, broadcast along the last dim (e.g. [C]).
  TG_ARG(AnyTensor, pos_weight);
};

namespace detail {
/// Validates a reduction at construction, so a typo fails where the loss is built, naming the module.
inline void check_reduction(const std::string& reduction, const char* module) {
  functional::detail::parse_reduction(reduction, module);
}
}  // namespace detail

class MSELossImpl : public Module {
 public:
  explicit MSELossImpl(MSELossOptions options = {}) : options(std::move(options)) {
    detail::check_reduction(this->options.reduction(), "MSELoss");
  }
  template <class T> Tensor<T> forward(const Tensor<T>& input, const Tensor<T>& target) const {
    return in_context([&] { return functional::mse_loss(input, target, options.reduction()); });
  }
  std::string name() const override { return "MSELoss"; }
  MSELossOptions options;
};
TG_MODULE(MSELoss);

class L1LossImpl : public Module {
 public:
  explicit L1LossImpl(L1LossOptions options = {}) : options(std::move(options)) {
    detail::check_reduction(this->options.reduction(), "L1Loss");
  }
  template <class T> Tensor<T> forward(const Tensor<T>& input, const Tensor<T>& target) const {
    return in_context([&] { return functional::l1_loss(input, target, options.reduction()); });
  }
  std::string name() const override { return "L1Loss"; }
  L1LossOptions options;
};
TG_MODULE(L1Loss);

class SmoothL1LossImpl : public Module {
 public:
  explicit SmoothL1LossImpl(SmoothL1LossOptions options = {}) : options(std::move(options)) {
    detail::check_reduction(this->options.reduction(), "SmoothL1Loss");
  }
  template <class T> Tensor<T> forward(const Tensor<T>& input, const Tensor<T>& target) const {
    return in_context(
        [&] { return functional::smooth_l1_loss(input, target, options.reduction(), options.beta()); });
  }
  std::string name() const override { return "SmoothL1Loss"; }
  SmoothL1LossOptions options;
};
TG_MODULE(SmoothL1Loss);

class HuberLossImpl : public Module {
 public:
  explicit HuberLossImpl(HuberLossOptions options = {}) : options(std::move(options)) {
    detail::check_reduction(this->options.reduction(), "HuberLoss");
  }
  template <class T> Tensor<T> forward(const Tensor<T>& input, const Tensor<T>& target) const {
    return in_context([&] { return functional::huber_loss(input, target, options.reduction(), options.delta()); });
  }
  std::string name() const override { return "HuberLoss"; }
  HuberLossOptions options;
};
TG_MODULE(HuberLoss);

class CrossEntropyLossImpl : public Module {
 public:
  explicit CrossEntropyLossImpl(CrossEntropyLossOptions options = {}) : options(std::move(options)) {
    detail::check_reduction(this->options.reduction(), "CrossEntropyLoss");
    // The class weights are state (PyTorch registers them as a buffer), so they follow to() and checkpoints.
    if (this->options.weight().defined()) weight = register_buffer("weight", this->options.weight());
  }
  /// input: logits [N, C]; target: class indices [N].
  template <class T> Tensor<T> forward(const Tensor<T>& input, const Tensor<std::int64_t>& target) const {
    return in_context([&] {
      return functional::cross_entropy(input, target, typed<T>(weight, "weight"), options.ignore_index(), options.reduction(),
                                       options.label_smoothing());
    });
  }
  std::string name() const override { return "CrossEntropyLoss"; }
  CrossEntropyLossOptions options;
  /// The class weights as registered (a buffer, so it follows to()); undefined without weights.
  AnyTensor weight;
};
TG_MODULE(CrossEntropyLoss);

class NLLLossImpl : public Module {
 public:
  explicit NLLLossImpl(NLLLossOptions options = {}) : options(std::move(options)) {
    detail::check_reduction(this->options.reduction(), "NLLLoss");
    if (this->options.weight().defined()) weight = register_buffer("weight", this->options.weight());
  }
  /// input: log-probabilities [N, C]; target: class indices [N].
  template <class T> Tensor<T> forward(const Tensor<T>& input, const Tensor<std::int64_t>& target) const {
    return in_context([&] {
      return functional::nll_loss(input, target, typed<T>(weight, "weight"), options.ignore_index(), options.reduction());
    });
  }
  std::string name() const override { return "NLLLoss"; }
  NLLLossOptions options;
  /// The class weights as registered (a buffer, so it follows to()); undefined without weights.
  AnyTensor weight;
};
TG_MODULE(NLLLoss);

class BCELossImpl : public Module {
 public:
  explicit BCELossImpl(BCELossOptions options = {}) : options(std::move(options)) {
    detail::check_reduction(this->options.reduction(), "BCELoss");
    if (this->options.weight().defined()) weight = register_buffer("weight", this->options.weight());
  }
  /// input: probabilities in [0, 1]; target: same shape.
  template <class T> Tensor<T> forward(const Tensor<T>& input, const Tensor<T>& target) const {
    return in_context(
        [&] { return functional::binary_cross_entropy(input, target, typed<T>(weight, "weight"), options.reduction()); });
  }
  std::string name() const override { return "BCELoss"; }
  BCELossOptions options;
  /// The class weights as registered (a buffer, so it follows to()); undefined without weights.
  AnyTensor weight;
};
TG_MODULE(BCELoss);

class BCEWithLogitsLossImpl : public Module {
 public:
  explicit BCEWithLogitsLossImpl(BCEWithLogitsLossOptions options = {}) : options(std::move(options)) {
    detail::check_reduction(this->options.reduction(), "BCEWithLogitsLoss");
    if (this->options.weight().defined()) weight = register_buffer("weight", this->options.weight());
    if (this->options.pos_weight().defined()) pos_weight = register_buffer("pos_weight", this->options.pos_weight());
  }
  /// input: logits; target: 0/1 (or soft) labels of the same shape.
  template <class T> Tensor<T> forward(const Tensor<T>& input, const Tensor<T>& target) const {
    return in_context([&] {
      return functional::binary_cross_entropy_with_logits(input, target, typed<T>(weight, "weight"), options.reduction(),
                                                          typed<T>(pos_weight, "pos_weight"));
    });
  }
  std::string name() const override { return "BCEWithLogitsLoss"; }
  BCEWithLogitsLossOptions options;
  /// The registered weight and pos_weight buffers (they follow to()); undefined when not given.
  AnyTensor weight, pos_weight;
};
TG_MODULE(BCEWithLogitsLoss);

}  // namespace nn
}  // namespace tg
