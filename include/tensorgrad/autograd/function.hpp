#pragma once
/// Recording an op on the tape: an op computes its output, then (only if some input needs a gradient)
/// calls record(name, out, {inputs...}, backward) with a lambda written right under its forward.
///
/// Example (ops/unary.hpp):
///   Tensor<T> y = ...forward...;
///   if (any_requires_grad(x))
///     record("ExpBackward", y, {x.impl()}, [saved = save(y)](const Tensor<T>& g, GradInputs& gi) {
///       gi.set(0, g * Tensor<T>(saved.get("exp")));
///     });
#include <iterator>
#include <new>
#include <utility>

#include "../core/tensor.hpp"
#include "anomaly_mode.hpp"
#include "node.hpp"

namespace tg {
namespace autograd {

inline Edge edge_to(const ImplPtr& input) {
  Edge e;
  if (!input || !input->requires_grad) return e;
  if (input->grad_fn) e.node = input->grad_fn;
  else e.leaf = input;
  e.shape = input->sizes;
  return e;
}

namespace detail_function {

template <class T, class F> void call_backward(void* state, const ImplPtr& grad_output, GradInputs& gi) {
  (*static_cast<F*>(state))(Tensor<T>(grad_output), gi);
}
template <class F> void drop_backward(void* state) {
  F* f = static_cast<F*>(state);
  f->~F();
  detail::PoolAllocator<F>().deallocate(f, 1);
}

/// The type-independent part of record(): the node, its edges, the anomaly stack, the output's grad_fn.
inline void attach(const char* name, detail::TensorImpl& out, void* state, Node::BackwardFn backward,
                   Node::DropFn drop, const ImplPtr* inputs, std::size_t n) {
  std::shared_ptr<Node> node;
  try {
    node = detail::make_pooled<Node>(name, state, backward, drop);
  } catch (...) {
    drop(state);
    throw;
  }
  node->next_edges.reserve(n);
  for (std::size_t i = 0; i < n; ++i) node->next_edges.push_back(edge_to(inputs[i]));
  if (is_anomaly_enabled()) node->forward_stack = detail::capture_stack();
  out.grad_fn = std::move(node);
  out.requires_grad = true;
}

}  // namespace detail_function

inline bool any_requires_grad(std::initializer_list<const detail::TensorImpl*> inputs) {
  if (!is_grad_enabled()) return false;
  for (const auto* t : inputs)
    if (t && t->requires_grad) return true;
  return false;
}
template <class... Ts> bool any_requires_grad(const Tensor<Ts>&... inputs) {
  return any_requires_grad({inputs.impl().get()...});
}

/// Makes `out` the output of a new node whose backward is `f(const Tensor<T>& grad_out, GradInputs&)`.
/// `inputs` (a braced list or a std::vector<ImplPtr>) are the op's differentiable inputs, in the order
/// GradInputs indexes them.
template <class T, class Inputs, class F>
void record(const char* name, Tensor<T>& out, const Inputs& inputs, F&& f) {
  using Fn = std::decay_t<F>;
  Fn* state = detail::PoolAllocator<Fn>().allocate(1);
  try {
    ::new (static_cast<void*>(state)) Fn(std::forward<F>(f));
  } catch (...) {
    detail::PoolAllocator<Fn>().deallocate(state, 1);
    throw;
  }
  detail_function::attach(name, *out.impl(), state, &detail_function::call_backward<T, Fn>,
                          &detail_function::drop_backward<Fn>, std::data(inputs), inputs.size());
}
template <class T, class F>
void record(const char* name, Tensor<T>& out, std::initializer_list<ImplPtr> inputs, F&& f) {
  record<T, std::initializer_list<ImplPtr>, F>(name, out, inputs, std::forward<F>(f));
}

/// Saves a tensor for backward (see SavedImpl).
template <class T> SavedImpl save(const Tensor<T>& t) { return SavedImpl(*t.impl()); }

}  // namespace autograd
}  // namespace tg
