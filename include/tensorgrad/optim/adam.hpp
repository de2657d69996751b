#pragma once
/// Adam (with optional AMSGrad and L2 weight decay) and AdamW (decoupled weight decay).
#include <algorithm>
#include <tuple>

#include <Eigen/Core>

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

/// The Adam step shared by Adam (L2: g ← g + λθ) and AdamW (decoupled: θ ← θ(1 − γλ) first), in PyTorch's
/// implementation form: θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + ε), with v̂ = v, or with amsgrad
/// v̂ = max of all v so far (max over the raw second moment, as PyTorch ≥ 1.13).
template <class T>
void adam_update(T* param, const T* grad, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, std::int64_t n,
                 std::int64_t step, double lr, Betas betas, double eps, double l2_decay,
                 double decoupled_decay, bool amsgrad) {
  const double beta1 = std::get<0>(betas), beta2 = std::get<1>(betas);
  // Every parameter of a step has the same corrections: the two pow calls run once per (β₁, β₂, t), not per
  // parameter (they were a tenth of a small network's step).
  struct Corrections {
    double beta1 = -1, beta2 = -1;
    std::int64_t step = -1;
    double first = 0, second = 0;
  };
  thread_local Corrections memo;
  if (memo.step != step || memo.beta1 != beta1 || memo.beta2 != beta2)
    memo = {beta1, beta2, step, 1 - std::pow(beta1, static_cast<double>(step)),
            1 - std::pow(beta2, static_cast<double>(step))};
  const double bias_correction1 = memo.first, bias_correction2 = memo.second;
  const T step_size = static_cast<T>(lr / bias_correction1);
  const T bias_correction2_sqrt = static_cast<T>(std::sqrt(bias_correction2));
  const T b1 = static_cast<T>(beta1), one_minus_b1 = static_cast<T>(1 - beta1);
  const T b2 = static_cast<T>(beta2), one_minus_b2 = static_cast<T>(1 - beta2);
  const T epsilon = static_cast<T>(eps), wd = static_cast<T>(l2_decay);
  const T decay_factor = static_cast<T>(1 - lr * decoupled_decay);
  // Eigen array expressions rather than one scalar loop: the loop's std::sqrt (errno semantics) and possibly
  // aliasing pointers kept g++ from vectorising it, and it was a quarter of an MLP training step.
  using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
  Eigen::Map<Array> p(param, n), m(exp_avg, n), v(exp_avg_sq, n);
  const Eigen::Map<const Array> g_raw(grad, n);
  if (decoupled_decay != 0) p *= decay_factor;  // a pass of its own: one fewer flag doubles no code below
  with_flags(
      [&](auto has_l2, auto has_amsgrad) {
        auto update = [&](const auto& g) {
          m = b1 * m + one_minus_b1 * g;
          v = b2 * v + one_minus_b2 * g * g;
        };
        if constexpr (decltype(has_l2)::value) update(g_raw + wd * p);  // an expression, no temporary array
        else update(g_raw);
        if constexpr (decltype(has_amsgrad)::value) {
          Eigen::Map<Array> v_max(max_exp_avg_sq, n);
          v_max = v_max.max(v);
          p -= step_size * (m / (v_max.sqrt() / bias_correction2_sqrt + epsilon));
        } else {
          p -= step_size * (m / (v.sqrt() / bias_correction2_sqrt + epsilon));
        }
      },
      l2_decay != 0, amsgrad);
}

/// The device seam's description of an Adam (decoupled = false) or AdamW step.
template <class Options>
backend::DeviceBackend::OptimStep adam_device_step(double lr, const Options& o, bool decoupled) {
  backend::DeviceBackend::OptimStep s;
  s.algorithm = backend::DeviceBackend::OptimAlgorithm::Adam;
  s.lr = lr;
  s.weight_decay = o.weight_decay();
  s.decoupled_weight_decay = decoupled;
  s.beta1 = std::get<0>(o.betas());
  s.beta2 = std::get<1>(o.betas());
  s.eps = o.eps();
  s.amsgrad = o.amsgrad();
  return s;
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

  void update(T* param, const T* grad, const std::array<T*, Optimizer<T>::kMaxBuffers>& buffers, std::int64_t n,
              std::int64_t step) override {
    detail::adam_update(param, grad, buffers[0], buffers[1], buffers[2], n, step, this->lr(), options_.betas(),
                        options_.eps(), options_.weight_decay(), 0.0, options_.amsgrad());
  }

  backend::DeviceBackend::OptimStep device_step(Device /*device*/) const override {
    return detail::adam_device_step(this->lr(), options_, false);
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

  void update(T* param, const T* grad, const std::array<T*, Optimizer<T>::kMaxBuffers>& buffers, std::int64_t n,
              std::int64_t step) override {
    detail::adam_update(param, grad, buffers[0], buffers[1], buffers[2], n, step, this->lr(), options_.betas(),
                        options_.eps(), 0.0, options_.weight_decay(), options_.amsgrad());
  }

  backend::DeviceBackend::OptimStep device_step(Device /*device*/) const override {
    return detail::adam_device_step(this->lr(), options_, true);
  }

 private:
  AdamWOptions options_;
};

}  // namespace optim
}  // namespace tg
