#pragma once
/// ExpandingArray<D>: D integers given as one value (expanded to all D) or as D values, as LibTorch's
/// torch::ExpandingArray. Kernel sizes, strides, padding and dilation of the 2-d layers use it:
///   tg::nn::Conv2dOptions(1, 32, 3).stride({2, 1})   // kernel (3, 3), stride (2, 1)
#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "error.hpp"

namespace tg {

template <std::size_t D> class ExpandingArray {
 public:
  ExpandingArray(std::int64_t value) { values_.fill(value); }  // NOLINT: implicit, as in LibTorch
  ExpandingArray(std::initializer_list<std::int64_t> values) {
    TG_CHECK(values.size() == D, "ExpandingArray: expected ", D, " values, got ", values.size());
    std::copy(values.begin(), values.end(), values_.begin());
  }
  std::int64_t operator[](std::size_t i) const { return values_[i]; }
  const std::array<std::int64_t, D>& values() const { return values_; }
  bool operator==(const ExpandingArray& o) const { return values_ == o.values_; }
  bool operator!=(const ExpandingArray& o) const { return values_ != o.values_; }

  /// Python's tuple repr, "(3, 3)", as PyTorch prints module arguments.
  std::string tuple_str() const {
    std::string s = "(";
    for (std::size_t i = 0; i < D; ++i) s += (i ? ", " : "") + std::to_string(values_[i]);
    return s + (D == 1 ? ",)" : ")");
  }

 private:
  std::array<std::int64_t, D> values_{};
};

}  // namespace tg
