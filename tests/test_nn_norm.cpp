// Normalisation, embedding and channel-dropout layers: BatchNorm1d/2d (batch and running statistics by hand,
// momentum and momentum=None, train/eval, buffers, checkpoints), LayerNorm (row statistics, affine, several
// trailing dims), Embedding (lookup, accumulated gradients, padding_idx), Dropout2d (whole channels,
// seeding), and each functional form against finite differences in float64; printouts and error messages.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <tensorgrad/io.hpp>
#include <tensorgrad/nn.hpp>
#include <tensorgrad/tensor.hpp>
#include "test_util.hpp"

namespace nn = tg::nn;
namespace F = tg::nn::functional;
using tg::Tensor;
using tg::TensorD;
using Inputs = std::vector<TensorD>;

using test_util::error_of;
using test_util::printed;

namespace {


template <class T> void require_values(const Tensor<T>& t, const std::vector<double>& expected, double tol = 1e-5) {
  const std::vector<T> got = t.tolist();
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    REQUIRE(static_cast<double>(got[i]) == Approx(expected[i]).margin(tol));
  }
}

/// For a module's parameters and buffers (AnyTensor), checked in their own dtype.
void require_values(const tg::AnyTensor& t, const std::vector<double>& expected, double tol = 1e-5) {
  t.visit_floating("require_values", [&](const auto& typed) { require_values(typed, expected, tol); });
}

void require_gradcheck(const std::function<TensorD(const Inputs&)>& fn, const Inputs& inputs) {
  const tg::GradcheckReport report = tg::gradcheck(fn, inputs);
  INFO(report.message);
  REQUIRE(report.ok);
}

TensorD randn_leaf(const tg::Shape& shape) { return tg::randn<double>(shape).requires_grad_(); }

using test_util::TempDir;

// A batch [4, 2]: channel 0 holds 1, 2, 3, 4 (mean 2.5, biased var 1.25, unbiased 5/3), channel 1 holds
// 0, 0, 4, 4 (mean 2, biased var 4, unbiased 16/3).
Tensor<float> small_batch(float scale = 1) {
  return tg::tensor<float>({1, 0, 2, 0, 3, 4, 4, 4}, {4, 2}) * scale;
}

}  // namespace

// ---- BatchNorm ---------------------------------------------------------------------------------------

TEST_CASE("BatchNorm1d: training normalises with the batch mean and biased variance", "[norm][batchnorm]") {
  tg::manual_seed(0);
  nn::BatchNorm1d bn(2);
  const double s0 = std::sqrt(1.25 + 1e-5), s1 = std::sqrt(4 + 1e-5);
  require_values(bn(small_batch()), {-1.5 / s0, -2 / s1, -0.5 / s0, -2 / s1, 0.5 / s0, 2 / s1, 1.5 / s0, 2 / s1});
  // running = 0.9·running + 0.1·batch, running_var with the unbiased variance.
  require_values(bn->running_mean, {0.25, 0.2});
  require_values(bn->running_var, {0.9 + 0.1 * 5 / 3.0, 0.9 + 0.1 * 16 / 3.0});
  REQUIRE(bn->num_batches_tracked.as<std::int64_t>().item() == 1);
  bn(small_batch());
  require_values(bn->running_mean, {0.9 * 0.25 + 0.25, 0.9 * 0.2 + 0.2});
  require_values(bn->running_var, {0.9 * (0.9 + 0.5 / 3) + 0.5 / 3, 0.9 * (0.9 + 1.6 / 3) + 1.6 / 3});
  REQUIRE(bn->num_batches_tracked.as<std::int64_t>().item() == 2);

  // The affine transform applies after normalisation.
  tg::NoGradGuard no_grad;
  bn->weight.fill_(2.0);
  bn->bias.fill_(0.5);
  require_values(bn(small_batch()), {0.5 - 3 / s0, 0.5 - 4 / s1, 0.5 - 1 / s0, 0.5 - 4 / s1, 0.5 + 1 / s0,
                                     0.5 + 4 / s1, 0.5 + 3 / s0, 0.5 + 4 / s1});
}

