#pragma once
/// The optimizer step on the CPU: the update rules of backend/bodies/optim.hpp run over Eigen arrays, one block of
/// kOptimCpuBlock elements of a parameter at a time. Each statement of a rule is then one vectorised pass over the
/// block, and the block's param, grad and buffers stay in L1 from one statement to the next, so the passes cost
/// about what one fused loop would. (A plain per-element loop does not vectorise here: std::sqrt keeps errno.)
#include <Eigen/Core>
#include <cstddef>
#include <cstdint>

#include "../bodies/optim.hpp"

namespace tg {
namespace backend {
namespace cpu {

/// Elements per block: five arrays of 512 doubles (Adam with amsgrad) are 20 KB, within a 32 KB L1.
constexpr std::int64_t kOptimCpuBlock = 512;

/// A block of n elements of a slot as Eigen arrays: the accessor the rules read on the CPU.
template <class T>
struct BlockAccess {
  using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
  T* param_data;
  const T* grad_data;
  T* const* buffer_data;  // the slot's buffers; only those the rule's options use are read
  std::int64_t offset, n;

  Eigen::Map<Array> param() const { return {param_data + offset, n}; }
  Eigen::Map<const Array> grad() const { return {grad_data + offset, n}; }
  Eigen::Map<Array> buffer(int k) const { return {buffer_data[k] + offset, n}; }
};

/// Applies `step` to slots[0, count), CPU arrays of T.
template <class T> void optimizer_step(const bodies::OptimStep& step, const bodies::OptimSlot* slots, std::size_t count) {
  bodies::visit_optim_body<T>(step, [&](const auto& description, const auto& body) {
    using Body = std::decay_t<decltype(body)>;
    bodies::for_each_typed_slot<Body>(description, slots, count, [&](const auto& slot) {
      for (std::int64_t offset = 0; offset < slot.numel; offset += kOptimCpuBlock) {
        const std::int64_t n = slot.numel - offset < kOptimCpuBlock ? slot.numel - offset : kOptimCpuBlock;
        body(slot.constants, BlockAccess<T>{slot.param, slot.grad, slot.buffers, offset, n});
      }
    });
  });
}

}  // namespace cpu
}  // namespace backend
}  // namespace tg
