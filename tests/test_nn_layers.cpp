// Layers, activations, init and functional forms: Linear (init bounds, shape, forward and backward against
// hand values, errors), Sequential (indexing, names, forward), Dropout (train/eval, scaling, seeding,
// gradient), Flatten, Identity, activation modules, and tg::nn::init's formulas.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include <tensorgrad/nn.hpp>
#include <tensorgrad/tensor.hpp>
#include "test_util.hpp"

namespace nn = tg::nn;
namespace F = tg::nn::functional;
using tg::Tensor;

using test_util::error_of;
using test_util::printed;

namespace {


void require_values(const Tensor<float>& t, const std::vector<double>& expected, double tol = 1e-6) {
  const std::vector<float> got = t.tolist();
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    REQUIRE(got[i] == Approx(expected[i]).margin(tol));
  }
}

double max_abs(const Tensor<float>& t) {
  double m = 0;
  for (float v : t.tolist()) m = std::max(m, std::abs(static_cast<double>(v)));
  return m;
}

double sample_std(const Tensor<float>& t) {
  const std::vector<float> v = t.tolist();
  double mean = 0, sq = 0;
  for (float x : v) mean += x;
  mean /= v.size();
  for (float x : v) sq += (x - mean) * (x - mean);
  return std::sqrt(sq / v.size());
}

}  // namespace

TEST_CASE("Linear: weight (out, in), PyTorch's default init within U(+-1/sqrt(in))", "[nn][linear]") {
  nn::Linear fc(100, 50);
  REQUIRE(fc->weight.sizes() == tg::Shape{50, 100});
  REQUIRE(fc->bias.sizes() == tg::Shape{50});
  REQUIRE(fc->weight.requires_grad());
  REQUIRE(fc->bias.requires_grad());
  // kaiming_uniform_(a = sqrt(5)) gives bound gain * sqrt(3 / fan_in) = sqrt(1/3) * sqrt(3/100) = 0.1.
  REQUIRE(max_abs(fc->weight) <= 0.1);
  REQUIRE(max_abs(fc->weight) >= 0.099);  // 5000 draws fill the range
  REQUIRE(max_abs(fc->bias) <= 0.1);
  REQUIRE(max_abs(fc->bias) >= 0.08);
  // The uniform's standard deviation is bound / sqrt(3).
  REQUIRE(sample_std(fc->weight) == Approx(0.1 / std::sqrt(3.0)).epsilon(0.03));
}

TEST_CASE("Linear: seeded init is reproducible", "[nn][linear]") {
  tg::manual_seed(42);
  nn::Linear a(8, 4);
  tg::manual_seed(42);
  nn::Linear b(8, 4);
  REQUIRE(a->weight.as<float>().tolist() == b->weight.as<float>().tolist());
  REQUIRE(a->bias.as<float>().tolist() == b->bias.as<float>().tolist());
  nn::Linear c(8, 4);
  REQUIRE(c->weight.as<float>().tolist() != a->weight.as<float>().tolist());
}

TEST_CASE("Linear: forward is x W^T + b and backward matches the closed forms", "[nn][linear]") {
  nn::Linear fc(3, 2);
  {
    tg::NoGradGuard no_grad;
    fc->weight.copy_(tg::tensor<float>({{1, 2, 3}, {4, 5, 6}}));
    fc->bias.copy_(tg::tensor<float>({0.5f, -1.0f}));
  }
  Tensor<float> x = tg::tensor<float>({{1, 0, -1}, {2, 1, 0}}).requires_grad_();
  Tensor<float> y = fc(x);
  REQUIRE(y.sizes() == tg::Shape{2, 2});
  require_values(y, {1 - 3 + 0.5, 4 - 6 - 1, 2 + 2 + 0.5, 8 + 5 - 1});
  y.sum().backward();
  // d(sum)/dW[o, i] = sum_n x[n, i]; d/db = N; d/dx[n, i] = sum_o W[o, i].
  require_values(fc->weight.grad(), {3, 1, -1, 3, 1, -1});
  require_values(fc->bias.grad(), {2, 2});
  require_values(x.grad(), {5, 7, 9, 5, 7, 9});
  // Leading batch dims and a 1-d input work as in PyTorch.
  REQUIRE(fc(tg::ones<float>({4, 5, 3})).sizes() == tg::Shape{4, 5, 2});
  require_values(fc(tg::tensor<float>({1, 1, 1})), {6.5, 14});
}