TEST_CASE("BatchNorm1d: momentum None keeps the cumulative average of the batch statistics", "[norm][batchnorm]") {
  nn::BatchNorm1d bn(nn::BatchNormOptions(2).momentum(std::nullopt));
  bn(small_batch());
  require_values(bn->running_mean, {2.5, 2});
  require_values(bn->running_var, {5 / 3.0, 16 / 3.0});
  bn(small_batch(2));  // channel 0: 2, 4, 6, 8 (mean 5, unbiased var 20/3); channel 1: mean 4, unbiased var 64/3
  require_values(bn->running_mean, {(2.5 + 5) / 2, (2 + 4) / 2.0});
  require_values(bn->running_var, {(5 / 3.0 + 20 / 3.0) / 2, (16 / 3.0 + 64 / 3.0) / 2});
  REQUIRE(bn->num_batches_tracked.as<std::int64_t>().item() == 2);
}

TEST_CASE("BatchNorm: eval uses the running statistics and leaves them unchanged", "[norm][batchnorm]") {
  nn::BatchNorm1d bn(2);
  bn(small_batch());
  bn(small_batch(2));
  const std::vector<float> mean = bn->running_mean.as<float>().tolist(), var = bn->running_var.as<float>().tolist();
  bn->eval();
  const Tensor<float> x = tg::tensor<float>({1, -1, 3, 5}, {2, 2});
  std::vector<double> expected;
  for (int i = 0; i < 4; ++i) {
    const int c = i % 2;
    expected.push_back((x.tolist()[i] - mean[c]) / std::sqrt(var[c] + 1e-5));
  }
  require_values(bn(x), expected);
  REQUIRE(bn->running_mean.as<float>().tolist() == mean);
  REQUIRE(bn->running_var.as<float>().tolist() == var);
  REQUIRE(bn->num_batches_tracked.as<std::int64_t>().item() == 2);
  // One value per channel is fine in eval.
  REQUIRE(bn(tg::ones<float>({1, 2})).sizes() == tg::Shape{1, 2});

  // Without running statistics there are no buffers, and eval normalises with the batch's statistics.
  nn::BatchNorm1d plain(nn::BatchNormOptions(2).track_running_stats(false).affine(false));
  REQUIRE(plain->named_buffers().empty());
  REQUIRE(plain->named_parameters().empty());
  plain->eval();
  const double s0 = std::sqrt(1.25 + 1e-5), s1 = std::sqrt(4 + 1e-5);
  require_values(plain(small_batch()), {-1.5 / s0, -2 / s1, -0.5 / s0, -2 / s1, 0.5 / s0, 2 / s1, 1.5 / s0, 2 / s1});
}

TEST_CASE("BatchNorm1d on [N, C, L] and BatchNorm2d on [N, C, H, W] normalise each channel", "[norm][batchnorm]") {
  tg::manual_seed(3);
  nn::BatchNorm1d bn1(3);
  nn::BatchNorm2d bn2(3);
  const Tensor<float> x3 = tg::randn<float>({4, 3, 5}) * 3.0f + 1.0f;
  const Tensor<float> x4 = tg::randn<float>({2, 3, 4, 5}) * 3.0f + 1.0f;
  for (const auto& [y, x] : {std::make_pair(bn1(x3), x3), std::make_pair(bn2(x4), x4)}) {
    // Per channel: mean 0 and biased variance 1 (up to eps) after; running_mean = 0.1·batch mean before.
    const Tensor<float> mean = y.transpose(0, 1).reshape({3, -1}).mean(1);
    const Tensor<float> var = y.transpose(0, 1).reshape({3, -1}).var(1, false);
    require_values(mean, {0, 0, 0});
    require_values(var, {1, 1, 1}, 1e-4);
    const Tensor<float> batch_mean = x.transpose(0, 1).reshape({3, -1}).mean(1) * 0.1f;
    const auto& running = x.dim() == 3 ? bn1->running_mean : bn2->running_mean;
    require_values(running, {batch_mean.tolist()[0], batch_mean.tolist()[1], batch_mean.tolist()[2]});
  }
}

