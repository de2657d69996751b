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

  void update(T* param, const T* grad, const std::array<T*, Optimizer<T>::kMaxBuffers>& buffers, std::int64_t n,
              std::int64_t step) override {
    const T clr = static_cast<T>(this->lr() / (1 + static_cast<double>(step - 1) * options_.lr_decay()));
    const T eps = static_cast<T>(options_.eps()), wd = static_cast<T>(options_.weight_decay());
    T* sum = buffers[0];
    detail::with_flags(
        [&](auto has_weight_decay) {
          for (std::int64_t j = 0; j < n; ++j) {
            T g = grad[j];
            if constexpr (decltype(has_weight_decay)::value) g += wd * param[j];
            sum[j] += g * g;
            param[j] -= clr * (g / (std::sqrt(sum[j]) + eps));
          }
        },
        options_.weight_decay() != 0);
  }

  backend::DeviceBackend::OptimStep device_step(Device /*device*/) const override {
    backend::DeviceBackend::OptimStep s;
    s.algorithm = backend::DeviceBackend::OptimAlgorithm::Adagrad;
    s.lr = this->lr();
    s.lr_decay = options_.lr_decay();
    s.weight_decay = options_.weight_decay();
    s.eps = options_.eps();
    return s;
  }

 private:
  AdagradOptions options_;
};

}  // namespace optim
}  // namespace tg
