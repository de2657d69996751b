#pragma once
/// What the CPU kernels share for threading and vectorising: parallel_for, which splits a loop into one
/// contiguous block per OpenMP thread when the work is worth it and runs it on the calling thread otherwise, and
/// a no-alias promise for inner loops. Blocks only ever hold independent iterations (each thread writes its own
/// outputs), so results do not depend on the thread count.
#include <algorithm>
#include <cstdint>
#ifdef _OPENMP
#include <omp.h>
#endif

namespace tg {
namespace backend {
namespace cpu {

/// Promises the compiler that a pointer's target is reached through it alone, so loops can keep values in
/// registers and vectorise.
#define TG_RESTRICT __restrict  // spelled the way GCC, Clang and MSVC all accept

/// Threads pay off above roughly this many element visits.
constexpr std::int64_t kParallelGrain = 1 << 15;

/// block(begin, end) over [0, n): on the calling thread when `work` (element visits, roughly) is below `grain`,
/// or inside another parallel region; else one contiguous block per thread, each thread at least `grain` of the
/// work. The small case never enters the OpenMP runtime, whose fork costs about a microsecond even for a team
/// of one.
template <class Block>
void parallel_for(std::int64_t n, std::int64_t work, Block&& block, std::int64_t grain = kParallelGrain) {
#ifdef _OPENMP
  const std::int64_t threads = std::min<std::int64_t>({omp_get_max_threads(), n, work / grain});
  if (threads > 1 && !omp_in_parallel()) {
#pragma omp parallel num_threads(static_cast<int>(threads))
    {
      const std::int64_t t = omp_get_thread_num(), count = omp_get_num_threads();
      block(n * t / count, n * (t + 1) / count);
    }
    return;
  }
#endif
  (void)work, (void)grain;
  block(std::int64_t{0}, n);
}

}  // namespace cpu
}  // namespace backend
}  // namespace tg
