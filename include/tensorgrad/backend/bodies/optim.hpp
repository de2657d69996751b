#pragma once
/// The optimizer update rules (SGD, Adam/AdamW, RMSprop, Adagrad), each written once for the CPU and the GPU,
/// and the multi-tensor packing that applies one to many parameters per kernel launch. Free of CUDA API calls.
///
/// A step is described by its algorithm's `...Step` struct: the hyper-parameters under PyTorch's names, in
/// double, with lr the learning rate of this step (schedulers change it between steps). OptimStep, the variant
/// of them, is the one list of algorithms the device seam knows; a new option changes one struct, not the seam.
///
/// Each algorithm's `...Body<T>` holds those hyper-parameters cast to T once, a `Constants` struct of what depends
/// on a parameter's own step count (state is created lazily, so counts differ; e.g. Adam's bias corrections), and
/// the update itself, `body(constants, a)`, written over an accessor `a` whose param(), grad() and buffer(k) are
/// either one element's scalars (a GPU thread: ElementAccess below) or Eigen arrays over a block of elements (the
/// CPU: backend/cpu/optim.hpp). The update is therefore branch-free arithmetic on values or whole arrays, with
/// the options tested by plain `if`s: once per element on the GPU, once per block on the CPU.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <variant>

#include "../../core/error.hpp"

namespace tg {
namespace backend {
namespace bodies {

// ---- the step descriptions -----------------------------------------------------------------------------------

/// SGD (tg::optim::SGD).
struct SgdStep {
  double lr = 0, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;
};
/// Adam, or with decoupled_weight_decay AdamW (tg::optim::Adam, tg::optim::AdamW).
struct AdamStep {
  double lr = 0, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  bool decoupled_weight_decay = false, amsgrad = false;
};
/// RMSprop (tg::optim::RMSprop).
struct RmspropStep {
  double lr = 0, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0;
  bool centered = false;
};
/// Adagrad (tg::optim::Adagrad).
struct AdagradStep {
  double lr = 0, lr_decay = 0, weight_decay = 0, eps = 1e-10;
};
/// One optimizer step on many parameters: the algorithm and its hyper-parameters.
using OptimStep = std::variant<SgdStep, AdamStep, RmspropStep, AdagradStep>;

/// One parameter's share of a step: param, grad and the state buffers (in the optimizer's buffer_names() order,
/// unused ones null) are contiguous arrays of numel elements on one device. step is this parameter's step count
/// including this step (1 on its first).
struct OptimSlot {
  void* param = nullptr;
  const void* grad = nullptr;
  void* buffers[3] = {nullptr, nullptr, nullptr};
  std::int64_t numel = 0;
  std::int64_t step = 0;
};

// ---- the updates ---------------------------------------------------------------------------------------------

/// √x and max(a, b) of a scalar or of an Eigen array expression (the CPU's accessor). max keeps a when b is NaN,
/// as the scalar comparison does.
template <class X> TG_HOST_DEVICE auto sqrt_of(const X& x) {
  if constexpr (std::is_arithmetic_v<X>) return std::sqrt(x);
  else return x.sqrt();
}
template <class X, class Y> TG_HOST_DEVICE auto max_of(const X& a, const Y& b) {
  if constexpr (std::is_arithmetic_v<X>) return a < b ? b : a;
  else return a.max(b);
}

/// SGD: g ← g + λθ; b ← g on the buffer's first step, else μb + (1 − τ)g; g ← g + μb (nesterov) or b;
/// θ ← θ − γg. Buffer 0: momentum_buffer (only with momentum).
template <class T>
struct SgdBody {
  using value_type = T;
  struct Constants {
    bool first;  // the parameter's first step: PyTorch starts the momentum buffer at the gradient
  };
  T lr, weight_decay, momentum, one_minus_dampening;
  bool has_weight_decay, has_momentum, nesterov;

  static SgdBody make(const SgdStep& s) {
    return {static_cast<T>(s.lr), static_cast<T>(s.weight_decay), static_cast<T>(s.momentum),
            static_cast<T>(1 - s.dampening), s.weight_decay != 0, s.momentum != 0, s.nesterov};
  }
  static Constants constants(const SgdStep& /*s*/, std::int64_t step) { return {step == 1}; }

  template <class Access> TG_HOST_DEVICE void operator()(const Constants& k, const Access& a) const {
    auto&& p = a.param();
    const auto descend = [&](const auto& d) {
      if (!has_momentum) {
        p -= lr * d;
        return;
      }
      auto&& buf = a.buffer(0);
      if (k.first) buf = d;
      else buf = momentum * buf + one_minus_dampening * d;
      if (nesterov) p -= lr * (d + momentum * buf);
      else p -= lr * buf;
    };
    if (has_weight_decay) descend(a.grad() + weight_decay * p);
    else descend(a.grad());
  }
};

/// Adam and AdamW in PyTorch's implementation form: θ ← θ(1 − γλ) first (AdamW), or g ← g + λθ (Adam's L2);
/// m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; with amsgrad v̂ ← max(v̂, v) over the raw second moment (as
/// PyTorch ≥ 1.13), else v̂ = v; θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + ε).
/// Buffers: exp_avg, exp_avg_sq, max_exp_avg_sq (amsgrad).
template <class T>
struct AdamBody {
  using value_type = T;
  struct Constants {
    T step_size;              // γ / (1 − β₁ᵗ)
    T bias_correction2_sqrt;  // √(1 − β₂ᵗ)
  };
  T beta1, one_minus_beta1, beta2, one_minus_beta2, eps, l2, decay_factor;
  bool has_l2, has_decoupled, amsgrad;

