#pragma once
/// sum_to: reduces a broadcast gradient back to an operand's shape (the engine's broadcast reduction).
#include "../backend/cpu/loops.hpp"
#include "../core/creation.hpp"
#include "dispatch.hpp"

namespace tg {
namespace detail {

/// Sums `g` over the dims along which `shape` was broadcast to g's shape (leading dims and size-1 dims).
/// Returns g itself when nothing was broadcast.
template <class T> Tensor<T> sum_to(const Tensor<T>& g, const Shape& shape) {
  if (g.sizes() == shape) return g;
  backend::DeviceBackend* be = device_backend("sum_to", {g.impl().get()});
  const int lead = g.dim() - shape.size();
  TG_CHECK(lead >= 0, "sum_to: cannot reduce shape ", g.sizes(), " to ", shape);
  Shape kept = Shape::filled(g.dim(), 1);
  for (int i = 0; i < shape.size(); ++i) {
    TG_CHECK(shape[i] == g.sizes()[lead + i] || shape[i] == 1, "sum_to: cannot reduce shape ", g.sizes(), " to ", shape);
    kept[lead + i] = shape[i];
  }
  Tensor<T> out = be ? empty<T>(kept, g.device()) : zeros<T>(kept);
  if (be) be->sum(*g.impl(), *out.impl());
  else backend::cpu::reduce_into<T, T>(*g.impl(), *out.impl(), [](T a, T b) { return a + b; });
  out.impl()->sizes = shape;  // drop the leading 1s: same data, contiguous either way
  out.impl()->strides = contiguous_strides(shape);
  return out;
}

}  // namespace detail
}  // namespace tg
