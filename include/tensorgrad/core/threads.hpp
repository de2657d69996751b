#pragma once
/// Thread count for the CPU backend. The kernels (and Eigen, which follows OpenMP's setting unless told
/// otherwise) run on OpenMP when the program is built with it, and on the calling thread when not.
#ifdef _OPENMP
#include <omp.h>
#endif

#if defined(__SSE__) || defined(__x86_64__)
#include <pmmintrin.h>
#include <xmmintrin.h>
#endif

#include "error.hpp"

namespace tg {

/// Threads used by CPU kernels (as torch::set_num_threads).
inline void set_num_threads(int n) {
  TG_CHECK(n >= 1, "set_num_threads: expected a positive number of threads, got ", n);
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
}
inline int get_num_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

/// Treats subnormal floats as zero on the calling thread (as torch.set_flush_denormal). Long Adam runs push the
/// moments of dead units into subnormals, which x86 processes many times slower. Returns false where the CPU
/// has no such mode.
inline bool set_flush_denormal(bool on) {
#if defined(__SSE__) || defined(__x86_64__)
  _MM_SET_FLUSH_ZERO_MODE(on ? _MM_FLUSH_ZERO_ON : _MM_FLUSH_ZERO_OFF);
  _MM_SET_DENORMALS_ZERO_MODE(on ? _MM_DENORMALS_ZERO_ON : _MM_DENORMALS_ZERO_OFF);
  return true;
#else
  return !on;
#endif
}

}  // namespace tg
