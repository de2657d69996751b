#pragma once
/// Learning-rate schedulers: StepLR, ExponentialLR, CosineAnnealingLR (epoch-indexed, closed form) and
/// ReduceLROnPlateau (driven by a metric). Each step() is called once per epoch, as in PyTorch.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "optimizer.hpp"

namespace tg {
namespace optim {

/// Base of the epoch-indexed schedulers. Construction counts as epoch 0 and leaves the optimizer's
/// learning rate (the base lr) as it is; each step() advances the epoch and sets lr = lr_at(epoch).
/// The lr is computed in closed form from the base lr, so it never drifts from rounding and depends
/// only on the epoch count.
class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  /// Advances one epoch and sets the optimizer's learning rate.
  void step() {
    ++last_epoch_;
    optimizer_.set_lr(lr_at(last_epoch_));
  }
  /// The learning rate of each parameter group as of the last step (one group: one value), as PyTorch.
  std::vector<double> get_last_lr() const { return {optimizer_.lr()}; }
  /// The number of step() calls so far (PyTorch's last_epoch).
  std::int64_t last_epoch() const { return last_epoch_; }
  /// The learning rate the optimizer had when the scheduler was created.
  double base_lr() const { return base_lr_; }

 protected:
  explicit LRScheduler(OptimizerBase& optimizer) : optimizer_(optimizer), base_lr_(optimizer.lr()) {}
  /// The learning rate at an epoch ≥ 1.
  virtual double lr_at(std::int64_t epoch) const = 0;

 private:
  OptimizerBase& optimizer_;
  double base_lr_;
  std::int64_t last_epoch_ = 0;
};

/// lr = base_lr · γ^⌊epoch / step_size⌋.
/// Example: base 0.05, step_size 30, γ 0.1 → 0.05 for epochs 0–29, 0.005 for 30–59, 0.0005 for 60–89.
class StepLR : public LRScheduler {
 public:
  StepLR(OptimizerBase& optimizer, std::int64_t step_size, double gamma = 0.1)
      : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
    TG_CHECK(step_size > 0, "StepLR: step_size must be positive, got ", step_size);
  }

 protected:
  double lr_at(std::int64_t epoch) const override {
    return base_lr() * std::pow(gamma_, static_cast<double>(epoch / step_size_));
  }

 private:
  std::int64_t step_size_;
  double gamma_;
};

/// lr = base_lr · γ^epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(OptimizerBase& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma) {}

 protected:
  double lr_at(std::int64_t epoch) const override { return base_lr() * std::pow(gamma_, static_cast<double>(epoch)); }

 private:
  double gamma_;
};

/// lr = η_min + (base_lr − η_min) · (1 + cos(π · epoch / T_max)) / 2 (PyTorch's closed form; past T_max
/// the cosine continues, rising again, as PyTorch's).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(OptimizerBase& optimizer, std::int64_t T_max, double eta_min = 0)
      : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
    TG_CHECK(T_max > 0, "CosineAnnealingLR: T_max must be positive, got ", T_max);
  }

 protected:
  double lr_at(std::int64_t epoch) const override {
    const double pi = std::acos(-1.0);
    return eta_min_ + (base_lr() - eta_min_) *
                          (1 + std::cos(pi * static_cast<double>(epoch) / static_cast<double>(T_max_))) / 2;
  }

 private:
  std::int64_t T_max_;
  double eta_min_;
};

/// Reduces the learning rate by `factor` when a metric has stopped improving for more than `patience`
/// epochs, as torch.optim.lr_scheduler.ReduceLROnPlateau. mode "min" (lower is better) or "max";
/// threshold_mode "rel" (better means beyond best·(1 ∓ threshold)) or "abs" (beyond best ∓ threshold).
/// After a reduction, `cooldown` epochs pass before bad epochs count again; lr never goes below min_lr,
/// and a change smaller than eps is not applied.
/// Example: `ReduceLROnPlateau scheduler(optimizer, "min", 0.5, 3); ... scheduler.step(val_loss);`
class ReduceLROnPlateau {
 public:
  ReduceLROnPlateau(OptimizerBase& optimizer, const std::string& mode = "min", double factor = 0.1,
                    std::int64_t patience = 10, double threshold = 1e-4, const std::string& threshold_mode = "rel",
                    std::int64_t cooldown = 0, double min_lr = 0, double eps = 1e-8)
      : optimizer_(optimizer),
        minimize_(mode == "min"),
        relative_(threshold_mode == "rel"),
        factor_(factor),
        patience_(patience),
        threshold_(threshold),
        cooldown_(cooldown),
        min_lr_(min_lr),
        eps_(eps),
        best_(minimize_ ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity()) {
    TG_CHECK(mode == "min" || mode == "max", "ReduceLROnPlateau: mode ", mode, " is unknown (expected min or max)");
    TG_CHECK(threshold_mode == "rel" || threshold_mode == "abs", "ReduceLROnPlateau: threshold mode ", threshold_mode,
             " is unknown (expected rel or abs)");
    TG_CHECK(factor < 1.0, "ReduceLROnPlateau: factor should be < 1.0, got ", factor);
    TG_CHECK(patience >= 0 && cooldown >= 0, "ReduceLROnPlateau: patience and cooldown must be >= 0, got ", patience,
             " and ", cooldown);
  }

  /// Records one epoch's metric and reduces the learning rate if it has plateaued.
  void step(double metric) {
    ++last_epoch_;
    if (is_better(metric)) {
      best_ = metric;
      num_bad_epochs_ = 0;
    } else {
      ++num_bad_epochs_;
    }
    if (cooldown_counter_ > 0) {
      --cooldown_counter_;
      num_bad_epochs_ = 0;  // bad epochs during cooldown are forgiven
    }
    if (num_bad_epochs_ > patience_) {
      const double old_lr = optimizer_.lr();
      const double new_lr = std::max(old_lr * factor_, min_lr_);
      if (old_lr - new_lr > eps_) optimizer_.set_lr(new_lr);
      cooldown_counter_ = cooldown_;
      num_bad_epochs_ = 0;
    }
  }

  std::vector<double> get_last_lr() const { return {optimizer_.lr()}; }
  std::int64_t last_epoch() const { return last_epoch_; }
  /// The best metric seen so far.
  double best() const { return best_; }
  std::int64_t num_bad_epochs() const { return num_bad_epochs_; }

 private:
  bool is_better(double a) const {
    if (minimize_) return relative_ ? a < best_ * (1 - threshold_) : a < best_ - threshold_;
    return relative_ ? a > best_ * (threshold_ + 1) : a > best_ + threshold_;
  }

  OptimizerBase& optimizer_;
  bool minimize_, relative_;
  double factor_;
  std::int64_t patience_;
  double threshold_;
  std::int64_t cooldown_;
  double min_lr_, eps_;
  double best_;
  std::int64_t num_bad_epochs_ = 0, cooldown_counter_ = 0, last_epoch_ = 0;
};

}  // namespace optim
}  // namespace tg
