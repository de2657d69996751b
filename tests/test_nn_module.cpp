// tg::nn::Module: registry, PyTorch's dotted names and printout (exact strings PyTorch prints), traversal
// order, train/eval recursion, zero_grad, to(device), num_parameters, holders and registration errors.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include <tensorgrad/nn.hpp>
#include <tensorgrad/tensor.hpp>
#include "../examples/mnist_classifier.hpp"  // MNISTClassifier: Flatten + Sequential with Dropout
#include "test_util.hpp"

namespace nn = tg::nn;
using tg::Tensor;

using test_util::error_of;
using test_util::printed;

namespace {


// The tutorials' SimpleNet (10 -> 5 -> 1 with ReLU).
struct SimpleNetImpl : nn::Module {
  nn::Linear layer1{nullptr}, layer2{nullptr};
  nn::ReLU activation{nullptr};
  SimpleNetImpl() {
    layer1 = register_module("layer1", nn::Linear(10, 5));
    layer2 = register_module("layer2", nn::Linear(5, 1));
    activation = register_module("activation", nn::ReLU());
  }
  Tensor<float> forward(const Tensor<float>& x) { return layer2(activation(layer1(x))); }
};
TG_MODULE(SimpleNet);

// The tutorials' SimpleMLP(100, 64, 5) and XORNet.
struct SimpleMLPImpl : nn::Module {
  nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
  nn::ReLU relu1, relu2;
  SimpleMLPImpl(std::int64_t input_size, std::int64_t hidden_size, std::int64_t num_classes) {
    fc1 = register_module("fc1", nn::Linear(input_size, hidden_size));
    relu1 = register_module("relu1", nn::ReLU());
    fc2 = register_module("fc2", nn::Linear(hidden_size, hidden_size / 2));
    relu2 = register_module("relu2", nn::ReLU());
    fc3 = register_module("fc3", nn::Linear(hidden_size / 2, num_classes));
  }
  Tensor<float> forward(const Tensor<float>& x) { return fc3(relu2(fc2(relu1(fc1(x))))); }
};
TG_MODULE(SimpleMLP);

struct XORNetImpl : nn::Module {
  nn::Linear fc1{nullptr}, fc2{nullptr};
  nn::ReLU relu;
  XORNetImpl() {
    fc1 = register_module("fc1", nn::Linear(2, 8));
    relu = register_module("relu", nn::ReLU());
    fc2 = register_module("fc2", nn::Linear(8, 1));
  }
  Tensor<float> forward(const Tensor<float>& x) { return fc2(relu(fc1(x))); }
};
TG_MODULE(XORNet);

}  // namespace

TEST_CASE("SimpleNet prints, names and counts its parameters as the seed does", "[nn][module]") {
  SimpleNet model;
  REQUIRE(printed(model) ==
          "SimpleNet(\n"
          "  (layer1): Linear(in_features=10, out_features=5, bias=true)\n"
          "  (layer2): Linear(in_features=5, out_features=1, bias=true)\n"
          "  (activation): ReLU()\n"
          ")");
  const auto named = model->named_parameters();
  REQUIRE(named.size() == 4);
  REQUIRE(named[0].first == "layer1.weight");
  REQUIRE(named[0].second.sizes() == tg::Shape{5, 10});
  REQUIRE(named[1].first == "layer1.bias");
  REQUIRE(named[1].second.sizes() == tg::Shape{5});
  REQUIRE(named[2].first == "layer2.weight");
  REQUIRE(named[2].second.sizes() == tg::Shape{1, 5});
  REQUIRE(named[3].first == "layer2.bias");
  REQUIRE(named[3].second.sizes() == tg::Shape{1});
  REQUIRE(model->num_parameters() == 61);  // 50 + 5 + 5 + 1
  // The registered tensors are the layers' own (handles alias): writes through one show in the other.
  REQUIRE(named[0].second.impl() == model->layer1->weight.impl());
  REQUIRE(model->parameters()[3].impl() == model->layer2->bias.impl());
  REQUIRE(model(tg::zeros<float>({3, 10})).sizes() == tg::Shape{3, 1});
}

