#pragma once
/// tg::nn::functional: the layers as functions (PyTorch's torch.nn.functional). Documentation and examples
/// alias it as F:  namespace F = tg::nn::functional;  auto y = F::relu(F::linear(x, w, b));
/// The losses' functional forms are in nn/functional_loss.hpp.
#include <cstdint>
#include <vector>

#include "../backend/kernels_loss.hpp"
#include "../core/random.hpp"
#include "../ops/conv.hpp"
#include "../ops/embedding.hpp"
#include "../ops/normalization.hpp"
#include "../ops/pool.hpp"
#include "../ops/tensor_methods.hpp"

namespace tg {
namespace nn {
namespace functional {

// Activations are core ops; these names make F::relu etc. read as in PyTorch.
using tg::elu;
using tg::gelu;
using tg::leaky_relu;
using tg::log_softmax;
using tg::relu;
using tg::sigmoid;
using tg::silu;
using tg::softmax;
using tg::softplus;
using tg::tanh;

using tg::linear;  // x·Wᵀ + b, one fused op (ops/linalg.hpp)
// Normalisation layers' forms, each one fused op (ops/normalization.hpp).
using tg::batch_norm;
using tg::layer_norm;
using tg::embedding;  // (input, weight, padding_idx), one op that scatter-adds its gradient (ops/embedding.hpp)

namespace detail {

inline void check_dropout_probability(const char* op, double p) {
  TG_CHECK(p >= 0.0 && p <= 1.0, op, ": probability has to be between 0 and 1, but got ", p);
}

/// A mask of `shape` on `device`: each entry 0 with probability p, else 1/(1−p) (p == 1: 0, see
/// bodies::dropout_scale). One draw from `gen` per call seeds Philox4x32-10 (backend/bodies/philox.hpp), and entry
/// i is a pure function of (seed, i): the CPU and the CUDA masks are bitwise identical for the same generator
/// state, and need no host loop or upload on the GPU.
template <class T> Tensor<T> dropout_mask(const char* op, double p, const Shape& shape, Device device, Generator& gen) {
  const std::uint64_t seed = [&] {
    std::lock_guard<std::mutex> lock(gen.mutex());
    return gen.next_u64();
  }();
  Tensor<T> mask = empty<T>(shape, device);  // from the caching allocator: no allocation in steady state
  kernels::dropout_mask<T>(op, *mask.impl(), p, seed);
  return mask;
}

}  // namespace detail

// 2-d windows over NCHW input (ops/conv.hpp, ops/pool.hpp).
using tg::adaptive_avg_pool2d;
using tg::avg_pool2d;
using tg::conv2d;
using tg::max_pool2d;

/// In training, zeroes each element with probability p and scales the rest by 1/(1−p) (so the expected
/// value is unchanged); the identity when not training. The mask takes one draw from `gen` (a Philox seed, see
/// detail::dropout_mask), so it is reproducible per seed and bitwise the same on the CPU and CUDA. Differentiable.
template <class T>
Tensor<T> dropout(const Tensor<T>& x, double p = 0.5, bool training = true, Generator& gen = default_generator()) {
  detail::check_dropout_probability("dropout", p);
  if (!training || p == 0.0) return x;
  return x * detail::dropout_mask<T>("dropout", p, x.sizes(), x.device(), gen);
}

/// Channel dropout for an input [N, C, H, W] or unbatched [C, H, W]: in training, zeroes each whole channel
/// with probability p and scales the rest by 1/(1−p); the identity when not training. The mask, one entry per
/// channel, is F::dropout's Philox mask of shape [N, C, 1, 1] (one draw from `gen`). Differentiable.
/// A 3-d input is read as [C, H, W], as PyTorch documents; PyTorch 2.x itself still warns and treats it as
/// [N, C, L] for backward compatibility (use F::dropout on a 4-d view for that).
template <class T>
Tensor<T> dropout2d(const Tensor<T>& x, double p = 0.5, bool training = true, Generator& gen = default_generator()) {
  detail::check_dropout_probability("dropout2d", p);
  TG_CHECK(x.dim() == 3 || x.dim() == 4, "dropout2d: expected 3D or 4D input (got ", x.dim(), "D input)");
  if (!training || p == 0.0) return x;
  Shape channels(x.sizes().begin(), x.sizes().end() - 2);  // [N, C] or [C], then a 1 per spatial dim
  channels.push_back(1);
  channels.push_back(1);
  return x * detail::dropout_mask<T>("dropout2d", p, channels, x.device(), gen);
}

}  // namespace functional
}  // namespace nn
}  // namespace tg
