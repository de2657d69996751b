#pragma once
/// Kernel bodies of the optimizer steps on a device (SGD, Adam/AdamW, RMSprop, Adagrad) and the multi-tensor
/// packing that applies one of them to many parameters per kernel launch. Free of CUDA API calls: the CUDA backend
/// (backend/cuda/optim.cuh) launches OptimPack::run_block once per block, and tests/test_optim_bodies.cpp runs the
/// very same packing and bodies in host loops against the CPU optimizers (tg::optim, whose Eigen and
/// flag-specialised loops stay the CPU path: they are tuned, and these per-element branches would slow them).
///
/// Each body is the per-element update of one algorithm, with the hyper-parameters of the step (the same for every
/// parameter) as members, and a `Constants` struct of what depends on the parameter's own step count (state is
/// created lazily, so counts differ): e.g. Adam's bias corrections, computed once per parameter on the host.
/// Scalars are cast to T exactly as the CPU optimizers cast them, and the arithmetic is written in their order.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "../../core/error.hpp"
#include "../device_backend.hpp"

namespace tg {
namespace backend {
namespace bodies {

using OptimStep = DeviceBackend::OptimStep;
using OptimSlot = DeviceBackend::OptimSlot;
using OptimAlgorithm = DeviceBackend::OptimAlgorithm;

/// A parameter's slot with typed pointers and its per-step constants, as a body reads it.
template <class T, class Constants>
struct TypedOptimSlot {
  using value_type = T;
  T* param;
  const T* grad;
  T* buffers[3];
  std::int64_t numel;
  Constants constants;
};

/// SGD (tg::optim::SGD): g ← g + λθ; b ← g on the buffer's first step, else μb + (1 − τ)g; g ← g + μb (nesterov)
/// or b; θ ← θ − γg. Buffer 0: momentum_buffer (only with momentum).
template <class T>
struct SgdBody {
  struct Constants {
    bool first;  // the parameter's first step: PyTorch starts the momentum buffer at the gradient
  };
  using Slot = TypedOptimSlot<T, Constants>;

  T lr, weight_decay, momentum, one_minus_dampening;
  bool has_weight_decay, has_momentum, nesterov;

  static SgdBody make(const OptimStep& s) {
    return {static_cast<T>(s.lr), static_cast<T>(s.weight_decay), static_cast<T>(s.momentum),
            static_cast<T>(1 - s.dampening), s.weight_decay != 0, s.momentum != 0, s.nesterov};
  }
  static Constants constants(const OptimStep& /*s*/, std::int64_t step) { return {step == 1}; }

  TG_HOST_DEVICE void operator()(const Slot& s, std::int64_t j) const {
    T d = s.grad[j];
    if (has_weight_decay) d += weight_decay * s.param[j];
    if (has_momentum) {
      T& buf = s.buffers[0][j];
      buf = s.constants.first ? d : momentum * buf + one_minus_dampening * d;
      d = nesterov ? d + momentum * buf : buf;
    }
    s.param[j] -= lr * d;
  }
};

/// Adam and AdamW (tg::optim::Adam/AdamW) in PyTorch's implementation form: θ ← θ(1 − γλ) first (AdamW), or
/// g ← g + λθ (Adam's L2); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; with amsgrad v̂ ← max(v̂, v) over the raw
/// second moment, else v̂ = v; θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + ε).
/// Buffers: exp_avg, exp_avg_sq, max_exp_avg_sq (amsgrad).
template <class T>
struct AdamBody {
  struct Constants {
    T step_size;              // γ / (1 − β₁ᵗ)
    T bias_correction2_sqrt;  // √(1 − β₂ᵗ)
  };
  using Slot = TypedOptimSlot<T, Constants>;

  T beta1, one_minus_beta1, beta2, one_minus_beta2, eps, l2, decay_factor;
  bool has_l2, has_decoupled, amsgrad;

