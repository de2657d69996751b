// After warm-up, a training step performs zero heap allocations. This program replaces the global
// operator new/delete and (outside sanitizer builds, whose runtime owns malloc) malloc and its relatives with
// counting versions, then counts every allocation, from any thread (Eigen's OpenMP workers included), made
// during whole training steps: zero_grad, forward, loss, backward and the optimizer's step.
//
// Its own executable: the replaced allocation functions apply to the whole program.
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <new>

#include <catch2/catch.hpp>
#include <tensorgrad/tensorgrad.hpp>

#include "../../benchmarks/mlp.hpp"
#include "../../examples/mnist_classifier.hpp"

namespace {

std::atomic<bool> counting{false};
std::atomic<long> allocations{0};

void note_allocation() {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
}

/// The number of heap allocations `f` makes.
template <class F> long allocations_during(F&& f) {
  allocations = 0;
  counting = true;
  f();
  counting = false;
  return allocations.load();
}

}  // namespace

#if defined(__SANITIZE_ADDRESS__)
#define TG_COUNT_MALLOC 0
#else
#define TG_COUNT_MALLOC 1
#endif

#if TG_COUNT_MALLOC
// glibc's own entry points, so the counting versions below can forward to them.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);

void* malloc(std::size_t n) {
  note_allocation();
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
  note_allocation();
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
  note_allocation();
  return __libc_realloc(p, n);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
  note_allocation();
  return __libc_memalign(alignment, n);
}
void* memalign(std::size_t alignment, std::size_t n) {
  note_allocation();
  return __libc_memalign(alignment, n);
}
int posix_memalign(void** p, std::size_t alignment, std::size_t n) {
  note_allocation();
  *p = __libc_memalign(alignment, n);
  return *p || n == 0 ? 0 : ENOMEM;
}
void free(void* p) { __libc_free(p); }
}
// operator new goes through malloc, which counts it.
void* operator new(std::size_t n) {
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
#else
void* operator new(std::size_t n) {
  note_allocation();
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
#endif
void* operator new[](std::size_t n) { return operator new(n); }
// The nothrow forms too (Catch uses them): every form this program's delete sees must come from the same malloc.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return operator new(n);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t& tag) noexcept { return operator new(n, tag); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace nn = tg::nn;
namespace F = tg::nn::functional;
using tg::Tensor;

namespace {

/// Runs `step` 3 times to warm up, then returns the allocations of 5 more steps, and checks that training
/// went on (the loss of the last step differs from the first's).
template <class Step> long steady_state_allocations(Step&& step) {
  const float first = step(0);
  for (int i = 1; i < 3; ++i) step(i);
  float last = 0;
  const long n = allocations_during([&] {
    for (int i = 3; i < 8; ++i) last = step(i);
  });
  CHECK(last != first);
  return n;
}

}  // namespace

TEST_CASE("the counting allocator sees allocations") {
  REQUIRE(allocations_during([] { delete new int(1); }) == 1);
  REQUIRE(allocations_during([] { Tensor<float> t = tg::zeros<float>({3}); }) > 0);  // the first [3] buffer
}

TEST_CASE("an MNIST MLP training step (batch 64, Adam) allocates nothing after warm-up") {
  tg::manual_seed(0);
  MLP model;
  tg::optim::Adam<float> opt(model->parameters(), tg::optim::AdamOptions(1e-3));
  const Tensor<float> xs[2] = {tg::rand<float>({64, 784}), tg::rand<float>({64, 784})};
  const Tensor<std::int64_t> ys[2] = {tg::randint<std::int64_t>(0, 10, {64}), tg::randint<std::int64_t>(0, 10, {64})};
  float loss_value = 0;
  const long n = steady_state_allocations([&](int i) {
    opt.zero_grad();
    auto loss = F::cross_entropy(model(xs[i % 2]), ys[i % 2]);
    loss.backward();
    opt.step();
    loss_value = loss.item();
    return loss_value;
  });
  CHECK(std::isfinite(loss_value));
  REQUIRE(n == 0);
}

TEST_CASE("the tutorial's MNISTClassifier step (Dropout, SGD with momentum) allocates nothing after warm-up") {
  tg::manual_seed(0);
  MNISTClassifier model;
  tg::optim::SGD<float> opt(model->parameters(), tg::optim::SGDOptions(0.01).momentum(0.9));
  const Tensor<float> x = tg::rand<float>({32, 1, 28, 28});
  const Tensor<std::int64_t> y = tg::randint<std::int64_t>(0, 10, {32});
  const long n = steady_state_allocations([&](int) {
    opt.zero_grad();
    auto loss = F::cross_entropy(model(x), y);
    loss.backward();
    opt.step();
    return loss.item();
  });
  REQUIRE(n == 0);
}

TEST_CASE("the tutorial's XOR step (Sequential, BCEWithLogits, Adam) allocates nothing after warm-up") {
  tg::manual_seed(0);
  nn::Sequential model(nn::Linear(2, 8), nn::ReLU(), nn::Linear(8, 1));
  tg::optim::Adam<float> opt(model->parameters(), tg::optim::AdamOptions(0.05));
  const auto x = tg::tensor<float>({{0, 0}, {0, 1}, {1, 0}, {1, 1}});
  const auto y = tg::tensor<float>({{0}, {1}, {1}, {0}});
  const long n = steady_state_allocations([&](int) {
    opt.zero_grad();
    auto loss = F::binary_cross_entropy_with_logits(model(x), y);
    loss.backward();
    opt.step();
    return loss.item();
  });
  REQUIRE(n == 0);
}

TEST_CASE("inference under NoGradGuard allocates nothing after warm-up") {
  MLP model;
  model->eval();
  tg::NoGradGuard no_grad;
  const Tensor<float> x = tg::rand<float>({1, 784});
  float checksum = 0;
  for (int i = 0; i < 3; ++i) checksum += model(x).sum().item();
  const long n = allocations_during([&] {
    for (int i = 0; i < 5; ++i) checksum += model(x).sum().item();
  });
  CHECK(std::isfinite(checksum));
  REQUIRE(n == 0);
}
