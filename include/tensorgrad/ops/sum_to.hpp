#pragma once
/// sum_to: reduces a broadcast gradient back to an operand's shape (the engine's broadcast reduction).
#include "../backend/kernels.hpp"
#include "../core/creation.hpp"
#include "../core/tensor.hpp"

namespace tg {
namespace detail {

/// Sums `g` over the dims along which `shape` was broadcast to g's shape (leading dims and size-1 dims).
/// Returns g itself when nothing was broadcast.
template <class T> Tensor<T> sum_to(const Tensor<T>& g, const Shape& shape) {
  if (g.sizes() == shape) return g;
  const int lead = g.dim() - shape.size();
  TG_CHECK(lead >= 0, "sum_to: cannot reduce shape ", g.sizes(), " to ", shape);
  Shape kept = Shape::filled(g.dim(), 1);
  for (int i = 0; i < shape.size(); ++i) {
    TG_CHECK(shape[i] == g.sizes()[lead + i] || shape[i] == 1, "sum_to: cannot reduce shape ", g.sizes(), " to ", shape);
    kept[lead + i] = shape[i];
  }
  Tensor<T> out = empty<T>(kept, g.device());
  kernels::sum<T>("sum_to", *g.impl(), *out.impl());
  out.impl()->sizes = shape;  // drop the leading 1s: same data, contiguous either way
  out.impl()->strides = contiguous_strides(shape);
  return out;
}

}  // namespace detail
}  // namespace tg
