// Modules of any floating dtype: to(tg::kFloat64) converts parameters and buffers in place (integer buffers
// keep theirs), typed listings hand them to typed optimizers, a float64 model's gradients match finite
// differences end to end and it trains, stale typed handles refuse to read, checkpoints keep each dtype.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include <tensorgrad/io.hpp>
#include <tensorgrad/nn.hpp>
#include <tensorgrad/optim.hpp>
#include <tensorgrad/tensor.hpp>
#include "test_util.hpp"

namespace nn = tg::nn;
using tg::Tensor;

namespace {

/// Linear → Tanh → BatchNorm1d → Linear → LayerNorm: every parameterised layer kind of an MLP, plus
/// BatchNorm's buffers (two floating, one int64).
nn::Sequential dtype_test_net() {
  return nn::Sequential(nn::Linear(3, 5), nn::Tanh(), nn::BatchNorm1d(5), nn::Linear(5, 4), nn::LayerNorm(4));
}

std::string dtype_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("to(kFloat64) converts floating parameters and buffers in place, int64 buffers keep their dtype", "[nn][dtype]") {
  tg::manual_seed(0);
  nn::Sequential net = dtype_test_net();
  const Tensor<float> x = tg::randn<float>({6, 3});
  net->eval();
  const std::vector<float> y32 = net(x).tolist();

  auto& fc = net->at<nn::LinearImpl>(0);
  const auto weight_impl = fc.weight.impl();
  const std::vector<float> w32 = fc.weight.as<float>().tolist();
  net->to(tg::kFloat64);

  // The same impl (handles follow), now float64 with the same values.
  REQUIRE(fc.weight.impl() == weight_impl);
  REQUIRE(fc.weight.dtype() == tg::kFloat64);
  const std::vector<double> w64 = fc.weight.as<double>().tolist();
  REQUIRE(w64.size() == w32.size());
  for (std::size_t i = 0; i < w32.size(); ++i) REQUIRE(w64[i] == static_cast<double>(w32[i]));
  for (const auto& [name, p] : net->named_parameters<double>()) {
    INFO(name);
    REQUIRE(p.requires_grad());
    REQUIRE(p.is_leaf());
  }
  const auto buffers = net->named_buffers();
  REQUIRE(buffers.size() == 3);
  REQUIRE(buffers[0].second.dtype() == tg::kFloat64);  // 2.running_mean
  REQUIRE(buffers[1].second.dtype() == tg::kFloat64);  // 2.running_var
  REQUIRE(buffers[2].first == "2.num_batches_tracked");
  REQUIRE(buffers[2].second.dtype() == tg::kInt64);

  // Same outputs as float32, computed in float64.
  const Tensor<double> y64 = net(x.to<double>());
  REQUIRE(y64.dtype() == tg::kFloat64);
  const std::vector<double> y = y64.tolist();
  for (std::size_t i = 0; i < y.size(); ++i) REQUIRE(y[i] == Approx(y32[i]).margin(1e-5));

  // And back: float_() is module.float().
  net->float_();
  REQUIRE(fc.weight.dtype() == tg::kFloat32);
  REQUIRE(fc.weight.as<float>().tolist() == w32);  // float64 holds every float32 exactly
  REQUIRE(net->named_buffers()[2].second.dtype() == tg::kInt64);
}

TEST_CASE("dtype errors name the module, the tensor and both dtypes", "[nn][dtype][errors]") {
  nn::Linear fc(2, 3);
  fc->double_();
  REQUIRE(dtype_error_of([&] { fc(tg::zeros<float>({1, 2})); }) ==
          "Linear: input is float32 but weight is float64; convert the module with to(tg::kFloat32)");
  REQUIRE(dtype_error_of([&] { fc->parameters(); }) ==
          "Linear.named_parameters<float32>: \"weight\" is float64; ask for that dtype (e.g. parameters<double>() "
          "after to(tg::kFloat64))");
  REQUIRE(dtype_error_of([&] { fc->to(tg::kInt64); }) ==
          "Linear.to: a module's dtype must be floating point, got int64");

  // A module whose forward takes float only says so when a float64 Sequential reaches it.
  struct FloatOnlyImpl : nn::Module {
    Tensor<float> forward(const Tensor<float>& x) const { return x; }
  };
  nn::Sequential seq(nn::Linear(2, 2), std::make_shared<FloatOnlyImpl>());
  seq->to(tg::kFloat64);
  REQUIRE(dtype_error_of([&] { seq(tg::zeros<double>({1, 2})); }) ==
          "1 (FloatOnly): forward does not take a Tensor<float64> (write it as a template, as the built-in layers "
          "do, to run in a Sequential of that dtype)");
}

TEST_CASE("a typed handle taken before to() refuses to read the converted tensor", "[nn][dtype][errors]") {
  nn::Linear fc(2, 1);
  tg::optim::SGD<float> stale(fc->parameters(), tg::optim::SGDOptions(0.1));
  const Tensor<float> weight = fc->weight;  // a float32 handle to the parameter
  fc->to(tg::kFloat64);
  const std::string expected =
      "a Tensor<float32> handle refers to a tensor that is now float64 (its module was converted with to(); take "
      "the handle again, e.g. parameters<double>())";
  REQUIRE(dtype_error_of([&] { weight.data(); }) == expected);
  REQUIRE(dtype_error_of([&] { weight.tolist(); }) == "Tensor<float32>: got a tensor of dtype float64");
  fc(tg::ones<double>({4, 2})).sum().backward();
  REQUIRE(dtype_error_of([&] { stale.step(); }) == "Tensor<float32>: got a tensor of dtype float64");
  // The model is unharmed: an optimizer of its dtype steps it.
  tg::optim::SGD<double> fresh(fc->parameters<double>(), tg::optim::SGDOptions(0.1));
  const double before = fc->weight.as<double>().sum().item();
  fresh.step();
  REQUIRE(fc->weight.as<double>().sum().item() == Approx(before - 0.1 * 8).epsilon(1e-12));
}

TEST_CASE("a float64 model: parameter gradients match central differences end to end", "[nn][dtype][gradcheck]") {
  tg::manual_seed(3);
  nn::Sequential net = dtype_test_net();
  net->to(tg::kFloat64);
  const Tensor<double> x = tg::randn<double>({6, 3});
  const Tensor<double> target = tg::randn<double>({6, 4});
  nn::MSELoss criterion;
  auto loss = [&] { return criterion(net(x), target); };

  // The input gradient, through every layer (BatchNorm in training mode).
  const tg::GradcheckReport input_report = tg::gradcheck(
      [&](const std::vector<Tensor<double>>& in) { return criterion(net(in[0]), target); },
      {x.clone().requires_grad_()});
  INFO(input_report.message);
  REQUIRE(input_report.ok);

  // Every parameter element: analytical gradient against (L(p + h) − L(p − h)) / 2h. BatchNorm in training
  // mode normalises with the batch's statistics, so the running buffers it updates do not change the loss.
  net->zero_grad();
  loss().backward();
  const double h = 1e-6;
  for (auto& [name, p] : net->named_parameters<double>()) {
    const std::vector<double> grad = p.grad().tolist();
    double* data = p.data();
    for (std::int64_t i = 0; i < p.numel(); ++i) {
      INFO(name << " element " << i);
      tg::NoGradGuard no_grad;
      const double saved = data[i];
      data[i] = saved + h;
      const double up = loss().item();
      data[i] = saved - h;
      const double down = loss().item();
      data[i] = saved;
      REQUIRE(grad[i] == Approx((up - down) / (2 * h)).margin(1e-7));
    }
  }
}

TEST_CASE("a float64 model trains with Adam<double> to PyTorch's XOR solution", "[nn][dtype][training]") {
  tg::manual_seed(0);
  nn::Sequential net(nn::Linear(2, 8), nn::ReLU(), nn::Linear(8, 1), nn::Sigmoid());
  net->to(tg::kFloat64);
  tg::optim::Adam optimizer(net->parameters<double>(), tg::optim::AdamOptions(0.05));
  const Tensor<double> X = tg::tensor<double>({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2});
  const Tensor<double> y = tg::tensor<double>({0, 1, 1, 0}, {4, 1});
  nn::BCELoss criterion;
  double first = 0, last = 0;
  for (int epoch = 0; epoch < 500; ++epoch) {
    optimizer.zero_grad();
    auto loss = criterion(net(X), y);
    loss.backward();
    optimizer.step();
    (epoch == 0 ? first : last) = loss.item();
  }
  INFO("first loss " << first << ", last " << last);
  REQUIRE(last < 0.05);
  REQUIRE(last < first / 10);
  const std::vector<double> p = net(X).tolist();
  REQUIRE(p[0] < 0.5);
  REQUIRE(p[1] > 0.5);
  REQUIRE(p[2] > 0.5);
  REQUIRE(p[3] < 0.5);
}

TEST_CASE("checkpoints keep each tensor's dtype: float64 parameters, an int64 batch counter", "[nn][dtype][io]") {
  test_util::TempDir tmp;
  const std::string path = tmp.file("f64.safetensors");
  tg::manual_seed(5);
  nn::Sequential net = dtype_test_net();
  net->to(tg::kFloat64);
  net(tg::randn<double>({4, 3}));  // one training batch: the running statistics and the counter move
  tg::save(net, path);

  const std::vector<tg::io::NamedTensor> file = tg::io::load_tensors(path);
  for (const auto& t : file) {
    INFO(t.name);
    REQUIRE(t.dtype() == (t.name == "2.num_batches_tracked" ? tg::kInt64 : tg::kFloat64));
  }

  nn::Sequential loaded = dtype_test_net();
  // A float32 module refuses the float64 file, naming the first tensor's dtypes (strict, as documented).
  REQUIRE(dtype_error_of([&] { tg::load(loaded, path); }).find("tensor '0.weight': dtype F64 does not match the module's F32") !=
          std::string::npos);
  loaded->to(tg::kFloat64);
  tg::load(loaded, path);
  const auto a = tg::module_state_dict(net), b = tg::module_state_dict(loaded);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].first);
    REQUIRE(a[i].second.dtype() == b[i].second.dtype());
    REQUIRE(a[i].second.to(tg::kFloat64).as<double>().tolist() == b[i].second.to(tg::kFloat64).as<double>().tolist());
  }
  REQUIRE(loaded->at<nn::BatchNorm1dImpl>(2).num_batches_tracked.as<std::int64_t>().item() == 1);
}
