#pragma once
/// The backward engine: sorts the graph once (iteratively), walks it in reverse topological order so each
/// node runs once with its gradient fully summed, checks every gradient's shape, and accumulates into
/// leaves' .grad. Graphs are released after backward unless retain_graph is set.
#include <cmath>
#include <string>
#include <vector>

#include "../backend/kernels.hpp"
#include "../core/creation.hpp"
#include "anomaly_mode.hpp"
#include "function.hpp"

namespace tg {
namespace autograd {
namespace detail_engine {

inline std::uint64_t next_epoch() {
  thread_local std::uint64_t epoch = 0;
  return ++epoch;
}

/// Calls f(T{}) with the gradient's element type (gradients are float32 or float64).
template <class F> void with_grad_dtype(Dtype dtype, F&& f) {
  if (dtype == Dtype::Float32) f(float{});
  else f(double{});
}

/// g added to acc (a fresh tensor; neither argument is modified). Gradients carry no history, so this is a
/// kernel call, not an op.
inline ImplPtr add_grads(const ImplPtr& acc, const ImplPtr& g) {
  ImplPtr out;
  with_grad_dtype(acc->dtype, [&](auto tag) {
    using T = decltype(tag);
    out = empty<T>(acc->sizes, acc->device()).impl();
    kernels::binary<T, T>("AccumulateGrad", functors::Add{}, *acc, *g, *out);
  });
  return out;
}

/// True when nothing else can see g's buffer: this is the only handle, it owns its whole storage and is dense.
inline bool exclusively_owned(const ImplPtr& g) {
  return g.use_count() == 1 && g->storage.use_count() == 1 && !g->is_view && g->offset == 0 && g->is_contiguous() &&
         static_cast<std::size_t>(g->numel()) * dtype_size(g->dtype) == g->storage->nbytes();
}

/// Accumulates into a tensor's .grad: the first gradient becomes .grad (taken over when nothing else can see
/// it, else copied into a buffer the tensor owns), later ones are added in place (so a handle from grad() sees
/// the update, as in PyTorch).
inline void accumulate(detail::TensorImpl& t, ImplPtr g) {
  if (!t.grad && exclusively_owned(g)) {
    t.grad = std::move(g);
    return;
  }
  with_grad_dtype(t.dtype, [&](auto tag) {
    using T = decltype(tag);
    if (!t.grad) {
      t.grad = empty<T>(g->sizes, g->device()).impl();
      kernels::copy<T>(*t.grad, *g);
    } else {
      kernels::update<T>("AccumulateGrad", backend::UpdateOp::Axpy, *t.grad, *g, 1.0);
      t.grad->storage->bump_version();  // an in-place write, as add_ would count it
    }
  });
}

/// The buffers one backward() needs, kept per thread so a steady-state backward allocates nothing. A
/// backward leases them for its duration; a nested backward (a gradcheck inside a loss, say) finds the cache
/// empty and grows its own, which go back to the cache when it ends.
struct Scratch {
  std::vector<Node*> post_order;
  std::vector<std::pair<Node*, std::size_t>> stack;
  std::vector<ImplPtr> grad_inputs;
};
class ScratchLease {
 public:
  ScratchLease() : s(std::move(cache())) {}
  ~ScratchLease() {
    s.grad_inputs.clear();  // after an error they may still hold gradients
    cache() = std::move(s);
  }
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;
  Scratch s;

