#pragma once
// The training program shared by mnist_mlp and mnist_cnn: flags, the seed's train/evaluate loops with a progress
// bar, the per-epoch line, the CSV/PNG history, the confusion matrix and the checkpoint. Each example defines its
// model and calls run_mnist(model, args, ...).
//
// Flags: [--epochs N] [--data DIR] [--threads N] [--save FILE] [--seed N] [--device cpu|cuda]
//   --epochs   training epochs
//   --data     folder with the four IDX files (data; scripts/get_mnist.sh DIR writes them)
//   --threads  CPU threads (the library's default when not given)
//   --save     where the trained model goes
//   --seed     seeds the initial weights, dropout and the shuffling (0)
//   --device   where the model and each batch go, as the seeds' `.to(device)` (cpu); cuda needs a program built
//              with -DTENSORGRAD_CUDA=ON (the <name>_cuda executables) and a GPU
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
using Confusion = std::array<std::array<std::int64_t, 10>, 10>;

struct Args {
  int epochs;
  std::string data = "data";
  int threads = 0;  // 0: keep the library's default
  std::string save;
  std::uint64_t seed = 0;
  std::string device = "cpu";
};

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
  return args;
}

/// One line on stderr, redrawn in place: batches done, running loss, ETA.
inline void draw_progress(std::int64_t done, std::int64_t total, double loss, double seconds) {
  const int width = 30;
  const int filled = static_cast<int>(width * done / total);
  const double eta = done > 0 ? seconds / done * (total - done) : 0.0;
  std::fprintf(stderr, "\r  [%s%s] %lld/%lld  loss %.4f  ETA %.1fs ", std::string(filled, '=').c_str(),
               std::string(width - filled, ' ').c_str(), static_cast<long long>(done),
               static_cast<long long>(total), loss, eta);
  std::fflush(stderr);
}

struct EpochResult {
  double train_loss, train_acc, seconds;
};

// Training
template <class Model, class Loader>
EpochResult train_epoch(Model& model, Loader& loader, tg::nn::CrossEntropyLoss& criterion,
                        tg::optim::Adam<float>& optimizer, tg::Device device, bool progress) {
  model->train();
  double total_loss = 0;
  std::int64_t correct = 0, total = 0, batches = 0;
  const auto start = Clock::now();
  for (const auto& [images, labels] : loader) {
    const auto X = images.to(device);
    const auto y = labels.to(device);
    optimizer.zero_grad();
    auto outputs = model(X);
    auto loss = criterion(outputs, y);
    loss.backward();
    optimizer.step();

    total_loss += loss.item();
    auto predicted = outputs.argmax(1);
    total += y.size(0);
    correct += (predicted == y).sum().item();
    ++batches;
    if (progress)
      draw_progress(batches, loader.size(), total_loss / batches,
                    std::chrono::duration<double>(Clock::now() - start).count());
  }
  if (progress) std::fprintf(stderr, "\r%80s\r", "");  // clear the bar before the epoch's line
  return {total_loss / batches, 100.0 * correct / total, std::chrono::duration<double>(Clock::now() - start).count()};
}

// Evaluation: accuracy in percent, and the confusion matrix (rows: true digit, columns: predicted).
template <class Model, class Loader>
double evaluate(Model& model, Loader& loader, tg::Device device, Confusion& confusion) {
  model->eval();
  tg::NoGradGuard no_grad;
  confusion = {};
  std::int64_t correct = 0, total = 0;
  for (const auto& [X, y] : loader) {
    auto predicted = model(X.to(device)).argmax(1).to(tg::kCPU);
    for (std::int64_t i = 0; i < y.size(0); ++i) {
      const std::int64_t truth = y.at({i}), guess = predicted.at({i});
      ++confusion[truth][guess];
      correct += truth == guess;
    }
    total += y.size(0);
  }
  return 100.0 * correct / total;
}

