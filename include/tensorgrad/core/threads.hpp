#pragma once
/// Thread count for the CPU backend (Eigen's GEMM runs on OpenMP when the program is built with it).
#include <Eigen/Core>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "error.hpp"

namespace tg {

/// Threads used by CPU kernels (as torch::set_num_threads).
inline void set_num_threads(int n) {
  TG_CHECK(n >= 1, "set_num_threads: expected a positive number of threads, got ", n);
  Eigen::setNbThreads(n);
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
}
inline int get_num_threads() { return Eigen::nbThreads(); }

}  // namespace tg
