#pragma once
/// TG_ARG: one option of an options struct, with LibTorch's chainable setter and getter.
/// Example: struct LinearOptions { TG_ARG(bool, bias) = true; };  LinearOptions(2, 8).bias(false).bias() == false
#include <utility>

#define TG_ARG(T, name)                                   \
 public:                                                  \
  auto name(const T& new_##name)->decltype(*this) {       \
    this->name##_ = new_##name;                           \
    return *this;                                         \
  }                                                       \
  auto name(T&& new_##name)->decltype(*this) {            \
    this->name##_ = std::move(new_##name);                \
    return *this;                                         \
  }                                                       \
  const T& name() const noexcept { return this->name##_; } \
  T& name() noexcept { return this->name##_; }            \
                                                          \
 private:                                                 \
  T name##_
