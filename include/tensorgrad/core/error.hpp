#pragma once
/// Errors and input validation: tg::Error and TG_CHECK.
#include <initializer_list>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>

#ifdef __FAST_MATH__
#error "tensorgrad refuses -ffast-math: it folds NaN/Inf checks away (e.g. (x*0)/0 -> 0), so gradient and loss checks would silently lie. Build without -ffast-math."
#endif

/// Host/device function marker: plain `inline` for host compilers, `__host__ __device__` under nvcc.
/// Only use it on functions whose meaning does not change between the two: a program may link g++ and nvcc
/// translation units, and an inline function that differed under __CUDACC__ would break the one-definition rule.
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

/// One argument of a message: a pointer to it and the function that prints its type. Messages are built from a
/// list of pieces by one function, so the hundreds of TG_CHECKs with their different argument lists instantiate
/// no formatting code of their own (each was an ostringstream chain: a fifth of a small program's object code).
/// A piece points at its argument, so it lives only within the full expression that makes the message.
class MessagePiece {
 public:
  MessagePiece(const char* s) : value_(s), print_(&print_c_string) {}  // string literals of every length
  template <class T> MessagePiece(const T& v) : value_(&v), print_(&print<T>) {}
  void write(std::ostream& os) const { print_(os, value_); }

 private:
  static void print_c_string(std::ostream& os, const void* s) { os << static_cast<const char*>(s); }
  template <class T> static void print(std::ostream& os, const void* v) { os << *static_cast<const T*>(v); }
  const void* value_;
  void (*print_)(std::ostream&, const void*);
};

inline std::string join_pieces(std::initializer_list<MessagePiece> pieces) {
  std::ostringstream os;
  for (const MessagePiece& p : pieces) p.write(os);
  return os.str();
}

/// The arguments printed one after another, as `os << a << b << ...`.
template <class... Args> std::string str_cat(const Args&... args) { return join_pieces({MessagePiece(args)...}); }

/// TG_CHECK's failure path, out of line: the message is built only on failure and the hot callers stay small.
[[noreturn]] __attribute__((noinline, cold)) inline void throw_error(std::initializer_list<MessagePiece> pieces) {
  throw Error(join_pieces(pieces));
}

}  // namespace detail
}  // namespace tg

/// Validate at the boundary: throws tg::Error in every build type (never an assert).
/// Example: TG_CHECK(lr >= 0, "SGD: invalid learning rate: ", lr);
#define TG_CHECK(cond, ...)                                          \
  do {                                                               \
    if (__builtin_expect(!(cond), 0)) ::tg::detail::throw_error({__VA_ARGS__}); \
  } while (0)
