#pragma once
/// Dropout(p): in training, zeroes elements with probability p and scales the rest by 1/(1−p); the identity
/// after eval(). The mask comes from tg::default_generator(), so tg::manual_seed makes it reproducible.
#include <string>

#include "functional.hpp"
#include "module_holder.hpp"

namespace tg {
namespace nn {

class DropoutImpl : public Module {
 public:
  explicit DropoutImpl(double p = 0.5) : p(p) {
    TG_CHECK(p >= 0.0 && p <= 1.0, "Dropout: probability has to be between 0 and 1, but got ", p);
  }
  Tensor<float> forward(const Tensor<float>& x) const {
    return in_context([&] { return functional::dropout(x, p, is_training()); });
  }
  std::string name() const override { return "Dropout"; }
  /// inplace is always false: tensorgrad's dropout allocates its output (printed for PyTorch parity).
  std::string extra_repr() const override { return "p=" + detail::python_float(p) + ", inplace=false"; }
  double p;
};
TG_MODULE(Dropout);

}  // namespace nn
}  // namespace tg
