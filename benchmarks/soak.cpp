// Soak run: long training stays flat. A leak of one small block per step is invisible in a 1,000-step test and
// fatal in an hour of training, so this program trains for a long time and prints, at ~20 checkpoints, what
// would grow: the process's resident memory, the heap bytes malloc has handed out, the live tensor impls and
// graph nodes (core/live_counter.hpp, compiled in for this program), and the bytes held by the allocator caches
// (core/pool.hpp, core/storage.hpp). It ends with a verdict comparing the last checkpoint against the first one
// after warm-up, and exits with status 1 when anything grew past its bound. tests/test_soak.cpp is the short
// version that ctest runs.
//
//   soak xor [--steps N]            # the XORNet of examples/xor.cpp (2-8-1 ReLU, BCEWithLogitsLoss, Adam 0.05),
//                                   # its DataLoader loop (batch 4, shuffled), N steps (default 1,000,000)
//   soak mnist [--epochs E] [--data DIR]
//                                   # the loop of examples/mnist_mlp.cpp (MNISTClassifier with dropout, label
//                                   # smoothing 0.1, Adam 1e-3, shuffled batches of 64, an evaluation pass on the
//                                   # test set at each checkpoint), E epochs (default 2,000) of the digits in DIR
//                                   # (default data); synthetic digits when DIR has none; prints how many hours
//                                   # of training at PyTorch's rate the run's steps are
//   ... --threads N                 # CPU threads (tg::set_num_threads), default 1: see below
//   ... --max-rss-growth-kib K      # the RSS bound of the verdict (default 1024 for xor, 4096 for mnist)
//
// One thread by default: the small-object pool and the small-buffer cache are per thread, and the cache columns
// can only read the calling thread's lists, so with one thread they cover every cache; and on a shared machine
// OpenMP's spinning workers make a 2-thread run up to 20x slower when another process holds a core. With
// --threads 2 the workers' own lists are invisible here, but the RSS and heap columns still cover them.
#ifndef TENSORGRAD_COUNT_OBJECTS
#error "benchmarks/CMakeLists.txt defines TENSORGRAD_COUNT_OBJECTS for soak"
#endif

#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../examples/mnist_classifier.hpp"

namespace nn = tg::nn;
using tg::Tensor;

namespace {

// Samples per second of PyTorch's MNIST MLP training step at batch 64 (benchmarks/RESULTS.md, the fair
// comparison): the yardstick for "an hour of training".
constexpr double kPyTorchMnistSamplesPerSecond = 15500;
constexpr std::int64_t kMnistBatch = 64;

// Heap growth beyond this fails the verdict: a leak of one 16-byte block per 100 steps shows after 400,000 steps.
// The heap figure may move by a few chunks with nothing leaked (mallinfo2 counts the free chunks in a thread's
// tcache as in use), so it gets a bound, not equality.
constexpr long long kMaxHeapGrowthBytes = 64 << 10;

/// What a leak would make grow, read at one checkpoint.
struct Checkpoint {
  std::int64_t step = 0;
  long long rss_kib = -1;   // current resident set (/proc/self/statm), not the peak
  long long heap_bytes = 0;  // glibc's bytes in use: arena chunks in use plus mmapped chunks (mallinfo2)
  std::int64_t impls = 0, nodes = 0;
  std::size_t object_pool = 0, small_buffers = 0, large_cache = 0;
  double loss = 0;
};

long long current_rss_kib() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return -1;
  long long size = 0, resident = -1;
  if (std::fscanf(f, "%lld %lld", &size, &resident) != 2) resident = -1;
  std::fclose(f);
  return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

long long heap_in_use() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
  const struct mallinfo2 m = mallinfo2();
  return static_cast<long long>(m.uordblks + m.hblkhd);
#else
  return 0;  // no mallinfo2: the heap column stays 0 and only the other columns are judged
#endif
}

Checkpoint read_checkpoint(std::int64_t step, double loss) {
  Checkpoint c;
  c.step = step;
  c.rss_kib = current_rss_kib();
  c.heap_bytes = heap_in_use();
  c.impls = tg::detail::live_objects<tg::detail::TensorImpl>();
  c.nodes = tg::detail::live_objects<tg::autograd::Node>();
  c.object_pool = tg::detail::SmallObjectPool::cached_bytes();
  c.small_buffers = tg::detail::CpuAllocator::SmallBuffers::cached_bytes();
  c.large_cache = tg::detail::CpuAllocator::instance().cached_bytes();
  c.loss = loss;
  return c;
}

