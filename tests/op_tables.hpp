// The test tables of the elementwise op families, generated from their one list (tensorgrad/backend/op_list.hpp):
// every listed op appears in every table that includes this header (gradcheck, the host-run kernel bodies, the
// CUDA parity tests), called through its public function with the parameters its functor's example() gives.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <tensorgrad/backend/op_ids.hpp>
#include <tensorgrad/tensor.hpp>

namespace op_tables {

template <class T> struct UnaryEntry {
  std::string name;  // the public call as the list writes it, e.g. "tg::leaky_relu(x, f.slope)"
  tg::backend::UnaryOp id;
  tg::backend::OpParams params;  // the example parameters, as they cross the device seam
  tg::backend::Domain domain;
  std::function<tg::Tensor<T>(const tg::Tensor<T>&)> fn;  // the public call
};

template <class T> struct BinaryEntry {
  std::string name;
  tg::backend::BinaryOp id;
  std::function<tg::Tensor<T>(const tg::Tensor<T>&, const tg::Tensor<T>&)> fn;
};

template <class T> std::vector<UnaryEntry<T>> unary_ops() {
  std::vector<UnaryEntry<T>> table;
#define TG_TEST_UNARY(F, call)                                                                  \
  {                                                                                             \
    using Functor = tg::functors::F;                                                            \
    const Functor f = tg::backend::example_of<Functor>();                                       \
    table.push_back({#call, tg::backend::UnaryOp::F, tg::backend::params_of(f), Functor::domain, \
                     [f](const tg::Tensor<T>& x) {                                              \
                       (void)f;                                                                 \
                       return call;                                                             \
                     }});                                                                       \
  }
  TG_UNARY_OPS(TG_TEST_UNARY)
#undef TG_TEST_UNARY
  return table;
}

template <class T> std::vector<BinaryEntry<T>> binary_ops() {
  std::vector<BinaryEntry<T>> table;
#define TG_TEST_BINARY(F, call)                                                  \
  table.push_back({#call, tg::backend::BinaryOp::F,                              \
                   [](const tg::Tensor<T>& x, const tg::Tensor<T>& b) {          \
                     [[maybe_unused]] const tg::functors::F f{};                 \
                     return call;                                                \
                   }});
  TG_BINARY_OPS(TG_TEST_BINARY)
#undef TG_TEST_BINARY
  return table;
}

}  // namespace op_tables