TEST_CASE("SimpleMLP and XORNet print and count as PyTorch", "[nn][module]") {
  SimpleMLP mlp(100, 64, 5);
  REQUIRE(printed(mlp) ==
          "SimpleMLP(\n"
          "  (fc1): Linear(in_features=100, out_features=64, bias=true)\n"
          "  (relu1): ReLU()\n"
          "  (fc2): Linear(in_features=64, out_features=32, bias=true)\n"
          "  (relu2): ReLU()\n"
          "  (fc3): Linear(in_features=32, out_features=5, bias=true)\n"
          ")");
  REQUIRE(mlp->num_parameters() == 6400 + 64 + 2048 + 32 + 160 + 5);
  XORNet xor_model;
  REQUIRE(printed(xor_model) ==
          "XORNet(\n"
          "  (fc1): Linear(in_features=2, out_features=8, bias=true)\n"
          "  (relu): ReLU()\n"
          "  (fc2): Linear(in_features=8, out_features=1, bias=true)\n"
          ")");
  REQUIRE(xor_model->num_parameters() == 33);
}

TEST_CASE("MNISTClassifier: nested printout, dotted Sequential names, 235,146 parameters", "[nn][module]") {
  MNISTClassifier model;
  REQUIRE(printed(model) ==
          "MNISTClassifier(\n"
          "  (flatten): Flatten(start_dim=1, end_dim=-1)\n"
          "  (network): Sequential(\n"
          "    (0): Linear(in_features=784, out_features=256, bias=true)\n"
          "    (1): ReLU()\n"
          "    (2): Dropout(p=0.2, inplace=false)\n"
          "    (3): Linear(in_features=256, out_features=128, bias=true)\n"
          "    (4): ReLU()\n"
          "    (5): Dropout(p=0.2, inplace=false)\n"
          "    (6): Linear(in_features=128, out_features=10, bias=true)\n"
          "  )\n"
          ")");
  REQUIRE(model->num_parameters() == 235146);
  std::vector<std::string> names;
  for (const auto& [name, p] : model->named_parameters()) names.push_back(name);
  REQUIRE(names == std::vector<std::string>{"network.0.weight", "network.0.bias", "network.3.weight",
                                            "network.3.bias", "network.6.weight", "network.6.bias"});
  REQUIRE(model(tg::zeros<float>({2, 1, 28, 28})).sizes() == tg::Shape{2, 10});
}

TEST_CASE("children, named_children and modules list the tree in registration order (pre-order)", "[nn][module]") {
  MNISTClassifier model;
  const auto& children = model->named_children();
  REQUIRE(children.size() == 2);
  REQUIRE(children[0].first == "flatten");
  REQUIRE(children[1].first == "network");
  REQUIRE(model->children()[1].get() == model->network.get());
  const auto all = model->named_modules();
  REQUIRE(all.size() == 10);  // self, flatten, network, its 7 layers
  REQUIRE(all[0].first.empty());
  REQUIRE(all[0].second.get() == model.get());
  REQUIRE(all[1].first == "flatten");
  REQUIRE(all[2].first == "network");
  REQUIRE(all[3].first == "network.0");
  REQUIRE(all[9].first == "network.6");
  REQUIRE(all[9].second->name() == "Linear");
  REQUIRE(model->modules().size() == 10);
}

TEST_CASE("train() and eval() reach every descendant", "[nn][module]") {
  MNISTClassifier model;
  for (const auto& m : model->modules()) REQUIRE(m->is_training());
  model->eval();
  for (const auto& m : model->modules()) REQUIRE_FALSE(m->is_training());
  // In eval mode the Dropout layers are the identity, so two passes agree exactly.
  const Tensor<float> x = tg::rand<float>({4, 1, 28, 28});
  REQUIRE(model(x).tolist() == model(x).tolist());
  model->train();
  for (const auto& m : model->modules()) REQUIRE(m->is_training());
  model->train(false);
  REQUIRE_FALSE(model->network[2]->is_training());
}

