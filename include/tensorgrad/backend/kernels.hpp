#pragma once
/// The kernel-call layer: the one path from an op to a kernel. Each function checks that its tensors share a
/// device and runs the kernel there: on the CPU the templated loops of backend/cpu/ (the functor inlined into
/// the loop), elsewhere the registered device backend through the seam of backend/device_backend.hpp (the
/// functor passed as its run-time id and parameters). Ops call these functions and never see a backend.
///
/// Conventions as the seam's: an `out` is freshly allocated with the result's shape unless a function says
/// otherwise; inputs may be strided views and broadcast to out's shape (NumPy rules). GEMM has its own header,
/// backend/kernels_gemm.hpp, so that only the ops that multiply matrices compile Eigen.
#include <cstdint>
#include <initializer_list>
#include <type_traits>

#include "../core/creation.hpp"
#include "../core/storage.hpp"
#include "../core/tensor_impl.hpp"
#include "bodies/select.hpp"
#include "cpu/loops.hpp"
#include "cpu/rows.hpp"
#include "device_backend.hpp"
#include "op_ids.hpp"

namespace tg {
namespace kernels {

using detail::TensorImpl;

/// All tensors must live on one device; the error names the op and both devices.
inline Device common_device(const char* op, std::initializer_list<const TensorImpl*> tensors) {
  const TensorImpl* first = nullptr;
  for (const TensorImpl* t : tensors) {
    TG_CHECK(t, op, ": got an undefined tensor");
    if (!first) first = t;
    else
      TG_CHECK(t->device() == first->device(), op, ": expected all tensors on the same device, got ",
               first->device(), " and ", t->device());
  }
  return first ? first->device() : kCPU;
}

/// Ops whose kernels exist only on the CPU so far: a tensor on another device throws naming the op, never
/// falling back silently to a copy through the host.
inline void require_cpu(const char* op, std::initializer_list<const TensorImpl*> tensors) {
  const Device d = common_device(op, tensors);
  TG_CHECK(d.is_cpu(), op, ": no kernel for device ", d, " yet");
}

/// The backend of the tensors' device, or nullptr for the CPU.
inline backend::DeviceBackend* device_of(const char* op, std::initializer_list<const TensorImpl*> tensors) {
  const Device d = common_device(op, tensors);
  return d.is_cpu() ? nullptr : &detail::backend_for(d, op);
}

// ---- elementwise -----------------------------------------------------------------------------------------

/// out = f(x) for a listed unary functor f.
template <class T, class F> void unary(const char* op, F f, const TensorImpl& x, TensorImpl& out) {
  if (auto* be = device_of(op, {&x, &out})) be->unary(backend::unary_id<F>, backend::params_of(f), x, out);
  else backend::cpu::map<T, T>(out, f, x);
}

/// out = g · f.grad(x, y): the fused backward of unary (x or y may be g itself when f does not read it).
template <class T, class F>
void unary_backward(const char* op, F f, const TensorImpl& g, const TensorImpl& x, const TensorImpl& y, TensorImpl& out) {
  if (auto* be = device_of(op, {&g, &x, &y, &out}))
    be->unary_backward(backend::unary_id<F>, backend::params_of(f), g, x, y, out);
  else backend::cpu::map<T, T, T, T>(out, [f](T gv, T xv, T yv) { return gv * f.grad(xv, yv); }, g, x, y);
}

/// out = f(a, b) with broadcasting, out of element type R. A listed binary functor runs on every device; any
/// other callable (an ad-hoc lambda) runs on the CPU only, and other devices throw naming the op.
template <class R, class T, class F> void binary(const char* op, F f, const TensorImpl& a, const TensorImpl& b, TensorImpl& out) {
  backend::DeviceBackend* be = device_of(op, {&a, &b, &out});
  if (!be) return backend::cpu::map<R, T, T>(out, f, a, b);
  if constexpr (backend::is_binary_functor<F>::value && std::is_same_v<R, T>) be->binary(backend::binary_id<F>, a, b, out);
  else TG_CHECK(false, op, ": no kernel for device ", out.device(), " yet");
}

/// out = cond != 0 ? a : b, all three broadcast to out's shape.
template <class T, class C> void where(const TensorImpl& cond, const TensorImpl& a, const TensorImpl& b, TensorImpl& out) {
  if (auto* be = device_of("where", {&cond, &a, &b, &out})) be->where(cond, a, b, out);
  else backend::cpu::map<T, C, T, T>(out, [](C c, T x, T y) { return c != C(0) ? x : y; }, cond, a, b);
}

/// Calls fn(f) with the CPU scalar form f(x, b) of an in-place update (alpha is Axpy's factor).
template <class T, class Fn> void visit_update(backend::UpdateOp u, double alpha, Fn&& fn) {
  using U = backend::UpdateOp;
  const T a = static_cast<T>(alpha);
  switch (u) {
    case U::Copy: return fn([](T, T w) { return w; });
    case U::Axpy: return fn([a](T v, T w) { return v + a * w; });
    case U::Mul: return fn([](T v, T w) { return v * w; });
    case U::Div: return fn([](T v, T w) { return v / w; });
  }
}

/// x = op(x, b) in place on a strided view x, b broadcast to x's shape (alpha is Axpy's factor).
template <class T> void update(const char* op, backend::UpdateOp u, TensorImpl& x, const TensorImpl& b, double alpha) {
  if (auto* be = device_of(op, {&x, &b})) return be->update(u, x, b, alpha);
  if (u == backend::UpdateOp::Copy) return backend::cpu::map<T, T>(x, [](T w) { return w; }, b);  // x is not read
  visit_update<T>(u, alpha, [&](auto f) { backend::cpu::map<T, T, T>(x, f, x, b); });
}

/// x = op(x, value) in place for a scalar value: on the CPU the value stays a register, elsewhere it travels as
/// a 0-d tensor on x's device.
template <class T> void update_scalar(const char* op, backend::UpdateOp u, TensorImpl& x, double value) {
  if (!x.device().is_cpu()) {
    const bool axpy = u == backend::UpdateOp::Axpy;  // Axpy's value rides in alpha, times a 1
    const Tensor<T> s = scalar_tensor<T>(static_cast<T>(axpy ? 1.0 : value), x.device());
    return update<T>(op, u, x, *s.impl(), axpy ? value : 1.0);
  }
  const T v = static_cast<T>(value);
  visit_update<T>(u, 1.0, [&](auto f) { backend::cpu::map<T, T>(x, [f, v](T w) { return f(w, v); }, x); });
}

/// dst = src (broadcast to dst's shape) on their device; dst may be any strided view.
template <class T> void copy(TensorImpl& dst, const TensorImpl& src) { update<T>("copy_", backend::UpdateOp::Copy, dst, src, 1.0); }

/// dst = src between devices: both contiguous with the same number of elements, at least one of them on the CPU
/// or both on the backend's device.
template <class T> void copy_across(TensorImpl& dst, const TensorImpl& src) {
  const std::size_t nbytes = static_cast<std::size_t>(src.numel()) * sizeof(T);
  if (nbytes == 0) return;
  const Device other = dst.device().is_cpu() ? src.device() : dst.device();
  detail::backend_for(other, "to").copy(dst.data<T>(), dst.device(), src.data<T>(), src.device(), nbytes);
}

/// x = value everywhere (any strided view, any dtype).
template <class T> void fill(TensorImpl& x, double value) {
  if (auto* be = device_of("fill_", {&x})) return be->fill(x, value);
  const T v = static_cast<T>(value);
  backend::cpu::map<T>(x, [v]() { return v; });
}

/// out = static_cast<U>(x) elementwise.
template <class U, class T> void cast(const TensorImpl& x, TensorImpl& out) {
  if (auto* be = device_of("to", {&x, &out})) be->cast(x, out);
  else backend::cpu::map<U, T>(out, [](T v) { return static_cast<U>(v); }, x);
}

// ---- reductions ------------------------------------------------------------------------------------------

/// out = sum of x over every dim where out has size 1 and x does not (out has x's rank; overwritten).
template <class T> void sum(const char* op, const TensorImpl& x, TensorImpl& out) {
  if (auto* be = device_of(op, {&x, &out})) return be->sum(x, out);
  backend::cpu::map<T>(out, []() { return T(0); });
  backend::cpu::reduce_into<T, T>(x, out, [](T a, T b) { return a + b; });
}

/// out = softmax (log_softmax when `log`) of contiguous x along `dim`.
template <class T> void softmax(const char* op, const TensorImpl& x, int dim, bool log, TensorImpl& out) {
  if (auto* be = device_of(op, {&x, &out})) be->softmax(x, dim, log, out);
  else backend::cpu::softmax<T>(x, dim, log, out);
}

/// Contiguous x viewed as [outer, n, inner]: index [outer, inner] gets the position of each line's max (is_max)
/// or min; NaN wins, the first of equal values wins.
template <class T>
void arg_reduce(const char* op, const TensorImpl& x, std::int64_t outer, std::int64_t n, std::int64_t inner, bool is_max,
                TensorImpl& index) {
  if (auto* be = device_of(op, {&x, &index})) be->arg_reduce(x, outer, n, inner, is_max, index);
  else backend::cpu::arg_reduce<T>(x, outer, n, inner, is_max, index);
}

/// out[a, c] = x[a, index[a, c], c] for contiguous x [outer, n, inner].
template <class T>
void gather(const char* op, const TensorImpl& x, std::int64_t outer, std::int64_t n, std::int64_t inner,
            const TensorImpl& index, TensorImpl& out) {
  if (auto* be = device_of(op, {&x, &index, &out})) be->gather(x, outer, n, inner, index, out);
  else backend::cpu::gather<T>(x, outer, n, inner, index, out);
}

/// out[a, index[a, c], c] = src[a, c] (other elements of out untouched): gather's backward.
template <class T>
void scatter(const char* op, const TensorImpl& src, std::int64_t outer, std::int64_t n, std::int64_t inner,
             const TensorImpl& index, TensorImpl& out) {
  if (auto* be = device_of(op, {&src, &index, &out})) be->scatter(src, outer, n, inner, index, out);
  else backend::cpu::scatter<T>(src, outer, n, inner, index, out);
}

}  // namespace kernels
}  // namespace tg
