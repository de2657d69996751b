#pragma once
/// The seam between the ops layer and a non-CPU backend (see DESIGN.md: "the device is a runtime tag").
///
/// The CPU backend is called directly (its kernels are templates over the functors in ops/functors.hpp, so the
/// compiler inlines the scalar math). Any other device is reached through this interface: ops pass the op as a
/// run-time id plus its scalar parameters, and the backend maps the id back to the same functor
/// (backend/op_ids.hpp) and launches it. Inline code in shared headers only ever calls through this interface,
/// so it means the same in g++- and nvcc-compiled translation units (no ODR hazard); the CUDA headers register
/// their implementation once (tg::cuda::register_backend).
///
/// Conventions: every TensorImpl handed over lives on the backend's device; an `out` is freshly allocated,
/// contiguous and has the result's shape; inputs may be any strided view (broadcast inputs arrive with their
/// own, smaller shape and are broadcast to `out`'s shape by the backend, NumPy rules). Dtypes are float32 or
/// float64 unless stated; a backend throws tg::Error naming the op for anything it has no kernel for.
#include <cstddef>
#include <cstdint>

#include "../core/device.hpp"
#include "../core/dtype.hpp"

namespace tg {
namespace detail {
struct TensorImpl;
}
namespace backend {

enum class UnaryOp : std::uint8_t { Neg, Exp, Log, Sqrt, Abs, Relu, LeakyRelu, Sigmoid, Tanh, Gelu, GeluTanh, Silu, Elu, PowScalar, Clamp };
/// PowGradBase / PowGradExponent are pow's partial derivatives (see ops/functors.hpp).
enum class BinaryOp : std::uint8_t { Add, Sub, Mul, Div, Pow, Maximum, Minimum, Eq, Ne, Lt, Le, Gt, Ge, PowGradBase, PowGradExponent };
/// In-place updates x = f(x, b): Copy (x = b), Axpy (x = x + alpha·b), Mul (x = x·b), Div (x = x/b).
enum class UpdateOp : std::uint8_t { Copy, Axpy, Mul, Div };

/// Scalar parameters of a parameterised functor: LeakyRelu (a = slope), Elu (a = alpha), PowScalar (a = exponent),
/// Clamp (a = lo, b = hi).
struct OpParams {
  double a = 0, b = 0;
};

struct DeviceBackend {
  virtual ~DeviceBackend() = default;

  // ---- memory -----------------------------------------------------------------------------------
  virtual void* allocate(std::size_t nbytes, int index) = 0;
  virtual void deallocate(void* p, std::size_t nbytes, int index) = 0;
  /// Copies nbytes between host and device or within the device (one of the two is this backend's device).
  virtual void copy(void* dst, Device dst_dev, const void* src, Device src_dev, std::size_t nbytes) = 0;

  // ---- elementwise --------------------------------------------------------------------------------
  /// out = op(x).
  virtual void unary(UnaryOp op, OpParams p, const detail::TensorImpl& x, detail::TensorImpl& out) = 0;
  /// out = g · op.grad(x, y), the fused backward of unary (x or y may be g itself when the op does not read it).
  virtual void unary_backward(UnaryOp op, OpParams p, const detail::TensorImpl& g, const detail::TensorImpl& x,
                              const detail::TensorImpl& y, detail::TensorImpl& out) = 0;
  /// out = op(a, b) with broadcasting; comparisons write 1/0 in out's dtype.
  virtual void binary(BinaryOp op, const detail::TensorImpl& a, const detail::TensorImpl& b, detail::TensorImpl& out) = 0;
  /// x = f(x, b) in place on a strided view x, with b broadcast to x's shape (alpha is used by Axpy).
  virtual void update(UpdateOp op, detail::TensorImpl& x, const detail::TensorImpl& b, double alpha) = 0;
  /// x = value everywhere (x may be any strided view, any dtype including int64).
  virtual void fill(detail::TensorImpl& x, double value) = 0;
  /// out = static_cast<out dtype>(x) (float32/float64/int64 in any combination).
  virtual void cast(const detail::TensorImpl& x, detail::TensorImpl& out) = 0;

  // ---- reductions ---------------------------------------------------------------------------------
  /// out = sum of x over every dim where out has size 1 and x does not (out has x's rank; overwritten).
  virtual void sum(const detail::TensorImpl& x, detail::TensorImpl& out) = 0;
  /// out[..] = softmax (or log_softmax) of contiguous x along `dim`.
  virtual void softmax(const detail::TensorImpl& x, int dim, bool log, detail::TensorImpl& out) = 0;

  // ---- linear algebra ---------------------------------------------------------------------------------
  /// For b in [0, batch): out_b (n×m, contiguous, row-major, out + b·n·m) = A_b (n×k) · B_b (k×m), where A_b has
  /// element strides (as0, as1) from a + b·a_batch_stride (a_batch_stride may be 0: broadcast), likewise B.
  /// Pointers are to elements of `dtype` (float32 or float64).
  virtual void gemm(Dtype dtype, std::int64_t batch, std::int64_t n, std::int64_t k, std::int64_t m, const void* a,
                    std::int64_t a_batch_stride, std::int64_t as0, std::int64_t as1, const void* b,
                    std::int64_t b_batch_stride, std::int64_t bs0, std::int64_t bs1, void* out) = 0;
};

}  // namespace backend
}  // namespace tg
