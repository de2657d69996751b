#pragma once
/// Dropout(p) and Dropout2d(p): in training, zero elements (Dropout) or whole channels (Dropout2d) with
/// probability p and scale the rest by 1/(1−p); the identity after eval(). Each training forward takes one
/// draw from tg::default_generator() as the seed of a Philox mask (F::dropout), so tg::manual_seed makes it
/// reproducible, and a model on the GPU drops exactly the elements it would drop on the CPU.
#include <string>

#include "functional.hpp"
#include "module_holder.hpp"

namespace tg {
namespace nn {

class DropoutImpl : public Module {
 public:
  explicit DropoutImpl(double p = 0.5) : p(p) {
    functional::detail::check_dropout_probability("Dropout", p);
  }
  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    return in_context([&] { return functional::dropout(x, p, is_training()); });
  }
  std::string name() const override { return "Dropout"; }
  /// inplace is always false: tensorgrad's dropout allocates its output (printed for PyTorch parity).
  std::string extra_repr() const override { return "p=" + detail::python_float(p) + ", inplace=false"; }
  double p;
};
TG_MODULE(Dropout);

/// Input [N, C, H, W] or [C, H, W] (see F::dropout2d).
class Dropout2dImpl : public Module {
 public:
  explicit Dropout2dImpl(double p = 0.5) : p(p) { functional::detail::check_dropout_probability("Dropout2d", p); }
  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    return in_context([&] { return functional::dropout2d(x, p, is_training()); });
  }
  std::string name() const override { return "Dropout2d"; }
  std::string extra_repr() const override { return "p=" + detail::python_float(p) + ", inplace=false"; }
  double p;
};
TG_MODULE(Dropout2d);

}  // namespace nn
}  // namespace tg
