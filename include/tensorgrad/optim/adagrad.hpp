#pragma once
/// Adagrad with learning-rate decay.
#include "optimizer.hpp"

namespace tg {
namespace optim {

/// Options of Adagrad, as torch.optim.Adagrad.
/// Example: `tg::optim::AdagradOptions(1e-2).lr_decay(0).weight_decay(0).initial_accumulator_value(0).eps(1e-10)`
struct AdagradOptions {
  AdagradOptions(double lr = 1e-2) : lr_(lr) {}
  TG_OPTIM_ARG(double, lr);
  TG_OPTIM_ARG(double, lr_decay) = 0;
  TG_OPTIM_ARG(double, weight_decay) = 0;
  TG_OPTIM_ARG(double, initial_accumulator_value) = 0;
  TG_OPTIM_ARG(double, eps) = 1e-10;
};

/// Adagrad as PyTorch documents it, per element at step t: γ̃ = γ/(1 + (t − 1)η); g ← g + λθ (if λ ≠ 0);
/// s ← s + g² (s starts at initial_accumulator_value); θ ← θ − γ̃g/(√s + ε).
/// State per parameter: "step", "sum".
/// Example: `tg::optim::Adagrad optimizer(model->parameters(), tg::optim::AdagradOptions(0.1).lr_decay(1e-3));`
template <class T>
class Adagrad : public Optimizer<T> {
 public:
  Adagrad(std::vector<Tensor<T>> params, const AdagradOptions& options = {})
      : Optimizer<T>("Adagrad", std::move(params), options.lr()), options_(options) {
    TG_CHECK(options.lr_decay() >= 0, "Adagrad: invalid lr_decay value: ", options.lr_decay());
    TG_CHECK(options.weight_decay() >= 0, "Adagrad: invalid weight_decay value: ", options.weight_decay());
    TG_CHECK(options.initial_accumulator_value() >= 0, "Adagrad: invalid initial_accumulator_value value: ",
             options.initial_accumulator_value());
    TG_CHECK(options.eps() >= 0, "Adagrad: invalid epsilon value: ", options.eps());
  }
  Adagrad(std::initializer_list<Tensor<T>> params, const AdagradOptions& options = {})
      : Adagrad(std::vector<Tensor<T>>(params), options) {}

  const AdagradOptions& options() const { return options_; }

 protected:
  std::vector<std::string> buffer_names() const override { return {"sum"}; }
  T initial_value(std::size_t /*buffer*/) const override {
    return static_cast<T>(options_.initial_accumulator_value());
  }

  backend::bodies::OptimStep describe_step() const override {
    return backend::bodies::AdagradStep{this->lr(), options_.lr_decay(), options_.weight_decay(), options_.eps()};
  }

 private:
  AdagradOptions options_;
};

}  // namespace optim
}  // namespace tg
