#pragma once
/// Node: one recorded op on the tape. Edges point to the nodes (or leaves) of the op's inputs.
#include <utility>
#include <vector>

#include "../core/tensor_impl.hpp"

namespace tg {
namespace autograd {

using detail::ImplPtr;
class Node;

/// Where the gradient of one input goes: the node that produced it, or the leaf to accumulate into.
/// `shape` is the input's shape; the engine checks each gradient against it.
struct Edge {
  std::shared_ptr<Node> node;
  ImplPtr leaf;
  Shape shape;
  bool valid() const { return node || leaf; }
};
/// A node's edges, one per input, from the small-object pool (core/pool.hpp).
using EdgeList = std::vector<Edge, detail::PoolAllocator<Edge>>;

/// The gradients an op's backward hands back, one slot per input, with the per-input "is it needed" mask:
/// a backward skips the work for inputs whose needs(i) is false.
class GradInputs {
 public:
  explicit GradInputs(const EdgeList& edges, std::vector<ImplPtr>& out) : edges_(edges), out_(out) {}
  bool needs(std::size_t i) const { return edges_[i].valid(); }
  template <class Grad> void set(std::size_t i, const Grad& g) {
    if (needs(i)) out_[i] = g.impl();
  }

 private:
  const EdgeList& edges_;
  std::vector<ImplPtr>& out_;
};

/// One class for every op's node. The op's backward (a lambda, see autograd/function.hpp) lives in a pooled block
/// of its own, reached through two function pointers: a program instantiates one small call thunk per backward
/// rather than a class, a vtable and a shared_ptr control block per op, which is most of what compiling the tape
/// used to cost.
class Node {
 public:
  /// Runs the saved backward: `state` is its captures, `grad_output` the gradient w.r.t. the node's output.
  using BackwardFn = void (*)(void* state, const ImplPtr& grad_output, GradInputs& grad_inputs);
  /// Destroys the captures and frees their block.
  using DropFn = void (*)(void* state);

  Node(const char* name, void* state, BackwardFn backward, DropFn drop)
      : name_(name), state_(state), backward_(backward), drop_(drop) {}
  ~Node() {
    release_saved();
    release_chain();
  }
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// The op's name as PyTorch prints it in grad_fn, e.g. "MulBackward".
  const char* name() const { return name_; }
  /// Turns the gradient w.r.t. this node's (single) output into gradients for each valid edge.
  void apply(const ImplPtr& grad_output, std::vector<ImplPtr>& grad_inputs) {
    TG_CHECK(state_, name_,
             ": trying to backward through the graph a second time (or directly access saved tensors after "
             "they have already been freed); specify retain_graph=true on the first backward call");
    GradInputs gi(next_edges, grad_inputs);
    backward_(state_, grad_output, gi);
  }
  /// Drops the values saved for backward (the graph is freed after backward unless retained).
  void release_saved() {
    if (state_) drop_(std::exchange(state_, nullptr));
  }

  EdgeList next_edges;
  /// A non-leaf output that asked for retain_grad(); weak so the node never owns its output.
  std::weak_ptr<detail::TensorImpl> retained_output;
  /// Return addresses of the forward call that recorded this node; filled only in anomaly mode.
  std::vector<void*> forward_stack;

  // Engine scratch, valid only during one backward() call.
  ImplPtr pending_grad;
  std::uint64_t visit_epoch = 0;

 private:
#ifdef TENSORGRAD_COUNT_OBJECTS
  detail::LiveCounter<Node> live_counter_;  // see core/live_counter.hpp
#endif
  const char* name_;
  void* state_;
  BackwardFn backward_;
  DropFn drop_;

  // Destroying a long chain recursively overflows the stack; unlink it iteratively. The work list is
  // pooled (core/pool.hpp): graphs are freed every training step.
  void release_chain() {
    std::vector<std::shared_ptr<Node>, detail::PoolAllocator<std::shared_ptr<Node>>> stack;
    auto take = [&stack](Node& n) {
      for (Edge& e : n.next_edges)
        if (e.node) stack.push_back(std::move(e.node));
      n.next_edges.clear();
    };
    take(*this);
    while (!stack.empty()) {
      std::shared_ptr<Node> n = std::move(stack.back());
      stack.pop_back();
      if (n.use_count() == 1) take(*n);
    }
  }
};

/// A value saved for backward: an alias of the tensor's storage without its history (saved values never
/// hold the graph), plus the storage version it was saved at (see NOTE [ Version counter ]).
class SavedImpl {
 public:
  SavedImpl() = default;
  explicit SavedImpl(const detail::TensorImpl& t)
      : impl_(detail::make_alias(t, t.sizes, t.strides, t.offset)), version_(t.storage->version()) {
    impl_->is_view = t.is_view;
  }
  /// Throws if the saved tensor was modified in place after it was saved.
  const ImplPtr& get(const char* op) const {
    TG_CHECK(impl_, op, ": saved tensors were already freed; call backward(retain_graph=true) to backward twice");
    TG_CHECK(impl_->storage->version() == version_,
             "one of the tensors needed for gradient computation has been modified by an in-place operation: ",
             op, " saved a tensor of shape ", impl_->sizes, " at version ", version_, ", but it is now at version ",
             impl_->storage->version());
    return impl_;
  }
  void reset() { impl_.reset(); }

 private:
  ImplPtr impl_;
  std::uint32_t version_ = 0;
};

}  // namespace autograd
}  // namespace tg
