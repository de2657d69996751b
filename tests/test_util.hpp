#pragma once
// Helpers shared by the test files: what a module or tensor prints, the message of the tg::Error a call throws,
// a flat index as a multi-index, and a temporary directory. Defined once here, since test files that share a unity
// group (tests/CMakeLists.txt) share a translation unit.
#include <stdlib.h>  // mkdtemp

#include <cstdint>
#include <filesystem>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <tensorgrad/core/error.hpp>
#include <tensorgrad/core/shape.hpp>

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

/// The row-major multi-index of element `flat` of a tensor of shape `shape`.
inline std::vector<std::int64_t> unravel(std::int64_t flat, const tg::Shape& shape) {
  std::vector<std::int64_t> index(static_cast<std::size_t>(shape.size()));
  for (int d = shape.size() - 1; d >= 0; --d) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

/// A fresh, empty directory under the system's temporary directory, removed with everything in it at scope exit.
/// mkdtemp makes the name unique, so test cases running in parallel (ctest -j) never share one.
struct TempDir {
  std::filesystem::path dir;
  explicit TempDir(const std::string& prefix = "tg_test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("TempDir: mkdtemp failed for " + pattern);
    dir = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  /// The path of `name` inside the directory.
  std::string file(const std::string& name) const { return (dir / name).string(); }
  std::string str() const { return dir.string(); }
};

}  // namespace test_util