  static AdamBody make(const OptimStep& s) {
    const bool decoupled = s.decoupled_weight_decay;
    return {static_cast<T>(s.beta1), static_cast<T>(1 - s.beta1), static_cast<T>(s.beta2),
            static_cast<T>(1 - s.beta2), static_cast<T>(s.eps), static_cast<T>(decoupled ? 0 : s.weight_decay),
            static_cast<T>(1 - s.lr * (decoupled ? s.weight_decay : 0)), !decoupled && s.weight_decay != 0,
            decoupled && s.weight_decay != 0, s.amsgrad};
  }
  static Constants constants(const OptimStep& s, std::int64_t step) {
    const double bias_correction1 = 1 - std::pow(s.beta1, static_cast<double>(step));
    const double bias_correction2 = 1 - std::pow(s.beta2, static_cast<double>(step));
    return {static_cast<T>(s.lr / bias_correction1), static_cast<T>(std::sqrt(bias_correction2))};
  }

  TG_HOST_DEVICE void operator()(const Slot& s, std::int64_t j) const {
    T& p = s.param[j];
    T& m = s.buffers[0][j];
    T& v = s.buffers[1][j];
    if (has_decoupled) p *= decay_factor;
    T g = s.grad[j];
    if (has_l2) g += l2 * p;
    m = beta1 * m + one_minus_beta1 * g;
    v = beta2 * v + one_minus_beta2 * g * g;
    T v_hat = v;
    if (amsgrad) {
      T& v_max = s.buffers[2][j];
      if (v_max < v) v_max = v;
      v_hat = v_max;
    }
    p -= s.constants.step_size * (m / (std::sqrt(v_hat) / s.constants.bias_correction2_sqrt + eps));
  }
};

/// RMSprop (tg::optim::RMSprop): g ← g + λθ; v ← αv + (1 − α)g²; ṽ = v, or centered: gₐ ← αgₐ + (1 − α)g,
/// ṽ = v − gₐ²; with momentum b ← μb + g/(√ṽ + ε), θ ← θ − γb; else θ ← θ − γg/(√ṽ + ε).
/// Buffers: square_avg, then momentum_buffer (momentum > 0), then grad_avg (centered).
template <class T>
struct RmspropBody {
  struct Constants {};  // nothing depends on the step count
  using Slot = TypedOptimSlot<T, Constants>;

  T lr, alpha, one_minus_alpha, eps, weight_decay, momentum;
  bool has_weight_decay, has_momentum, centered;

  static RmspropBody make(const OptimStep& s) {
    return {static_cast<T>(s.lr),           static_cast<T>(s.alpha),        static_cast<T>(1 - s.alpha),
            static_cast<T>(s.eps),          static_cast<T>(s.weight_decay), static_cast<T>(s.momentum),
            s.weight_decay != 0,            s.momentum > 0,                 s.centered};
  }
  static Constants constants(const OptimStep& /*s*/, std::int64_t /*step*/) { return {}; }

  TG_HOST_DEVICE void operator()(const Slot& s, std::int64_t j) const {
    T g = s.grad[j];
    if (has_weight_decay) g += weight_decay * s.param[j];
    T& square_avg = s.buffers[0][j];
    square_avg = alpha * square_avg + one_minus_alpha * g * g;
    T variance = square_avg;
    if (centered) {
      T& grad_avg = s.buffers[has_momentum ? 2 : 1][j];
      grad_avg = alpha * grad_avg + one_minus_alpha * g;
      variance -= grad_avg * grad_avg;
    }
    const T denom = std::sqrt(variance) + eps;
    if (has_momentum) {
      T& buf = s.buffers[1][j];
      buf = momentum * buf + g / denom;
      s.param[j] -= lr * buf;
    } else {
      s.param[j] -= lr * (g / denom);
    }
  }
};

/// Adagrad (tg::optim::Adagrad) at step t: γ̃ = γ/(1 + (t − 1)η); g ← g + λθ; s ← s + g²; θ ← θ − γ̃g/(√s + ε).
/// Buffer 0: sum.
template <class T>
struct AdagradBody {
  struct Constants {
    T clr;  // the decayed learning rate γ̃
  };
  using Slot = TypedOptimSlot<T, Constants>;

  T eps, weight_decay;
  bool has_weight_decay;

  static AdagradBody make(const OptimStep& s) {
    return {static_cast<T>(s.eps), static_cast<T>(s.weight_decay), s.weight_decay != 0};
  }
  static Constants constants(const OptimStep& s, std::int64_t step) {
    return {static_cast<T>(s.lr / (1 + static_cast<double>(step - 1) * s.lr_decay))};
  }

