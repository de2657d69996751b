#pragma once
// Helpers shared by the test files: what a module or tensor prints, and the message of the tg::Error a call throws.
#include <functional>
#include <sstream>
#include <string>

#include <tensorgrad/core/error.hpp>

namespace test_util {

/// `m` as operator<< prints it (a module holder prints its module, as PyTorch's repr).
template <class M> std::string printed(const M& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

/// The message of the tg::Error that f throws, or "no error".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace test_util
