#pragma once
/// Flatten(start_dim=1, end_dim=-1): [N, 1, 28, 28] -> [N, 784], keeping the batch dim.
#include <cstdint>
#include <string>

#include "module_holder.hpp"

namespace tg {
namespace nn {

class FlattenImpl : public Module {
 public:
  explicit FlattenImpl(std::int64_t start_dim = 1, std::int64_t end_dim = -1) : start_dim(start_dim), end_dim(end_dim) {}
  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    return in_context([&] { return tg::flatten(x, start_dim, end_dim); });
  }
  std::string name() const override { return "Flatten"; }
  std::string extra_repr() const override {
    return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
  }
  std::int64_t start_dim, end_dim;
};
TG_MODULE(Flatten);

}  // namespace nn
}  // namespace tg
