#pragma once
// The loaders read files, so each fuzz input is written to one scratch file per process before it is loaded.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace tg_fuzz {

inline const std::string& scratch_path() {
  static const std::string path = [] {
    const std::string p =
        (std::filesystem::temp_directory_path() / ("tensorgrad_fuzz_" + std::to_string(::getpid()))).string();
    static std::string at_exit_path = p;
    std::atexit([] { std::remove(at_exit_path.c_str()); });
    return p;
  }();
  return path;
}

/// Writes the input to the scratch file and returns its path.
inline const std::string& write_input(const std::uint8_t* data, std::size_t size) {
  const std::string& path = scratch_path();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();  // the harness itself is broken, not the loader
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

}  // namespace tg_fuzz
