// Beyond the MLP: a small convolutional network on the same real digits, trained exactly like mnist_mlp
// (CrossEntropyLoss with label smoothing 0.1, Adam(lr=0.001), shuffled batches of 64, normalised inputs).
//
//   conv 1->32 3x3, ReLU, maxpool 2      [N, 32, 13, 13]
//   conv 32->64 3x3, ReLU, maxpool 2     [N, 64, 5, 5]
//   Flatten, Linear 1600->128, ReLU, Dropout(0.5), Linear 128->10
//
// The loop is mnist_mlp's with this model; the flags, progress bar, history and confusion matrix come from
// mnist_training.hpp.
//
// Usage: mnist_cnn [--epochs N (10)] [--data DIR (data)] [--threads N] [--save FILE (mnist_cnn.safetensors)]
//                  [--seed N (0)]
// Writes mnist_cnn_history.csv (and .png when gnuplot is installed) in the working directory.
#include "mnist_training.hpp"

using tg::Tensor;
using Loader = tg::data::DataLoader<tg::data::MNIST>;

struct MNISTConvNetImpl : tg::nn::Module {
  tg::nn::Sequential features{nullptr}, classifier{nullptr};
  MNISTConvNetImpl() {
    namespace nn = tg::nn;
    features = register_module("features", nn::Sequential(nn::Conv2d(1, 32, 3), nn::ReLU(), nn::MaxPool2d(2),
                                                          nn::Conv2d(32, 64, 3), nn::ReLU(), nn::MaxPool2d(2)));
    classifier = register_module("classifier", nn::Sequential(nn::Flatten(), nn::Linear(64 * 5 * 5, 128), nn::ReLU(),
                                                              nn::Dropout(0.5), nn::Linear(128, 10)));
  }
  tg::Tensor<float> forward(const tg::Tensor<float>& x) { return classifier(features(x)); }
};
TG_MODULE(MNISTConvNet);

struct EpochResult {
  double loss, accuracy, seconds;
};

// Training
EpochResult train_epoch(MNISTConvNet& model, Loader& loader, tg::nn::CrossEntropyLoss& criterion,
                        tg::optim::Adam<float>& optimizer, tg::Device device) {
  model->train();
  double total_loss = 0;
  std::int64_t correct = 0, total = 0;
  mnist_example::ProgressBar progress(loader.size());
  for (const auto& [images, labels] : loader) {
    const Tensor<float> X = images.to(device);
    const Tensor<std::int64_t> y = labels.to(device);

    optimizer.zero_grad();
    auto outputs = model(X);
    auto loss = criterion(outputs, y);
    loss.backward();
    optimizer.step();

    total_loss += loss.item();
    total += y.size(0);
    correct += (outputs.argmax(1) == y).sum().item();
    progress.step(total_loss);
  }
  return {total_loss / progress.done(), 100.0 * correct / total, progress.seconds()};
}

// Evaluation: accuracy in percent; also fills the confusion matrix printed after training.
double evaluate(MNISTConvNet& model, Loader& loader, tg::Device device, mnist_example::Confusion& confusion) {
  model->eval();
  tg::NoGradGuard no_grad;
  confusion.clear();
  std::int64_t correct = 0, total = 0;
  for (const auto& [X, y] : loader) {
    auto predicted = model(X.to(device)).argmax(1).to(tg::kCPU);
    for (std::int64_t i = 0; i < y.size(0); ++i) {
      const std::int64_t truth = y.at({i}), guess = predicted.at({i});
      confusion.add(truth, guess);
      correct += truth == guess;
    }
    total += y.size(0);
  }
  return 100.0 * correct / total;
}

int main(int argc, char** argv) {
  const auto args = mnist_example::parse_args(argc, argv, /*default_epochs=*/10, "mnist_cnn.safetensors");
  tg::manual_seed(args.seed);

  tg::data::MNIST train_dataset(args.data, tg::data::MNIST::Mode::kTrain, /*normalize=*/true);
  tg::data::MNIST test_dataset(args.data, tg::data::MNIST::Mode::kTest, /*normalize=*/true);
  Loader train_loader(train_dataset, tg::data::DataLoaderOptions().batch_size(64).shuffle(true).seed(args.seed));
  Loader test_loader(test_dataset, tg::data::DataLoaderOptions().batch_size(64));

  const tg::Device device(args.device);
  MNISTConvNet model;
  std::cout << *model << "\n";
  model->to(device);
  tg::nn::CrossEntropyLoss criterion(tg::nn::CrossEntropyLossOptions().label_smoothing(0.1));
  tg::optim::Adam<float> optimizer(model->parameters(), tg::optim::AdamOptions(0.001));

  std::cout << "MNIST ConvNet Training\n" << std::string(50, '=') << "\n"
            << "Model: " << model->num_parameters() << " parameters\n"
            << "Data: " << train_dataset.size() << " training / " << test_dataset.size() << " test images from '"
            << args.data << "'\n"
            << "Threads: " << tg::get_num_threads() << "\n"
            << "Device: " << device << "\n";

  mnist_example::History history("mnist_cnn_history");
  mnist_example::Confusion confusion;
  for (int epoch = 0; epoch < args.epochs; ++epoch) {
    const EpochResult train = train_epoch(model, train_loader, criterion, optimizer, device);
    const double test_acc = evaluate(model, test_loader, device, confusion);
    history.add(epoch + 1, train.loss, train.accuracy, test_acc, train.seconds);
    std::printf("Epoch %d: Train Loss = %.4f, Train Acc = %.1f%%, Test Acc = %.1f%%, %.0f samples/s, %.2fs elapsed\n",
                epoch + 1, train.loss, train.accuracy, test_acc, train_dataset.size() / train.seconds,
                history.elapsed());
    std::fflush(stdout);
  }
  std::printf("\nTraining complete! Final test accuracy: %.2f%% after %d epochs in %.2fs (%.2fs training)\n",
              history.last_test_acc(), args.epochs, history.elapsed(), history.train_seconds());
  history.write();
  confusion.print();

  model->to(tg::kCPU);  // the checkpoint holds CPU tensors, whatever device trained them
  tg::save(model, args.save);
  std::cout << "\nSaved the model to " << args.save << "\n";
}
