#pragma once
/// Shape: a fixed-capacity list of dims (no heap allocation), printing as PyTorch does: [2, 3].
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

#include "error.hpp"

namespace tg {

/// Tensors may have up to kMaxDims dims (PyTorch's TensorIterator allows 25; 16 keeps shapes inline).
inline constexpr int kMaxDims = 16;

class Shape {
 public:
  // Only the first n_ dims are ever read, so neither construction nor copies touch the rest: tensors are made by
  // the hundred per training step, each with two shapes.
  Shape() {}
  Shape(const Shape& other) : n_(other.n_) { std::copy(other.d_, other.d_ + other.n_, d_); }
  Shape& operator=(const Shape& other) {
    n_ = other.n_;
    std::copy(other.d_, other.d_ + other.n_, d_);
    return *this;
  }
  Shape(std::initializer_list<std::int64_t> dims) { assign(dims.begin(), dims.end()); }
  Shape(const std::vector<std::int64_t>& dims) { assign(dims.begin(), dims.end()); }
  template <class It> Shape(It first, It last) { assign(first, last); }
  static Shape filled(int n, std::int64_t value) {
    Shape s;
    s.resize(n, value);
    return s;
  }

  int size() const { return n_; }
  bool empty() const { return n_ == 0; }
  std::int64_t operator[](int i) const { return d_[i]; }
  std::int64_t& operator[](int i) { return d_[i]; }
  const std::int64_t* begin() const { return d_; }
  const std::int64_t* end() const { return d_ + n_; }
  std::int64_t* begin() { return d_; }
  std::int64_t* end() { return d_ + n_; }
  std::int64_t back() const { return d_[n_ - 1]; }
  void push_back(std::int64_t v) {
    TG_CHECK(n_ < kMaxDims, "tensors have at most ", kMaxDims, " dims");
    d_[n_++] = v;
  }
  void insert(int pos, std::int64_t v) {
    TG_CHECK(n_ < kMaxDims, "tensors have at most ", kMaxDims, " dims");
    for (int i = n_; i > pos; --i) d_[i] = d_[i - 1];
    d_[pos] = v;
    ++n_;
  }
  void erase(int pos) {
    for (int i = pos; i + 1 < n_; ++i) d_[i] = d_[i + 1];
    --n_;
  }
  void resize(int n, std::int64_t value = 0) {
    TG_CHECK(n >= 0 && n <= kMaxDims, "tensors have at most ", kMaxDims, " dims, got ", n);
    for (int i = n_; i < n; ++i) d_[i] = value;
    n_ = n;
  }
  std::int64_t numel() const {
    std::int64_t p = 1;
    for (int i = 0; i < n_; ++i) p *= d_[i];
    return p;
  }
  std::vector<std::int64_t> vec() const { return {begin(), end()}; }

  friend bool operator==(const Shape& a, const Shape& b) {
    return a.n_ == b.n_ && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }
  friend std::ostream& operator<<(std::ostream& os, const Shape& s) {
    os << '[';
    for (int i = 0; i < s.n_; ++i) os << (i ? ", " : "") << s.d_[i];
    return os << ']';
  }
  std::string str() const { return detail::str_cat(*this); }

 private:
  template <class It> void assign(It first, It last) {
    n_ = 0;
    for (; first != last; ++first) push_back(static_cast<std::int64_t>(*first));
  }
  std::int64_t d_[kMaxDims];
  int n_ = 0;
};

namespace detail {

/// Row-major (C-contiguous) strides for a shape. Throws when they overflow 64 bits, which an empty tensor can
/// too: zero dims count as 1 in strides, so [0, 2^40, 2^40] has a stride of 2^40 (found by tests/fuzz/).
inline Shape contiguous_strides(const Shape& sizes) {
  Shape st = sizes;
  std::int64_t acc = 1;
  bool overflow = false;
  for (int i = sizes.size() - 1; i >= 0; --i) {
    st[i] = acc;
    overflow |= __builtin_mul_overflow(acc, std::max<std::int64_t>(sizes[i], 1), &acc);
  }
  TG_CHECK(!overflow, "shape ", sizes, " is too large: its strides overflow 64-bit integers");
  return st;
}

/// Wraps a possibly negative dim into [0, ndim); `op` names the caller in the error.
inline int wrap_dim(std::int64_t dim, int ndim, const char* op) {
  const int n = std::max(ndim, 1);  // a 0-d tensor accepts dim 0 and -1, as in PyTorch
  TG_CHECK(dim >= -n && dim < n, op, ": dim ", dim, " is out of range for a tensor with ", ndim,
           " dims (expected in [", -n, ", ", n - 1, "])");
  return static_cast<int>(dim < 0 ? dim + n : dim);
}

/// NumPy broadcasting of two shapes; `op` names the caller in the error.
inline Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const int n = std::max(a.size(), b.size());
  Shape out = Shape::filled(n, 1);
  for (int i = 0; i < n; ++i) {
    const int ia = i - (n - a.size()), ib = i - (n - b.size());
    const std::int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    TG_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", a, " and ", b,
             " cannot be broadcast together (dim ", i, ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace detail
}  // namespace tg
