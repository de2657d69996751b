#pragma once
/// Grad mode: whether ops record the tape (thread-local, as in PyTorch), and tg::NoGradGuard.

namespace tg {
namespace autograd {

inline bool& grad_mode_flag() {
  thread_local bool enabled = true;
  return enabled;
}

}  // namespace autograd

inline bool is_grad_enabled() { return autograd::grad_mode_flag(); }

/// RAII: ops inside the scope record nothing (as `with torch.no_grad():`).
class NoGradGuard {
 public:
  NoGradGuard() : prev_(autograd::grad_mode_flag()) { autograd::grad_mode_flag() = false; }
  ~NoGradGuard() { autograd::grad_mode_flag() = prev_; }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace tg
