// Reproducibility: the same seed gives bitwise-identical parameters after 200 MNIST-MLP training steps, at 1 thread
// and at a fixed thread count (Eigen's parallel GEMM gives each output element to one thread, so the summation
// order does not depend on scheduling).
#include <catch2/catch.hpp>
#include <tensorgrad/tensorgrad.hpp>

#include "../examples/mnist_classifier.hpp"  // the MNIST MLP (its Flatten is a no-op on [N, 784])

namespace {

/// Trains from `seed` for `steps` Adam steps on 8 seeded random batches of 64; returns every parameter's values.
std::vector<std::vector<float>> train(std::uint64_t seed, int threads, int steps) {
  tg::set_num_threads(threads);
  tg::manual_seed(seed);
  MNISTClassifier model;
  tg::optim::Adam optimizer(model->parameters(), tg::optim::AdamOptions(1e-3));
  tg::nn::CrossEntropyLoss criterion;
  tg::Generator data_gen(seed + 1);
  std::vector<tg::Tensor<float>> inputs;
  std::vector<tg::Tensor<std::int64_t>> labels;
  for (int b = 0; b < 8; ++b) {
    inputs.push_back(tg::rand<float>({64, 784}, data_gen));
    labels.push_back(tg::randint(0, 10, {64}, data_gen));
  }
  for (int step = 0; step < steps; ++step) {
    optimizer.zero_grad();
    auto loss = criterion(model(inputs[step % 8]), labels[step % 8]);
    loss.backward();
    optimizer.step();
  }
  std::vector<std::vector<float>> params;
  for (const auto& p : model->parameters()) params.push_back(p.tolist());
  return params;
}

}  // namespace

TEST_CASE("200 MNIST-MLP steps with the same seed give bitwise-identical parameters at 1 and at 2 threads",
          "[determinism][reliability]") {
  const int before = tg::get_num_threads();
  for (int threads : {1, 2}) {
    INFO(threads << " thread(s)");
    const auto a = train(7, threads, 200), b = train(7, threads, 200);
    REQUIRE(a.size() == 6);
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == b[i]);  // exact float equality, element by element
  }
  // A different seed must give different parameters, or the check above would prove nothing.
  CHECK(train(7, 1, 20)[0] != train(8, 1, 20)[0]);
  tg::set_num_threads(before);
}
