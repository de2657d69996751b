// Threads, as the README's Guarantees state them: random ops from several threads on one generator each get a
// whole run of its stream (the generator is never corrupted); one model serves concurrent inference under
// NoGradGuard with bitwise the results of a single thread; separate models train in parallel threads exactly as
// they do one after the other; tensors made on one thread and freed on another leave nothing behind.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <thread>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

namespace {

/// Runs body(i) on `count` threads at once and waits for them.
template <class Body> void on_threads(int count, Body body) {
  std::vector<std::thread> threads;
  for (int i = 0; i < count; ++i) threads.emplace_back([&body, i] { body(i); });
  for (std::thread& t : threads) t.join();
}

/// A small MLP with its own seeded initialisation.
tg::nn::Sequential seeded_mlp(std::uint64_t seed) {
  tg::manual_seed(seed);
  return tg::nn::Sequential(tg::nn::Linear(64, 48), tg::nn::ReLU(), tg::nn::Linear(48, 10));
}

/// 30 Adam steps of `model` on batches drawn from a generator seeded with `seed`; returns the parameters.
std::vector<std::vector<float>> train_mlp(tg::nn::Sequential& model, std::uint64_t seed) {
  tg::Generator data(seed);
  tg::optim::Adam<float> optimizer(model->parameters(), tg::optim::AdamOptions(1e-2));
  for (int step = 0; step < 30; ++step) {
    const tg::Tensor<float> x = tg::randn<float>({32, 64}, data);
    const tg::Tensor<std::int64_t> y = tg::randint(0, 10, {32}, data);
    optimizer.zero_grad();
    tg::nn::functional::cross_entropy(model->forward(x), y).backward();
    optimizer.step();
  }
  std::vector<std::vector<float>> params;
  for (const auto& p : model->parameters()) params.push_back(p.tolist());
  return params;
}

}  // namespace

TEST_CASE("random ops from several threads each take a whole run of the shared generator's stream",
          "[threads][random]") {
  // Each rand() holds the generator's lock for its 257 draws, so the 4 × 50 results are exactly the first 200
  // blocks of the seeded stream, in some order. A race on the generator's state would repeat or garble draws.
  constexpr int kThreads = 4, kOps = 50, kLength = 257;
  tg::manual_seed(123);
  std::vector<std::vector<double>> blocks(kThreads * kOps);
  on_threads(kThreads, [&](int t) {
    for (int i = 0; i < kOps; ++i) blocks[t * kOps + i] = tg::rand<double>({kLength}).tolist();
  });
  tg::Generator reference(123);
  std::vector<std::vector<double>> expected;
  for (int i = 0; i < kThreads * kOps; ++i) expected.push_back(tg::rand<double>({kLength}, reference).tolist());
  std::sort(blocks.begin(), blocks.end());
  std::sort(expected.begin(), expected.end());
  CHECK(blocks == expected);
  // The generator is still the stream's: the next draw is the 201st block.
  CHECK(tg::rand<double>({kLength}).tolist() == tg::rand<double>({kLength}, reference).tolist());

  // Modules built on several threads at once (their initialisation draws from the default generator) get
  // distinct, finite weights.
  std::vector<std::vector<float>> weights(kThreads);
  on_threads(kThreads, [&](int t) { weights[t] = tg::nn::Linear(32, 32)->weight.as<float>().tolist(); });
  for (int a = 0; a < kThreads; ++a) {
    CHECK(std::all_of(weights[a].begin(), weights[a].end(), [](float v) { return std::abs(v) <= 1.0f / std::sqrt(32.0f); }));
    for (int b = a + 1; b < kThreads; ++b) CHECK(weights[a] != weights[b]);
  }
}

TEST_CASE("one model serves concurrent inference with bitwise the single-thread results", "[threads][nn]") {
  tg::nn::Sequential model = seeded_mlp(7);
  model->eval();
  tg::Generator data(8);
  std::vector<tg::Tensor<float>> inputs;
  for (int i = 0; i < 8; ++i) inputs.push_back(tg::randn<float>({256, 64}, data));
  // The reference on a thread of its own too, so every run starts from the same OpenMP settings.
  std::vector<std::vector<float>> expected(inputs.size());
  on_threads(1, [&](int) {
    tg::NoGradGuard no_grad;
    for (std::size_t i = 0; i < inputs.size(); ++i) expected[i] = model->forward(inputs[i]).tolist();
  });
  constexpr int kThreads = 4;
  std::vector<int> mismatches(kThreads, 0);
  on_threads(kThreads, [&](int t) {
    tg::NoGradGuard no_grad;
    for (int round = 0; round < 20; ++round) {
      const std::size_t i = static_cast<std::size_t>(round + t) % inputs.size();
      if (model->forward(inputs[i]).tolist() != expected[i]) ++mismatches[t];
    }
  });
  for (int t = 0; t < kThreads; ++t) CHECK(mismatches[t] == 0);
  // NoGradGuard is per thread: the threads' guards left this thread's autograd on.
  CHECK(tg::is_grad_enabled());
}

TEST_CASE("separate models train in parallel threads exactly as one after the other", "[threads][optim]") {
  constexpr int kModels = 3;
  std::vector<std::vector<std::vector<float>>> sequential(kModels), parallel(kModels);
  on_threads(1, [&](int) {
    for (int m = 0; m < kModels; ++m) {
      tg::nn::Sequential model = seeded_mlp(100 + m);
      sequential[m] = train_mlp(model, 200 + m);
    }
  });
  std::vector<tg::nn::Sequential> models;
  for (int m = 0; m < kModels; ++m) models.push_back(seeded_mlp(100 + m));  // same initial weights
  on_threads(kModels, [&](int m) { parallel[m] = train_mlp(models[m], 200 + m); });
  for (int m = 0; m < kModels; ++m) CHECK(parallel[m] == sequential[m]);
}

TEST_CASE("tensors made on one thread and freed on another leave no tensor alive and the caches bounded",
          "[threads][memory]") {
  const std::int64_t impls = tg::detail::live_objects<tg::detail::TensorImpl>();
  for (int round = 0; round < 20; ++round) {
    std::vector<tg::Tensor<float>> made;
    // Small buffers (the per-thread caches) and large ones (the shared cache), with graphs attached.
    on_threads(1, [&](int) {
      for (int i = 0; i < 64; ++i) {
        const tg::Tensor<float> a = tg::ones<float>({i % 2 ? 8 : 40000}).requires_grad_();
        made.push_back((a * 2.0f).sum());
        made.push_back(a);
      }
    });
    on_threads(1, [&](int) {
      for (std::size_t i = 0; i < made.size(); i += 2) made[i].backward();
      made.clear();  // freed on a thread other than the one that made them
    });
  }
  CHECK(tg::detail::live_objects<tg::detail::TensorImpl>() == impls);
  CHECK(tg::detail::CpuAllocator::instance().cached_bytes() <= tg::detail::CpuAllocator::kMaxCachedBytes);
}