 private:
  static Scratch& cache() {
    thread_local Scratch cached;
    return cached;
  }
};

/// NOTE [ Topological order ]: DFS post-order from the root, into `s.post_order`. Walked backwards, a node comes
/// after every node that consumes its output, so when it runs its pending gradient holds every contribution.
inline void topological_order(Node* root, Scratch& s) {
  const std::uint64_t epoch = next_epoch();
  s.post_order.clear();
  s.stack.clear();
  root->visit_epoch = epoch;
  s.stack.emplace_back(root, 0);
  while (!s.stack.empty()) {
    auto& [node, i] = s.stack.back();
    if (i < node->next_edges.size()) {
      Node* next = node->next_edges[i++].node.get();
      if (next && next->visit_epoch != epoch) {
        next->visit_epoch = epoch;
        s.stack.emplace_back(next, 0);
      }
    } else {
      s.post_order.push_back(node);
      s.stack.pop_back();
    }
  }
}

/// "NaN" or "Inf" when g holds such a value (NaN first), else nullptr.
inline const char* non_finite_kind(const ImplPtr& g) {
  auto scan = [](const auto& values) -> const char* {
    bool inf = false;
    for (const auto v : values) {
      if (std::isnan(v)) return "NaN";
      inf = inf || std::isinf(v);
    }
    return inf ? "Inf" : nullptr;
  };
  return g->dtype == Dtype::Float32 ? scan(Tensor<float>(g).tolist()) : scan(Tensor<double>(g).tolist());
}

/// Where the forward of `node` was called from, as the tail of an anomaly-mode error message.
inline std::string forward_origin(const Node& node) {
  const std::string name = node.name();
  if (node.forward_stack.empty())
    return "\n" + name + " was recorded while anomaly mode was off: its forward call stack is unknown";
  return "\nThe forward call that recorded " + name + ":\n" + detail::format_stack(node.forward_stack);
}

/// Anomaly mode (anomaly_mode.hpp): runs the node, appends its forward call stack to any error it throws, and
/// throws at the first NaN/Inf gradient it produces.
inline void apply_checked(Node& node, const ImplPtr& grad_output, std::vector<ImplPtr>& grad_inputs) {
  try {
    node.apply(grad_output, grad_inputs);
  } catch (const Error& e) {
    throw Error(e.what() + forward_origin(node));
  }
  for (std::size_t i = 0; i < grad_inputs.size(); ++i) {
    if (!grad_inputs[i]) continue;
    if (const char* kind = non_finite_kind(grad_inputs[i]))
      throw Error(tg::detail::str_cat("anomaly detected: ", node.name(), " produced a gradient with ", kind,
                                      " values for input ", i, " (shape ", grad_inputs[i]->sizes, ")",
                                      forward_origin(node)));
  }
}

}  // namespace detail_engine

/// Runs backward from `root` with gradient `grad` (same shape as root).
inline void backward(const ImplPtr& root, const ImplPtr& grad, bool retain_graph) {
  TG_CHECK(root->requires_grad, "backward: element 0 of tensors does not require grad and does not have a grad_fn");
  TG_CHECK(grad->sizes == root->sizes, "backward: gradient has shape ", grad->sizes, " but the tensor has shape ",
           root->sizes);
  NoGradGuard no_grad;  // backward math is not recorded (create_graph is not supported)
  if (!root->grad_fn) {
    detail_engine::accumulate(*root, grad);  // the caller's gradient: copied, never taken over
    return;
  }
  detail_engine::ScratchLease lease;
  detail_engine::topological_order(root->grad_fn.get(), lease.s);
  // Raw pointers are safe: every node stays owned through root->grad_fn and the edges, which backward
  // never clears (release_saved drops only saved values).
  root->grad_fn->pending_grad = grad;
  std::vector<ImplPtr>& grad_inputs = lease.s.grad_inputs;
  const bool anomaly = is_anomaly_enabled();
  const auto& order = lease.s.post_order;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node* node = *it;
    ImplPtr g = std::move(node->pending_grad);
    if (!g) continue;  // no gradient flowed here (e.g. every path to it needed none)
    if (auto out = node->retained_output.lock()) detail_engine::accumulate(*out, g);  // g stays shared: copied
    grad_inputs.assign(node->next_edges.size(), nullptr);
    if (anomaly) detail_engine::apply_checked(*node, g, grad_inputs);
    else node->apply(g, grad_inputs);
    if (!retain_graph) node->release_saved();
    for (std::size_t i = 0; i < node->next_edges.size(); ++i) {
      const Edge& e = node->next_edges[i];
      ImplPtr gi = std::move(grad_inputs[i]);
      if (!e.valid() || !gi) continue;
      TG_CHECK(gi->sizes == e.shape, node->name(), ": backward produced a gradient of shape ", gi->sizes,
               " for input ", i, " of shape ", e.shape);
      if (e.leaf) detail_engine::accumulate(*e.leaf, std::move(gi));
      else e.node->pending_grad = e.node->pending_grad ? detail_engine::add_grads(e.node->pending_grad, gi) : gi;
    }
  }
}

}  // namespace autograd

}  // namespace tg
