// Trains a small MLP for a few Adam steps and writes every loss (as exact hex floats) and the trained model's
// safetensors bytes to the output directory. Built header-only and against the compiled library, the two
// programs must write identical files: the compiled mode changes where the code is compiled, not what it does.
#include <tensorgrad/tensorgrad.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#ifdef TG_MIXED
double header_only_dot(const std::vector<float>& a, const std::vector<float>& b);
#endif

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  std::filesystem::create_directories(dir);
  tg::manual_seed(7);
  tg::nn::Sequential model(tg::nn::Linear(4, 16), tg::nn::ReLU(), tg::nn::Linear(16, 3));
  tg::optim::Adam optimizer(model->parameters(), tg::optim::AdamOptions(0.01));
  const auto x = tg::randn({32, 4});
  const auto y = tg::randint(0, 3, {32});

  std::ofstream losses(dir + "/losses.txt");
  for (int step = 0; step < 20; ++step) {
    optimizer.zero_grad();
    auto loss = tg::nn::functional::cross_entropy(model->forward(x), y);
    loss.backward();
    optimizer.step();
    char line[64];
    std::snprintf(line, sizeof line, "%d %a\n", step, static_cast<double>(loss.item()));
    losses << line;
  }
  tg::save(model, dir + "/model.safetensors");
#ifdef TG_MIXED
  // The same dot product through the compiled library and through the header-only object.
  const std::vector<float> a{1, 2, 3}, b{4, 5, 6};
  const double compiled = tg::sum(tg::tensor<float>(a, {3}) * tg::tensor<float>(b, {3})).item();
  if (header_only_dot(a, b) != 32.0 || compiled != 32.0) {
    std::fprintf(stderr, "mixed modes disagree: %g vs %g (expected 32)\n", header_only_dot(a, b), compiled);
    return 1;
  }
#endif
  std::printf("compiled_mode consumer: 20 steps, last loss line written to %s/losses.txt\n", dir.c_str());
  return 0;
}