TEST_CASE("F::batch_norm passes float64 finite differences for input, weight and bias", "[norm][batchnorm][gradcheck]") {
  tg::manual_seed(11);
  const TensorD no_stats;
  for (const tg::Shape& shape : {tg::Shape{5, 3}, tg::Shape{2, 3, 4}, tg::Shape{2, 3, 2, 3}}) {
    INFO("shape " << shape);
    const TensorD x = randn_leaf(shape), w = randn_leaf({3}), b = randn_leaf({3});
    require_gradcheck([&](const Inputs& in) { return F::batch_norm(in[0], no_stats, no_stats, in[1], in[2], true); },
                      {x, w, b});
    // Running statistics are updated but are not differentiable inputs.
    const TensorD rm = tg::zeros<double>({3}), rv = tg::ones<double>({3});
    require_gradcheck([&](const Inputs& in) { return F::batch_norm(in[0], rm, rv, in[1], in[2], true); }, {x, w, b});
    const TensorD mean = tg::randn<double>({3}), var = tg::rand<double>({3}) + 0.5;
    require_gradcheck([&](const Inputs& in) { return F::batch_norm(in[0], mean, var, in[1], in[2], false); }, {x, w, b});
    require_gradcheck([&](const Inputs& in) { return F::batch_norm(in[0], no_stats, no_stats, TensorD(), TensorD(), true); },
                      {x});
  }
  // A non-contiguous input, and weight without bias.
  const TensorD xt = randn_leaf({3, 6}).transpose(0, 1), w = randn_leaf({3});
  require_gradcheck([&](const Inputs& in) { return F::batch_norm(in[0], no_stats, no_stats, in[1], TensorD(), true); },
                    {xt, w});
}

TEST_CASE("BatchNorm: parameters, buffers, printout and to()", "[norm][batchnorm]") {
  nn::BatchNorm2d bn(32);
  REQUIRE(printed(bn) == "BatchNorm2d(32, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)");
  REQUIRE(printed(nn::BatchNorm1d(nn::BatchNormOptions(8).eps(1e-3).momentum(std::nullopt).affine(false))) ==
          "BatchNorm1d(8, eps=0.001, momentum=None, affine=false, track_running_stats=true)");
  const auto params = bn->named_parameters();
  REQUIRE(params.size() == 2);
  REQUIRE(params[0].first == "weight");
  REQUIRE(params[1].first == "bias");
  require_values(bn->weight, std::vector<double>(32, 1.0));
  require_values(bn->bias, std::vector<double>(32, 0.0));
  const auto buffers = bn->named_buffers();
  REQUIRE(buffers.size() == 3);
  REQUIRE(buffers[0].first == "running_mean");
  REQUIRE(buffers[1].first == "running_var");
  REQUIRE(buffers[2].first == "num_batches_tracked");
  REQUIRE(bn->num_batches_tracked.sizes() == tg::Shape{});
  REQUIRE_FALSE(bn->running_mean.requires_grad());
  bn->to(tg::kCPU);  // buffers travel with to(); moving to the CPU keeps them in place
  REQUIRE(bn->named_buffers()[0].second.impl() == bn->running_mean.impl());

  nn::Sequential net(nn::Linear(4, 8), nn::BatchNorm1d(8), nn::ReLU());
  REQUIRE(net->named_buffers()[0].first == "1.running_mean");
  REQUIRE(net(tg::randn<float>({6, 4})).sizes() == tg::Shape{6, 8});
}