  TG_HOST_DEVICE void operator()(const Slot& s, std::int64_t j) const {
    T g = s.grad[j];
    if (has_weight_decay) g += weight_decay * s.param[j];
    T& sum = s.buffers[0][j];
    sum += g * g;
    s.param[j] -= s.constants.clr * (g / (std::sqrt(sum) + eps));
  }
};

/// Calls f(body) with the body of step.algorithm over elements of type T.
template <class T, class F>
void visit_optim_body(const OptimStep& step, F&& f) {
  switch (step.algorithm) {
    case OptimAlgorithm::SGD: return f(SgdBody<T>::make(step));
    case OptimAlgorithm::Adam: return f(AdamBody<T>::make(step));
    case OptimAlgorithm::RMSprop: return f(RmspropBody<T>::make(step));
    case OptimAlgorithm::Adagrad: return f(AdagradBody<T>::make(step));
  }
  TG_CHECK(false, "optimizer step: unknown algorithm ", static_cast<int>(step.algorithm));
}

// ---- multi-tensor packing -----------------------------------------------------------------------------------

/// At most this many parameters per launch: their slots travel by value in the kernel argument (no device
/// allocation, no copy per step), which must stay within CUDA's 4 KB parameter limit.
constexpr int kOptimPackSlots = 32;
/// Elements per block: each block updates one chunk of one parameter.
constexpr std::int64_t kOptimBlockElements = 2048;
/// The most blocks one launch may have (CUDA's grid x limit).
constexpr std::int64_t kOptimMaxBlocks = 2147483647;

/// Up to kOptimPackSlots parameters updated by one launch of blocks() blocks; slot s owns the blocks
/// [first_block[s], first_block[s + 1]), one chunk of kOptimBlockElements elements each.
template <class Body>
struct OptimPack {
  Body body;
  typename Body::Slot slots[kOptimPackSlots];
  std::int64_t first_block[kOptimPackSlots + 1];
  int count;

  std::int64_t blocks() const { return first_block[count]; }

  /// What block `block` does, as thread `thread` of `threads`: every threads-th element of its chunk.
  TG_HOST_DEVICE void run_block(std::int64_t block, int thread, int threads) const {
    int s = 0;
    while (block >= first_block[s + 1]) ++s;  // a linear search: at most 32 steps, all in the argument's cache
    const typename Body::Slot& slot = slots[s];
    const std::int64_t begin = (block - first_block[s]) * kOptimBlockElements;
    const std::int64_t end = begin + kOptimBlockElements < slot.numel ? begin + kOptimBlockElements : slot.numel;
    for (std::int64_t j = begin + thread; j < end; j += threads) body(slot, j);
  }
};

/// Packs the non-empty slots[0, count) into OptimPacks of `body` and calls launch(pack) for each (in order).
template <class Body, class Launch>
void for_each_optim_pack(const Body& body, const OptimStep& step, const OptimSlot* slots, std::size_t count,
                         Launch&& launch) {
  using T = typename Body::Slot::value_type;
  OptimPack<Body> pack{body, {}, {0}, 0};
  for (std::size_t i = 0; i < count; ++i) {
    const OptimSlot& in = slots[i];
    if (in.numel == 0) continue;
    const std::int64_t blocks = (in.numel + kOptimBlockElements - 1) / kOptimBlockElements;
    if (pack.count == kOptimPackSlots || pack.blocks() + blocks > kOptimMaxBlocks) {
      launch(static_cast<const OptimPack<Body>&>(pack));
      pack.count = 0;
    }
    typename Body::Slot& out = pack.slots[pack.count];
    out.param = static_cast<T*>(in.param);
    out.grad = static_cast<const T*>(in.grad);
    for (int b = 0; b < 3; ++b) out.buffers[b] = static_cast<T*>(in.buffers[b]);
    out.numel = in.numel;
    out.constants = Body::constants(step, in.step);
    pack.first_block[pack.count + 1] = pack.blocks() + blocks;
    ++pack.count;
  }
  if (pack.count > 0) launch(static_cast<const OptimPack<Body>&>(pack));
}

}  // namespace bodies
}  // namespace backend
}  // namespace tg
