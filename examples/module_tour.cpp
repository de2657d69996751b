// The tutorial "PyTorch Deep Dive: Building Neural Networks": a Linear layer and what it holds, SimpleNet
// (nn::Module with a forward), then where the knowledge lives: the parameters of the 784-256-128-10
// MNISTClassifier, their dotted names and shapes, 235,146 in all, saved to safetensors and loaded into a
// fresh model. The exit status is 0 exactly when every loaded tensor matches the saved one bitwise.
//
// Usage: module_tour [--save FILE]     (default: module_tour.safetensors in the system's temporary directory)
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

#include <tensorgrad/tensorgrad.hpp>

#include "mnist_classifier.hpp"

namespace nn = tg::nn;
using tg::Tensor;

struct SimpleNetImpl : nn::Module {
  nn::Linear layer1{nullptr}, layer2{nullptr};
  nn::ReLU activation{nullptr};
  SimpleNetImpl() {
    layer1 = register_module("layer1", nn::Linear(10, 5));  // Station 1: 10 inputs -> 5 hidden features
    layer2 = register_module("layer2", nn::Linear(5, 1));   // Station 2: 5 hidden -> 1 output
    activation = register_module("activation", nn::ReLU()); // The Spark
  }
  Tensor<float> forward(Tensor<float> x) {
    // The Conveyor Belt
    x = layer1(x);      // Step 1
    x = activation(x);  // Step 2 (Non-linearity)
    x = layer2(x);      // Step 3
    return x;
  }
};
TG_MODULE(SimpleNet);

/// 235146 -> "235,146", as Python's f"{n:,}".
std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

/// Whether two float tensors of the same shape hold bitwise-identical values.
bool same_bits(const Tensor<float>& a, const Tensor<float>& b) {
  if (a.sizes() != b.sizes()) return false;
  const Tensor<float> ca = a.contiguous(), cb = b.contiguous();
  return std::memcmp(ca.data(), cb.data(), static_cast<std::size_t>(a.numel()) * sizeof(float)) == 0;
}

int main(int argc, char** argv) {
  std::string path = (std::filesystem::temp_directory_path() / "module_tour.safetensors").string();
  bool keep_file = false;  // the default file is scratch; one named with --save is kept
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--save") == 0 && i + 1 < argc) {
      path = argv[++i];
      keep_file = true;
    } else {
      std::fprintf(stderr, "usage: %s [--save FILE]\n", argv[0]);
      return 2;
    }
  }
  tg::manual_seed(42);

  std::cout << "== Part 3: The Linear Layer ==\n";
  // Input: 3 features (e.g., Age, Height, Weight); Output: 1 feature (e.g., Life Expectancy)
  nn::Linear layer(3, 1);
  std::cout << "Weights (A): " << layer->weight << "\nBias (b): " << layer->bias << "\n";
  auto input_data = tg::tensor<float>({{1.0f, 2.0f, 3.0f}});  // Batch of 1 sample
  std::cout << "Output: " << layer(input_data) << "\n\n";

  std::cout << "== Part 5: Building the Factory (nn::Module) ==\n";
  SimpleNet simple;
  std::cout << simple << "\n\n";

  std::cout << "== Part 6: The Deep Dive (Parameters) ==\n";
  MNISTClassifier model;
  std::cout << model << "\n\nModel Parameters:\n";
  for (const auto& [name, param] : model->named_parameters()) std::cout << name << ": " << param.sizes() << "\n";
  std::cout << "\nTotal Learnable Parameters: " << with_commas(model->num_parameters()) << "\n";
  std::int64_t layer_in = 784;
  int layer_number = 1;
  for (std::int64_t layer_out : {256, 128, 10}) {
    std::printf("  Layer %d: %lld x %lld weights + %lld biases = %s\n", layer_number++,
                static_cast<long long>(layer_out), static_cast<long long>(layer_in), static_cast<long long>(layer_out),
                with_commas(layer_out * layer_in + layer_out).c_str());
    layer_in = layer_out;
  }

  std::cout << "\n== Saving and loading (safetensors) ==\n";
  tg::save(model, path);
  std::cout << "Saved " << model->named_parameters().size() << " tensors to " << path << " ("
            << with_commas(static_cast<std::int64_t>(std::filesystem::file_size(path))) << " bytes)\n";

  tg::manual_seed(7);  // a fresh model with other initial weights, so a match can only come from the file
  MNISTClassifier restored;
  const auto saved = model->named_parameters(), fresh = restored->named_parameters();
  std::cout << "Fresh model before loading: network.0.weight "
            << (same_bits(saved[0].second, fresh[0].second) ? "matches" : "differs") << "\n";
  tg::load(restored, path);

  bool all_match = true;
  for (std::size_t i = 0; i < saved.size(); ++i) {
    const bool match = saved[i].first == fresh[i].first && same_bits(saved[i].second, fresh[i].second);
    all_match = all_match && match;
    std::cout << "  " << fresh[i].first << " " << fresh[i].second.sizes() << ": " << (match ? "matches" : "DIFFERS")
              << "\n";
  }
  // The same weights give the same predictions.
  tg::NoGradGuard no_grad;
  model->eval();
  restored->eval();
  const auto x = tg::randn<float>({4, 1, 28, 28});
  const bool same_output = same_bits(model(x), restored(x));
  std::cout << "Outputs on a random batch: " << (same_output ? "identical" : "DIFFERENT") << "\n";
  std::cout << (all_match && same_output ? "All weights match after the round trip.\n"
                                         : "MISMATCH after the round trip.\n");
  if (!keep_file) std::filesystem::remove(path);
  return all_match && same_output ? 0 : 1;
}
