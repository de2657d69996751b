#pragma once
/// The id <-> functor mapping of the device seam, generated from the op lists (backend/op_list.hpp):
///   unary_id<F> / binary_id<F>   the run-time id of functor F
///   visit_unary(op, params, fn)   calls fn(functor) with the functor the id names, parameters restored
///   visit_binary(op, fn)          likewise for binary ids
/// so a backend writes one templated kernel and instantiates it once per functor:
///   visit_unary(op, params, [&](auto f) { launch_unary_kernel(f, ...); });
#include <type_traits>

#include "functors.hpp"

namespace tg {
namespace backend {

template <class F> struct unary_id_of;
template <class F> struct binary_id_of;
#define TG_UNARY_ID(F, call) \
  template <> struct unary_id_of<functors::F> { static constexpr UnaryOp value = UnaryOp::F; };
#define TG_BINARY_ID(F, call) \
  template <> struct binary_id_of<functors::F> { static constexpr BinaryOp value = BinaryOp::F; };
TG_UNARY_OPS(TG_UNARY_ID)
TG_BINARY_OPS(TG_BINARY_ID)
#undef TG_UNARY_ID
#undef TG_BINARY_ID

template <class F> constexpr UnaryOp unary_id = unary_id_of<F>::value;
template <class F> constexpr BinaryOp binary_id = binary_id_of<F>::value;

/// Whether F is a listed binary functor (ad-hoc lambdas are not, and run on the CPU only).
template <class F, class = void> struct is_binary_functor : std::false_type {};
template <class F> struct is_binary_functor<F, std::void_t<decltype(binary_id_of<F>::value)>> : std::true_type {};

/// A functor's parameters across the seam, and back (parameterless functors carry none).
template <class F> OpParams params_of(const F& f) {
  if constexpr (std::is_empty_v<F>) return {};
  else return f.params();
}
template <class F> F functor_from(OpParams p) {
  if constexpr (std::is_empty_v<F>) return F{};
  else return F::from(p);
}
/// The parameters the tests use for F (a parameterless functor has just one form).
template <class F> F example_of() {
  if constexpr (std::is_empty_v<F>) return F{};
  else return F::example();
}

template <class Fn> void visit_unary(UnaryOp op, OpParams p, Fn&& fn) {
  switch (op) {
#define TG_UNARY_CASE(F, call) \
  case UnaryOp::F: return fn(functor_from<functors::F>(p));
    TG_UNARY_OPS(TG_UNARY_CASE)
#undef TG_UNARY_CASE
  }
  TG_CHECK(false, "unknown unary op id ", static_cast<int>(op));
}

template <class Fn> void visit_binary(BinaryOp op, Fn&& fn) {
  switch (op) {
#define TG_BINARY_CASE(F, call) \
  case BinaryOp::F: return fn(functors::F{});
    TG_BINARY_OPS(TG_BINARY_CASE)
#undef TG_BINARY_CASE
  }
  TG_CHECK(false, "unknown binary op id ", static_cast<int>(op));
}

}  // namespace backend
}  // namespace tg