TEST_CASE("BatchNorm: gradients flow to the input and the affine parameters through a module", "[norm][batchnorm]") {
  nn::BatchNorm1d bn(2);
  Tensor<float> x = small_batch().requires_grad_();
  Tensor<float> y = bn(x);
  (y * tg::tensor<float>({1, 0, 2, 0, 3, 0, 4, 1}, {4, 2})).sum().backward();
  // dbias = Σg per channel; dweight = Σ g·x̂.
  const double s0 = std::sqrt(1.25 + 1e-5), s1 = std::sqrt(4 + 1e-5);
  require_values(bn->bias.grad(), {10, 1});
  require_values(bn->weight.grad(), {(-1.5 * 1 - 0.5 * 2 + 0.5 * 3 + 1.5 * 4) / s0, 2 / s1});
  // Channel 1: dx = invstd·(g − mean(g) − x̂·mean(g·x̂)).
  const double mg = 0.25, mgx = 0.25 * (2 / s1);
  const std::vector<double> xhat1 = {-2 / s1, -2 / s1, 2 / s1, 2 / s1}, g1 = {0, 0, 0, 1};
  const std::vector<float> dx = x.grad().tolist();
  for (int i = 0; i < 4; ++i) REQUIRE(dx[2 * i + 1] == Approx((g1[i] - mg - xhat1[i] * mgx) / s1).margin(1e-5));
}

TEST_CASE("BatchNorm: checkpoint round trip of parameters and buffers, and PyTorch's int64 counter",
          "[norm][batchnorm][io]") {
  tg::manual_seed(5);
  nn::BatchNorm2d bn(4);
  for (int step = 0; step < 3; ++step) bn(tg::randn<float>({3, 4, 2, 2}));
  {
    tg::NoGradGuard no_grad;
    bn->weight.copy_(tg::randn<float>({4}));
  }
  TempDir tmp;
  const std::string path = tmp.file("bn.safetensors");
  tg::save(bn, path);
  nn::BatchNorm2d loaded(4);
  tg::load(loaded, path);
  const auto a = tg::module_state_dict(bn), b = tg::module_state_dict(loaded);
  REQUIRE(a.size() == 5);
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].first);
    REQUIRE(a[i].first == b[i].first);
    REQUIRE(a[i].second.to(tg::kFloat64).as<double>().tolist() == b[i].second.to(tg::kFloat64).as<double>().tolist());
  }
  REQUIRE(loaded->num_batches_tracked.as<std::int64_t>().item() == 3);

  // PyTorch's state_dict keeps num_batches_tracked as int64.
  const std::string torch_path = tmp.file("torch_bn.safetensors");
  std::vector<tg::io::NamedTensor> torch_state;
  for (const auto& [name, t] : a)
    if (name == "num_batches_tracked") torch_state.push_back({name, tg::scalar_tensor<std::int64_t>(7)});
    else torch_state.push_back({name, t});
  tg::io::save_tensors(torch_path, torch_state, {{"format", "pt"}});
  tg::load(loaded, torch_path);
  REQUIRE(loaded->num_batches_tracked.as<std::int64_t>().item() == 7);
}

TEST_CASE("BatchNorm: errors name the module, the shapes and PyTorch's reasons", "[norm][batchnorm][errors]") {
  nn::BatchNorm2d bn2(16);
  nn::BatchNorm1d bn1(16);
  REQUIRE(error_of([&] { bn2(tg::zeros<float>({8, 16, 4})); }) == "BatchNorm2d: expected 4D input (got 3D input)");
  REQUIRE(error_of([&] { bn1(tg::zeros<float>({2, 16, 4, 4})); }) == "BatchNorm1d: expected 2D or 3D input (got 4D input)");
  REQUIRE(error_of([&] { bn1(tg::zeros<float>({8, 10})); }) == "BatchNorm1d: expected input with 16 channels, got [8, 10]");
  REQUIRE(error_of([&] { bn1(tg::zeros<float>({1, 16})); }) ==
          "BatchNorm1d: batch_norm: Expected more than 1 value per channel when training, got input size [1, 16]");
  REQUIRE(bn1->num_batches_tracked.item() == 0.0f);  // a failed forward does not count a batch
  REQUIRE(error_of([] { nn::BatchNorm1d(0); }) == "BatchNorm: num_features must be positive, got 0");
  REQUIRE(error_of([] { F::batch_norm(tg::zeros<float>({4}), Tensor<float>(), Tensor<float>()); }) ==
          "batch_norm: expected input of shape [N, C, *] (at least 2 dims), got [4]");
  REQUIRE(error_of([] { F::batch_norm(tg::zeros<float>({4, 3}), tg::zeros<float>({2}), tg::ones<float>({3})); }) ==
          "batch_norm: running_mean of shape [2] does not match the expected shape [3] (input of shape [4, 3])");
  REQUIRE(error_of([] { F::batch_norm(tg::zeros<float>({4, 3}), Tensor<float>(), Tensor<float>()); }) ==
          "batch_norm: running_mean and running_var must be defined when not training");
}

