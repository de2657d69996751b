#pragma once
/// Random numbers: tg::Generator (mt19937_64 with the library's own uniform/normal transforms, so results
/// are bitwise identical on every platform and standard library), the default generator behind
/// tg::manual_seed, and the random factories rand, randn, normal, randint, randperm, *_like.
///
/// Threads: as PyTorch's CPU generator, a Generator carries a mutex and every random op holds it while it draws
/// (the factories, the in-place fills behind nn::init, dropout's seed, randperm), so threads sharing one
/// generator (the default one, say, while several threads build modules) each get a whole, valid run of its
/// stream; which thread gets which run depends on timing. A thread that wants its own reproducible sequence, or
/// no lock, passes its own Generator. The draw functions themselves (next_u64, uniform, normal, below) do not
/// lock: code that calls them on a generator other threads use takes mutex() first.
#include <cmath>
#include <cstdint>
#include <mutex>
#include <random>
#include <vector>

#include "creation.hpp"

namespace tg {

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 67280421310721ULL) { reseed(seed); }
  /// A copy continues the same stream independently (its own state and lock).
  Generator(const Generator& other) {
    std::lock_guard<std::mutex> lock(other.mutex_);
    copy_state(other);
  }
  Generator& operator=(const Generator& other) {
    if (this != &other) {
      std::scoped_lock lock(mutex_, other.mutex_);
      copy_state(other);
    }
    return *this;
  }
  void manual_seed(std::uint64_t seed) {
    std::lock_guard<std::mutex> lock(mutex_);
    reseed(seed);
  }
  std::uint64_t initial_seed() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return seed_;
  }
  /// Held by every random op while it draws (see the file comment).
  std::mutex& mutex() const { return mutex_; }
  std::uint64_t next_u64() { return engine_(); }
  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  /// Standard normal (Box–Muller; the second value of each pair is kept for the next call).
  double normal() {
    if (has_spare_normal_) {
      has_spare_normal_ = false;
      return spare_normal_;
    }
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_normal_ = r * std::sin(2.0 * M_PI * u2);
    has_spare_normal_ = true;
    return r * std::cos(2.0 * M_PI * u2);
  }
  /// Uniform integer in [0, n) without modulo bias.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t v;
    do v = engine_();
    while (v >= limit);
    return v % n;
  }

 private:
  void reseed(std::uint64_t seed) {
    engine_.seed(seed);
    seed_ = seed;
    has_spare_normal_ = false;
  }
  void copy_state(const Generator& other) {
    engine_ = other.engine_;
    seed_ = other.seed_;
    spare_normal_ = other.spare_normal_;
    has_spare_normal_ = other.has_spare_normal_;
  }
  std::mt19937_64 engine_;
  std::uint64_t seed_ = 0;
  double spare_normal_ = 0;
  bool has_spare_normal_ = false;
  mutable std::mutex mutex_;
};

/// The documented global generator: the only hidden state in the library, so that a run
/// seeded with manual_seed is reproducible bitwise.
inline Generator& default_generator() {
  static Generator gen;
  return gen;
}
/// Seeds the default generator, as torch::manual_seed.
inline void manual_seed(std::uint64_t seed) { default_generator().manual_seed(seed); }

namespace detail {
/// Fills a tensor (any device, any layout) with f() in row-major order, f drawing from gen under its lock.
template <class T, class F> void fill_random(Tensor<T>& t, Generator& gen, F f) {
  TG_CHECK(!(is_grad_enabled() && t.requires_grad()),
           "random fill: a tensor that requires grad is being filled in place (shape ", t.sizes(),
           "); wrap it in tg::NoGradGuard (nn::init does)");
  std::vector<T> host(static_cast<std::size_t>(t.numel()));
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    for (T& v : host) v = f();
  }
  if (t.is_contiguous()) {
    upload(t, host.data());
  } else {
    Tensor<T> c = tensor<T>(host, t.sizes(), t.device());
    NoGradGuard g;
    t.copy_(c);
  }
  t.impl()->storage->bump_version();
}
}  // namespace detail

// ---- factories -----------------------------------------------------------------------------------
/// Uniform on [0, 1).
template <class T = float> Tensor<T> rand(const Shape& shape, Generator& gen = default_generator(), Device device = kCPU) {
  Tensor<T> t = empty<T>(shape, device);
  return t.uniform_(0.0, 1.0, gen);
}
/// Standard normal.
template <class T = float> Tensor<T> randn(const Shape& shape, Generator& gen = default_generator(), Device device = kCPU) {
  Tensor<T> t = empty<T>(shape, device);
  return t.normal_(0.0, 1.0, gen);
}
template <class T = float>
Tensor<T> normal(double mean, double std, const Shape& shape, Generator& gen = default_generator(), Device device = kCPU) {
  TG_CHECK(std >= 0, "normal: std must be >= 0, got ", std);
  Tensor<T> t = empty<T>(shape, device);
  return t.normal_(mean, std, gen);
}
/// Integers uniform in [low, high).
template <class T = std::int64_t>
Tensor<T> randint(std::int64_t low, std::int64_t high, const Shape& shape, Generator& gen = default_generator(),
                  Device device = kCPU) {
  TG_CHECK(low < high, "randint: expected low < high, got low=", low, " high=", high);
  Tensor<T> t = empty<T>(shape, device);
  const std::uint64_t span = static_cast<std::uint64_t>(high - low);
  detail::fill_random(t, gen, [&] { return static_cast<T>(low + static_cast<std::int64_t>(gen.below(span))); });
  return t;
}
/// A random permutation of 0..n-1 (Fisher–Yates).
inline Tensor<std::int64_t> randperm(std::int64_t n, Generator& gen = default_generator(), Device device = kCPU) {
  TG_CHECK(n >= 0, "randperm: n must be non-negative, got ", n);
  std::vector<std::int64_t> p(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) p[i] = i;
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    for (std::int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[gen.below(static_cast<std::uint64_t>(i + 1))]);
  }
  return tensor<std::int64_t>(p, Shape{n}, device);
}
template <class T> Tensor<T> rand_like(const Tensor<T>& t, Generator& gen = default_generator()) { return rand<T>(t.sizes(), gen, t.device()); }
template <class T> Tensor<T> randn_like(const Tensor<T>& t, Generator& gen = default_generator()) { return randn<T>(t.sizes(), gen, t.device()); }

}  // namespace tg
