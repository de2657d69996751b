#pragma once
/// tg::gradcheck: compares the analytical Jacobian (from backward) of a float64 function with central finite
/// differences, entry by entry, within |num - ana| <= atol + rtol * |ana|.
///
/// Example:
///   auto x = tg::randn<double>({3, 4}).requires_grad_();
///   auto report = tg::gradcheck([](const auto& in) { return in[0].exp().sum(0); }, {x});
///   REQUIRE(report);  // on failure, report.message names the worst entry
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "../core/creation.hpp"
#include "engine.hpp"

namespace tg {

/// Outcome of a gradcheck. When it fails, `input_index`, `element` (the input element), `output_element`,
/// `numerical` and `analytical` describe the worst Jacobian entry: the one whose error is the largest fraction
/// of its tolerance (any NaN ranks first). `max_abs_error` is the largest |numerical − analytical| over all
/// entries. `message` names the worst entry, e.g.
/// "gradcheck failed: input 1 element [0, 2] (output element [1]): numerical 0.5 vs analytical 0.49; ...".
struct GradcheckReport {
  bool ok = true;
  double max_abs_error = 0;
  std::size_t input_index = 0;
  std::vector<std::int64_t> element;
  std::vector<std::int64_t> output_element;
  double numerical = 0, analytical = 0;
  std::string message;
  explicit operator bool() const { return ok; }
};

namespace detail_gradcheck {

inline std::vector<std::int64_t> unravel(std::int64_t flat, const Shape& shape) {
  std::vector<std::int64_t> index(static_cast<std::size_t>(shape.size()));
  for (int d = shape.size() - 1; d >= 0; --d) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

inline std::string index_str(const std::vector<std::int64_t>& index) {
  std::string s = "[";
  for (std::size_t i = 0; i < index.size(); ++i) s += (i ? ", " : "") + std::to_string(index[i]);
  return s + "]";
}

/// A leaf with its own copy of x's storage and x's exact sizes/strides/offset, so the function sees the same
/// (possibly non-contiguous) layout while gradcheck perturbs and differentiates an input it owns. A template
/// only so that programs that never call gradcheck do not instantiate Tensor<double> machinery for it.
template <class T>
Tensor<T> private_leaf(const Tensor<T>& x) {
  const detail::TensorImpl& src = *x.impl();
  for (int d = 0; d < src.sizes.size(); ++d)
    TG_CHECK(src.strides[d] != 0 || src.sizes[d] <= 1, "gradcheck: input of shape ", src.sizes, " and stride ",
             src.strides, " has overlapping elements (an expanded view); pass a contiguous tensor instead");
  auto impl = detail::make_alias(src, src.sizes, src.strides, src.offset);
  impl->storage = detail::make_pooled<detail::Storage>(src.storage->nbytes(), kCPU);
  if (src.storage->nbytes()) std::memcpy(impl->storage->data(), src.storage->data(), src.storage->nbytes());
  impl->is_view = false;
  Tensor<T> leaf(std::move(impl));
  leaf.requires_grad_();
  return leaf;
}

/// The function's output as a flat row-major vector.
template <class Fn> std::vector<double> evaluate(Fn& fn, const std::vector<Tensor<double>>& args) {
  NoGradGuard no_grad;
  return Tensor<double>(fn(args)).tolist();
}

}  // namespace detail_gradcheck

/// Checks the gradients of `fn` (mapping a vector of float64 tensors to one float64 tensor of any shape)
/// with respect to every input that requires grad. Inputs may be non-contiguous views; an input that does
/// not require grad is passed through unchanged.
///
/// Method: the full Jacobian, both ways. Numerically, each input element is perturbed by ±eps and one column
/// is (f(x+eps·e_i) − f(x−eps·e_i)) / 2eps. Analytically, one backward per output element with a one-hot
/// cotangent gives one row (a vector-Jacobian product), so every entry ∂out_j/∂in_i is compared on its own,
/// with |num − ana| <= atol + rtol·|ana|. Cost: 2·numel(inputs) forwards + numel(output) backwards, meant for
/// the small tensors of tests.
template <class Fn>
GradcheckReport gradcheck(Fn&& fn, const std::vector<Tensor<double>>& inputs, double eps = 1e-6, double atol = 1e-5,
                          double rtol = 1e-3) {
  static_assert(std::is_convertible_v<std::invoke_result_t<Fn&, const std::vector<Tensor<double>>&>, Tensor<double>>,
                "gradcheck: fn must map const std::vector<Tensor<double>>& to a Tensor<double>");
  TG_CHECK(eps > 0, "gradcheck: eps must be positive, got ", eps);
  std::vector<Tensor<double>> args;
  args.reserve(inputs.size());
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    TG_CHECK(inputs[k].defined(), "gradcheck: input ", k, " is an undefined tensor");
    TG_CHECK(inputs[k].device().is_cpu(), "gradcheck: input ", k, " is on ", inputs[k].device(),
             "; gradcheck runs on the CPU");
    args.push_back(inputs[k].requires_grad() ? detail_gradcheck::private_leaf(inputs[k]) : inputs[k]);
  }