// ---- LayerNorm ---------------------------------------------------------------------------------------

TEST_CASE("LayerNorm: each row has mean 0 and biased variance 1 before the affine transform", "[norm][layernorm]") {
  nn::LayerNorm ln(4);
  const Tensor<float> x = tg::tensor<float>({1, 2, 3, 4, 0, 0, 4, 4, -2, 6, 1, 3}, {3, 4});
  const Tensor<float> y = ln(x);
  require_values(y.mean(1), {0, 0, 0});
  require_values(y.var(1, false), {1, 1, 1}, 1e-4);
  const double s = std::sqrt(1.25 + 1e-5);
  require_values(y.select(0, 0), {-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s});
  require_values(y.select(0, 1), {-1, -1, 1, 1}, 1e-5);

  // The affine transform is elementwise over normalized_shape.
  {
    tg::NoGradGuard no_grad;
    ln->weight.copy_(tg::tensor<float>({1, 2, 3, 4}));
    ln->bias.copy_(tg::tensor<float>({0, 0, 0, 1}));
  }
  require_values(ln(x).select(0, 0), {-1.5 / s, -1 / s, 1.5 / s, 1 + 6 / s});

  // Several trailing dims: statistics over the last two, the same in train and eval.
  nn::LayerNorm ln2(nn::LayerNormOptions({2, 3}).elementwise_affine(false));
  REQUIRE(ln2->named_parameters().empty());
  const Tensor<float> x3 = tg::randn<float>({4, 2, 3}) * 5.0f + 2.0f;
  const Tensor<float> y3 = ln2(x3).reshape({4, 6});
  require_values(y3.mean(1), {0, 0, 0, 0});
  require_values(y3.var(1, false), {1, 1, 1, 1}, 1e-4);
  ln2->eval();
  REQUIRE(ln2(x3).reshape({4, 6}).tolist() == y3.tolist());
}

TEST_CASE("F::layer_norm passes float64 finite differences for input, weight and bias", "[norm][layernorm][gradcheck]") {
  tg::manual_seed(12);
  for (const auto& [shape, normalized] : {std::make_pair(tg::Shape{3, 5}, tg::Shape{5}),
                                          std::make_pair(tg::Shape{2, 2, 3}, tg::Shape{2, 3}),
                                          std::make_pair(tg::Shape{4}, tg::Shape{4})}) {
    INFO("shape " << shape << " normalized " << normalized);
    const TensorD x = randn_leaf(shape), w = randn_leaf(normalized), b = randn_leaf(normalized);
    require_gradcheck([&](const Inputs& in) { return F::layer_norm(in[0], normalized, in[1], in[2]); }, {x, w, b});
    require_gradcheck([&](const Inputs& in) { return F::layer_norm(in[0], normalized); }, {x});
  }
  const TensorD xt = randn_leaf({4, 3}).transpose(0, 1), w = randn_leaf({4});
  require_gradcheck([&](const Inputs& in) { return F::layer_norm(in[0], {4}, in[1]); }, {xt, w});
}