TEST_CASE("zero_grad sets every parameter's gradient to undefined (set_to_none)", "[nn][module]") {
  XORNet model;
  model(tg::ones<float>({4, 2})).sum().backward();
  for (const auto& p : model->parameters()) REQUIRE(p.grad().defined());
  // fc2's bias gradient is d(sum)/db = 4 (one per row).
  REQUIRE(model->fc2->bias.grad().item() == 4.0f);
  model->zero_grad();
  for (const auto& p : model->parameters()) REQUIRE_FALSE(p.grad().defined());
  // A fresh backward starts from zero again rather than accumulating into the old gradient.
  model(tg::ones<float>({4, 2})).sum().backward();
  REQUIRE(model->fc2->bias.grad().item() == 4.0f);
}

TEST_CASE("register_parameter/buffer: requires_grad flag, buffers kept apart, dotted buffer names", "[nn][module]") {
  struct StatsImpl : nn::Module {
    Tensor<float> scale, frozen, running_mean;
    StatsImpl() {
      scale = register_parameter("scale", tg::ones<float>({3}));
      frozen = register_parameter("frozen", tg::zeros<float>({2}), false);
      running_mean = register_buffer("running_mean", tg::zeros<float>({3}));
    }
  };
  struct OuterImpl : nn::Module {
    std::shared_ptr<StatsImpl> stats;
    OuterImpl() { stats = register_module("stats", std::make_shared<StatsImpl>()); }
  };
  auto outer = std::make_shared<OuterImpl>();
  REQUIRE(outer->stats->scale.requires_grad());
  REQUIRE_FALSE(outer->stats->frozen.requires_grad());
  REQUIRE(outer->num_parameters() == 5);
  const auto params = outer->named_parameters();
  REQUIRE(params.size() == 2);
  REQUIRE(params[0].first == "stats.scale");
  REQUIRE(params[1].first == "stats.frozen");
  const auto buffers = outer->named_buffers();
  REQUIRE(buffers.size() == 1);
  REQUIRE(buffers[0].first == "stats.running_mean");
  REQUIRE(outer->buffers()[0].impl() == outer->stats->running_mean.impl());
  REQUIRE_FALSE(outer->stats->running_mean.requires_grad());
  REQUIRE(outer->named_parameters(false).empty());
  REQUIRE(outer->stats->named_parameters(false).size() == 2);
  // Printed name comes from the class name without "Impl" (function-local classes included).
  REQUIRE(printed(*outer) == "Outer(\n  (stats): Stats()\n)");
}

TEST_CASE("a module shared by two parents is listed once", "[nn][module]") {
  nn::Linear shared(3, 3);
  nn::Sequential seq(shared, nn::ReLU(), shared);
  REQUIRE(seq->size() == 3);
  REQUIRE(seq->parameters().size() == 2);
  REQUIRE(seq->named_parameters()[0].first == "0.weight");
  REQUIRE(seq->num_parameters() == 12);
  REQUIRE(seq->modules().size() == 3);  // self, the shared Linear once, ReLU
}

TEST_CASE("name() can be overridden and extra_repr printed before the children", "[nn][module]") {
  struct BlockImpl : nn::Module {
    BlockImpl() { register_module("proj", nn::Linear(4, 2, false)); }
    std::string name() const override { return "ResidualBlock"; }
    std::string extra_repr() const override { return "scale=0.5"; }
  };
  auto block = std::make_shared<BlockImpl>();
  REQUIRE(printed(*block) ==
          "ResidualBlock(\n"
          "  scale=0.5\n"
          "  (proj): Linear(in_features=4, out_features=2, bias=false)\n"
          ")");
}