TEST_CASE("Linear: bias(false), options, printout and the input error", "[nn][linear]") {
  nn::Linear fc(nn::LinearOptions(784, 256).bias(false));
  REQUIRE_FALSE(fc->bias.defined());
  REQUIRE(fc->options.in_features() == 784);
  REQUIRE(fc->options.out_features() == 256);
  REQUIRE_FALSE(fc->options.bias());
  REQUIRE(fc->named_parameters().size() == 1);
  REQUIRE(fc->named_parameters()[0].first == "weight");
  REQUIRE(printed(fc) == "Linear(in_features=784, out_features=256, bias=false)");
  nn::Linear positional(2, 3, false);
  REQUIRE_FALSE(positional->bias.defined());

  nn::Linear big(128, 10);
  REQUIRE(error_of([&] { big(tg::zeros<float>({64, 100})); }) == "Linear: expected input with 128 features, got [64, 100]");
  REQUIRE(error_of([&] { F::linear(tg::zeros<float>({2, 3}), tg::zeros<float>({4, 5})); }) ==
          "linear: input of shape [2, 3] does not match weight of shape [4, 5] (expected 5 input features)");
  REQUIRE(error_of([&] { F::linear(tg::zeros<float>({2, 5}), tg::zeros<float>({4, 5}), tg::zeros<float>({3})); }) ==
          "linear: bias of shape [3] does not match weight of shape [4, 5] (expected [4])");
}

TEST_CASE("functional linear works in float64 and passes finite differences", "[nn][linear]") {
  Tensor<double> x = tg::tensor<double>({{0.5, -1.0}, {2.0, 0.25}}).requires_grad_();
  Tensor<double> w = tg::tensor<double>({{1.5, -0.5}, {0.3, 2.0}, {-1.0, 1.0}}).requires_grad_();
  Tensor<double> b = tg::tensor<double>({0.1, 0.2, 0.3}).requires_grad_();
  Tensor<double> y = F::linear(x, w, b);
  const std::vector<double> v = y.tolist();
  REQUIRE(v[0] == Approx(0.75 + 0.5 + 0.1).margin(1e-12));
  REQUIRE(v[5] == Approx(-2.0 + 0.25 + 0.3).margin(1e-12));
  (y * y).sum().backward();
  // dL/dW = (2y)^T x
  const std::vector<double> gw = w.grad().tolist();
  REQUIRE(gw[0] == Approx(2 * v[0] * 0.5 + 2 * v[3] * 2.0).margin(1e-12));
  REQUIRE(gw[5] == Approx(2 * v[2] * -1.0 + 2 * v[5] * 0.25).margin(1e-12));
  REQUIRE(b.grad().tolist()[1] == Approx(2 * v[1] + 2 * v[4]).margin(1e-12));
}

TEST_CASE("Sequential: built from modules, named 0..n-1, indexable, forward chains", "[nn][sequential]") {
  nn::Sequential seq(nn::Linear(4, 3), nn::ReLU(), nn::Linear(3, 2));
  REQUIRE(seq->size() == 3);
  const auto& children = seq->named_children();
  REQUIRE(children[0].first == "0");
  REQUIRE(children[1].first == "1");
  REQUIRE(children[2].first == "2");
  REQUIRE(seq[1]->name() == "ReLU");
  REQUIRE(seq[-1]->name() == "Linear");
  auto& last = seq->at<nn::LinearImpl>(2);
  REQUIRE(last.options.out_features() == 2);
  REQUIRE(error_of([&] { seq->at<nn::LinearImpl>(1); }) == "Sequential: module 1 is a ReLU, not the requested type");
  REQUIRE(error_of([&] { seq[3]; }) == "Sequential: index 3 is out of range for a Sequential of 3 modules");

  const Tensor<float> x = tg::randn<float>({5, 4});
  auto& first = seq->at<nn::LinearImpl>(0);
  const Tensor<float> manual = last.forward(tg::relu(first.forward(x)));
  REQUIRE(seq(x).tolist() == manual.tolist());

  seq->push_back(nn::Sigmoid());
  seq->push_back("out", nn::Identity());
  REQUIRE(seq->size() == 5);
  REQUIRE(seq->named_children()[3].first == "3");
  REQUIRE(seq->named_children()[4].first == "out");
  const std::vector<float> probs = seq(x).tolist();
  for (float p : probs) REQUIRE((p > 0.0f && p < 1.0f));
  REQUIRE(seq->named_parameters()[2].first == "2.weight");
}

