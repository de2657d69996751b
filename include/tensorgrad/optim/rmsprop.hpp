#pragma once
/// RMSprop, plain, with momentum and centered.
#include "optimizer.hpp"

namespace tg {
namespace optim {

/// Options of RMSprop, as torch.optim.RMSprop.
/// Example: `tg::optim::RMSpropOptions(1e-2).alpha(0.99).eps(1e-8).momentum(0).centered(false).weight_decay(0)`
struct RMSpropOptions {
  RMSpropOptions(double lr = 1e-2) : lr_(lr) {}
  TG_OPTIM_ARG(double, lr);
  TG_OPTIM_ARG(double, alpha) = 0.99;
  TG_OPTIM_ARG(double, eps) = 1e-8;
  TG_OPTIM_ARG(double, weight_decay) = 0;
  TG_OPTIM_ARG(double, momentum) = 0;
  TG_OPTIM_ARG(bool, centered) = false;
};

/// RMSprop as PyTorch documents it, per element: g ← g + λθ (if λ ≠ 0); v ← αv + (1 − α)g²; ṽ = v, or
/// centered: gₐ ← αgₐ + (1 − α)g, ṽ = v − gₐ²; then with μ > 0: b ← μb + g/(√ṽ + ε), θ ← θ − γb,
/// else θ ← θ − γg/(√ṽ + ε).
/// State per parameter: "step", "square_avg", "momentum_buffer" (μ > 0), "grad_avg" (centered).
/// Example: `tg::optim::RMSprop optimizer(model->parameters(), tg::optim::RMSpropOptions(1e-3).centered(true));`
template <class T>
class RMSprop : public Optimizer<T> {
 public:
  RMSprop(std::vector<Tensor<T>> params, const RMSpropOptions& options = {})
      : Optimizer<T>("RMSprop", std::move(params), options.lr()), options_(options) {
    TG_CHECK(options.eps() >= 0, "RMSprop: invalid epsilon value: ", options.eps());
    TG_CHECK(options.momentum() >= 0, "RMSprop: invalid momentum value: ", options.momentum());
    TG_CHECK(options.weight_decay() >= 0, "RMSprop: invalid weight_decay value: ", options.weight_decay());
    TG_CHECK(options.alpha() >= 0, "RMSprop: invalid alpha value: ", options.alpha());
  }
  RMSprop(std::initializer_list<Tensor<T>> params, const RMSpropOptions& options = {})
      : RMSprop(std::vector<Tensor<T>>(params), options) {}

  const RMSpropOptions& options() const { return options_; }

 protected:
  std::vector<std::string> buffer_names() const override {
    std::vector<std::string> names{"square_avg"};
    if (options_.momentum() > 0) names.push_back("momentum_buffer");
    if (options_.centered()) names.push_back("grad_avg");
    return names;
  }

  backend::bodies::OptimStep describe_step() const override {
    return backend::bodies::RmspropStep{this->lr(),           options_.alpha(),    options_.eps(),
                                        options_.weight_decay(), options_.momentum(), options_.centered()};
  }

 private:
  RMSpropOptions options_;
};

}  // namespace optim
}  // namespace tg
