#pragma once
// The `--seed N` flag shared by the small examples (xor, perceptron, regression): returns the seed, or exits
// with a usage line on any other argument.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

inline std::uint64_t seed_from_args(int argc, char** argv, std::uint64_t default_seed) {
  std::uint64_t seed = default_seed;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: %s [--seed N]\n", argv[0]);
      std::exit(2);
    }
  }
  return seed;
}
