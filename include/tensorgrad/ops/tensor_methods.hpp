#pragma once
/// Tensor<T> complete: the members that need the ops layer, and every op its members forward to (ops/fwd.hpp),
/// with backward(). Library headers include this rather than tensor.hpp, so a program that never convolves or
/// pools does not parse those ops.
#include <vector>

#include "../autograd/engine.hpp"
#include "activation.hpp"
#include "binary.hpp"
#include "inplace.hpp"
#include "linalg.hpp"
#include "reduce.hpp"
#include "softmax.hpp"
#include "unary.hpp"
#include "view.hpp"
#include "dispatch.hpp"  // transitional, for nn and io

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
