#pragma once
/// BatchNorm1d (input [N, C] or [N, C, L]) and BatchNorm2d (input [N, C, H, W]): F::batch_norm with learnable
/// weight (ones) and bias (zeros) and running statistics kept as buffers, with PyTorch's semantics.
///
/// Training normalises with the batch's mean and biased variance and updates running_mean / running_var
/// (running_var with the unbiased variance) by `momentum`, or, with momentum(std::nullopt) (PyTorch's
/// momentum=None), by 1/num_batches_tracked: the cumulative average of every batch seen. eval() normalises
/// with the running statistics. With track_running_stats(false) there are no buffers and the batch's
/// statistics are used in eval too.
///
/// num_batches_tracked is a 0-d int64 buffer, as PyTorch's, so checkpoints trade it with PyTorch unchanged and
/// to(tg::kFloat64) leaves it int64.
///
/// Example: nn::BatchNorm2d bn(nn::BatchNormOptions(32).momentum(std::nullopt));  auto y = bn(x);
#include <cstdint>
#include <optional>
#include <string>

#include "functional.hpp"
#include "module_holder.hpp"
#include "options.hpp"

namespace tg {
namespace nn {

/// Example: BatchNorm1d(BatchNormOptions(16).eps(1e-3).affine(false))
struct BatchNormOptions {
  BatchNormOptions(std::int64_t num_features) : num_features_(num_features) {}
  TG_ARG(std::int64_t, num_features);
  TG_ARG(double, eps) = 1e-5;
  /// std::nullopt: a cumulative moving average (PyTorch's momentum=None).
  TG_ARG(std::optional<double>, momentum) = 0.1;
  TG_ARG(bool, affine) = true;
  TG_ARG(bool, track_running_stats) = true;
};
using BatchNorm1dOptions = BatchNormOptions;
using BatchNorm2dOptions = BatchNormOptions;

/// What BatchNorm1d and BatchNorm2d share: everything but the input ranks they accept.
class BatchNormImplBase : public Module {
 public:
  explicit BatchNormImplBase(const BatchNormOptions& options) : options(options) {
    const std::int64_t c = options.num_features();
    TG_CHECK(c > 0, "BatchNorm: num_features must be positive, got ", c);
    if (options.affine()) {
      weight = register_parameter("weight", empty<float>({c}));
      bias = register_parameter("bias", empty<float>({c}));
    }
    if (options.track_running_stats()) {
      running_mean = register_buffer("running_mean", empty<float>({c}));
      running_var = register_buffer("running_var", empty<float>({c}));
      num_batches_tracked = register_buffer("num_batches_tracked", empty<std::int64_t>({}));
    }
    reset_parameters();
  }

  /// running_mean = 0, running_var = 1, num_batches_tracked = 0.
  void reset_running_stats() {
    if (!options.track_running_stats()) return;
    NoGradGuard no_grad;
    running_mean.fill_(0.0);
    running_var.fill_(1.0);
    num_batches_tracked.zero_();
  }
  /// The running statistics reset, weight = 1, bias = 0.
  void reset_parameters() {
    reset_running_stats();
    if (!options.affine()) return;
    NoGradGuard no_grad;
    weight.fill_(1.0);
    bias.fill_(0.0);
  }

  template <class T> Tensor<T> forward(const Tensor<T>& x) {
    check_input_dim(x);
    TG_MODULE_CHECK(x.size(1) == options.num_features(), "expected input with ", options.num_features(),
                    " channels, got ", x.sizes());
    const bool update = is_training() && options.track_running_stats();
    double factor = 0.0;  // the weight of this batch in the running statistics
    if (update) {
      const double batches = static_cast<double>(num_batches_tracked.as<std::int64_t>().item()) + 1.0;
      factor = options.momentum() ? *options.momentum() : 1.0 / batches;
    }
    // Without running statistics the batch's are used in eval too (PyTorch's bn_training).
    Tensor<T> y = in_context([&] {
      return functional::batch_norm(x, typed<T>(running_mean, "running_mean"), typed<T>(running_var, "running_var"),
                                    typed<T>(weight, "weight"), typed<T>(bias, "bias"),
                                    is_training() || !options.track_running_stats(), factor, options.eps());
    });
    if (update) {
      NoGradGuard no_grad;
      num_batches_tracked.add_(1);
    }
    return y;
  }

  std::string extra_repr() const override {
    const auto& m = options.momentum();
    return std::to_string(options.num_features()) + ", eps=" + detail::python_float(options.eps()) +
           ", momentum=" + (m ? detail::python_float(*m) : "None") + ", affine=" + (options.affine() ? "true" : "false") +
           ", track_running_stats=" + (options.track_running_stats() ? "true" : "false");
  }

  BatchNormOptions options;
  /// Undefined with affine(false).
  AnyTensor weight, bias;
  /// Undefined with track_running_stats(false). num_batches_tracked is a 0-d int64, as PyTorch's.
  AnyTensor running_mean, running_var, num_batches_tracked;

 protected:
  virtual void check_input_dim(const AnyTensor& x) const = 0;
};

class BatchNorm1dImpl : public BatchNormImplBase {
 public:
  using BatchNormImplBase::BatchNormImplBase;
  std::string name() const override { return "BatchNorm1d"; }

 protected:
  void check_input_dim(const AnyTensor& x) const override {
    TG_MODULE_CHECK(x.dim() == 2 || x.dim() == 3, "expected 2D or 3D input (got ", x.dim(), "D input)");
  }
};
TG_MODULE(BatchNorm1d);

class BatchNorm2dImpl : public BatchNormImplBase {
 public:
  using BatchNormImplBase::BatchNormImplBase;
  std::string name() const override { return "BatchNorm2d"; }

 protected:
  void check_input_dim(const AnyTensor& x) const override {
    TG_MODULE_CHECK(x.dim() == 4, "expected 4D input (got ", x.dim(), "D input)");
  }
};
TG_MODULE(BatchNorm2d);

}  // namespace nn
}  // namespace tg
