#pragma once
/// The optimizer base classes: OptimizerBase (what learning-rate schedulers need) and Optimizer<T> (the
/// parameter list, zero_grad, step, and per-parameter state with export/import for checkpoints).
///
/// NOTE [ Optimizer state ]: state is created lazily, per parameter, on the first step() that finds a
/// gradient for it (as PyTorch). It is a step count plus the algorithm's buffers (e.g. Adam's exp_avg),
/// each a contiguous tensor of the parameter's shape. A parameter whose grad() is undefined is skipped:
/// neither it nor its state (nor its step count) changes. state() exports "<i>.step" and "<i>.<buffer>"
/// for every parameter index i that has state; load_state() restores exactly that, so a run resumed from
/// an exported state continues bitwise identically.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include "../backend/kernels_optim.hpp"
#include "../ops/tensor_methods.hpp"

/// Declares an option with a chainable setter and a getter of the same name, as LibTorch's TORCH_ARG:
/// `AdamOptions(1e-3).eps(1e-6).amsgrad(true)`; `options.eps()` reads it back.
#define TG_OPTIM_ARG(Type, name)                          \
 public:                                                  \
  auto name(const Type& new_value)->decltype(*this) {     \
    name##_ = new_value;                                  \
    return *this;                                         \
  }                                                       \
  const Type& name() const { return name##_; }            \
                                                          \
 private:                                                 \
  Type name##_

namespace tg {
namespace optim {

/// The type-independent face of an optimizer: stepping and the learning rate (one parameter group).
/// Learning-rate schedulers hold one of these, so they work with Optimizer<float> and Optimizer<double>.
class OptimizerBase {
 public:
  virtual ~OptimizerBase() = default;
  /// Applies one update to every parameter that has a gradient.
  virtual void step() = 0;
  /// Clears the parameters' gradients: undefined (set_to_none, PyTorch's default) or filled with zeros.
  virtual void zero_grad(bool set_to_none = true) = 0;
  /// The learning rate used by the next step().
  double lr() const { return lr_; }
  /// Sets the learning rate (what schedulers call).
  void set_lr(double lr) {
    TG_CHECK(lr >= 0, name_, ": invalid learning rate: ", lr);
    lr_ = lr;
  }
  /// The algorithm's name as PyTorch spells it ("SGD", "Adam", ...).
  const char* name() const { return name_; }

 protected:
  OptimizerBase(const char* name, double lr) : name_(name) { set_lr(lr); }

 private:
  const char* name_;
  double lr_ = 0;
};

/// Base of the optimizers over parameters of scalar type T (float or double). See NOTE [ Optimizer state ].
template <class T>
class Optimizer : public OptimizerBase {
  static_assert(std::is_floating_point_v<T>, "tg::optim::Optimizer<T>: parameters must be float or double");

 public:
  using value_type = T;
  /// Named state tensors in a fixed order (parameter index, then "step", then the buffers).
  using State = std::vector<std::pair<std::string, Tensor<T>>>;

  // Not copyable: a copy would alias the same state buffers (tensors are shared handles). Movable.
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;
  Optimizer(Optimizer&&) = default;
  Optimizer& operator=(Optimizer&&) = default;
  // Defined below the class, so that it is user-provided: the compiled library's explicit instantiation then
  // holds it, and a consumer does not emit its own copy.
  ~Optimizer() override;

  void zero_grad(bool set_to_none = true) override {
    NoGradGuard no_grad;
    for (const Tensor<T>& p : params_) {
      if (set_to_none) {
        p.set_grad(Tensor<T>());
      } else if (Tensor<T> g = p.grad(); g.defined()) {
        g.zero_();
      }
    }
  }

  /// Validates every parameter that has a gradient before changing anything, so an error leaves parameters and
  /// state as they were; then updates them with one kernel call per device (a multi-tensor update), running the
  /// rule of backend/bodies/optim.hpp that the optimizer's step() describes.
  void step() override {
    NoGradGuard no_grad;
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const Tensor<T>& p = params_[i];
      const Tensor<T> g = p.grad();
      if (!g.defined()) continue;
      TG_CHECK(g.sizes() == p.sizes(), name(), ": parameter ", i, " has shape ", p.sizes(),
               " but its gradient has shape ", g.sizes());
      TG_CHECK(g.device() == p.device(), name(), ": parameter ", i, " is on ", p.device(),
               " but its gradient is on ", g.device());
      TG_CHECK(p.is_contiguous() && g.is_contiguous(), name(), ": parameter ", i, " (shape ", p.sizes(),
               ") and its gradient must be contiguous");
      // State lives where the parameter was at its first step; Module::to() moves parameters, not this state.
      for (const Tensor<T>& b : states_[i].buffers)
        TG_CHECK(b.device() == p.device(), name(), ": the state of parameter ", i, " is on ", b.device(),
                 " but the parameter is now on ", p.device(),
                 " (move the model before creating the optimizer, or load_state() after moving it)");
    }
    slots_.clear();  // member vectors: after the first step, step() allocates nothing
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const Tensor<T>& p = params_[i];
      const Tensor<T> g = p.grad();
      if (!g.defined()) continue;
      ParamState& s = states_[i];
      if (s.step == 0) {
        const std::size_t count = buffer_names().size();
        for (std::size_t b = 0; b < count; ++b) s.buffers.push_back(full<T>(p.sizes(), initial_value(b), p.device()));
      }
      ++s.step;
      backend::bodies::OptimSlot slot;
      slot.param = p.impl()->template data<T>();
      slot.grad = g.impl()->template data<T>();
      for (std::size_t b = 0; b < s.buffers.size(); ++b) slot.buffers[b] = s.buffers[b].impl()->template data<T>();
      slot.numel = p.numel();
      slot.step = s.step;
      slots_.push_back({p.device(), slot});
      // The parameter changed in place: a graph that saved it must notice (NOTE [ Version counter ]).
      p.impl()->storage->bump_version();
    }
    if (slots_.empty()) return;
    const backend::bodies::OptimStep description = describe_step();
    // Parameters are nearly always on one device; otherwise each device gets its own call, in order of first use.
    for (std::size_t first = 0; first < slots_.size(); ++first) {
      const Device device = slots_[first].device;
      bool seen = false;
      for (std::size_t j = 0; j < first && !seen; ++j) seen = slots_[j].device == device;
      if (seen) continue;
      batch_.clear();
      for (std::size_t j = first; j < slots_.size(); ++j)
        if (slots_[j].device == device) batch_.push_back(slots_[j].slot);
      kernels::optimizer_step<T>(name(), device, description, batch_.data(), batch_.size());
    }
  }

  /// The parameters, in the order given at construction (state names use these indices).
  const std::vector<Tensor<T>>& parameters() const { return params_; }

  /// A snapshot of the state (copies, so later steps don't change it): "<i>.step" as a 0-d CPU tensor
  /// (as PyTorch's float step tensor) and "<i>.<buffer>" for each parameter i that has state, on the
  /// parameter's device (as PyTorch's state_dict).
  State state() const {
    State out;
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const ParamState& s = states_[i];
      if (s.step == 0) continue;
      TG_CHECK(static_cast<std::int64_t>(static_cast<T>(s.step)) == s.step, name(), ": step count ", s.step,
               " of parameter ", i, " cannot be stored exactly in a tensor of this dtype");
      const std::string prefix = std::to_string(i) + ".";
      out.emplace_back(prefix + "step", scalar_tensor<T>(static_cast<T>(s.step)));
      const std::vector<std::string> names = buffer_names();
      for (std::size_t b = 0; b < names.size(); ++b) out.emplace_back(prefix + names[b], s.buffers[b].clone());
    }
    return out;
  }

  /// Replaces the whole state by one exported with state() (by an optimizer of the same kind and options
  /// over parameters of the same shapes). Entries may be on any device (a checkpoint loads on the CPU): each
  /// buffer is copied to its parameter's device. Everything is validated first; on error the state is unchanged.
  void load_state(const State& state) {
    NoGradGuard no_grad;  // copies of the caller's tensors, never part of a graph
    const std::vector<std::string> names = buffer_names();
    const std::size_t slots = names.size() + 1;  // slot 0 is "step", slot 1 + b is buffer b
    std::vector<ParamState> loaded(params_.size());
    std::vector<std::vector<bool>> seen(params_.size(), std::vector<bool>(slots, false));
    std::vector<std::pair<std::size_t, std::size_t>> where;  // (parameter, slot) of each entry
    for (const auto& [key, value] : state) {
      const std::size_t dot = key.find('.');
      const bool indexed = dot != std::string::npos && dot > 0 && dot < 10 &&
                           key.find_first_not_of("0123456789") == dot;
      const std::size_t i = indexed ? static_cast<std::size_t>(std::stoul(key.substr(0, dot))) : params_.size();
      TG_CHECK(i < params_.size(), name(), ": load_state: entry '", key,
               "' does not name a parameter index below ", params_.size());
      const std::string field = key.substr(dot + 1);
      std::size_t slot = 0;
      while (slot < slots && field != (slot == 0 ? std::string("step") : names[slot - 1])) ++slot;
      TG_CHECK(slot < slots, name(), ": load_state: unexpected entry '", key,
               "' (not part of this optimizer's state with these options)");
      TG_CHECK(!seen[i][slot], name(), ": load_state: duplicate entry '", key, "'");
      seen[i][slot] = true;
      where.emplace_back(i, slot);
      TG_CHECK(value.defined(), name(), ": load_state: entry '", key, "' is an undefined tensor");
      if (slot == 0) {
        TG_CHECK(value.numel() == 1, name(), ": load_state: entry '", key, "' must hold one value, got shape ",
                 value.sizes());
        const T step = value.to(kCPU).contiguous().data()[0];
        TG_CHECK(step >= 1 && step == std::floor(step) && step < T(9.0e18), name(), ": load_state: entry '", key,
                 "' must be a positive whole step count, got ", step);
        loaded[i].step = static_cast<std::int64_t>(step);
      } else {
        TG_CHECK(value.sizes() == params_[i].sizes(), name(), ": load_state: entry '", key, "' has shape ",
                 value.sizes(), " but parameter ", i, " has shape ", params_[i].sizes());
      }
    }
    for (std::size_t i = 0; i < params_.size(); ++i) {
      bool any = false;
      for (bool b : seen[i]) any = any || b;
      for (std::size_t slot = 0; any && slot < slots; ++slot) {
        TG_CHECK(seen[i][slot], name(), ": load_state: parameter ", i, " has state but entry '", i, ".",
                 slot == 0 ? std::string("step") : names[slot - 1], "' is missing");
      }
    }
    // All checks passed: copy the buffers in (the optimizer owns its state; the caller's tensors stay theirs).
    for (ParamState& s : loaded) s.buffers.resize(s.step > 0 ? names.size() : 0);
    for (std::size_t e = 0; e < state.size(); ++e) {
      const auto [i, slot] = where[e];
      if (slot == 0) continue;
      const Tensor<T>& value = state[e].second;
      const Device device = params_[i].device();
      // to() returns the tensor itself when it is already there: clone then, so the buffer is the optimizer's own.
      loaded[i].buffers[slot - 1] = value.device() == device ? value.clone() : value.to(device);
    }
    states_ = std::move(loaded);
  }

 protected:
  Optimizer(const char* name, std::vector<Tensor<T>> params, double lr)
      : OptimizerBase(name, lr), params_(std::move(params)), states_(params_.size()) {
    TG_CHECK(!params_.empty(), name, ": got an empty parameter list");
    std::unordered_set<const void*> distinct;
    for (std::size_t i = 0; i < params_.size(); ++i) {
      TG_CHECK(params_[i].defined(), name, ": parameter ", i, " is an undefined tensor");
      TG_CHECK(params_[i].is_leaf(), name, ": can't optimize a non-leaf tensor (parameter ", i, ", shape ",
               params_[i].sizes(), ")");
      TG_CHECK(distinct.insert(params_[i].impl().get()).second, name, ": parameter ", i,
               " appears more than once in the parameter list");
    }
  }

  /// Names of the per-parameter buffers, in export order; may depend on the options (e.g. amsgrad).
  virtual std::vector<std::string> buffer_names() const = 0;
  /// The value buffer b starts with (0 except Adagrad's initial_accumulator_value).
  virtual T initial_value(std::size_t /*buffer*/) const { return T(0); }
  /// This step as the kernels take it (backend/bodies/optim.hpp): the algorithm, its options and lr().
  virtual backend::bodies::OptimStep describe_step() const = 0;

 private:
  struct ParamState {
    std::int64_t step = 0;  // 0: no state yet
    std::vector<Tensor<T>> buffers;
  };

  struct DeviceSlot {
    Device device;
    backend::bodies::OptimSlot slot;
  };

  std::vector<Tensor<T>> params_;
  std::vector<ParamState> states_;
  std::vector<DeviceSlot> slots_;                 // this step's parameters with a gradient
  std::vector<backend::bodies::OptimSlot> batch_;  // those of one device
};

template <class T> Optimizer<T>::~Optimizer() = default;

}  // namespace optim
}  // namespace tg
