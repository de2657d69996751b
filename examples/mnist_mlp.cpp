// Seed 002, "A Real Example: MNIST Classifier", on real handwritten digits: the seeds' MNISTClassifier
// (Flatten -> 784-256 ReLU Dropout(0.2) -> 256-128 ReLU Dropout(0.2) -> 128-10) trained with
// CrossEntropyLoss and Adam(lr=0.001) on shuffled batches of 64.
//
// Two additions to the seed, both standard MNIST practice, lift the 10-epoch test accuracy on the 7,996 /
// 2,004 split from 94.5-95.0% to 95.4-95.9% (seeds 0..6): inputs normalised with MNIST's mean and std,
// and label smoothing 0.1 in the loss (so the printed train loss cannot fall much below ~0.5).
//
// Usage: mnist_mlp [--epochs N] [--data DIR] [--threads N] [--save FILE] [--seed N]
//   --epochs   training epochs (10)
//   --data     folder with the four IDX files (data; scripts/get_mnist.sh DIR writes them)
//   --threads  CPU threads (the library's default when not given)
//   --save     where the trained model goes (mnist_mlp.safetensors); mnist_predict reads it
//   --seed     seeds the initial weights, dropout and the shuffling (0)
// Writes mnist_history.csv (and mnist_history.png when gnuplot is installed) in the working directory.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "mnist_classifier.hpp"

namespace nn = tg::nn;
using tg::Tensor;
using Clock = std::chrono::steady_clock;

struct Args {
  int epochs = 10;
  std::string data = "data";
  int threads = 0;  // 0: keep the library's default
  std::string save = "mnist_mlp.safetensors";
  std::uint64_t seed = 0;
};

Args parse_args(int argc, char** argv) {
  Args args;
  auto usage = [&] {
    std::fprintf(stderr, "usage: %s [--epochs N] [--data DIR] [--threads N] [--save FILE] [--seed N]\n", argv[0]);
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
    else usage();
  }
  if (args.epochs < 1 || args.threads < 0) usage();
  return args;
}

/// One line on stderr, redrawn in place: batches done, running loss, ETA.
void draw_progress(std::int64_t done, std::int64_t total, double loss, double seconds) {
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
template <class Loader>
EpochResult train_epoch(MNISTClassifier& model, Loader& loader, nn::CrossEntropyLoss& criterion,
                        tg::optim::Adam<float>& optimizer, bool progress) {
  model->train();
  double total_loss = 0;
  std::int64_t correct = 0, total = 0, batches = 0;
  const auto start = Clock::now();
  for (const auto& [X, y] : loader) {
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
template <class Loader>
double evaluate(MNISTClassifier& model, Loader& loader, std::array<std::array<std::int64_t, 10>, 10>& confusion) {
  model->eval();
  tg::NoGradGuard no_grad;
  confusion = {};
  std::int64_t correct = 0, total = 0;
  for (const auto& [X, y] : loader) {
    auto predicted = model(X).argmax(1);
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
void plot_history(const std::string& csv, const std::string& png) {
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

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  // Adam's first moment of a dead ReLU unit decays as 0.9^t and turns subnormal after ~700 steps; x86 computes
  // on subnormals many times slower (throughput fell from ~30,000 to ~12,000 samples/s from epoch 7 on). The
  // flushed values are below 1e-38, so no printed number changes. Set before worker threads start.
  tg::set_flush_denormal(true);
  if (args.threads > 0) tg::set_num_threads(args.threads);
  tg::manual_seed(args.seed);

  // Real digits, scaled to [0, 1] and normalised as transforms.Normalize((0.1307,), (0.3081,)).
  tg::data::MNIST train_dataset(args.data, tg::data::MNIST::Mode::kTrain, /*normalize=*/true);
  tg::data::MNIST test_dataset(args.data, tg::data::MNIST::Mode::kTest, /*normalize=*/true);
  tg::data::DataLoader train_loader(train_dataset,
                                    tg::data::DataLoaderOptions().batch_size(64).shuffle(true).seed(args.seed));
  tg::data::DataLoader test_loader(test_dataset, tg::data::DataLoaderOptions().batch_size(1000));

  MNISTClassifier model;
  nn::CrossEntropyLoss criterion(nn::CrossEntropyLossOptions().label_smoothing(0.1));
  tg::optim::Adam<float> optimizer(model->parameters(), tg::optim::AdamOptions(0.001));

  std::cout << "MNIST Classifier Training\n" << std::string(50, '=') << "\n"
            << "Model: " << model->num_parameters() << " parameters\n"
            << "Data: " << train_dataset.size() << " training / " << test_dataset.size() << " test images from '"
            << args.data << "'\n"
            << "Threads: " << tg::get_num_threads() << "\n";

  const bool progress = isatty(fileno(stderr));
  std::vector<std::array<double, 5>> history;  // epoch, train_loss, train_acc, test_acc, seconds
  std::array<std::array<std::int64_t, 10>, 10> confusion{};
  double elapsed = 0, train_seconds = 0;
  for (int epoch = 0; epoch < args.epochs; ++epoch) {
    const auto start = Clock::now();
    const EpochResult r = train_epoch(model, train_loader, criterion, optimizer, progress);
    const double test_acc = evaluate(model, test_loader, confusion);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    elapsed += seconds;
    train_seconds += r.seconds;
    history.push_back({double(epoch + 1), r.train_loss, r.train_acc, test_acc, seconds});
    std::printf("Epoch %d: Train Loss = %.4f, Train Acc = %.1f%%, Test Acc = %.1f%%, %.0f samples/s, %.2fs elapsed\n",
                epoch + 1, r.train_loss, r.train_acc, test_acc, train_dataset.size() / r.seconds, elapsed);
    std::fflush(stdout);
  }
  std::printf("\nTraining complete! Final test accuracy: %.2f%% after %d epochs in %.2fs (%.2fs training)\n",
              history.back()[3], args.epochs, elapsed, train_seconds);

  {
    std::ofstream csv("mnist_history.csv");
    csv << "epoch,train_loss,train_acc,test_acc,seconds\n";
    for (const auto& h : history) csv << h[0] << ',' << h[1] << ',' << h[2] << ',' << h[3] << ',' << h[4] << '\n';
  }
  std::cout << "Wrote mnist_history.csv\n";
  plot_history("mnist_history.csv", "mnist_history.png");

  std::cout << "\nConfusion matrix (test set; rows: true digit, columns: predicted)\n     ";
  for (int c = 0; c < 10; ++c) std::printf("%6d", c);
  std::cout << "\n";
  for (int t = 0; t < 10; ++t) {
    std::printf("%4d ", t);
    for (int c = 0; c < 10; ++c) std::printf("%6lld", static_cast<long long>(confusion[t][c]));
    std::cout << "\n";
  }

  tg::save(model, args.save);
  std::cout << "\nSaved the model to " << args.save << "\n";
}
