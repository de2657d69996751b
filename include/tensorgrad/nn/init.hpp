#pragma once
/// tg::nn::init: in-place initialisers with PyTorch's names and formulas. Each runs under no-grad (so it
/// may fill a parameter that requires grad) and draws from `gen`, the default generator unless given.
///
/// Each takes a Tensor<T> or an AnyTensor (a module's parameter, whatever its dtype).
///
/// Example: tg::nn::init::kaiming_uniform_(fc->weight, std::sqrt(5.0));  // Linear's default init
#include <cmath>
#include <string>
#include <utility>

#include "../core/random.hpp"
#include "../ops/tensor_methods.hpp"

namespace tg {
namespace nn {
namespace init {

/// The recommended gain for a nonlinearity (PyTorch's calculate_gain): linear/conv/sigmoid 1, tanh 5/3,
/// relu √2, leaky_relu √(2/(1+slope²)) with slope `param` (default 0.01), selu 3/4.
inline double calculate_gain(const std::string& nonlinearity, double param = 0.01) {
  if (nonlinearity == "linear" || nonlinearity == "sigmoid" || nonlinearity == "identity" ||
      nonlinearity.rfind("conv", 0) == 0)
    return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1.0 + param * param));
  if (nonlinearity == "selu") return 3.0 / 4.0;
  throw Error("calculate_gain: unsupported nonlinearity \"" + nonlinearity + "\"");
}

/// (fan_in, fan_out) of a weight [out, in, *kernel]: in·∏kernel and out·∏kernel.
template <class TensorT> std::pair<std::int64_t, std::int64_t> calculate_fan_in_and_fan_out(const TensorT& t) {
  TG_CHECK(t.dim() >= 2, "init: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions "
           "(shape ", t.sizes(), ")");
  std::int64_t receptive = 1;
  for (int i = 2; i < t.dim(); ++i) receptive *= t.size(i);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

namespace detail {
template <class TensorT> std::int64_t fan(const TensorT& t, const std::string& mode, const char* op) {
  TG_CHECK(mode == "fan_in" || mode == "fan_out", op, ": mode must be \"fan_in\" or \"fan_out\", got \"", mode, "\"");
  const auto [in, out] = calculate_fan_in_and_fan_out(t);
  return mode == "fan_in" ? in : out;
}
}  // namespace detail

/// U(a, b).
template <class TensorT> TensorT& uniform_(TensorT& t, double a = 0, double b = 1, Generator& gen = default_generator()) {
  NoGradGuard no_grad;
  return t.uniform_(a, b, gen);
}
/// N(mean, std²).
template <class TensorT> TensorT& normal_(TensorT& t, double mean = 0, double std = 1, Generator& gen = default_generator()) {
  NoGradGuard no_grad;
  return t.normal_(mean, std, gen);
}
template <class TensorT> TensorT& constant_(TensorT& t, double value) {
  NoGradGuard no_grad;
  return t.fill_(value);
}
template <class TensorT> TensorT& zeros_(TensorT& t) { return constant_(t, 0.0); }
template <class TensorT> TensorT& ones_(TensorT& t) { return constant_(t, 1.0); }

/// Glorot: U(−b, b) with b = gain·√(6 / (fan_in + fan_out)).
template <class TensorT> TensorT& xavier_uniform_(TensorT& t, double gain = 1.0, Generator& gen = default_generator()) {
  const auto [in, out] = calculate_fan_in_and_fan_out(t);
  const double bound = gain * std::sqrt(6.0 / static_cast<double>(in + out));
  return init::uniform_(t, -bound, bound, gen);
}
/// Glorot: N(0, std²) with std = gain·√(2 / (fan_in + fan_out)).
template <class TensorT> TensorT& xavier_normal_(TensorT& t, double gain = 1.0, Generator& gen = default_generator()) {
  const auto [in, out] = calculate_fan_in_and_fan_out(t);
  return init::normal_(t, 0.0, gain * std::sqrt(2.0 / static_cast<double>(in + out)), gen);
}
/// He: U(−b, b) with b = gain·√(3 / fan), gain = calculate_gain(nonlinearity, a).
/// Linear's default is kaiming_uniform_(w, √5), i.e. b = 1/√fan_in.
template <class TensorT>
TensorT& kaiming_uniform_(TensorT& t, double a = 0, const std::string& mode = "fan_in",
                            const std::string& nonlinearity = "leaky_relu", Generator& gen = default_generator()) {
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(detail::fan(t, mode, "kaiming_uniform_")));
  const double bound = std::sqrt(3.0) * std;
  return init::uniform_(t, -bound, bound, gen);
}
/// He: N(0, std²) with std = gain / √fan.
template <class TensorT>
TensorT& kaiming_normal_(TensorT& t, double a = 0, const std::string& mode = "fan_in",
                           const std::string& nonlinearity = "leaky_relu", Generator& gen = default_generator()) {
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(detail::fan(t, mode, "kaiming_normal_")));
  return init::normal_(t, 0.0, std, gen);
}

}  // namespace init
}  // namespace nn
}  // namespace tg