  static AdamBody make(const AdamStep& s) {
    const bool decoupled = s.decoupled_weight_decay;
    return {static_cast<T>(s.beta1), static_cast<T>(1 - s.beta1), static_cast<T>(s.beta2),
            static_cast<T>(1 - s.beta2), static_cast<T>(s.eps), static_cast<T>(decoupled ? 0 : s.weight_decay),
            static_cast<T>(1 - s.lr * (decoupled ? s.weight_decay : 0)), !decoupled && s.weight_decay != 0,
            decoupled && s.weight_decay != 0, s.amsgrad};
  }
  static Constants constants(const AdamStep& s, std::int64_t step) {
    const double bias_correction1 = 1 - std::pow(s.beta1, static_cast<double>(step));
    const double bias_correction2 = 1 - std::pow(s.beta2, static_cast<double>(step));
    return {static_cast<T>(s.lr / bias_correction1), static_cast<T>(std::sqrt(bias_correction2))};
  }

  template <class Access> TG_HOST_DEVICE void operator()(const Constants& k, const Access& a) const {
    auto&& p = a.param();
    auto&& m = a.buffer(0);
    auto&& v = a.buffer(1);
    if (has_decoupled) p *= decay_factor;
    const auto moments = [&](const auto& g) {
      m = beta1 * m + one_minus_beta1 * g;
      v = beta2 * v + one_minus_beta2 * g * g;
    };
    if (has_l2) moments(a.grad() + l2 * p);
    else moments(a.grad());
    const auto descend = [&](const auto& v_hat) {
      p -= k.step_size * (m / (sqrt_of(v_hat) / k.bias_correction2_sqrt + eps));
    };
    if (amsgrad) {
      auto&& v_max = a.buffer(2);
      v_max = max_of(v_max, v);
      descend(v_max);
    } else {
      descend(v);
    }
  }
};

/// RMSprop: g ← g + λθ; v ← αv + (1 − α)g²; ṽ = v, or centered: gₐ ← αgₐ + (1 − α)g, ṽ = v − gₐ²; with momentum
/// b ← μb + g/(√ṽ + ε), θ ← θ − γb; else θ ← θ − γg/(√ṽ + ε).
/// Buffers: square_avg, then momentum_buffer (momentum > 0), then grad_avg (centered).
template <class T>
struct RmspropBody {
  using value_type = T;
  struct Constants {};  // nothing depends on the step count
  T lr, alpha, one_minus_alpha, eps, weight_decay, momentum;
  bool has_weight_decay, has_momentum, centered;

  static RmspropBody make(const RmspropStep& s) {
    return {static_cast<T>(s.lr),           static_cast<T>(s.alpha),        static_cast<T>(1 - s.alpha),
            static_cast<T>(s.eps),          static_cast<T>(s.weight_decay), static_cast<T>(s.momentum),
            s.weight_decay != 0,            s.momentum > 0,                 s.centered};
  }
  static Constants constants(const RmspropStep& /*s*/, std::int64_t /*step*/) { return {}; }

  template <class Access> TG_HOST_DEVICE void operator()(const Constants& /*k*/, const Access& a) const {
    auto&& p = a.param();
    auto&& square_avg = a.buffer(0);
    const auto descend = [&](const auto& g) {
      square_avg = alpha * square_avg + one_minus_alpha * g * g;
      const auto with_variance = [&](const auto& variance) {
        if (has_momentum) {
          auto&& buf = a.buffer(1);
          buf = momentum * buf + g / (sqrt_of(variance) + eps);
          p -= lr * buf;
        } else {
          p -= lr * (g / (sqrt_of(variance) + eps));
        }
      };
      if (centered) {
        auto&& grad_avg = a.buffer(has_momentum ? 2 : 1);
        grad_avg = alpha * grad_avg + one_minus_alpha * g;
        with_variance(square_avg - grad_avg * grad_avg);
      } else {
        with_variance(square_avg);
      }
    };
    if (has_weight_decay) descend(a.grad() + weight_decay * p);
    else descend(a.grad());
  }
};

/// Adagrad at step t: γ̃ = γ/(1 + (t − 1)η); g ← g + λθ; s ← s + g²; θ ← θ − γ̃g/(√s + ε). Buffer 0: sum.
template <class T>
struct AdagradBody {
  using value_type = T;
  struct Constants {
    T clr;  // the decayed learning rate γ̃
  };
  T eps, weight_decay;
  bool has_weight_decay;

  static AdagradBody make(const AdagradStep& s) {
    return {static_cast<T>(s.eps), static_cast<T>(s.weight_decay), s.weight_decay != 0};
  }
  static Constants constants(const AdagradStep& s, std::int64_t step) {
    return {static_cast<T>(s.lr / (1 + static_cast<double>(step - 1) * s.lr_decay))};
  }

