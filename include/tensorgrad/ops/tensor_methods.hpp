#pragma once
/// Tensor<T> members that need the ops layer.
#include <vector>

#include "view.hpp"

namespace tg {

template <class T> T Tensor<T>::item() const {
  TG_CHECK(numel() == 1, "item: a Tensor with ", numel(), " elements cannot be converted to a scalar (shape ",
           sizes(), ")");
  const Tensor<T> c = to_device(detach(), kCPU);
  return *c.impl()->template data<T>();
}

template <class T> std::vector<T> Tensor<T>::tolist() const {
  const Tensor<T> c = to_device(detach(), kCPU).contiguous();
  const T* p = c.impl()->template data<T>();
  return std::vector<T>(p, p + c.numel());
}

}  // namespace tg
