#pragma once
/// The scalar math of every elementwise op, written once, so the CPU loops, the CUDA kernels and the host-run
/// tests of kernel bodies compute the same thing (TG_HOST_DEVICE makes the bodies usable on host and device).
///
/// A unary functor has `operator()` (the forward) and `grad(x, y)`, the derivative dy/dx given the input x and
/// the output y; `saves_input` / `saves_output` say which of x and y the backward reads, so only those are
/// saved; `name` is its autograd node's name; `domain` is where the tests draw its inputs. A parameterised
/// functor also has `params()` / `from(OpParams)` (its parameters across the device seam) and `example()` (the
/// parameters the tests use). Every functor is listed once in backend/op_list.hpp.
#include <cmath>

#include "../core/error.hpp"
#include "op_list.hpp"

namespace tg {
namespace functors {

struct Neg {
  static constexpr backend::Domain domain = backend::Domain::Any;
  static constexpr const char* name = "NegBackward";
  static constexpr bool saves_input = false, saves_output = false;
  template <class T> TG_HOST_DEVICE T operator()(T x) const { return -x; }
  template <class T> TG_HOST_DEVICE T grad(T, T) const { return T(-1); }
};
struct Exp {
  static constexpr backend::Domain domain = backend::Domain::Any;
  static constexpr const char* name = "ExpBackward";
  static constexpr bool saves_input = false, saves_output = true;
  template <class T> TG_HOST_DEVICE T operator()(T x) const { return std::exp(x); }
  template <class T> TG_HOST_DEVICE T grad(T, T y) const { return y; }
};
struct Log {
  static constexpr backend::Domain domain = backend::Domain::Positive;
  static constexpr const char* name = "LogBackward";
  static constexpr bool saves_input = true, saves_output = false;
  template <class T> TG_HOST_DEVICE T operator()(T x) const { return std::log(x); }
  template <class T> TG_HOST_DEVICE T grad(T x, T) const { return T(1) / x; }
};
struct Sqrt {
  static constexpr backend::Domain domain = backend::Domain::Positive;
  static constexpr const char* name = "SqrtBackward";
  static constexpr bool saves_input = false, saves_output = true;
  template <class T> TG_HOST_DEVICE T operator()(T x) const { return std::sqrt(x); }
  template <class T> TG_HOST_DEVICE T grad(T, T y) const { return T(0.5) / y; }
};
/// abs'(0) = 0, as PyTorch.
struct Abs {
  static constexpr backend::Domain domain = backend::Domain::AwayFromZero;
  static constexpr const char* name = "AbsBackward";
  static constexpr bool saves_input = true, saves_output = false;
  template <class T> TG_HOST_DEVICE T operator()(T x) const { return x < T(0) ? -x : x; }
  template <class T> TG_HOST_DEVICE T grad(T x, T) const { return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0)); }
};
/// relu'(0) = 0, as PyTorch.
struct Relu {
  static constexpr backend::Domain domain = backend::Domain::AwayFromZero;
  static constexpr const char* name = "ReluBackward";
  static constexpr bool saves_input = false, saves_output = true;
  template <class T> TG_HOST_DEVICE T operator()(T x) const { return x > T(0) ? x : T(0); }
  template <class T> TG_HOST_DEVICE T grad(T, T y) const { return y > T(0) ? T(1) : T(0); }
};
struct LeakyRelu {
  static constexpr backend::Domain domain = backend::Domain::AwayFromZero;
  backend::OpParams params() const { return {slope, 0}; }
  static LeakyRelu from(backend::OpParams p) { return LeakyRelu{p.a}; }
  static LeakyRelu example() { return LeakyRelu{0.2}; }
  static constexpr const char* name = "LeakyReluBackward";
  static constexpr bool saves_input = true, saves_output = false;
  double slope = 0.01;
  template <class T> TG_HOST_DEVICE T operator()(T x) const { return x > T(0) ? x : x * T(slope); }
  template <class T> TG_HOST_DEVICE T grad(T x, T) const { return x > T(0) ? T(1) : T(slope); }
};
/// Written as 1/(1+exp(-x)) for x >= 0 and exp(x)/(1+exp(x)) below, so neither branch overflows.
struct Sigmoid {
  static constexpr backend::Domain domain = backend::Domain::Any;
  static constexpr const char* name = "SigmoidBackward";
  static constexpr bool saves_input = false, saves_output = true;
  template <class T> TG_HOST_DEVICE T operator()(T x) const {
    if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
    const T e = std::exp(x);
    return e / (T(1) + e);
  }
  template <class T> TG_HOST_DEVICE T grad(T, T y) const { return y * (T(1) - y); }
};
struct Tanh {
  static constexpr backend::Domain domain = backend::Domain::Any;
  static constexpr const char* name = "TanhBackward";
  static constexpr bool saves_input = false, saves_output = true;
  template <class T> TG_HOST_DEVICE T operator()(T x) const { return std::tanh(x); }
  template <class T> TG_HOST_DEVICE T grad(T, T y) const { return T(1) - y * y; }
};
/// Exact GELU: x·Φ(x) with Φ the standard normal CDF.
struct Gelu {
  static constexpr backend::Domain domain = backend::Domain::Any;
  static constexpr const char* name = "GeluBackward";
  static constexpr bool saves_input = true, saves_output = false;
  template <class T> TG_HOST_DEVICE T operator()(T x) const { return T(0.5) * x * (T(1) + std::erf(x * T(M_SQRT1_2))); }
  template <class T> TG_HOST_DEVICE T grad(T x, T) const {
    const T cdf = T(0.5) * (T(1) + std::erf(x * T(M_SQRT1_2)));
    const T pdf = std::exp(T(-0.5) * x * x) * T(0.5 * M_2_SQRTPI * M_SQRT1_2);
    return cdf + x * pdf;
  }
};
/// GELU's tanh approximation (approximate="tanh" in PyTorch).
struct GeluTanh {
  static constexpr backend::Domain domain = backend::Domain::Any;
  static constexpr const char* name = "GeluBackward";
  static constexpr bool saves_input = true, saves_output = false;
  static constexpr double k = 0.7978845608028654;  // sqrt(2/pi)
  static constexpr double c = 0.044715;
  template <class T> TG_HOST_DEVICE T operator()(T x) const {
    return T(0.5) * x * (T(1) + std::tanh(T(k) * (x + T(c) * x * x * x)));
  }
  template <class T> TG_HOST_DEVICE T grad(T x, T) const {
    const T t = std::tanh(T(k) * (x + T(c) * x * x * x));
    return T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * T(k) * (T(1) + T(3 * c) * x * x);
  }
};
struct Silu {
  static constexpr backend::Domain domain = backend::Domain::Any;
  static constexpr const char* name = "SiluBackward";
  static constexpr bool saves_input = true, saves_output = false;
  template <class T> TG_HOST_DEVICE T operator()(T x) const { return x * Sigmoid{}(x); }
  template <class T> TG_HOST_DEVICE T grad(T x, T) const {
    const T s = Sigmoid{}(x);
    return s * (T(1) + x * (T(1) - s));
  }
};
struct Elu {
  static constexpr backend::Domain domain = backend::Domain::AwayFromZero;
  backend::OpParams params() const { return {alpha, 0}; }
  static Elu from(backend::OpParams p) { return Elu{p.a}; }
  static Elu example() { return Elu{0.7}; }
  static constexpr const char* name = "EluBackward";
  static constexpr bool saves_input = true, saves_output = true;
  double alpha = 1.0;
  template <class T> TG_HOST_DEVICE T operator()(T x) const { return x > T(0) ? x : T(alpha) * (std::exp(x) - T(1)); }
  template <class T> TG_HOST_DEVICE T grad(T x, T y) const { return x > T(0) ? T(1) : y + T(alpha); }
};
/// softplus(x) = log(1 + exp(βx))/β, and x itself where βx > threshold (as PyTorch, where the two agree to
/// rounding for the default threshold of 20). The gradient is σ(βx), written exp(βx)/(exp(βx) + 1) as PyTorch
/// computes it, and 1 on the linear side.
struct Softplus {
  static constexpr backend::Domain domain = backend::Domain::Any;
  backend::OpParams params() const { return {beta, threshold}; }
  static Softplus from(backend::OpParams p) { return Softplus{p.a, p.b}; }
  static Softplus example() { return Softplus{2, 3}; }
  static constexpr const char* name = "SoftplusBackward";
  static constexpr bool saves_input = true, saves_output = false;
  double beta = 1, threshold = 20;
  template <class T> TG_HOST_DEVICE T operator()(T x) const {
    const T bx = x * T(beta);
    return bx > T(threshold) ? x : std::log1p(std::exp(bx)) / T(beta);
  }
  template <class T> TG_HOST_DEVICE T grad(T x, T) const {
    const T bx = x * T(beta);
    if (bx > T(threshold)) return T(1);
    const T z = std::exp(bx);
    return z / (z + T(1));
  }
};
/// pow(x, e) with a scalar exponent; the gradient at e == 0 is 0 (as PyTorch), not 0·x^-1.
struct PowScalar {
  static constexpr backend::Domain domain = backend::Domain::Any;
  backend::OpParams params() const { return {e, 0}; }
  static PowScalar from(backend::OpParams p) { return PowScalar{p.a}; }
  static PowScalar example() { return PowScalar{3}; }
  static constexpr const char* name = "PowBackward";
  static constexpr bool saves_input = true, saves_output = false;
  double e = 1.0;
  template <class T> TG_HOST_DEVICE T operator()(T x) const {
    return e == 2.0 ? x * x : static_cast<T>(std::pow(x, static_cast<T>(e)));
  }
  template <class T> TG_HOST_DEVICE T grad(T x, T) const {
    if (e == 0.0) return T(0);
    return e == 2.0 ? T(2) * x : static_cast<T>(T(e) * std::pow(x, static_cast<T>(e - 1)));
  }
};
/// clamp passes the gradient where min <= x <= max, bounds included (as PyTorch).
struct Clamp {
  static constexpr backend::Domain domain = backend::Domain::Any;
  backend::OpParams params() const { return {lo, hi}; }
  static Clamp from(backend::OpParams p) { return Clamp{p.a, p.b}; }
  static Clamp example() { return Clamp{-0.5, 0.25}; }
  static constexpr const char* name = "ClampBackward";
  static constexpr bool saves_input = true, saves_output = false;
  double lo = -HUGE_VAL, hi = HUGE_VAL;
  template <class T> TG_HOST_DEVICE T operator()(T x) const {
    return x < T(lo) ? T(lo) : (x > T(hi) ? T(hi) : x);  // NaN passes through, as in PyTorch
  }
  template <class T> TG_HOST_DEVICE T grad(T x, T) const { return (x >= T(lo) && x <= T(hi)) ? T(1) : T(0); }
};

