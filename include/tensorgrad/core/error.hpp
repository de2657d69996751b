#pragma once
/// Errors and input validation: tg::Error and TG_CHECK.
#include <sstream>
#include <stdexcept>
#include <string>

#ifdef __FAST_MATH__
#error "tensorgrad refuses -ffast-math: it folds NaN/Inf checks away (e.g. (x*0)/0 -> 0), so gradient and loss checks would silently lie. Build without -ffast-math."
#endif

/// Host/device function marker: plain `inline` for host compilers, `__host__ __device__` under nvcc.
/// Only use it on functions whose meaning does not change between the two (see DESIGN.md, ODR).
#if defined(__CUDACC__)
#define TG_HOST_DEVICE __host__ __device__ inline
#else
#define TG_HOST_DEVICE inline
#endif

namespace tg {

/// The one exception type of the library; the message names the op/module and the shapes involved.
class Error : public std::invalid_argument {
 public:
  explicit Error(const std::string& what) : std::invalid_argument(what) {}
};

namespace detail {
template <class... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  (void)(os << ... << args);
  return os.str();
}
/// TG_CHECK's failure path, out of line: the message is built only on failure and the hot callers stay small.
template <class... Args>
[[noreturn]] __attribute__((noinline, cold)) void throw_error(const Args&... args) {
  throw Error(str_cat(args...));
}
}  // namespace detail
}  // namespace tg

/// Validate at the boundary: throws tg::Error in every build type (never an assert).
/// Example: TG_CHECK(lr >= 0, "SGD: invalid learning rate: ", lr);
#define TG_CHECK(cond, ...)                                          \
  do {                                                               \
    if (__builtin_expect(!(cond), 0)) ::tg::detail::throw_error(__VA_ARGS__); \
  } while (0)