  template <class Access> TG_HOST_DEVICE void operator()(const Constants& k, const Access& a) const {
    auto&& p = a.param();
    auto&& sum = a.buffer(0);
    const auto descend = [&](const auto& g) {
      sum += g * g;
      p -= k.clr * (g / (sqrt_of(sum) + eps));
    };
    if (has_weight_decay) descend(a.grad() + weight_decay * p);
    else descend(a.grad());
  }
};

/// The body of each step description.
template <class T> SgdBody<T> body_of(const SgdStep& s) { return SgdBody<T>::make(s); }
template <class T> AdamBody<T> body_of(const AdamStep& s) { return AdamBody<T>::make(s); }
template <class T> RmspropBody<T> body_of(const RmspropStep& s) { return RmspropBody<T>::make(s); }
template <class T> AdagradBody<T> body_of(const AdagradStep& s) { return AdagradBody<T>::make(s); }

/// Calls f(step description, body) for the algorithm of `step`, over elements of type T.
template <class T, class F> void visit_optim_body(const OptimStep& step, F&& f) {
  std::visit([&](const auto& s) { f(s, body_of<T>(s)); }, step);
}

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

/// Calls f(typed slot) for each non-empty slot of slots[0, count). The constants are computed again only when
/// the step count changes from one slot to the next: parameters nearly always share it, and Adam's take two pow
/// calls (once a tenth of a small network's step when computed per parameter).
template <class Body, class Step, class F>
void for_each_typed_slot(const Step& step, const OptimSlot* slots, std::size_t count, F&& f) {
  using T = typename Body::value_type;
  using Constants = typename Body::Constants;
  std::int64_t constants_step = 0;
  Constants constants{};
  for (std::size_t i = 0; i < count; ++i) {
    const OptimSlot& in = slots[i];
    if (in.numel == 0) continue;
    if (in.step != constants_step) {
      constants = Body::constants(step, in.step);
      constants_step = in.step;
    }
    TypedOptimSlot<T, Constants> out{static_cast<T*>(in.param), static_cast<const T*>(in.grad), {}, in.numel, constants};
    for (int b = 0; b < 3; ++b) out.buffers[b] = static_cast<T*>(in.buffers[b]);
    f(static_cast<const TypedOptimSlot<T, Constants>&>(out));
  }
}

// ---- multi-tensor packing (the GPU) ----------------------------------------------------------------------------

/// Element j of a slot, as one GPU thread updates it.
template <class Slot>
struct ElementAccess {
  const Slot& slot;
  std::int64_t j;
  TG_HOST_DEVICE auto& param() const { return slot.param[j]; }
  TG_HOST_DEVICE auto grad() const { return slot.grad[j]; }
  TG_HOST_DEVICE auto& buffer(int k) const { return slot.buffers[k][j]; }
};

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
  using Slot = TypedOptimSlot<typename Body::value_type, typename Body::Constants>;
  Body body;
  Slot slots[kOptimPackSlots];
  std::int64_t first_block[kOptimPackSlots + 1];
  int count;

  std::int64_t blocks() const { return first_block[count]; }

  /// What block `block` does, as thread `thread` of `threads`: every threads-th element of its chunk.
  TG_HOST_DEVICE void run_block(std::int64_t block, int thread, int threads) const {
    int s = 0;
    while (block >= first_block[s + 1]) ++s;  // a linear search: at most 32 steps, all in the argument's cache
    const Slot& slot = slots[s];
    const std::int64_t begin = (block - first_block[s]) * kOptimBlockElements;
    const std::int64_t end = begin + kOptimBlockElements < slot.numel ? begin + kOptimBlockElements : slot.numel;
    for (std::int64_t j = begin + thread; j < end; j += threads) body(slot.constants, ElementAccess<Slot>{slot, j});
  }
};

/// Packs the non-empty slots[0, count) of a step of elements T into OptimPacks and calls launch(pack) for each,
/// in order.
template <class T, class Launch>
void for_each_optim_pack(const OptimStep& step, const OptimSlot* slots, std::size_t count, Launch&& launch) {
  visit_optim_body<T>(step, [&](const auto& description, const auto& body) {
    using Body = std::decay_t<decltype(body)>;
    using Pack = OptimPack<Body>;
    Pack pack{body, {}, {0}, 0};
    for_each_typed_slot<Body>(description, slots, count, [&](const typename Pack::Slot& slot) {
      const std::int64_t blocks = (slot.numel + kOptimBlockElements - 1) / kOptimBlockElements;
      if (pack.count == kOptimPackSlots || pack.blocks() + blocks > kOptimMaxBlocks) {
        launch(static_cast<const Pack&>(pack));
        pack.count = 0;
      }
      pack.slots[pack.count] = slot;
      pack.first_block[pack.count + 1] = pack.blocks() + blocks;
      ++pack.count;
    });
    if (pack.count > 0) launch(static_cast<const Pack&>(pack));
  });
}

}  // namespace bodies
}  // namespace backend
}  // namespace tg
