#pragma once
// The MNISTClassifier of the tutorial "A Real Example: MNIST Classifier": Flatten, then Linear/ReLU/Dropout(0.2)
// twice and Linear(128, 10).
// One definition for mnist_mlp (which trains and saves it), mnist_predict (which loads that checkpoint: names and
// shapes must match), module_tour, the benchmark and the tests.
#include <tensorgrad/tensorgrad.hpp>

struct MNISTClassifierImpl : tg::nn::Module {
  tg::nn::Flatten flatten{nullptr};
  tg::nn::Sequential network{nullptr};
  MNISTClassifierImpl() {
    namespace nn = tg::nn;
    flatten = register_module("flatten", nn::Flatten());
    network = register_module("network", nn::Sequential(nn::Linear(28 * 28, 256), nn::ReLU(), nn::Dropout(0.2),
                                                        nn::Linear(256, 128), nn::ReLU(), nn::Dropout(0.2),
                                                        nn::Linear(128, 10)));
  }
  tg::Tensor<float> forward(const tg::Tensor<float>& x) { return network(flatten(x)); }
};
TG_MODULE(MNISTClassifier);