TEST_CASE("to(device): in place on CPU, a clear error for a device without its backend", "[nn][module]") {
  XORNet model;
  const auto weight_impl = model->fc1->weight.impl();
  const std::vector<float> before = model->fc1->weight.as<float>().tolist();
  model->to(tg::kCPU);
  REQUIRE(model->fc1->weight.impl() == weight_impl);
  REQUIRE(model->fc1->weight.as<float>().tolist() == before);
  if (tg::detail::device_runtime_slot() == nullptr) {
    const std::string msg = error_of([&] { model->to(tg::kCUDA); });
    REQUIRE(msg.find("cuda:0") != std::string::npos);
    REQUIRE(msg.find("without the CUDA backend") != std::string::npos);
  }
}

TEST_CASE("holders: shared ownership, empty holders, default construction", "[nn][module]") {
  nn::Linear a(2, 3);
  nn::Linear b = a;  // copies share the impl, as LibTorch holders
  REQUIRE(b.get() == a.get());
  nn::Linear empty{nullptr};
  REQUIRE(empty.is_empty());
  REQUIRE_FALSE(static_cast<bool>(empty));
  REQUIRE(error_of([&] { (void)empty->options; }).find("empty module holder") != std::string::npos);
  nn::ReLU relu;  // modules without constructor arguments default-construct their impl
  REQUIRE_FALSE(relu.is_empty());
  nn::Linear wrapped(std::make_shared<nn::LinearImpl>(nn::LinearOptions(4, 1).bias(false)));
  REQUIRE(wrapped->options.in_features() == 4);
  REQUIRE_FALSE(wrapped->bias.defined());
  // A module on the stack (no shared_ptr) still lists itself.
  nn::LinearImpl on_stack(1, 1);
  REQUIRE(on_stack.modules().size() == 1);
  REQUIRE(on_stack.modules()[0].get() == &on_stack);
}

TEST_CASE("registration errors name the module and the attribute", "[nn][module][errors]") {
  struct BadImpl : nn::Module {};
  BadImpl m;
  m.register_parameter("w", tg::ones<float>({1}));
  REQUIRE(error_of([&] { m.register_parameter("w", tg::ones<float>({1})); }) ==
          "Bad.register_parameter: attribute \"w\" already exists");
  REQUIRE(error_of([&] { m.register_buffer("w", tg::ones<float>({1})); }) ==
          "Bad.register_buffer: attribute \"w\" already exists");
  REQUIRE(error_of([&] { m.register_module("w", nn::ReLU()); }) ==
          "Bad.register_module: attribute \"w\" already exists");
  REQUIRE(error_of([&] { m.register_parameter("a.b", tg::ones<float>({1})); }) ==
          "Bad.register_parameter: parameter name can't contain \".\", got \"a.b\"");
  REQUIRE(error_of([&] { m.register_module("", nn::ReLU()); }) == "Bad.register_module: module name can't be empty");
  REQUIRE(error_of([&] { m.register_module("fc", nn::Linear(nullptr)); }) ==
          "Bad.register_module: module \"fc\" is empty (nullptr)");
  REQUIRE(error_of([&] { m.register_parameter("u", Tensor<float>()); }) ==
          "Bad.register_parameter: parameter \"u\" is an undefined tensor");
}

TEST_CASE("printouts format floats as Python does", "[nn][module]") {
  REQUIRE(printed(nn::LeakyReLU()) == "LeakyReLU(negative_slope=0.01)");
  REQUIRE(printed(nn::LeakyReLU(0.1)) == "LeakyReLU(negative_slope=0.1)");
  REQUIRE(printed(nn::ELU()) == "ELU(alpha=1.0)");
  REQUIRE(printed(nn::ELU(2.5)) == "ELU(alpha=2.5)");
  REQUIRE(printed(nn::Dropout()) == "Dropout(p=0.5, inplace=false)");
  REQUIRE(printed(nn::Dropout(1e-5)) == "Dropout(p=1e-05, inplace=false)");
  REQUIRE(nn::detail::python_float(100000.0) == "100000.0");
  REQUIRE(nn::detail::python_float(1e16) == "1e+16");
  REQUIRE(nn::detail::python_float(0.3) == "0.3");
  REQUIRE(nn::detail::python_float(-0.0001) == "-0.0001");
}
