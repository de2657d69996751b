#pragma once
/// tg::nn::functional: the layers as functions (PyTorch's torch.nn.functional). Documentation and examples
/// alias it as F:  namespace F = tg::nn::functional;  auto y = F::relu(F::linear(x, w, b));
/// The losses' functional forms are in nn/functional_loss.hpp.
#include <cstdint>
#include <vector>

#include "../ops/embedding.hpp"
#include "../ops/normalization.hpp"
#include "../tensor.hpp"

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
using tg::tanh;

using tg::linear;  // x·Wᵀ + b, one fused op (ops/linalg.hpp)
// Normalisation layers' forms, each one fused op (ops/normalization.hpp).
using tg::batch_norm;
using tg::layer_norm;
using tg::embedding;  // (input, weight, padding_idx), one op that scatter-adds its gradient (ops/embedding.hpp)

/// In training, zeroes each element with probability p and scales the rest by 1/(1−p) (so the expected
/// value is unchanged); the identity when not training. The mask is drawn from `gen`. Differentiable.
template <class T>
Tensor<T> dropout(const Tensor<T>& x, double p = 0.5, bool training = true, Generator& gen = default_generator()) {
  TG_CHECK(p >= 0.0 && p <= 1.0, "dropout: probability has to be between 0 and 1, but got ", p);
  if (!training || p == 0.0) return x;
  // p == 1 keeps nothing; 1/(1−p) would be inf and 0·inf NaN, so the scale is 0 there.
  const T scale = p == 1.0 ? T(0) : static_cast<T>(1.0 / (1.0 - p));
  std::vector<T> mask(static_cast<std::size_t>(x.numel()));
  for (T& m : mask) m = gen.uniform() < p ? T(0) : scale;
  return x * tensor<T>(mask, x.sizes(), x.device());
}

}  // namespace functional
}  // namespace nn
}  // namespace tg
