// Soak guard, the short version of benchmarks/soak.cpp: after warm-up, long training holds its footprint.
// 20,000 XOR steps and 300 MNIST-MLP steps (synthetic digits) end with the same live tensor impls and
// graph nodes (core/live_counter.hpp, compiled in for the tests by TENSORGRAD_COUNT_OBJECTS), the heap bytes in use
// of warm-up (within a few chunks, see kHeapSlackBytes), and caches no larger than warm-up left them (core/pool.hpp,
// core/storage.hpp). A leak of one tensor or one block per step, invisible in a single step, shows here as a count
// that moved.
#include <catch2/catch.hpp>
#include <tensorgrad/tensorgrad.hpp>

#include <malloc.h>

#include <cstdint>
#include <vector>

#include "../examples/mnist_classifier.hpp"

#ifndef TENSORGRAD_COUNT_OBJECTS
#error "tests/CMakeLists.txt defines TENSORGRAD_COUNT_OBJECTS for the test executable"
#endif

// A named namespace, not an anonymous one: this file shares a unity translation unit with others.
namespace soak_test {

/// What a leak would make grow. The caches are the calling thread's (the pools are per thread) plus the shared
/// large-buffer cache.
struct Footprint {
  std::int64_t impls = 0, nodes = 0;
  long long heap_bytes = 0;  // glibc's bytes in use (0 where mallinfo2 is missing)
  std::size_t object_pool = 0, small_buffers = 0, large_cache = 0;
};

Footprint footprint() {
  Footprint f;
  f.impls = tg::detail::live_objects<tg::detail::TensorImpl>();
  f.nodes = tg::detail::live_objects<tg::autograd::Node>();
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33) && !defined(__SANITIZE_ADDRESS__)
  // Under ASan its allocator, not glibc's, serves the program, and mallinfo2 would read a constant.
  const struct mallinfo2 m = mallinfo2();
  f.heap_bytes = static_cast<long long>(m.uordblks + m.hblkhd);
#endif
  f.object_pool = tg::detail::SmallObjectPool::cached_bytes();
  f.small_buffers = tg::detail::CpuAllocator::SmallBuffers::cached_bytes();
  f.large_cache = tg::detail::CpuAllocator::instance().cached_bytes();
  return f;
}

/// Heap bytes in use may move by a few chunks with no allocation outliving a step: mallinfo2 counts the free
/// chunks parked in a thread's tcache as in use, so a chunk moving between tcache and a bin (with two threads, a
/// worker's free joins another list) reads as +/-100 bytes. With the tcache off (GLIBC_TUNABLES=
/// glibc.malloc.tcache_count=0) the figure is exact. A leak of one block per step is far past this slack.
constexpr long long kHeapSlackBytes = 4096;

/// Every reading against the warm-up one. The readings are taken with no Catch2 assertion in between (an
/// assertion may allocate), and checked afterwards.
void check_flat(const Footprint& warm, const std::vector<Footprint>& readings) {
  REQUIRE(!readings.empty());
  for (const Footprint& now : readings) {
    CHECK(now.impls == warm.impls);
    CHECK(now.nodes == warm.nodes);
    CHECK(now.heap_bytes - warm.heap_bytes <= kHeapSlackBytes);
    CHECK(now.object_pool <= warm.object_pool);
    CHECK(now.small_buffers <= warm.small_buffers);
    CHECK(now.large_cache <= warm.large_cache);
  }
}

/// One CPU thread while it lives, then the thread count from before (as test_determinism restores it). On a
/// loaded machine (ctest -j, a parallel build) OpenMP's spinning workers made the MNIST case 10-30x slower (0.3 s
/// became 6 s); the frees of tensors across threads have their own case in test_threads.cpp.
struct OneThread {
  int before = tg::get_num_threads();
  OneThread() { tg::set_num_threads(1); }
  ~OneThread() { tg::set_num_threads(before); }
};

/// Random "digits" with random labels: the MNIST MLP's shapes, without the data files.
tg::data::TensorDataset<float, std::int64_t> synthetic_digits(std::int64_t n, std::uint64_t seed) {
  tg::Generator gen(seed);
  return {tg::randn<float>({n, 1, 28, 28}, gen), tg::randint<std::int64_t>(0, 10, {n}, gen)};
}

}  // namespace soak_test

