#pragma once
// What mnist_mlp and mnist_cnn share beyond the tutorial's training loop, which each of them spells out: the
// command-line flags, the runtime settings they imply, a progress bar, the per-epoch history (CSV, and a PNG when
// gnuplot is installed) and the test set's confusion matrix.
//
// Flags: [--epochs N] [--data DIR] [--threads N] [--save FILE] [--seed N] [--device cpu|cuda]
//   --epochs   training epochs
//   --data     folder with the four IDX files (data; scripts/get_mnist.sh DIR writes them)
//   --threads  CPU threads (the library's default when not given)
//   --save     where the trained model goes
//   --seed     seeds the initial weights, dropout and the shuffling (0)
//   --device   where the model and each batch go, as the tutorial's `.to(device)` (cpu); cuda needs a program
//              built with -DTENSORGRAD_CUDA=ON (the <name>_cuda executables) and a GPU
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

namespace mnist_example {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Args {
  int epochs;
  std::string data = "data";
  int threads = 0;  // 0: keep the library's default
  std::string save;
  std::uint64_t seed = 0;
  std::string device = "cpu";
};

/// Parses the flags above (exits with the usage line on a bad one), then applies the runtime settings they and
/// the examples need: the thread count, and denormals flushed to zero.
inline Args parse_args(int argc, char** argv, int default_epochs, const std::string& default_save) {
  Args args;
  args.epochs = default_epochs;
  args.save = default_save;
  auto usage = [&] {
    std::fprintf(stderr, "usage: %s [--epochs N] [--data DIR] [--threads N] [--save FILE] [--seed N] [--device D]\n",
                 argv[0]);
    std::exit(2);
  };
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage();
    const char* value = argv[++i];
    if (flag == "--epochs") args.epochs = std::atoi(value);
    else if (flag == "--data") args.data = value;
    else if (flag == "--threads") args.threads = std::atoi(value);
    else if (flag == "--save") args.save = value;
    else if (flag == "--seed") args.seed = std::strtoull(value, nullptr, 10);
    else if (flag == "--device") args.device = value;
    else usage();
  }
  if (args.epochs < 1 || args.threads < 0) usage();
  try {
    if (tg::Device(args.device).is_cuda() && !tg::cuda::is_available()) {
      std::fprintf(stderr, "--device %s: no CUDA device can be used (tg::cuda::device_count() == 0: this program was "
                   "built without the CUDA backend, or there is no GPU)\n",
                   args.device.c_str());
      std::exit(2);
    }
  } catch (const tg::Error& e) {
    std::fprintf(stderr, "--device: %s\n", e.what());
    usage();
  }
  // Adam's first moment of a dead ReLU unit decays as 0.9^t and turns subnormal after ~700 steps; x86 computes
  // on subnormals many times slower (MLP throughput fell from ~30,000 to ~12,000 samples/s from epoch 7 on).
  // The flushed values are below 1e-38, so no printed number changes. Set before worker threads start.
  tg::set_flush_denormal(true);
  if (args.threads > 0) tg::set_num_threads(args.threads);
  return args;
}

/// A progress line on stderr, redrawn in place after each batch (batches done, running loss, ETA) and cleared at
/// the end of the epoch; silent when stderr is not a terminal, so logs hold only the epoch lines.
class ProgressBar {
 public:
  explicit ProgressBar(std::int64_t total) : total_(total), enabled_(isatty(fileno(stderr))) {}
  ~ProgressBar() {
    if (enabled_) std::fprintf(stderr, "\r%80s\r", "");
  }
  /// One more batch done; `loss_sum` is the sum of the losses so far.
  void step(double loss_sum) {
    ++done_;
    if (!enabled_) return;
    const int width = 30;
    const int filled = static_cast<int>(width * done_ / total_);
    const double seconds = seconds_since(start_);
    const double eta = seconds / done_ * (total_ - done_);
    std::fprintf(stderr, "\r  [%s%s] %lld/%lld  loss %.4f  ETA %.1fs ", std::string(filled, '=').c_str(),
                 std::string(width - filled, ' ').c_str(), static_cast<long long>(done_),
                 static_cast<long long>(total_), loss_sum / done_, eta);
    std::fflush(stderr);
  }
  std::int64_t done() const { return done_; }
  double seconds() const { return seconds_since(start_); }

