#pragma once
/// Identity: returns its input (a placeholder layer, e.g. to switch a block off).
#include <string>

#include "module_holder.hpp"

namespace tg {
namespace nn {

class IdentityImpl : public Module {
 public:
  template <class T> Tensor<T> forward(const Tensor<T>& x) const { return x; }
  std::string name() const override { return "Identity"; }
};
TG_MODULE(Identity);

}  // namespace nn
}  // namespace tg