TEST_CASE("Sequential: named construction, add_module, printout", "[nn][sequential]") {
  nn::Sequential seq({{"fc1", nn::Linear(2, 8)}, {"act", nn::Tanh()}});
  seq->add_module("fc2", nn::Linear(8, 1));
  REQUIRE(printed(seq) ==
          "Sequential(\n"
          "  (fc1): Linear(in_features=2, out_features=8, bias=true)\n"
          "  (act): Tanh()\n"
          "  (fc2): Linear(in_features=8, out_features=1, bias=true)\n"
          ")");
  std::vector<std::string> names;
  for (const auto& [name, p] : seq->named_parameters()) names.push_back(name);
  REQUIRE(names == std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"});
  REQUIRE(error_of([&] { seq->add_module("act", nn::ReLU()); }) ==
          "Sequential.register_module: attribute \"act\" already exists");
  nn::Sequential empty;
  REQUIRE(empty->is_empty());
  const Tensor<float> x = tg::ones<float>({2});
  REQUIRE(empty(x).impl() == x.impl());  // an empty Sequential is the identity
}

TEST_CASE("Dropout: identity in eval, 0 or 1/(1-p) in train, differentiable", "[nn][dropout]") {
  nn::Dropout drop(0.2);
  const Tensor<float> x = tg::ones<float>({10000});
  Tensor<float> y = drop(x);
  std::int64_t zeros = 0, others = 0;
  for (float v : y.tolist()) {
    zeros += v == 0.0f;
    others += v != 0.0f && v != 1.25f;
  }
  REQUIRE(others == 0);  // every element is dropped or scaled by 1 / (1 - 0.2)
  REQUIRE(zeros > 1700);  // expected 2000, std 40
  REQUIRE(zeros < 2300);
  drop->eval();
  REQUIRE(drop(x).impl() == x.impl());

  Tensor<float> leaf = tg::ones<float>({1000}).requires_grad_();
  Tensor<float> out = F::dropout(leaf, 0.5);
  out.sum().backward();
  REQUIRE(leaf.grad().tolist() == out.tolist());  // d(sum)/dx is the scaled mask itself

  require_values(F::dropout(tg::ones<float>({4}), 1.0), {0, 0, 0, 0});
  REQUIRE(F::dropout(x, 0.0).impl() == x.impl());
  REQUIRE(error_of([] { nn::Dropout(1.5); }) == "Dropout: probability has to be between 0 and 1, but got 1.5");
  REQUIRE(error_of([&] { F::dropout(x, -0.1); }) == "dropout: probability has to be between 0 and 1, but got -0.1");
}

TEST_CASE("Dropout: manual_seed makes the mask reproducible - an explicit generator too", "[nn][dropout]") {
  const Tensor<float> x = tg::ones<float>({64});
  nn::Dropout drop(0.5);
  tg::manual_seed(7);
  const std::vector<float> a = drop(x).tolist();
  tg::manual_seed(7);
  const std::vector<float> b = drop(x).tolist();
  REQUIRE(a == b);
  REQUIRE(drop(x).tolist() != a);
  tg::Generator g1(99), g2(99);
  REQUIRE(F::dropout(x, 0.5, true, g1).tolist() == F::dropout(x, 0.5, true, g2).tolist());
}

TEST_CASE("Flatten and Identity", "[nn][layers]") {
  nn::Flatten flatten;
  REQUIRE(flatten(tg::zeros<float>({2, 1, 28, 28})).sizes() == tg::Shape{2, 784});
  nn::Flatten middle(1, 2);
  REQUIRE(middle(tg::zeros<float>({2, 3, 4, 5})).sizes() == tg::Shape{2, 12, 5});
  REQUIRE(printed(middle) == "Flatten(start_dim=1, end_dim=2)");
  const Tensor<float> x = tg::tensor<float>({{0, 1, 2}, {3, 4, 5}});
  require_values(flatten(x), {0, 1, 2, 3, 4, 5});
  nn::Identity id;
  REQUIRE(id(x).impl() == x.impl());
  REQUIRE(printed(id) == "Identity()");
}

TEST_CASE("activation modules compute their functions and print as PyTorch", "[nn][activation]") {
  const Tensor<float> x = tg::tensor<float>({-1.0f, 0.0f, 2.0f});
  require_values(nn::ReLU()(x), {0, 0, 2});
  require_values(nn::LeakyReLU(0.1)(x), {-0.1, 0, 2});
  require_values(nn::Sigmoid()(x), {1 / (1 + std::exp(1.0)), 0.5, 1 / (1 + std::exp(-2.0))});
  require_values(nn::Tanh()(x), {std::tanh(-1.0), 0, std::tanh(2.0)});
  require_values(nn::ELU()(x), {std::exp(-1.0) - 1, 0, 2});
  require_values(nn::ELU(2.0)(x), {2 * (std::exp(-1.0) - 1), 0, 2});
  require_values(nn::SiLU()(x), {-1 / (1 + std::exp(1.0)), 0, 2 / (1 + std::exp(-2.0))});
  require_values(nn::GELU()(x), {-0.5 * (1 + std::erf(-1 / std::sqrt(2.0))), 0, 2 * 0.5 * (1 + std::erf(2 / std::sqrt(2.0)))});
  require_values(nn::GELU("tanh")(tg::tensor<float>({1.0f})),
                 {0.5 * (1 + std::tanh(std::sqrt(2 / M_PI) * (1 + 0.044715)))});
  // torch.nn.Softplus()(torch.tensor([-1., 0., 2.])) in PyTorch 1.13.
  require_values(nn::Softplus()(x), {0.3132616877555847, 0.6931471824645996, 2.1269280910491943});

  // The tutorial's Softmax(dim=1) on [[1, -0.5, 2], [0.1, 0.5, 0.2]]: each row exp(x) / sum exp(x).
  const Tensor<float> logits = tg::tensor<float>({{1.0f, -0.5f, 2.0f}, {0.1f, 0.5f, 0.2f}});
  const double s0 = std::exp(1.0) + std::exp(-0.5) + std::exp(2.0), s1 = std::exp(0.1) + std::exp(0.5) + std::exp(0.2);
  require_values(nn::Softmax(1)(logits),
                 {std::exp(1.0) / s0, std::exp(-0.5) / s0, std::exp(2.0) / s0, std::exp(0.1) / s1, std::exp(0.5) / s1,
                  std::exp(0.2) / s1});
  require_values(nn::LogSoftmax(1)(logits),
                 {1.0 - std::log(s0), -0.5 - std::log(s0), 2.0 - std::log(s0), 0.1 - std::log(s1),
                  0.5 - std::log(s1), 0.2 - std::log(s1)}, 1e-5);

  REQUIRE(printed(nn::ReLU()) == "ReLU()");
  REQUIRE(printed(nn::Sigmoid()) == "Sigmoid()");
  REQUIRE(printed(nn::Tanh()) == "Tanh()");
  REQUIRE(printed(nn::SiLU()) == "SiLU()");
  REQUIRE(printed(nn::GELU()) == "GELU(approximate='none')");
  REQUIRE(printed(nn::GELU("tanh")) == "GELU(approximate='tanh')");
  REQUIRE(printed(nn::Softmax(1)) == "Softmax(dim=1)");
  REQUIRE(printed(nn::LogSoftmax(-1)) == "LogSoftmax(dim=-1)");
  REQUIRE(printed(nn::Softplus()) == "Softplus(beta=1, threshold=20)");
  REQUIRE(printed(nn::Softplus(0.5, 10)) == "Softplus(beta=0.5, threshold=10)");
  REQUIRE(error_of([] { nn::GELU("fast"); }) == "GELU: approximate must be \"none\" or \"tanh\", got \"fast\"");
}

TEST_CASE("init: constant, zeros, ones, uniform and normal fill in place under no-grad", "[nn][init]") {
  nn::Linear fc(3, 2);
  nn::init::constant_(fc->weight, 0.25);
  require_values(fc->weight, {0.25, 0.25, 0.25, 0.25, 0.25, 0.25});
  nn::init::zeros_(fc->bias);
  require_values(fc->bias, {0, 0});
  nn::init::ones_(fc->bias);
  require_values(fc->bias, {1, 1});
  REQUIRE(fc->weight.requires_grad());  // still a trainable leaf with no history
  REQUIRE(fc->weight.is_leaf());

  Tensor<float> u = tg::empty<float>({20000});
  nn::init::uniform_(u, -2.0, 3.0);
  const std::vector<float> v = u.tolist();
  REQUIRE(*std::min_element(v.begin(), v.end()) >= -2.0f);
  REQUIRE(*std::max_element(v.begin(), v.end()) < 3.0f);
  Tensor<float> n = tg::empty<float>({20000});
  nn::init::normal_(n, 1.0, 0.5);
  REQUIRE(sample_std(n) == Approx(0.5).epsilon(0.03));
  REQUIRE(n.mean().item() == Approx(1.0).margin(0.02));
}

TEST_CASE("init: xavier and kaiming bounds and standard deviations, fans, gains", "[nn][init]") {
  REQUIRE(nn::init::calculate_gain("linear") == 1.0);
  REQUIRE(nn::init::calculate_gain("sigmoid") == 1.0);
  REQUIRE(nn::init::calculate_gain("tanh") == Approx(5.0 / 3.0).margin(1e-15));
  REQUIRE(nn::init::calculate_gain("relu") == Approx(std::sqrt(2.0)).margin(1e-15));
  REQUIRE(nn::init::calculate_gain("leaky_relu") == Approx(std::sqrt(2.0 / (1 + 0.0001))).margin(1e-15));
  REQUIRE(nn::init::calculate_gain("leaky_relu", std::sqrt(5.0)) == Approx(std::sqrt(1.0 / 3.0)).margin(1e-15));
  REQUIRE(error_of([] { nn::init::calculate_gain("softsign"); }) ==
          "calculate_gain: unsupported nonlinearity \"softsign\"");

  const auto fans = nn::init::calculate_fan_in_and_fan_out(tg::empty<float>({16, 3, 5, 5}));
  REQUIRE(fans.first == 75);
  REQUIRE(fans.second == 400);
  REQUIRE(error_of([] {
            Tensor<float> b = tg::empty<float>({5});
            nn::init::xavier_uniform_(b);
          }) == "init: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape [5])");

  Tensor<float> w = tg::empty<float>({300, 200});
  nn::init::xavier_uniform_(w);
  const double xb = std::sqrt(6.0 / 500);
  REQUIRE(max_abs(w) <= xb);
  REQUIRE(max_abs(w) >= 0.99 * xb);
  nn::init::xavier_normal_(w, 2.0);
  REQUIRE(sample_std(w) == Approx(2.0 * std::sqrt(2.0 / 500)).epsilon(0.03));

  nn::init::kaiming_uniform_(w, 0, "fan_in", "relu");
  const double kb = std::sqrt(2.0) * std::sqrt(3.0 / 200);
  REQUIRE(max_abs(w) <= kb);
  REQUIRE(max_abs(w) >= 0.99 * kb);
  nn::init::kaiming_uniform_(w, 0, "fan_out", "relu");
  REQUIRE(max_abs(w) <= std::sqrt(2.0) * std::sqrt(3.0 / 300));
  nn::init::kaiming_normal_(w, 0, "fan_in", "relu");
  REQUIRE(sample_std(w) == Approx(std::sqrt(2.0 / 200)).epsilon(0.03));
  REQUIRE(error_of([&] { nn::init::kaiming_normal_(w, 0, "fan_avg"); }) ==
          "kaiming_normal_: mode must be \"fan_in\" or \"fan_out\", got \"fan_avg\"");

  // An explicit generator makes any init reproducible without touching the default one.
  Tensor<float> a = tg::empty<float>({4, 4}), b = tg::empty<float>({4, 4});
  tg::Generator g1(3), g2(3);
  nn::init::kaiming_normal_(a, 0, "fan_in", "leaky_relu", g1);
  nn::init::kaiming_normal_(b, 0, "fan_in", "leaky_relu", g2);
  REQUIRE(a.tolist() == b.tolist());
}
