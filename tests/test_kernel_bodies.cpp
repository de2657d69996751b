// Issue 6, item 4: the CUDA kernels' per-element bodies, run on the host. The CUDA backend maps each op id of the
// device seam to a functor of ops/functors.hpp (backend/op_ids.hpp) and applies it per element with offsets from
// an OffsetCalc (backend/cuda/strided.cuh). Here the same visit_unary/visit_binary calls and the same OffsetCalc
// drive a plain host loop, and the result must equal the CPU backend's op exactly (same functor, same inputs).
#include <catch2/catch.hpp>

#include <array>
#include <functional>
#include <string>
#include <vector>

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

constexpr int kNumUnaryOps = static_cast<int>(UnaryOp::Clamp) + 1;
constexpr int kNumBinaryOps = static_cast<int>(BinaryOp::PowGradExponent) + 1;

/// The public op that a unary id stands for, with the parameters `p` (nullptr: an id this test does not know).
template <class T> std::function<Tensor<T>(const Tensor<T>&)> public_unary(UnaryOp op, OpParams p) {
  switch (op) {
    case UnaryOp::Neg: return [](const Tensor<T>& x) { return tg::neg(x); };
    case UnaryOp::Exp: return [](const Tensor<T>& x) { return tg::exp(x); };
    case UnaryOp::Log: return [](const Tensor<T>& x) { return tg::log(x); };
    case UnaryOp::Sqrt: return [](const Tensor<T>& x) { return tg::sqrt(x); };
    case UnaryOp::Abs: return [](const Tensor<T>& x) { return tg::abs(x); };
    case UnaryOp::Relu: return [](const Tensor<T>& x) { return tg::relu(x); };
    case UnaryOp::LeakyRelu: return [p](const Tensor<T>& x) { return tg::leaky_relu(x, p.a); };
    case UnaryOp::Sigmoid: return [](const Tensor<T>& x) { return tg::sigmoid(x); };
    case UnaryOp::Tanh: return [](const Tensor<T>& x) { return tg::tanh(x); };
    case UnaryOp::Gelu: return [](const Tensor<T>& x) { return tg::gelu(x); };
    case UnaryOp::GeluTanh: return [](const Tensor<T>& x) { return tg::gelu(x, "tanh"); };
    case UnaryOp::Silu: return [](const Tensor<T>& x) { return tg::silu(x); };
    case UnaryOp::Elu: return [p](const Tensor<T>& x) { return tg::elu(x, p.a); };
    case UnaryOp::PowScalar: return [p](const Tensor<T>& x) { return tg::pow(x, p.a); };
    case UnaryOp::Clamp: return [p](const Tensor<T>& x) { return tg::clamp(x, p.a, p.b); };
  }
  return nullptr;
}

template <class T> std::function<Tensor<T>(const Tensor<T>&, const Tensor<T>&)> public_binary(BinaryOp op) {
  using Tn = Tensor<T>;
  switch (op) {
    case BinaryOp::Add: return [](const Tn& a, const Tn& b) { return a + b; };
    case BinaryOp::Sub: return [](const Tn& a, const Tn& b) { return a - b; };
    case BinaryOp::Mul: return [](const Tn& a, const Tn& b) { return a * b; };
    case BinaryOp::Div: return [](const Tn& a, const Tn& b) { return a / b; };
    case BinaryOp::Pow: return [](const Tn& a, const Tn& b) { return tg::pow(a, b); };
    case BinaryOp::Maximum: return [](const Tn& a, const Tn& b) { return tg::maximum(a, b); };
    case BinaryOp::Minimum: return [](const Tn& a, const Tn& b) { return tg::minimum(a, b); };
    case BinaryOp::Eq: return [](const Tn& a, const Tn& b) { return tg::eq(a, b); };
    case BinaryOp::Ne: return [](const Tn& a, const Tn& b) { return tg::ne(a, b); };
    case BinaryOp::Lt: return [](const Tn& a, const Tn& b) { return tg::lt(a, b); };
    case BinaryOp::Le: return [](const Tn& a, const Tn& b) { return tg::le(a, b); };
    case BinaryOp::Gt: return [](const Tn& a, const Tn& b) { return tg::gt(a, b); };
    case BinaryOp::Ge: return [](const Tn& a, const Tn& b) { return tg::ge(a, b); };
    // pow's partial derivatives are internal ops: the CPU path is binary_forward with the same functor.
    case BinaryOp::PowGradBase:
      return [](const Tn& a, const Tn& b) { return tg::detail::binary_forward("pow", a, b, tg::functors::PowGradBase{}); };
    case BinaryOp::PowGradExponent:
      return [](const Tn& a, const Tn& b) { return tg::detail::binary_forward("pow", a, b, tg::functors::PowGradExponent{}); };
  }
  return nullptr;
}

/// The parameters each parameterised id is tested with (others ignore them).
OpParams params_for(UnaryOp op) {
  switch (op) {
    case UnaryOp::LeakyRelu: return {0.2, 0};
    case UnaryOp::Elu: return {0.7, 0};
    case UnaryOp::PowScalar: return {3, 0};
    case UnaryOp::Clamp: return {-0.5, 0.25};
    default: return {};
  }
}

/// Where the op is defined: log and sqrt need positive inputs. Includes 0 and the clamp bounds exactly, so the
/// conventions at kinks (relu'(0) = 0, abs'(0) = 0, clamp' = 1 on its bounds) are exercised.
template <class T> Tensor<T> inputs_for(UnaryOp op) {
  if (op == UnaryOp::Log || op == UnaryOp::Sqrt) return tg::tensor<T>({0.1, 0.5, 1, 2, 7.5, 30});
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
  for (int id = 0; id < kNumUnaryOps; ++id) {
    const UnaryOp op = static_cast<UnaryOp>(id);
    const OpParams p = params_for(op);
    INFO("unary op id " << id);
    const auto public_op = public_unary<T>(op, p);
    REQUIRE(public_op);
    const Tensor<T> x = inputs_for<T>(op).requires_grad_();
    const Tensor<T> y = public_op(x);
    const Tensor<T> g = tg::rand<T>(x.sizes()) + 0.5;
    y.backward(g);
    const std::vector<T> xs = x.tolist(), ys = y.tolist(), gs = g.tolist(), dx = x.grad().tolist();
    tg::backend::visit_unary(op, p, [&](auto f) {
      CHECK(f.id == op);  // the functor the id maps to names the same id
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
  for (int id = 0; id < kNumBinaryOps; ++id) {
    const BinaryOp op = static_cast<BinaryOp>(id);
    INFO("binary op id " << id);
    const auto public_op = public_binary<T>(op);
    REQUIRE(public_op);
    const std::vector<T> expected = public_op(a, b).tolist();
    tg::backend::visit_binary(op, [&](auto f) {
      CHECK(f.id == op);
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