/// Loss and accuracy curves side by side, drawn by gnuplot from the CSV; skipped when gnuplot is absent.
inline void plot_history(const std::string& csv, const std::string& png) {
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

/// Sets up threads and seed, loads the normalised digits, trains `make_model()` with Adam(1e-3) and
/// CrossEntropyLoss(label_smoothing) on shuffled batches of 64, prints one line per epoch, then writes
/// `history`.csv/.png, prints the confusion matrix and saves the model to args.save.
template <class MakeModel>
void run_mnist(const Args& args, const std::string& title, MakeModel make_model, double label_smoothing,
               const std::string& history) {
  // Adam's first moment of a dead ReLU unit decays as 0.9^t and turns subnormal after ~700 steps; x86 computes
  // on subnormals many times slower (MLP throughput fell from ~30,000 to ~12,000 samples/s from epoch 7 on).
  // The flushed values are below 1e-38, so no printed number changes. Set before worker threads start.
  tg::set_flush_denormal(true);
  if (args.threads > 0) tg::set_num_threads(args.threads);
  tg::manual_seed(args.seed);

  // Real digits, scaled to [0, 1] and normalised as transforms.Normalize((0.1307,), (0.3081,)).
  tg::data::MNIST train_dataset(args.data, tg::data::MNIST::Mode::kTrain, /*normalize=*/true);
  tg::data::MNIST test_dataset(args.data, tg::data::MNIST::Mode::kTest, /*normalize=*/true);
  tg::data::DataLoader train_loader(train_dataset,
                                    tg::data::DataLoaderOptions().batch_size(64).shuffle(true).seed(args.seed));
  // Evaluation in batches of 64 as well: the accuracy does not depend on it, and larger batches only raise the
  // peak memory (batches of 1,000 cost 6 MB of activations).
  tg::data::DataLoader test_loader(test_dataset, tg::data::DataLoaderOptions().batch_size(64));

  const tg::Device device(args.device);
  auto model = make_model();
  model->to(device);  // before the optimizer takes the parameters, as in PyTorch
  tg::nn::CrossEntropyLoss criterion(tg::nn::CrossEntropyLossOptions().label_smoothing(label_smoothing));
  tg::optim::Adam<float> optimizer(model->parameters(), tg::optim::AdamOptions(0.001));

  std::cout << title << "\n" << std::string(50, '=') << "\n"
            << "Model: " << model->num_parameters() << " parameters\n"
            << "Data: " << train_dataset.size() << " training / " << test_dataset.size() << " test images from '"
            << args.data << "'\n"
            << "Threads: " << tg::get_num_threads() << "\n"
            << "Device: " << device << "\n";

  const bool progress = isatty(fileno(stderr));
  std::vector<std::array<double, 5>> rows;  // epoch, train_loss, train_acc, test_acc, seconds
  Confusion confusion{};
  double elapsed = 0, train_seconds = 0;
  for (int epoch = 0; epoch < args.epochs; ++epoch) {
    const auto start = Clock::now();
    const EpochResult r = train_epoch(model, train_loader, criterion, optimizer, device, progress);
    const double test_acc = evaluate(model, test_loader, device, confusion);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    elapsed += seconds;
    train_seconds += r.seconds;
    rows.push_back({double(epoch + 1), r.train_loss, r.train_acc, test_acc, seconds});
    std::printf("Epoch %d: Train Loss = %.4f, Train Acc = %.1f%%, Test Acc = %.1f%%, %.0f samples/s, %.2fs elapsed\n",
                epoch + 1, r.train_loss, r.train_acc, test_acc, train_dataset.size() / r.seconds, elapsed);
    std::fflush(stdout);
  }
  std::printf("\nTraining complete! Final test accuracy: %.2f%% after %d epochs in %.2fs (%.2fs training)\n",
              rows.back()[3], args.epochs, elapsed, train_seconds);

  const std::string csv = history + ".csv";
  {
    std::ofstream out(csv);
    out << "epoch,train_loss,train_acc,test_acc,seconds\n";
    for (const auto& h : rows) out << h[0] << ',' << h[1] << ',' << h[2] << ',' << h[3] << ',' << h[4] << '\n';
  }
  std::cout << "Wrote " << csv << "\n";
  plot_history(csv, history + ".png");

  std::cout << "\nConfusion matrix (test set; rows: true digit, columns: predicted)\n     ";
  for (int c = 0; c < 10; ++c) std::printf("%6d", c);
  std::cout << "\n";
  for (int t = 0; t < 10; ++t) {
    std::printf("%4d ", t);
    for (int c = 0; c < 10; ++c) std::printf("%6lld", static_cast<long long>(confusion[t][c]));
    std::cout << "\n";
  }

  model->to(tg::kCPU);  // the checkpoint holds CPU tensors, whatever device trained them
  tg::save(model, args.save);
  std::cout << "\nSaved the model to " << args.save << "\n";
}

}  // namespace mnist_example