TEST_CASE("LayerNorm: printout and errors", "[norm][layernorm][errors]") {
  REQUIRE(printed(nn::LayerNorm(512)) == "LayerNorm((512,), eps=1e-05, elementwise_affine=true)");
  REQUIRE(printed(nn::LayerNorm(nn::LayerNormOptions({8, 8}).eps(1e-6).elementwise_affine(false))) ==
          "LayerNorm((8, 8), eps=1e-06, elementwise_affine=false)");
  nn::LayerNorm ln(4);
  REQUIRE(ln->weight.sizes() == tg::Shape{4});
  require_values(ln->weight, {1, 1, 1, 1});
  require_values(ln->bias, {0, 0, 0, 0});
  REQUIRE(error_of([&] { ln(tg::zeros<float>({2, 3})); }) ==
          "LayerNorm: layer_norm: given normalized_shape=[4], expected input with shape [*, 4], but got input of size [2, 3]");
  REQUIRE(error_of([] { F::layer_norm(tg::zeros<float>({2, 4}), {4}, tg::ones<float>({3})); }) ==
          "layer_norm: weight of shape [3] does not match the expected shape [4] (input of shape [2, 4])");
  REQUIRE(error_of([] { nn::LayerNorm(0); }) == "LayerNorm: normalized_shape must be positive, got [0]");
}

// ---- Embedding ---------------------------------------------------------------------------------------

TEST_CASE("Embedding: lookup of any index shape, gradients accumulate for repeated indices", "[norm][embedding]") {
  nn::Embedding emb(5, 3);
  {
    tg::NoGradGuard no_grad;
    emb->weight.copy_(tg::arange<float>(0, 15).reshape({5, 3}));
  }
  const Tensor<std::int64_t> idx = tg::tensor<std::int64_t>({4, 0, 4, 2}, {2, 2});
  Tensor<float> y = emb(idx);
  REQUIRE(y.sizes() == tg::Shape{2, 2, 3});
  require_values(y, {12, 13, 14, 0, 1, 2, 12, 13, 14, 6, 7, 8});
  REQUIRE(emb(tg::scalar_tensor<std::int64_t>(1)).sizes() == tg::Shape{3});
  (y * tg::arange<float>(1, 13).reshape({2, 2, 3})).sum().backward();
  // Row 4 gets the gradients of both of its lookups: (1, 2, 3) + (7, 8, 9).
  require_values(emb->weight.grad(), {4, 5, 6, 0, 0, 0, 10, 11, 12, 0, 0, 0, 8, 10, 12});
}

TEST_CASE("Embedding: init N(0, 1), padding_idx row zero and without gradient", "[norm][embedding]") {
  tg::manual_seed(1);
  nn::Embedding big(1000, 50);
  const std::vector<float> v = big->weight.as<float>().tolist();
  double mean = 0, sq = 0;
  for (float x : v) mean += x;
  mean /= v.size();
  for (float x : v) sq += (x - mean) * (x - mean);
  REQUIRE(std::abs(mean) < 0.01);
  REQUIRE(std::sqrt(sq / v.size()) == Approx(1.0).margin(0.01));

  nn::Embedding emb(nn::EmbeddingOptions(4, 2).padding_idx(-1));  // the last row, as PyTorch
  REQUIRE(*emb->options.padding_idx() == 3);
  require_values(emb->weight.as<float>().select(0, 3), {0, 0});
  REQUIRE(emb->weight.as<float>().select(0, 0).abs().sum().item() > 0);
  REQUIRE(printed(emb) == "Embedding(4, 2, padding_idx=3)");
  REQUIRE(printed(nn::Embedding(10, 3)) == "Embedding(10, 3)");
  emb(tg::tensor<std::int64_t>({3, 1, 3})).sum().backward();
  require_values(emb->weight.grad(), {0, 0, 1, 1, 0, 0, 0, 0});
}

TEST_CASE("F::embedding passes float64 finite differences for the weight", "[norm][embedding][gradcheck]") {
  tg::manual_seed(13);
  const Tensor<std::int64_t> idx = tg::tensor<std::int64_t>({1, 3, 1, 0, 2, 1}, {2, 3});
  require_gradcheck([&](const Inputs& in) { return F::embedding(idx, in[0]); }, {randn_leaf({4, 3})});
  // A non-contiguous weight.
  require_gradcheck([&](const Inputs& in) { return F::embedding(idx, in[0]); }, {randn_leaf({3, 4}).transpose(0, 1)});
}

