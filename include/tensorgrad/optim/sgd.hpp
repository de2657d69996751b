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

  void update(T* param, const T* grad, const std::array<T*, Optimizer<T>::kMaxBuffers>& buffers, std::int64_t n,
              std::int64_t step) override {
    const T lr = static_cast<T>(this->lr());
    const T wd = static_cast<T>(options_.weight_decay());
    const T mu = static_cast<T>(options_.momentum());
    const T one_minus_dampening = static_cast<T>(1 - options_.dampening());
    T* buf = buffers[0];
    detail::with_flags(
        [&](auto weight_decay, auto momentum, auto nesterov, auto first) {
          for (std::int64_t j = 0; j < n; ++j) {
            T d = grad[j];
            if constexpr (decltype(weight_decay)::value) d += wd * param[j];
            if constexpr (decltype(momentum)::value) {
              // PyTorch initialises the buffer to the first gradient: no dampening on step 1.
              if constexpr (decltype(first)::value) buf[j] = d;
              else buf[j] = mu * buf[j] + one_minus_dampening * d;
              if constexpr (decltype(nesterov)::value) d += mu * buf[j];
              else d = buf[j];
            }
            param[j] -= lr * d;
          }
        },
        options_.weight_decay() != 0, options_.momentum() != 0, options_.nesterov(), step == 1);
  }

  backend::DeviceBackend::OptimStep device_step(Device /*device*/) const override {
    backend::DeviceBackend::OptimStep s;
    s.algorithm = backend::DeviceBackend::OptimAlgorithm::SGD;
    s.lr = this->lr();
    s.weight_decay = options_.weight_decay();
    s.momentum = options_.momentum();
    s.dampening = options_.dampening();
    s.nesterov = options_.nesterov();
    return s;
  }

 private:
  SGDOptions options_;
};

}  // namespace optim
}  // namespace tg