void print_header() {
  std::printf("%-8s %10s %9s %11s %6s %6s %10s %10s %10s %10s\n", "", "step", "rss_KiB", "heap_B", "impls", "nodes",
              "pool_B", "smallbuf_B", "largebuf_B", "loss");
  std::fflush(stdout);
}

void print_row(const char* label, const Checkpoint& c, const char* extra = "") {
  std::printf("%-8s %10" PRId64 " %9lld %11lld %6" PRId64 " %6" PRId64 " %10zu %10zu %10zu %10.4g%s\n", label, c.step,
              c.rss_kib, c.heap_bytes, c.impls, c.nodes, c.object_pool, c.small_buffers, c.large_cache, c.loss, extra);
  std::fflush(stdout);
}

/// The last checkpoint against the first after warm-up: 0 when flat, 1 when anything grew past its bound.
int verdict(const Checkpoint& warm, const Checkpoint& last, long long max_rss_growth_kib) {
  const long long rss_growth = last.rss_kib - warm.rss_kib, heap_growth = last.heap_bytes - warm.heap_bytes;
  const bool rss_ok = warm.rss_kib >= 0 && rss_growth <= max_rss_growth_kib;
  const bool heap_ok = heap_growth <= kMaxHeapGrowthBytes;
  const bool live_ok = last.impls == warm.impls && last.nodes == warm.nodes;
  const bool caches_ok = last.object_pool <= warm.object_pool && last.small_buffers <= warm.small_buffers &&
                         last.large_cache <= warm.large_cache;
  const bool ok = rss_ok && heap_ok && live_ok && caches_ok;
  std::printf("verdict: %s: steps %" PRId64 " -> %" PRId64 "; RSS %+lld KiB (bound %lld KiB)%s; heap %+lld B (bound %lld B)%s; "
              "live impls %" PRId64 " -> %" PRId64 ", nodes %" PRId64 " -> %" PRId64 "%s; caches pool %zu -> %zu, "
              "small buffers %zu -> %zu, large buffers %zu -> %zu B%s\n",
              ok ? "FLAT" : "GROWING", warm.step, last.step, rss_growth, max_rss_growth_kib, rss_ok ? "" : " FAIL",
              heap_growth, kMaxHeapGrowthBytes, heap_ok ? "" : " FAIL", warm.impls, last.impls, warm.nodes, last.nodes,
              live_ok ? "" : " FAIL", warm.object_pool, last.object_pool, warm.small_buffers, last.small_buffers,
              warm.large_cache, last.large_cache, caches_ok ? "" : " FAIL");
  return ok ? 0 : 1;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int soak_xor(std::int64_t steps, long long max_rss_growth_kib) {
  // Warm-up: the first steps fill the caches and make Adam's state; 20 checkpoints follow it.
  const std::int64_t warmup = std::min<std::int64_t>(1000, std::max<std::int64_t>(1, steps / 20));
  tg::manual_seed(0);
  const auto x = tg::tensor<float>({{0, 0}, {0, 1}, {1, 0}, {1, 1}});
  const auto y = tg::tensor<float>({{0}, {1}, {1}, {0}});
  tg::data::TensorDataset<float, float> dataset(x, y);
  tg::data::DataLoader loader(dataset, tg::data::DataLoaderOptions().batch_size(4).shuffle(true).seed(0));
  nn::Sequential model(nn::Linear(2, 8), nn::ReLU(), nn::Linear(8, 1));
  nn::BCEWithLogitsLoss criterion;
  tg::optim::Adam<float> optimizer(model->parameters(), tg::optim::AdamOptions(0.05));

  std::printf("soak xor: XORNet 2-8-1 (%" PRId64 " parameters), BCEWithLogitsLoss, Adam(0.05), batch 4 shuffled, "
              "%" PRId64 " steps, warm-up %" PRId64 ", threads: %d\n",
              model->num_parameters(), steps, warmup, tg::get_num_threads());
  print_header();
  print_row("start", read_checkpoint(0, 0));

  Tensor<float> loss;  // the last step's loss stays alive between steps, as in examples/xor.cpp
  Checkpoint warm, last;
  std::int64_t next = 1;  // the next of the 20 checkpoints
  const auto t0 = std::chrono::steady_clock::now();
  for (std::int64_t step = 1; step <= steps; ++step) {
    for (const auto& [inputs, labels] : loader) {
      auto outputs = model(inputs);
      loss = criterion(outputs, labels);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
    }
    const bool is_warmup = step == warmup, is_checkpoint = next <= 20 && step >= steps * next / 20;
    if (!is_warmup && !is_checkpoint) continue;
    const Checkpoint c = read_checkpoint(step, loss.item());
    print_row(is_warmup ? "warm-up" : "", c);
    if (is_warmup) warm = c;
    if (is_checkpoint) last = c;
    while (next <= 20 && step >= steps * next / 20) ++next;
  }
  const double seconds = seconds_since(t0);
  std::printf("%" PRId64 " steps in %.1f s (%.2f us per step, checkpoints included)\n", steps, seconds,
              1e6 * seconds / steps);
  return verdict(warm, last, max_rss_growth_kib);
}

/// Fraction of `loader`'s samples that `model` classifies right, under NoGradGuard in eval mode (as
/// examples/mnist_mlp.cpp evaluates).
template <class Loader> double test_accuracy(MNISTClassifier& model, Loader& loader) {
  model->eval();
  tg::NoGradGuard no_grad;
  std::int64_t correct = 0, total = 0;
  for (const auto& [images, labels] : loader) {
    correct += (model(images).argmax(1) == labels).sum().item();
    total += labels.size(0);
  }
  model->train();
  return total > 0 ? double(correct) / double(total) : 0.0;
}

template <class Dataset>
int soak_mnist(const Dataset& train, const Dataset& test, int epochs, long long max_rss_growth_kib) {
  tg::set_flush_denormal(true);  // as examples/mnist_training.hpp: Adam's dead-unit moments would go subnormal
  tg::manual_seed(0);
  tg::data::DataLoader train_loader(train,
                                    tg::data::DataLoaderOptions().batch_size(kMnistBatch).shuffle(true).seed(0));
  tg::data::DataLoader test_loader(test, tg::data::DataLoaderOptions().batch_size(kMnistBatch));
  MNISTClassifier model;
  nn::CrossEntropyLoss criterion(nn::CrossEntropyLossOptions().label_smoothing(0.1));
  tg::optim::Adam<float> optimizer(model->parameters(), tg::optim::AdamOptions(0.001));
  const std::int64_t steps_per_epoch = train_loader.size();
  std::printf("soak mnist: MNISTClassifier (%" PRId64 " parameters, dropout 0.2), CrossEntropyLoss (label "
              "smoothing 0.1), Adam(1e-3), %lld train / %lld test images, batch %lld shuffled (%lld steps per "
              "epoch), %d epochs, warm-up 1 epoch, threads: %d\n",
              model->num_parameters(), (long long)train.size(), (long long)test.size(), (long long)kMnistBatch,
              (long long)steps_per_epoch, epochs, tg::get_num_threads());
  print_header();
  print_row("start", read_checkpoint(0, 0));

  Checkpoint warm, last;
  int next = 1;  // the next of the 20 checkpoints, each at the end of an epoch
  std::int64_t step = 0, samples = 0;
  char accuracy[64];
  const auto t0 = std::chrono::steady_clock::now();
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    // The training loop of examples/mnist_mlp.cpp, its per-step loss and accuracy reads included.
    double total_loss = 0;
    std::int64_t correct = 0;
    for (const auto& [images, labels] : train_loader) {
      optimizer.zero_grad();
      auto outputs = model(images);
      auto loss = criterion(outputs, labels);
      loss.backward();
      optimizer.step();
      total_loss += loss.item();
      correct += (outputs.argmax(1) == labels).sum().item();
      ++step;
      samples += labels.size(0);
    }
    const bool is_warmup = epoch == 1, is_checkpoint = next <= 20 && epoch >= std::int64_t(epochs) * next / 20;
    if (!is_warmup && !is_checkpoint) continue;
    // Evaluation before the reading, so that every checkpoint (the warm-up one included) follows one.
    std::snprintf(accuracy, sizeof accuracy, "  train acc %.4f  test acc %.4f", double(correct) / double(train.size()),
                  test_accuracy(model, test_loader));
    const Checkpoint c = read_checkpoint(step, total_loss / double(steps_per_epoch));
    print_row(is_warmup ? "warm-up" : "", c, accuracy);
    if (is_warmup) warm = c;
    if (is_checkpoint) last = c;
    while (next <= 20 && epoch >= std::int64_t(epochs) * next / 20) ++next;
  }
  const double seconds = seconds_since(t0);
  const double hour_steps = 3600.0 * double(step) / seconds;
  std::printf("%" PRId64 " steps (%.1fM samples) in %.1f s: %.0f steps/s (evaluations included); an hour of this loop "
              "at this rate is %.0f steps (--epochs %.0f)\n",
              step, double(samples) / 1e6, seconds, double(step) / seconds, hour_steps, hour_steps / double(steps_per_epoch));
  const double pytorch_hour_epochs = 3600.0 * kPyTorchMnistSamplesPerSecond / double(kMnistBatch) / double(steps_per_epoch);
  std::printf("equivalent: these steps are %.2f h (%.0f min) of training at PyTorch's %.0f samples/s for this MLP at "
              "batch 64 (benchmarks/RESULTS.md); one such hour is --epochs %.0f\n",
              double(samples) / kPyTorchMnistSamplesPerSecond / 3600.0, double(samples) / kPyTorchMnistSamplesPerSecond / 60.0,
              kPyTorchMnistSamplesPerSecond, pytorch_hour_epochs);
  return verdict(warm, last, max_rss_growth_kib);
}

