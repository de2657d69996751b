#pragma once
/// Range factories: arange, linspace, eye (as torch.arange / torch.linspace / torch.eye).
/// The dtype is the template argument (float by default): tg::arange<std::int64_t>(5) gives int64 values.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "creation.hpp"

namespace tg {

/// start, start + step, ... up to but excluding end: ceil((end - start) / step) values, each start + i * step.
/// Example: tg::arange(1, 2.5, 0.5) -> tensor([1.0000, 1.5000, 2.0000])
template <class T = float> Tensor<T> arange(double start, double end, double step = 1, Device device = kCPU) {
  TG_CHECK(step != 0, "arange: step must be nonzero");
  TG_CHECK(std::isfinite(start) && std::isfinite(end), "arange: unsupported range: ", start, " -> ", end);
  TG_CHECK((step > 0 && end >= start) || (step < 0 && end <= start),
           "arange: upper bound and larger bound inconsistent with step sign (start=", start, ", end=", end,
           ", step=", step, ")");
  const auto n = static_cast<std::int64_t>(std::ceil((end - start) / step));
  std::vector<T> values(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) values[i] = static_cast<T>(start + static_cast<double>(i) * step);
  return tensor<T>(values, Shape{n}, device);
}
/// 0, 1, ..., ceil(end) - 1. Example: tg::arange<std::int64_t>(3) -> tensor([0, 1, 2])
template <class T = float> Tensor<T> arange(double end, Device device = kCPU) { return arange<T>(0, end, 1, device); }

/// `steps` values evenly spaced from start to end inclusive.
/// Example: tg::linspace(0, 1, 5) -> tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
template <class T = float> Tensor<T> linspace(double start, double end, std::int64_t steps, Device device = kCPU) {
  TG_CHECK(steps >= 0, "linspace: number of steps must be non-negative, got ", steps);
  std::vector<T> values(static_cast<std::size_t>(steps));
  if (steps == 1) values[0] = static_cast<T>(start);
  if (steps > 1) {
    const double step = (end - start) / static_cast<double>(steps - 1);
    // As PyTorch: the first half counts up from start and the second half down from end, so both end
    // points are exact and the rounding error is symmetric.
    const std::int64_t half = steps / 2;
    for (std::int64_t i = 0; i < steps; ++i)
      values[i] = static_cast<T>(i < half ? start + step * static_cast<double>(i)
                                          : end - step * static_cast<double>(steps - 1 - i));
  }
  return tensor<T>(values, Shape{steps}, device);
}

/// An n x m matrix with ones on the diagonal (m = n when m is negative, as torch.eye(n)).
/// Example: tg::eye(2) -> tensor([[1., 0.], [0., 1.]])
template <class T = float> Tensor<T> eye(std::int64_t n, std::int64_t m = -1, Device device = kCPU) {
  TG_CHECK(n >= 0, "eye: n must be greater or equal to 0, got ", n);
  if (m < 0) m = n;
  std::vector<T> values(static_cast<std::size_t>(n * m), T(0));
  for (std::int64_t i = 0; i < std::min(n, m); ++i) values[i * m + i] = T(1);
  return tensor<T>(values, Shape{n, m}, device);
}

}  // namespace tg