 private:
  std::int64_t total_, done_ = 0;
  bool enabled_;
  Clock::time_point start_ = Clock::now();
};

/// The test set's confusion matrix (rows: true digit, columns: predicted).
struct Confusion {
  std::array<std::array<std::int64_t, 10>, 10> counts{};
  void clear() { counts = {}; }
  void add(std::int64_t truth, std::int64_t guess) { ++counts[truth][guess]; }
  void print() const {
    std::cout << "\nConfusion matrix (test set; rows: true digit, columns: predicted)\n     ";
    for (int c = 0; c < 10; ++c) std::printf("%6d", c);
    std::cout << "\n";
    for (int t = 0; t < 10; ++t) {
      std::printf("%4d ", t);
      for (int c = 0; c < 10; ++c) std::printf("%6lld", static_cast<long long>(counts[t][c]));
      std::cout << "\n";
    }
  }
};

/// One row per epoch, timed from the History's construction (or the previous row) to add(); write() puts them
/// in `name`.csv and plots them to `name`.png.
class History {
 public:
  explicit History(std::string name) : name_(std::move(name)) {}

  /// Records an epoch and returns its wall time (training and evaluation).
  double add(int epoch, double train_loss, double train_acc, double test_acc, double train_seconds) {
    const double seconds = seconds_since(mark_);
    mark_ = Clock::now();
    elapsed_ += seconds;
    train_seconds_ += train_seconds;
    rows_.push_back({double(epoch), train_loss, train_acc, test_acc, seconds});
    return seconds;
  }
  double elapsed() const { return elapsed_; }
  double train_seconds() const { return train_seconds_; }
  double last_test_acc() const { return rows_.back()[3]; }

  void write() const {
    const std::string csv = name_ + ".csv";
    {
      std::ofstream out(csv);
      out << "epoch,train_loss,train_acc,test_acc,seconds\n";
      for (const auto& h : rows_) out << h[0] << ',' << h[1] << ',' << h[2] << ',' << h[3] << ',' << h[4] << '\n';
    }
    std::cout << "Wrote " << csv << "\n";
    plot(csv, name_ + ".png");
  }

 private:
  /// Loss and accuracy curves side by side, drawn by gnuplot from the CSV; skipped when gnuplot is absent.
  static void plot(const std::string& csv, const std::string& png) {
    if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
      std::cout << "gnuplot not found: skipped " << png << " (the numbers are in " << csv << ")\n";
      return;
    }
    const std::string script = png + ".gp";
    {
      std::ofstream gp(script);
      gp << "set terminal png size 1000,400\n"
         << "set output '" << png << "'\n"
         << "set datafile separator ','\n"
         << "set key autotitle columnhead\n"
         << "set grid\nset xlabel 'epoch'\n"
         << "set multiplot layout 1,2\n"
         << "set title 'Training loss'\nset ylabel 'cross-entropy'\n"
         << "plot '" << csv << "' using 1:2 with linespoints lw 2 title 'train loss'\n"
         << "set title 'Accuracy'\nset ylabel '%'\nset key bottom right\n"
         << "plot '" << csv << "' using 1:3 with linespoints lw 2 title 'train', "
         << "'' using 1:4 with linespoints lw 2 title 'test'\n"
         << "unset multiplot\n";
    }
    const int status = std::system(("gnuplot '" + script + "'").c_str());
    std::remove(script.c_str());
    if (status == 0) std::cout << "Wrote " << png << "\n";
    else std::cout << "gnuplot failed (status " << status << "): no " << png << "\n";
  }

  std::string name_;
  std::vector<std::array<double, 5>> rows_;  // epoch, train_loss, train_acc, test_acc, seconds
  double elapsed_ = 0, train_seconds_ = 0;
  Clock::time_point mark_ = Clock::now();
};

}  // namespace mnist_example