TEST_CASE("20,000 XOR training steps after warm-up leave live tensors, nodes, heap and caches where warm-up did",
          "[soak]") {
  // The loop of examples/xor.cpp: XORNet 2-8-1, BCEWithLogitsLoss, Adam(0.05), a shuffled DataLoader of batch 4.
  tg::manual_seed(0);
  tg::data::TensorDataset<float, float> dataset(tg::tensor<float>({{0, 0}, {0, 1}, {1, 0}, {1, 1}}),
                                                tg::tensor<float>({{0}, {1}, {1}, {0}}));
  tg::data::DataLoader loader(dataset, tg::data::DataLoaderOptions().batch_size(4).shuffle(true).seed(0));
  tg::nn::Sequential model(tg::nn::Linear(2, 8), tg::nn::ReLU(), tg::nn::Linear(8, 1));
  tg::nn::BCEWithLogitsLoss criterion;
  tg::optim::Adam<float> optimizer(model->parameters(), tg::optim::AdamOptions(0.05));
  tg::Tensor<float> loss;  // the last step's loss stays alive between steps, as in the example
  auto train = [&](int steps) {
    for (int step = 0; step < steps; ++step)
      for (const auto& [inputs, labels] : loader) {
        loss = criterion(model(inputs), labels);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
      }
  };

  train(500);  // warm-up: Adam's state, the gradients and the caches' free lists exist from here on
  const float warm_loss = loss.item();
  std::vector<soak_test::Footprint> readings;
  readings.reserve(4);  // before the warm-up reading: this vector's block is part of the footprint
  const soak_test::Footprint warm = soak_test::footprint();
  for (int i = 0; i < 4; ++i) {
    train(5000);
    readings.push_back(soak_test::footprint());
  }
  // Warm-up filled the caches (so "no larger" compares against real values), and the steps trained.
  CHECK(warm.object_pool > 0);
  CHECK(warm.small_buffers > 0);
  CHECK(warm.nodes > 0);  // the live loss keeps its graph's root node
  CHECK(loss.item() < warm_loss);
  soak_test::check_flat(warm, readings);
}

TEST_CASE("300 MNIST-MLP training steps after warm-up leave live tensors, nodes, heap and caches where warm-up did",
          "[soak]") {
  // The loop of examples/mnist_mlp.cpp on synthetic digits: MNISTClassifier (dropout 0.2), CrossEntropyLoss with
  // label smoothing, Adam(1e-3), shuffled batches (150 samples: 9 full batches and one of 6), an evaluation pass
  // in eval mode under NoGradGuard before each reading. Batches of 16 rather than the example's 64: the same
  // parameters, gradients and optimizer state, a quarter of the GEMM time (this case runs under ASan too).
  const soak_test::OneThread one_thread;
  tg::manual_seed(0);
  const auto train_set = soak_test::synthetic_digits(150, 1), test_set = soak_test::synthetic_digits(40, 2);
  tg::data::DataLoader train_loader(train_set, tg::data::DataLoaderOptions().batch_size(16).shuffle(true).seed(0));
  tg::data::DataLoader test_loader(test_set, tg::data::DataLoaderOptions().batch_size(16));
  MNISTClassifier model;
  tg::nn::CrossEntropyLoss criterion(tg::nn::CrossEntropyLossOptions().label_smoothing(0.1));
  tg::optim::Adam<float> optimizer(model->parameters(), tg::optim::AdamOptions(0.001));
  double epoch_loss = 0;
  auto epoch = [&] {
    model->train();
    epoch_loss = 0;
    for (const auto& [images, labels] : train_loader) {
      optimizer.zero_grad();
      auto outputs = model(images);
      auto loss = criterion(outputs, labels);
      loss.backward();
      optimizer.step();
      epoch_loss += loss.item();
    }
    model->eval();
    tg::NoGradGuard no_grad;
    for (const auto& [images, labels] : test_loader) (void)(model(images).argmax(1) == labels).sum().item();
  };

  for (int e = 0; e < 2; ++e) epoch();  // warm-up
  const double warm_loss = epoch_loss;
  std::vector<soak_test::Footprint> readings;
  readings.reserve(3);  // before the warm-up reading: this vector's block is part of the footprint
  const soak_test::Footprint warm = soak_test::footprint();
  for (int i = 0; i < 3; ++i) {
    for (int e = 0; e < 10; ++e) epoch();  // 100 steps
    readings.push_back(soak_test::footprint());
  }
  CHECK(warm.object_pool > 0);
  CHECK(warm.small_buffers > 0);
  CHECK(warm.nodes == 0);  // no graph outlives its step here
  CHECK(epoch_loss < warm_loss);  // 150 random labels are memorised: the loss falls
  soak_test::check_flat(warm, readings);
}
