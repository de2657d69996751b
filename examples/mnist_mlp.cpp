// Seed 002, "A Real Example: MNIST Classifier", on real handwritten digits: the seeds' MNISTClassifier
// (Flatten -> 784-256 ReLU Dropout(0.2) -> 256-128 ReLU Dropout(0.2) -> 128-10) trained with
// CrossEntropyLoss and Adam(lr=0.001) on shuffled batches of 64.
//
// Two additions to the seed, both standard MNIST practice, lift the 10-epoch test accuracy on the 7,996 /
// 2,004 split from 94.5-95.0% to 95.4-95.9% (seeds 0..6): inputs normalised with MNIST's mean and std,
// and label smoothing 0.1 in the loss (so the printed train loss cannot fall much below ~0.5).
//
// Usage: mnist_mlp [--epochs N (10)] [--data DIR (data)] [--threads N] [--save FILE (mnist_mlp.safetensors)]
//                  [--seed N (0)]
// mnist_predict reads the saved model. Writes mnist_history.csv (and mnist_history.png when gnuplot is
// installed) in the working directory. The training program itself is in mnist_training.hpp.
#include "mnist_classifier.hpp"
#include "mnist_training.hpp"

int main(int argc, char** argv) {
  const auto args = mnist_example::parse_args(argc, argv, 10, "mnist_mlp.safetensors");
  mnist_example::run_mnist(
      args, "MNIST Classifier Training", [] { return MNISTClassifier(); }, /*label_smoothing=*/0.1, "mnist_history");
}