// Binary forwards (their backwards are composed from ops in ops/binary.hpp).
struct Add {
  template <class T> TG_HOST_DEVICE T operator()(T a, T b) const { return a + b; } };
struct Sub {
  template <class T> TG_HOST_DEVICE T operator()(T a, T b) const { return a - b; } };
struct Mul {
  template <class T> TG_HOST_DEVICE T operator()(T a, T b) const { return a * b; } };
struct Div {
  template <class T> TG_HOST_DEVICE T operator()(T a, T b) const { return a / b; } };
struct Pow {
  template <class T> TG_HOST_DEVICE T operator()(T a, T b) const { return static_cast<T>(std::pow(a, b)); } };
struct Maximum {
  template <class T> TG_HOST_DEVICE T operator()(T a, T b) const { return (a != a || a > b) ? a : b; } };
struct Minimum {
  template <class T> TG_HOST_DEVICE T operator()(T a, T b) const { return (a != a || a < b) ? a : b; } };
struct Eq {
  template <class T> TG_HOST_DEVICE T operator()(T a, T b) const { return T(a == b); } };
struct Ne {
  template <class T> TG_HOST_DEVICE T operator()(T a, T b) const { return T(a != b); } };
struct Lt {
  template <class T> TG_HOST_DEVICE T operator()(T a, T b) const { return T(a < b); } };
struct Le {
  template <class T> TG_HOST_DEVICE T operator()(T a, T b) const { return T(a <= b); } };
struct Gt {
  template <class T> TG_HOST_DEVICE T operator()(T a, T b) const { return T(a > b); } };
struct Ge {
  template <class T> TG_HOST_DEVICE T operator()(T a, T b) const { return T(a >= b); } };

/// d(a^b)/da = b·a^(b−1), taken as 0 where b == 0 (not 0·a^-1, which is NaN at a == 0), as PyTorch.
struct PowGradBase {
  template <class T> TG_HOST_DEVICE T operator()(T a, T b) const {
    return b == T(0) ? T(0) : static_cast<T>(b * std::pow(a, b - T(1)));
  }
};
/// d(a^b)/db = a^b·log(a), computed from the base a and the output y = a^b; 0 where a == 0 (as PyTorch for
/// b >= 0, where the true derivative is 0 or undefined).
struct PowGradExponent {
  template <class T> TG_HOST_DEVICE T operator()(T a, T y) const { return a == T(0) ? T(0) : static_cast<T>(y * std::log(a)); }
};

}  // namespace functors
}  // namespace tg
