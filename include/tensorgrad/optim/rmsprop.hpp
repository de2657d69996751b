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

  void update(T* param, const T* grad, const std::array<T*, Optimizer<T>::kMaxBuffers>& buffers, std::int64_t n,
              std::int64_t /*step*/) override {
    const T lr = static_cast<T>(this->lr());
    const T alpha = static_cast<T>(options_.alpha()), one_minus_alpha = static_cast<T>(1 - options_.alpha());
    const T eps = static_cast<T>(options_.eps()), wd = static_cast<T>(options_.weight_decay());
    const T mu = static_cast<T>(options_.momentum());
    T* square_avg = buffers[0];
    T* momentum_buffer = options_.momentum() > 0 ? buffers[1] : nullptr;
    T* grad_avg = options_.centered() ? buffers[options_.momentum() > 0 ? 2 : 1] : nullptr;
    detail::with_flags(
        [&](auto has_weight_decay, auto has_momentum, auto is_centered) {
          for (std::int64_t j = 0; j < n; ++j) {
            T g = grad[j];
            if constexpr (decltype(has_weight_decay)::value) g += wd * param[j];
            square_avg[j] = alpha * square_avg[j] + one_minus_alpha * g * g;
            T variance = square_avg[j];
            if constexpr (decltype(is_centered)::value) {
              grad_avg[j] = alpha * grad_avg[j] + one_minus_alpha * g;
              variance -= grad_avg[j] * grad_avg[j];
            }
            const T denom = std::sqrt(variance) + eps;
            if constexpr (decltype(has_momentum)::value) {
              momentum_buffer[j] = mu * momentum_buffer[j] + g / denom;
              param[j] -= lr * momentum_buffer[j];
            } else {
              param[j] -= lr * (g / denom);
            }
          }
        },
        options_.weight_decay() != 0, options_.momentum() > 0, options_.centered());
  }

  backend::DeviceBackend::OptimStep device_step(Device /*device*/) const override {
    backend::DeviceBackend::OptimStep s;
    s.algorithm = backend::DeviceBackend::OptimAlgorithm::RMSprop;
    s.lr = this->lr();
    s.alpha = options_.alpha();
    s.eps = options_.eps();
    s.weight_decay = options_.weight_decay();
    s.momentum = options_.momentum();
    s.centered = options_.centered();
    return s;
  }

 private:
  RMSpropOptions options_;
};

}  // namespace optim
}  // namespace tg
