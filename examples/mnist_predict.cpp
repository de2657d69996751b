// Loads the MNISTClassifier that mnist_mlp trained and classifies test digits, drawing each one as ASCII
// art next to its predicted class and the ten class probabilities.
//
// Usage: mnist_predict [--model FILE] [--data DIR] [--index I]
//   --model  the checkpoint mnist_mlp saved (mnist_mlp.safetensors)
//   --data   folder with the IDX files (data); the test images (t10k-*) are classified
//   --index  classify test image I only (default: the first 5)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "mnist_classifier.hpp"

namespace nn = tg::nn;
using tg::Tensor;

/// The 28 rows of a [1, 28, 28] image in [0, 1], two characters per pixel so the digit keeps its aspect.
std::vector<std::string> ascii_art(const Tensor<float>& image) {
  static const std::string shades = " .:-=+*#%@";
  std::vector<std::string> rows;
  for (std::int64_t r = 0; r < 28; ++r) {
    std::string row;
    for (std::int64_t c = 0; c < 28; ++c) {
      const float v = image.at({0, r, c});
      const char shade = shades[static_cast<std::size_t>(v * (shades.size() - 1) + 0.5f)];
      row += shade;
      row += shade;
    }
    rows.push_back(row);
  }
  return rows;
}

int main(int argc, char** argv) {
  std::string model_path = "mnist_mlp.safetensors", data = "data";
  std::int64_t index = -1;  // -1: the first five images
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "usage: %s [--model FILE] [--data DIR] [--index I]\n", argv[0]);
      return 2;
    }
    const char* value = argv[++i];
    if (flag == "--model") model_path = value;
    else if (flag == "--data") data = value;
    else if (flag == "--index") index = std::atoll(value);
    else {
      std::fprintf(stderr, "usage: %s [--model FILE] [--data DIR] [--index I]\n", argv[0]);
      return 2;
    }
  }

  MNISTClassifier model;
  tg::load(model, model_path);
  model->eval();
  tg::data::MNIST test_dataset(data, tg::data::MNIST::Mode::kTest);
  std::cout << "Loaded " << model_path << " (" << model->num_parameters() << " parameters); " << test_dataset.size()
            << " test images in '" << data << "'\n\n";

  std::vector<std::int64_t> indices;
  if (index >= 0) {
    if (index >= test_dataset.size()) {
      std::fprintf(stderr, "--index %lld is out of range: the test set has %lld images\n",
                   static_cast<long long>(index), static_cast<long long>(test_dataset.size()));
      return 2;
    }
    indices.push_back(index);
  } else {
    for (std::int64_t i = 0; i < std::min<std::int64_t>(5, test_dataset.size()); ++i) indices.push_back(i);
  }

  tg::NoGradGuard no_grad;
  int correct = 0;
  for (std::int64_t i : indices) {
    const auto [image, label] = test_dataset.get(i);
    // The same normalisation as in training (transforms.Normalize((0.1307,), (0.3081,))).
    const auto input = ((image - 0.1307f) / 0.3081f).unsqueeze(0);
    const auto probabilities = tg::softmax(model(input), 1);
    const std::int64_t predicted = probabilities.argmax(1).at({0});
    const std::int64_t truth = label.item();
    correct += predicted == truth;

    std::vector<std::string> side = {"Test image " + std::to_string(i),
                                     "Predicted: " + std::to_string(predicted) + "   (true label " +
                                         std::to_string(truth) + (predicted == truth ? ", correct)" : ", WRONG)"),
                                     ""};
    for (int c = 0; c < 10; ++c) {
      const float p = probabilities.at({0, c});
      char line[80];
      std::snprintf(line, sizeof line, "  %d: %.4f %s", c, p, std::string(static_cast<int>(p * 30 + 0.5f), '#').c_str());
      side.push_back(line);
    }
    const std::vector<std::string> art = ascii_art(image);
    for (std::size_t r = 0; r < art.size(); ++r)
      std::cout << '|' << art[r] << "|   " << (r >= 4 && r - 4 < side.size() ? side[r - 4] : "") << '\n';
    std::cout << '\n';
  }
  std::printf("%d of %zu classified correctly\n", correct, indices.size());
}
