#pragma once
/// Adam (with optional AMSGrad and L2 weight decay) and AdamW (decoupled weight decay).
#include <tuple>

#include "optimizer.hpp"

namespace tg {
namespace optim {

/// (β₁, β₂): the decay rates of the first and second moment averages.
using Betas = std::tuple<double, double>;

/// Options of Adam, as torch.optim.Adam.
/// Example: `tg::optim::AdamOptions(1e-3).betas({0.9, 0.999}).eps(1e-8).weight_decay(0).amsgrad(false)`
struct AdamOptions {
  AdamOptions(double lr = 1e-3) : lr_(lr) {}
  TG_OPTIM_ARG(double, lr);
  TG_OPTIM_ARG(Betas, betas) = std::make_tuple(0.9, 0.999);
  TG_OPTIM_ARG(double, eps) = 1e-8;
  TG_OPTIM_ARG(double, weight_decay) = 0;
  TG_OPTIM_ARG(bool, amsgrad) = false;
};

/// Options of AdamW, as torch.optim.AdamW: Adam's, with a default weight_decay of 1e-2.
struct AdamWOptions {
  AdamWOptions(double lr = 1e-3) : lr_(lr) {}
  TG_OPTIM_ARG(double, lr);
  TG_OPTIM_ARG(Betas, betas) = std::make_tuple(0.9, 0.999);
  TG_OPTIM_ARG(double, eps) = 1e-8;
  TG_OPTIM_ARG(double, weight_decay) = 1e-2;
  TG_OPTIM_ARG(bool, amsgrad) = false;
};

namespace detail {

/// Validates what the base class does not (it checks the learning rate).
template <class Options>
void check_adam_options(const char* name, const Options& o) {
  TG_CHECK(o.eps() >= 0, name, ": invalid epsilon value: ", o.eps());
  TG_CHECK(std::get<0>(o.betas()) >= 0 && std::get<0>(o.betas()) < 1, name, ": invalid beta parameter at index 0: ",
           std::get<0>(o.betas()));
  TG_CHECK(std::get<1>(o.betas()) >= 0 && std::get<1>(o.betas()) < 1, name, ": invalid beta parameter at index 1: ",
           std::get<1>(o.betas()));
  TG_CHECK(o.weight_decay() >= 0, name, ": invalid weight_decay value: ", o.weight_decay());
}

/// The kernels' description of an Adam (decoupled = false) or AdamW step.
template <class Options>
backend::bodies::AdamStep adam_step(double lr, const Options& o, bool decoupled) {
  return {lr, std::get<0>(o.betas()), std::get<1>(o.betas()), o.eps(), o.weight_decay(), decoupled, o.amsgrad()};
}

inline std::vector<std::string> adam_buffer_names(bool amsgrad) {
  if (amsgrad) return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"exp_avg", "exp_avg_sq"};
}

}  // namespace detail

/// Adam as PyTorch documents it: g ← g + λθ (if λ ≠ 0); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
/// m̂ = m/(1 − β₁ᵗ); v̂ = v/(1 − β₂ᵗ) (amsgrad: the running max of v, then corrected); θ ← θ − γm̂/(√v̂ + ε).
/// State per parameter: "step", "exp_avg", "exp_avg_sq" and, with amsgrad, "max_exp_avg_sq".
/// Example: `tg::optim::Adam optimizer(model->parameters(), tg::optim::AdamOptions(1e-3));`
template <class T>
class Adam : public Optimizer<T> {
 public:
  Adam(std::vector<Tensor<T>> params, const AdamOptions& options = {})
      : Optimizer<T>("Adam", std::move(params), options.lr()), options_(options) {
    detail::check_adam_options("Adam", options);
  }
  Adam(std::initializer_list<Tensor<T>> params, const AdamOptions& options = {})
      : Adam(std::vector<Tensor<T>>(params), options) {}

  const AdamOptions& options() const { return options_; }

 protected:
  std::vector<std::string> buffer_names() const override { return detail::adam_buffer_names(options_.amsgrad()); }

  backend::bodies::OptimStep describe_step() const override {
    return detail::adam_step(this->lr(), options_, false);
  }

 private:
  AdamOptions options_;
};

/// AdamW as PyTorch documents it: θ ← θ − γλθ first (decoupled weight decay), then Adam's step without L2.
/// State as Adam's. Example: `tg::optim::AdamW optimizer(model->parameters(), tg::optim::AdamWOptions(1e-3));`
template <class T>
class AdamW : public Optimizer<T> {
 public:
  AdamW(std::vector<Tensor<T>> params, const AdamWOptions& options = {})
      : Optimizer<T>("AdamW", std::move(params), options.lr()), options_(options) {
    detail::check_adam_options("AdamW", options);
  }
  AdamW(std::initializer_list<Tensor<T>> params, const AdamWOptions& options = {})
      : AdamW(std::vector<Tensor<T>>(params), options) {}

  const AdamWOptions& options() const { return options_; }

 protected:
  std::vector<std::string> buffer_names() const override { return detail::adam_buffer_names(options_.amsgrad()); }

  backend::bodies::OptimStep describe_step() const override {
    return detail::adam_step(this->lr(), options_, true);
  }

 private:
  AdamWOptions options_;
};

}  // namespace optim
}  // namespace tg