  // Analytical Jacobian, one row per output element: jac[k][j * numel(input k) + i].
  Tensor<double> out = fn(args);
  const Shape out_shape = out.sizes();
  const std::int64_t n_out = out.numel();
  std::vector<std::vector<double>> jac(args.size());
  for (std::size_t k = 0; k < args.size(); ++k)
    if (args[k].requires_grad()) jac[k].assign(static_cast<std::size_t>(n_out * args[k].numel()), 0.0);
  if (out.requires_grad()) {
    for (std::int64_t j = 0; j < n_out; ++j) {
      for (auto& a : args)
        if (a.requires_grad()) a.set_grad(Tensor<double>());
      Tensor<double> onehot = zeros<double>(out_shape);
      onehot.data()[j] = 1.0;
      out.backward(onehot, /*retain_graph=*/j + 1 < n_out);
      for (std::size_t k = 0; k < args.size(); ++k) {
        if (!args[k].requires_grad()) continue;
        const Tensor<double> g = args[k].grad();
        if (!g.defined()) continue;  // no path from this input to the output: a zero row
        TG_CHECK(g.sizes() == args[k].sizes(), "gradcheck: the gradient of input ", k, " has shape ", g.sizes(),
                 " but the input has shape ", args[k].sizes());
        const std::vector<double> row = g.tolist();
        std::copy(row.begin(), row.end(), jac[k].begin() + j * args[k].numel());
      }
    }
  }

  GradcheckReport report;
  double worst_ratio = -1;
  for (std::size_t k = 0; k < args.size(); ++k) {
    if (!args[k].requires_grad()) continue;
    const std::int64_t n_in = args[k].numel();
    for (std::int64_t i = 0; i < n_in; ++i) {
      const std::vector<std::int64_t> index = detail_gradcheck::unravel(i, args[k].sizes());
      double& x = args[k].at(index);
      const double orig = x;
      x = orig + eps;
      const std::vector<double> plus = detail_gradcheck::evaluate(fn, args);
      x = orig - eps;
      const std::vector<double> minus = detail_gradcheck::evaluate(fn, args);
      x = orig;
      for (std::int64_t j = 0; j < n_out; ++j) {
        const double num = (plus[j] - minus[j]) / (2 * eps);
        const double ana = jac[k][static_cast<std::size_t>(j * n_in + i)];
        const double err = std::abs(num - ana);
        const double tol = atol + rtol * std::abs(ana);
        // A NaN on either side fails (the comparison is false) and outranks every finite error.
        if (!(err <= tol)) report.ok = false;
        const double ratio = std::isnan(err) ? HUGE_VAL : (err == 0 ? 0.0 : err / tol);
        if (!(err <= report.max_abs_error)) report.max_abs_error = err;
        if (ratio > worst_ratio) {
          worst_ratio = ratio;
          report.input_index = k;
          report.element = index;
          report.output_element = detail_gradcheck::unravel(j, out_shape);
          report.numerical = num;
          report.analytical = ana;
        }
      }
    }
  }
  if (worst_ratio < 0) {
    report.message = "gradcheck: no input requires grad (or the output is empty); nothing to check";
    return report;
  }
  report.message = detail::str_cat(report.ok ? "gradcheck passed; worst entry: " : "gradcheck failed: ", "input ",
                                   report.input_index, " element ", detail_gradcheck::index_str(report.element),
                                   " (output element ", detail_gradcheck::index_str(report.output_element),
                                   "): numerical ", report.numerical, " vs analytical ", report.analytical,
                                   "; max abs error ", report.max_abs_error);
  return report;
}

}  // namespace tg
