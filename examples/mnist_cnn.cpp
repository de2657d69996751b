// Beyond the MLP: a small convolutional network on the same real digits, trained exactly like mnist_mlp
// (CrossEntropyLoss with label smoothing 0.1, Adam(lr=0.001), shuffled batches of 64, normalised inputs).
//
//   conv 1->32 3x3, ReLU, maxpool 2      [N, 32, 13, 13]
//   conv 32->64 3x3, ReLU, maxpool 2     [N, 64, 5, 5]
//   Flatten, Linear 1600->128, ReLU, Dropout(0.5), Linear 128->10
//
// Usage: mnist_cnn [--epochs N (10)] [--data DIR (data)] [--threads N] [--save FILE (mnist_cnn.safetensors)]
//                  [--seed N (0)]
// Writes mnist_cnn_history.csv (and .png when gnuplot is installed) in the working directory.
#include "mnist_training.hpp"

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

int main(int argc, char** argv) {
  const auto args = mnist_example::parse_args(argc, argv, 10, "mnist_cnn.safetensors");
  mnist_example::run_mnist(
      args, "MNIST ConvNet Training",
      [] {
        MNISTConvNet model;
        std::cout << *model << "\n";
        return model;
      },
      /*label_smoothing=*/0.1, "mnist_cnn_history");
}
