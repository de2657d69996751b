// The tutorial "A Real Example: MNIST Classifier", on real handwritten digits: its MNISTClassifier
// (Flatten -> 784-256 ReLU Dropout(0.2) -> 256-128 ReLU Dropout(0.2) -> 128-10) trained with
// CrossEntropyLoss and Adam(lr=0.001) on shuffled batches of 64, in the tutorial's order: data, model, loss and
// optimizer, the training and evaluation functions, the epoch loop; then the model is saved.
//
// Two additions to the tutorial, both standard MNIST practice, lift the 10-epoch test accuracy on the 7,996 /
// 2,004 split from 94.5-95.0% to 95.4-95.9% (seeds 0..6): inputs normalised with MNIST's mean and std,
// and label smoothing 0.1 in the loss (so the printed train loss cannot fall much below ~0.5).
//
// Usage: mnist_mlp [--epochs N (10)] [--data DIR (data)] [--threads N] [--save FILE (mnist_mlp.safetensors)]
//                  [--seed N (0)] [--device cpu|cuda (cpu)]
// mnist_predict reads the saved model. Writes mnist_history.csv (and mnist_history.png when gnuplot is
// installed) in the working directory. The flags, the progress bar, the history and the confusion matrix are
// in mnist_training.hpp; the model is in mnist_classifier.hpp.
#include "mnist_classifier.hpp"
#include "mnist_training.hpp"

using tg::Tensor;
using Loader = tg::data::DataLoader<tg::data::MNIST>;

struct EpochResult {
  double loss, accuracy, seconds;
};

// Training
EpochResult train_epoch(MNISTClassifier& model, Loader& loader, tg::nn::CrossEntropyLoss& criterion,
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
    auto predicted = outputs.argmax(1);
    total += y.size(0);
    correct += (predicted == y).sum().item();
    progress.step(total_loss);
  }
  return {total_loss / progress.done(), 100.0 * correct / total, progress.seconds()};
}

// Evaluation: accuracy in percent; also fills the confusion matrix printed after training.
double evaluate(MNISTClassifier& model, Loader& loader, tg::Device device, mnist_example::Confusion& confusion) {
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
  const auto args = mnist_example::parse_args(argc, argv, /*default_epochs=*/10, "mnist_mlp.safetensors");
  tg::manual_seed(args.seed);

  // Real digits, scaled to [0, 1] and normalised as transforms.Normalize((0.1307,), (0.3081,)).
  tg::data::MNIST train_dataset(args.data, tg::data::MNIST::Mode::kTrain, /*normalize=*/true);
  tg::data::MNIST test_dataset(args.data, tg::data::MNIST::Mode::kTest, /*normalize=*/true);
  Loader train_loader(train_dataset, tg::data::DataLoaderOptions().batch_size(64).shuffle(true).seed(args.seed));
  // Evaluation in batches of 64 as well: the accuracy does not depend on it, and larger batches only raise the
  // peak memory (batches of 1,000 cost 6 MB of activations).
  Loader test_loader(test_dataset, tg::data::DataLoaderOptions().batch_size(64));

  // Setup
  const tg::Device device(args.device);
  MNISTClassifier model;
  model->to(device);  // before the optimizer takes the parameters, as in PyTorch
  tg::nn::CrossEntropyLoss criterion(tg::nn::CrossEntropyLossOptions().label_smoothing(0.1));
  tg::optim::Adam<float> optimizer(model->parameters(), tg::optim::AdamOptions(0.001));

  std::cout << "MNIST Classifier Training\n" << std::string(50, '=') << "\n"
            << "Model: " << model->num_parameters() << " parameters\n"
            << "Data: " << train_dataset.size() << " training / " << test_dataset.size() << " test images from '"
            << args.data << "'\n"
            << "Threads: " << tg::get_num_threads() << "\n"
            << "Device: " << device << "\n";

  mnist_example::History history("mnist_history");
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

  // Saving: the checkpoint holds CPU tensors, whatever device trained them; mnist_predict loads it.
  model->to(tg::kCPU);
  tg::save(model, args.save);
  std::cout << "\nSaved the model to " << args.save << "\n";
}
