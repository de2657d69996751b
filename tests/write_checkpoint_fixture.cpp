// Writes two checkpoints for the independent Python reader (tests/read_safetensors.py, registered by
// tests/python_reader.cmake), with values whose printed forms that test spells out:
//   <dir>/model.safetensors    tg::save of a 2-2-1 nn network (fc1/fc2, PyTorch's dotted names)
//   <dir>/tensors.safetensors  tg::io::save_tensors of float64, int64, 0-d and empty tensors with metadata
#include <cstdint>
#include <iostream>
#include <limits>
#include <string>
#include <tensorgrad/tensorgrad.hpp>

namespace {
struct TwoLayerImpl : tg::nn::Module {
  tg::nn::Linear fc1{nullptr}, fc2{nullptr};
  TwoLayerImpl() {
    fc1 = register_module("fc1", tg::nn::Linear(2, 2));
    fc2 = register_module("fc2", tg::nn::Linear(2, 1));
  }
};
TG_MODULE(TwoLayer);
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: write_checkpoint_fixture OUTPUT_DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  try {
    TwoLayer net;
    {
      tg::NoGradGuard no_grad;
      net->fc1->weight.copy_(tg::tensor<float>({{0.5f, -1.25f}, {2.f, 0.1f}}));
      net->fc1->bias.copy_(tg::tensor<float>({1.f, -0.f}));
      net->fc2->weight.copy_(tg::tensor<float>({{3.f, -4.f}}));
      net->fc2->bias.copy_(tg::tensor<float>({0.25f}));
    }
    tg::save(net, dir + "/model.safetensors");

    tg::io::save_tensors(dir + "/tensors.safetensors",
                         {{"step", tg::scalar_tensor<std::int64_t>(42)},
                          {"extremes", tg::tensor<std::int64_t>({std::numeric_limits<std::int64_t>::min(),
                                                                 std::numeric_limits<std::int64_t>::max()})},
                          {"third", tg::tensor<double>({1.0 / 3.0, -1e-300, std::numeric_limits<double>::infinity()})},
                          {"empty", tg::zeros<double>({0, 3})}},
                         {{"note", "written by tensorgrad"}});
  } catch (const tg::Error& e) {
    std::cerr << e.what() << '\n';
    return 1;
  }
  return 0;
}
