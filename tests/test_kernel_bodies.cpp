// The CUDA kernels' per-element bodies, run on the host. The CUDA backend maps each op id of the device seam to a
// functor of backend/functors.hpp (backend/op_ids.hpp) and applies it per element with offsets from an OffsetCalc
// (backend/cuda/strided.cuh). Here the same visit_unary/visit_binary calls and the same OffsetCalc drive a plain
// host loop, and the result must equal the CPU's public op exactly (same functor, same inputs). The ops come
// from their one list (op_tables.hpp), so a newly listed op is tested here without an edit.
#include <catch2/catch.hpp>

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "op_tables.hpp"
#include "tensorgrad/backend/cuda/strided.cuh"
#include "tensorgrad/backend/op_ids.hpp"
#include "tensorgrad/tensor.hpp"

using tg::Tensor;
using tg::backend::BinaryOp;
using tg::backend::OpParams;
using tg::backend::UnaryOp;
using tg::backend::cuda::make_offset_calc;
using tg::backend::cuda::OffsetCalc;

namespace {

/// Inputs in the op's domain. Includes 0 and the example clamp bounds exactly, so the conventions at kinks
/// (relu'(0) = 0, abs'(0) = 0, clamp' = 1 on its bounds) are exercised.
template <class T> Tensor<T> inputs_for(tg::backend::Domain domain) {
  if (domain == tg::backend::Domain::Positive) return tg::tensor<T>({0.1, 0.5, 1, 2, 7.5, 30});
  return tg::tensor<T>({-6, -2, -0.5, -0.25, 0, 0.25, 0.5, 1.5, 3, 6});
}

/// Host loop over a contiguous 1-d tensor, as the CUDA kernel's contiguous fast path runs it.
template <class T, class F> std::vector<T> host_map(const std::vector<T>& x, F f) {
  std::vector<T> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = f(x[i]);
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("every unary kernel body run on the host equals the CPU op, forward and backward", "", float,
                   double) {
  using T = TestType;
  const auto table = op_tables::unary_ops<T>();
  REQUIRE(table.size() == static_cast<std::size_t>(tg::backend::kNumUnaryOps));
  for (int id = 0; id < tg::backend::kNumUnaryOps; ++id) {
    const auto& entry = table[static_cast<std::size_t>(id)];
    const UnaryOp op = entry.id;
    const OpParams p = entry.params;
    INFO("unary op " << entry.name);
    REQUIRE(static_cast<int>(op) == id);  // the table is in id order: every id is tested once
    const Tensor<T> x = inputs_for<T>(entry.domain).requires_grad_();
    const Tensor<T> y = entry.fn(x);
    const Tensor<T> g = tg::rand<T>(x.sizes()) + 0.5;
    y.backward(g);
    const std::vector<T> xs = x.tolist(), ys = y.tolist(), gs = g.tolist(), dx = x.grad().tolist();
    tg::backend::visit_unary(op, p, [&](auto f) {
      CHECK(tg::backend::unary_id<decltype(f)> == op);  // the functor the id maps to names the same id
      const std::vector<T> out = host_map(xs, [&](T v) { return f(v); });
      std::vector<T> grad(xs.size());
      for (std::size_t i = 0; i < xs.size(); ++i) grad[i] = gs[i] * f.grad(xs[i], ys[i]);
      CHECK(out == ys);
      CHECK(grad == dx);
    });
  }
}

TEMPLATE_TEST_CASE("every binary kernel body run on the host equals the CPU op", "", float, double) {
  using T = TestType;
  // Every pair of {-1.5, 0, 0.5, 2} (ties included, for the comparisons and maximum/minimum).
  const std::vector<T> vals = {-1.5, 0, 0.5, 2};
  std::vector<T> av, bv;
  for (T a : vals)
    for (T b : vals) av.push_back(a), bv.push_back(b);
  const std::int64_t n = static_cast<std::int64_t>(av.size());
  const Tensor<T> a = tg::tensor<T>(av, {n}), b = tg::tensor<T>(bv, {n});
  const auto table = op_tables::binary_ops<T>();
  REQUIRE(table.size() == static_cast<std::size_t>(tg::backend::kNumBinaryOps));
  for (int id = 0; id < tg::backend::kNumBinaryOps; ++id) {
    const auto& entry = table[static_cast<std::size_t>(id)];
    const BinaryOp op = entry.id;
    INFO("binary op " << entry.name);
    REQUIRE(static_cast<int>(op) == id);
    const std::vector<T> expected = entry.fn(a, b).tolist();
    tg::backend::visit_binary(op, [&](auto f) {
      CHECK(tg::backend::binary_id<decltype(f)> == op);
      std::vector<T> out(av.size());
      for (std::size_t i = 0; i < av.size(); ++i) out[i] = f(av[i], bv[i]);
      // NaN (0 raised to a negative power is inf, not NaN; (-1.5)^0.5 is NaN) compares unequal: compare bits of
      // the NaN pattern by position instead.
      REQUIRE(out.size() == expected.size());
      for (std::size_t i = 0; i < out.size(); ++i) {
        INFO("a = " << av[i] << ", b = " << bv[i]);
        if (std::isnan(expected[i])) CHECK(std::isnan(out[i]));
        else CHECK(out[i] == expected[i]);
      }
    });
  }
}

TEST_CASE("OffsetCalc merges dims the operands walk as one and drops size-1 dims") {
  using tg::Shape;
  // Contiguous [4, 5, 6]: one dim of 120, stride 1 (the kernels' contiguous fast path).
  const OffsetCalc<1> c = make_offset_calc<1>(Shape{4, 5, 6}, {Shape{30, 6, 1}});
  CHECK(c.ndim == 1);
  CHECK(c.sizes[0] == 120);
  CHECK(c.strides[0][0] == 1);
  CHECK(c.is_contiguous());
  // out [33, 40] contiguous, bias [40] broadcast over rows (stride 0 along dim 0): the dims cannot merge.
  const OffsetCalc<2> bias = make_offset_calc<2>(Shape{33, 40}, {Shape{40, 1}, Shape{0, 1}});
  CHECK(bias.ndim == 2);
  CHECK_FALSE(bias.is_contiguous());
  // Size-1 dims vanish: [1, 7, 1] walks as [7].
  const OffsetCalc<1> ones = make_offset_calc<1>(Shape{1, 7, 1}, {Shape{7, 1, 1}});
  CHECK(ones.ndim == 1);
  CHECK(ones.sizes[0] == 7);
  // A 0-d tensor has no dims, and its only element is at offset 0.
  const OffsetCalc<1> scalar = make_offset_calc<1>(Shape{}, {Shape{}});
  CHECK(scalar.ndim == 0);
  std::int64_t off[1] = {-1};
  scalar.get(0, off);
  CHECK(off[0] == 0);
}

TEST_CASE("the strided kernels' indexing run on the host reproduces the CPU's broadcasting binary op") {
  // Each case: out = a - b, where a and b are strided views broadcast together; the host loop walks the linear
  // index of out through an OffsetCalc exactly as strided_kernel does.
  tg::manual_seed(31);
  const Tensor<double> base = tg::randn<double>({6, 8, 10});
  struct Case {
    std::string name;
    Tensor<double> a, b;
  };
  const std::vector<Case> cases = {
      {"same shape, contiguous", base, base * 2.0},
      {"bias over rows", base.select(2, 3), tg::randn<double>({8})},
      {"column broadcast", tg::randn<double>({5, 1}), tg::randn<double>({1, 7})},
      {"transposed with lower rank", base.select(0, 1).t(), tg::randn<double>({8})},
      {"permuted and sliced", base.permute({2, 0, 1}).slice(2, 1, 8, 3), tg::randn<double>({6, 1})},
      {"0-d with vector", tg::scalar_tensor<double>(2.5), tg::randn<double>({9})}};
  for (const Case& c : cases) {
    INFO(c.name);
    const Tensor<double> expected = c.a - c.b;
    const tg::Shape shape = expected.sizes();
    const auto& ai = *c.a.impl();
    const auto& bi = *c.b.impl();
    const OffsetCalc<3> calc = make_offset_calc<3>(
        shape, {tg::detail::contiguous_strides(shape), tg::backend::cuda::broadcast_strides(ai.sizes, ai.strides, shape),
                tg::backend::cuda::broadcast_strides(bi.sizes, bi.strides, shape)});
    std::vector<double> out(static_cast<std::size_t>(shape.numel()));
    const double* a = ai.data<double>();
    const double* b = bi.data<double>();
    for (std::int64_t i = 0; i < shape.numel(); ++i) {
      std::int64_t off[3];
      calc.get(i, off);
      out[static_cast<std::size_t>(off[0])] = tg::functors::Sub{}(a[off[1]], b[off[2]]);
    }
    CHECK(out == expected.tolist());
  }
}
