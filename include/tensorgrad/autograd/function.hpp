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
#include <optional>
#include <utility>

#include "../core/tensor.hpp"
#include "anomaly_mode.hpp"

namespace tg {
namespace autograd {

/// The gradients an op's backward hands back, one slot per input, with the per-input "is it needed" mask
/// (STYLE 3): a backward skips the work for inputs whose needs(i) is false.
class GradInputs {
 public:
  explicit GradInputs(const EdgeList& edges, std::vector<ImplPtr>& out) : edges_(edges), out_(out) {}
  bool needs(std::size_t i) const { return edges_[i].valid(); }
  template <class U> void set(std::size_t i, const Tensor<U>& g) {
    if (needs(i)) out_[i] = g.impl();
  }

 private:
  const EdgeList& edges_;
  std::vector<ImplPtr>& out_;
};

template <class T, class F>
class LambdaNode final : public Node {
 public:
  LambdaNode(const char* name, F&& f) : name_(name), f_(std::move(f)) {}
  const char* name() const override { return name_; }
  void apply(const ImplPtr& grad_output, std::vector<ImplPtr>& grad_inputs) override {
    TG_CHECK(f_.has_value(), name_,
             ": trying to backward through the graph a second time (or directly access saved tensors after "
             "they have already been freed); specify retain_graph=true on the first backward call");
    GradInputs gi(next_edges, grad_inputs);
    (*f_)(Tensor<T>(grad_output), gi);
  }
  void release_saved() override { f_.reset(); }

 private:
  const char* name_;
  std::optional<F> f_;
};

inline bool any_requires_grad(std::initializer_list<const detail::TensorImpl*> inputs) {
  if (!is_grad_enabled()) return false;
  for (const auto* t : inputs)
    if (t && t->requires_grad) return true;
  return false;
}
template <class... Ts> bool any_requires_grad(const Tensor<Ts>&... inputs) {
  return any_requires_grad({inputs.impl().get()...});
}

inline Edge edge_to(const ImplPtr& input) {
  Edge e;
  if (!input || !input->requires_grad) return e;
  if (input->grad_fn) e.node = input->grad_fn;
  else e.leaf = input;
  e.shape = input->sizes;
  return e;
}

/// Makes `out` the output of a new node whose backward is `f(const Tensor<T>& grad_out, GradInputs&)`.
/// `inputs` (a braced list or a std::vector<ImplPtr>) are the op's differentiable inputs, in the order
/// GradInputs indexes them.
template <class T, class Inputs, class F>
void record(const char* name, Tensor<T>& out, const Inputs& inputs, F&& f) {
  auto node = detail::make_pooled<LambdaNode<T, std::decay_t<F>>>(name, std::forward<F>(f));
  node->next_edges.reserve(inputs.size());
  for (const ImplPtr& in : inputs) node->next_edges.push_back(edge_to(in));
  if (is_anomaly_enabled()) node->forward_stack = detail::capture_stack();
  out.impl()->grad_fn = std::move(node);
  out.impl()->requires_grad = true;
}
template <class T, class F>
void record(const char* name, Tensor<T>& out, std::initializer_list<ImplPtr> inputs, F&& f) {
  record<T, std::initializer_list<ImplPtr>, F>(name, out, inputs, std::forward<F>(f));
}

/// Saves a tensor for backward (see SavedImpl).
template <class T> SavedImpl save(const Tensor<T>& t) { return SavedImpl(*t.impl()); }

}  // namespace autograd
}  // namespace tg
