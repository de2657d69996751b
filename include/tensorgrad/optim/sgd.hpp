#pragma once
/// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay.
#include "optimizer.hpp"

namespace tg {
namespace optim {

/// Options of SGD, as torch.optim.SGD (the learning rate has no default, as in LibTorch).
/// Example: `tg::optim::SGDOptions(0.01).momentum(0.9).nesterov(true).weight_decay(1e-4)`
struct SGDOptions {
  explicit SGDOptions(double lr) : lr_(lr) {}
  TG_OPTIM_ARG(double, lr);
  TG_OPTIM_ARG(double, momentum) = 0;
  TG_OPTIM_ARG(double, dampening) = 0;
  TG_OPTIM_ARG(double, weight_decay) = 0;
  TG_OPTIM_ARG(bool, nesterov) = false;
};

/// SGD as PyTorch documents it, per element:
///   g ← g + λθ (if λ ≠ 0);  b ← g on the first step, else μb + (1 − τ)g (if μ ≠ 0);
///   g ← g + μb (nesterov) or b;  θ ← θ − γg.
/// State per parameter: "momentum_buffer" (only when μ ≠ 0).
/// Example: `tg::optim::SGD optimizer(model->parameters(), tg::optim::SGDOptions(0.01).momentum(0.9));`
template <class T>
class SGD : public Optimizer<T> {
 public:
  SGD(std::vector<Tensor<T>> params, const SGDOptions& options)
      : Optimizer<T>("SGD", std::move(params), options.lr()), options_(options) {
    TG_CHECK(options.momentum() >= 0, "SGD: invalid momentum value: ", options.momentum());
    TG_CHECK(options.weight_decay() >= 0, "SGD: invalid weight_decay value: ", options.weight_decay());
    TG_CHECK(!options.nesterov() || (options.momentum() > 0 && options.dampening() == 0),
             "SGD: nesterov momentum requires a momentum and zero dampening (got momentum ", options.momentum(),
             ", dampening ", options.dampening(), ")");
  }
  SGD(std::initializer_list<Tensor<T>> params, const SGDOptions& options)
      : SGD(std::vector<Tensor<T>>(params), options) {}

  const SGDOptions& options() const { return options_; }

 protected:
  std::vector<std::string> buffer_names() const override {
    if (options_.momentum() == 0) return {};
    return {"momentum_buffer"};
  }

  backend::bodies::OptimStep describe_step() const override {
    return backend::bodies::SgdStep{this->lr(), options_.momentum(), options_.dampening(), options_.weight_decay(),
                                    options_.nesterov()};
  }

 private:
  SGDOptions options_;
};

}  // namespace optim
}  // namespace tg