/// Random images (normalised-looking, N(0, 1)) with random labels, the size of data/'s split, for a machine
/// without the digits: the memory behaviour of the loop is the same, only the loss falls more slowly.
tg::data::TensorDataset<float, std::int64_t> synthetic_digits(std::int64_t n, std::uint64_t seed) {
  tg::Generator gen(seed);
  return {tg::randn<float>({n, 1, 28, 28}, gen), tg::randint<std::int64_t>(0, 10, {n}, gen)};
}

bool has_mnist(const std::string& dir) {
  for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                           "t10k-labels-idx1-ubyte"})
    if (!std::filesystem::is_regular_file(std::filesystem::path(dir) / name)) return false;
  return true;
}

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s xor [--steps N] | mnist [--epochs E] [--data DIR]   [--threads N] "
               "[--max-rss-growth-kib K]\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(argv[0]);
  const std::string mode = argv[1];
  if (mode != "xor" && mode != "mnist") return usage(argv[0]);
  std::int64_t steps = 1000000;
  int epochs = 2000;  // 250,000 steps: a few minutes here, 0.29 h at PyTorch's rate (printed at the end)
  std::string data = "data";
  long long max_rss_growth_kib = mode == "xor" ? 1024 : 4096;
  tg::set_num_threads(1);
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage(argv[0]);
    const char* value = argv[++i];
    if (a == "--steps" && mode == "xor") steps = std::atoll(value);
    else if (a == "--epochs" && mode == "mnist") epochs = std::atoi(value);
    else if (a == "--data" && mode == "mnist") data = value;
    else if (a == "--threads") tg::set_num_threads(std::atoi(value));
    else if (a == "--max-rss-growth-kib") max_rss_growth_kib = std::atoll(value);
    else return usage(argv[0]);
  }
  if (steps < 1 || epochs < 1) return usage(argv[0]);
  try {
    if (mode == "xor") return soak_xor(steps, max_rss_growth_kib);
    if (has_mnist(data)) {
      const tg::data::MNIST train(data, tg::data::MNIST::Mode::kTrain, /*normalize=*/true);
      const tg::data::MNIST test(data, tg::data::MNIST::Mode::kTest, /*normalize=*/true);
      return soak_mnist(train, test, epochs, max_rss_growth_kib);
    }
    std::printf("soak mnist: no MNIST IDX files in '%s' (scripts/get_mnist.sh %s writes them): synthetic digits "
                "instead\n",
                data.c_str(), data.c_str());
    return soak_mnist(synthetic_digits(7996, 1), synthetic_digits(2004, 2), epochs, max_rss_growth_kib);
  } catch (const tg::Error& e) {
    std::fprintf(stderr, "soak %s: %s\n", mode.c_str(), e.what());
    return 1;
  }
}
