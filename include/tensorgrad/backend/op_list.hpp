#pragma once
/// The one list of each elementwise op family. Everything that enumerates ops is generated from these lists:
/// the run-time ids of the device seam (UnaryOp, BinaryOp), their counts, the id -> functor mapping
/// (backend/op_ids.hpp) and the test tables (gradcheck, host-run kernel bodies, CUDA parity), so an op is never
/// added in one place and forgotten in another.
///
/// Each entry is X(Functor, public call). Functor names a struct of tg::functors (backend/functors.hpp) that
/// holds the op's scalar math, its parameters and its input domain. The public call is how a user computes the
/// op: an expression in a tensor `x` (and `b` for binary ops) and the functor's parameters `f`; it is expanded
/// only by the tests, which check that the public function and the functor agree on every device.
///
/// Adding an elementwise op: its functor, its public function, and one line here.
#include <cstdint>

#define TG_UNARY_OPS(X)                        \
  X(Neg, tg::neg(x))                           \
  X(Exp, tg::exp(x))                           \
  X(Log, tg::log(x))                           \
  X(Sqrt, tg::sqrt(x))                         \
  X(Abs, tg::abs(x))                           \
  X(Relu, tg::relu(x))                         \
  X(LeakyRelu, tg::leaky_relu(x, f.slope))     \
  X(Sigmoid, tg::sigmoid(x))                   \
  X(Tanh, tg::tanh(x))                         \
  X(Gelu, tg::gelu(x))                         \
  X(GeluTanh, tg::gelu(x, "tanh"))             \
  X(Silu, tg::silu(x))                         \
  X(Elu, tg::elu(x, f.alpha))                  \
  X(Softplus, tg::softplus(x, f.beta, f.threshold)) \
  X(PowScalar, tg::pow(x, f.e))                \
  X(Clamp, tg::clamp(x, f.lo, f.hi))

/// pow's partial derivatives are internal ops (the backward of pow); their public call is the op's own
/// forward through the functor.
#define TG_BINARY_OPS(X)                                                              \
  X(Add, x + b)                                                                       \
  X(Sub, x - b)                                                                       \
  X(Mul, x * b)                                                                       \
  X(Div, x / b)                                                                       \
  X(Pow, tg::pow(x, b))                                                               \
  X(Maximum, tg::maximum(x, b))                                                       \
  X(Minimum, tg::minimum(x, b))                                                       \
  X(Eq, tg::eq(x, b))                                                                 \
  X(Ne, tg::ne(x, b))                                                                 \
  X(Lt, tg::lt(x, b))                                                                 \
  X(Le, tg::le(x, b))                                                                 \
  X(Gt, tg::gt(x, b))                                                                 \
  X(Ge, tg::ge(x, b))                                                                 \
  X(PowGradBase, tg::detail::binary_forward("pow", x, b, f))                          \
  X(PowGradExponent, tg::detail::binary_forward("pow", x, b, f))

/// The pointwise losses: X(Functor of tg::backend::bodies (backend/bodies/loss.hpp), public call), the public call
/// in the input x, the target y, the elementwise weight w, pos_weight a and the functor f, reduction "none".
#define TG_POINTWISE_LOSSES(X)                                                                 \
  X(Squared, tg::nn::functional::mse_loss(x, y, "none") * w)                                   \
  X(Absolute, tg::nn::functional::l1_loss(x, y, "none") * w)                                   \
  X(SmoothL1, tg::nn::functional::smooth_l1_loss(x, y, "none", f.beta) * w)                    \
  X(Huber, tg::nn::functional::huber_loss(x, y, "none", f.delta) * w)                          \
  X(BinaryCrossEntropy, tg::nn::functional::binary_cross_entropy(x, y, w, "none"))             \
  X(BinaryCrossEntropyWithLogits, tg::nn::functional::binary_cross_entropy_with_logits(x, y, w, "none", a))

namespace tg {
namespace backend {

#define TG_OP_ENUMERATOR(F, call) F,
enum class UnaryOp : std::uint8_t { TG_UNARY_OPS(TG_OP_ENUMERATOR) };
enum class BinaryOp : std::uint8_t { TG_BINARY_OPS(TG_OP_ENUMERATOR) };
enum class LossOp : std::uint8_t { TG_POINTWISE_LOSSES(TG_OP_ENUMERATOR) };
#undef TG_OP_ENUMERATOR

#define TG_OP_COUNT(F, call) +1
constexpr int kNumUnaryOps = 0 TG_UNARY_OPS(TG_OP_COUNT);
constexpr int kNumBinaryOps = 0 TG_BINARY_OPS(TG_OP_COUNT);
constexpr int kNumLossOps = 0 TG_POINTWISE_LOSSES(TG_OP_COUNT);
#undef TG_OP_COUNT

/// In-place updates x = f(x, b): Copy (x = b), Axpy (x = x + alpha·b), Mul (x = x·b), Div (x = x/b).
enum class UpdateOp : std::uint8_t { Copy, Axpy, Mul, Div };

/// Scalar parameters of a parameterised functor, as it passes them across the device seam (each functor's
/// params() and from() say which is which).
struct OpParams {
  double a = 0, b = 0;
};

/// Where an op is defined and smooth enough for finite differences; the tests draw inputs from it.
/// Any: all reals. Positive: x > 0 (log, sqrt). AwayFromZero: all reals but with a kink at 0 (relu, abs), so
/// gradient checks keep |x| away from it.
enum class Domain : std::uint8_t { Any, Positive, AwayFromZero };

}  // namespace backend
}  // namespace tg