TEST_CASE("Embedding: errors name the index and num_embeddings", "[norm][embedding][errors]") {
  nn::Embedding emb(5, 3);
  REQUIRE(error_of([&] { emb(tg::tensor<std::int64_t>({0, 5})); }) ==
          "Embedding: embedding: index 5 is out of range for num_embeddings 5 (expected 0..4)");
  REQUIRE(error_of([&] { emb(tg::tensor<std::int64_t>({-1})); }) ==
          "Embedding: embedding: index -1 is out of range for num_embeddings 5 (expected 0..4)");
  REQUIRE(error_of([] { nn::Embedding(nn::EmbeddingOptions(5, 3).padding_idx(5)); }) ==
          "Embedding: padding_idx 5 must be within num_embeddings 5");
  REQUIRE(error_of([] { F::embedding(tg::tensor<std::int64_t>({0}), tg::zeros<float>({5})); }) ==
          "embedding: weight must be 2-d [num_embeddings, embedding_dim], got shape [5]");
}

// ---- Dropout2d ---------------------------------------------------------------------------------------

TEST_CASE("Dropout2d: zeroes whole channels, scales the rest, identity in eval", "[norm][dropout2d]") {
  tg::manual_seed(2);
  nn::Dropout2d drop(0.25);
  const Tensor<float> x = tg::ones<float>({50, 40, 3, 2});
  const Tensor<float> y = drop(x);
  const std::vector<float> v = y.tolist();
  std::int64_t dropped = 0;
  for (std::size_t ch = 0; ch < v.size() / 6; ++ch) {
    const float first = v[ch * 6];
    REQUIRE((first == 0.0f || first == Approx(1 / 0.75)));
    for (int k = 1; k < 6; ++k) REQUIRE(v[ch * 6 + k] == first);  // the whole channel shares one draw
    dropped += first == 0.0f;
  }
  REQUIRE(dropped > 400);  // expected 500 of 2000 channels, std ~19
  REQUIRE(dropped < 600);
  REQUIRE(y.mean().item() == Approx(1.0).margin(0.05));  // the expectation is kept

  // Unbatched [C, H, W]: each of the C channels is kept or dropped whole.
  const std::vector<float> u = drop(tg::ones<float>({64, 2, 2})).tolist();
  for (std::size_t ch = 0; ch < 64; ++ch)
    for (int k = 1; k < 4; ++k) REQUIRE(u[ch * 4 + k] == u[ch * 4]);

  drop->eval();
  REQUIRE(drop(x).impl() == x.impl());
  REQUIRE(F::dropout2d(x, 0.5, false).impl() == x.impl());
  require_values(F::dropout2d(tg::ones<float>({1, 2, 1, 1}), 1.0), {0, 0});
}

TEST_CASE("Dropout2d: reproducible under manual_seed, gradient is the mask", "[norm][dropout2d]") {
  const Tensor<float> x = tg::randn<float>({4, 8, 3, 3});
  nn::Dropout2d drop;
  tg::manual_seed(9);
  const std::vector<float> a = drop(x).tolist();
  tg::manual_seed(9);
  REQUIRE(drop(x).tolist() == a);
  REQUIRE(drop(x).tolist() != a);

  Tensor<float> leaf = tg::ones<float>({2, 5, 2, 2}).requires_grad_();
  const Tensor<float> out = F::dropout2d(leaf, 0.5);
  out.sum().backward();
  REQUIRE(leaf.grad().tolist() == out.tolist());

  // The same mask on every evaluation: a fresh generator with one seed each time.
  require_gradcheck(
      [](const Inputs& in) {
        tg::Generator gen(4);
        return F::dropout2d(in[0], 0.4, true, gen);
      },
      {randn_leaf({2, 3, 2, 2})});
}

TEST_CASE("Dropout2d: printout and errors", "[norm][dropout2d][errors]") {
  REQUIRE(printed(nn::Dropout2d(0.2)) == "Dropout2d(p=0.2, inplace=false)");
  REQUIRE(error_of([] { nn::Dropout2d(-0.5); }) == "Dropout2d: probability has to be between 0 and 1, but got -0.5");
  REQUIRE(error_of([] { F::dropout2d(tg::ones<float>({2, 3}), 0.5); }) ==
          "dropout2d: expected 3D or 4D input (got 2D input)");
}
