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

class Node {
 public:
  virtual ~Node() { release_chain(); }
  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// The op's name as PyTorch prints it in grad_fn, e.g. "MulBackward".
  virtual const char* name() const = 0;
  /// Turns the gradient w.r.t. this node's (single) output into gradients for each valid edge.
  virtual void apply(const ImplPtr& grad_output, std::vector<ImplPtr>& grad_inputs) = 0;
  /// Drops the values saved for backward (the graph is freed after backward unless retained).
  virtual void release_saved() = 0;

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

  // STYLE 5: destroying a long chain recursively overflows the stack; unlink it iteratively. The work list is
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
