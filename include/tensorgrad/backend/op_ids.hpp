#pragma once
/// Maps the run-time op ids of the device seam back to the functors of ops/functors.hpp, so a backend writes
/// one templated kernel and instantiates it once per functor:
///   visit_unary(op, params, [&](auto f) { launch_unary_kernel(f, ...); });
#include "../ops/functors.hpp"

namespace tg {
namespace backend {

template <class F> void visit_unary(UnaryOp op, OpParams p, F&& f) {
  using namespace functors;
  switch (op) {
    case UnaryOp::Neg: return f(Neg{});
    case UnaryOp::Exp: return f(Exp{});
    case UnaryOp::Log: return f(Log{});
    case UnaryOp::Sqrt: return f(Sqrt{});
    case UnaryOp::Abs: return f(Abs{});
    case UnaryOp::Relu: return f(Relu{});
    case UnaryOp::LeakyRelu: return f(LeakyRelu{p.a});
    case UnaryOp::Sigmoid: return f(Sigmoid{});
    case UnaryOp::Tanh: return f(Tanh{});
    case UnaryOp::Gelu: return f(Gelu{});
    case UnaryOp::GeluTanh: return f(GeluTanh{});
    case UnaryOp::Silu: return f(Silu{});
    case UnaryOp::Elu: return f(Elu{p.a});
    case UnaryOp::PowScalar: return f(PowScalar{p.a});
    case UnaryOp::Clamp: return f(Clamp{p.a, p.b});
  }
  TG_CHECK(false, "unknown unary op id ", static_cast<int>(op));
}

template <class F> void visit_binary(BinaryOp op, F&& f) {
  using namespace functors;
  switch (op) {
    case BinaryOp::Add: return f(Add{});
    case BinaryOp::Sub: return f(Sub{});
    case BinaryOp::Mul: return f(Mul{});
    case BinaryOp::Div: return f(Div{});
    case BinaryOp::Pow: return f(Pow{});
    case BinaryOp::Maximum: return f(Maximum{});
    case BinaryOp::Minimum: return f(Minimum{});
    case BinaryOp::Eq: return f(Eq{});
    case BinaryOp::Ne: return f(Ne{});
    case BinaryOp::Lt: return f(Lt{});
    case BinaryOp::Le: return f(Le{});
    case BinaryOp::Gt: return f(Gt{});
    case BinaryOp::Ge: return f(Ge{});
    case BinaryOp::PowGradBase: return f(PowGradBase{});
    case BinaryOp::PowGradExponent: return f(PowGradExponent{});
  }
  TG_CHECK(false, "unknown binary op id ", static_cast<int>(op));
}

}  // namespace backend
}  // namespace tg
