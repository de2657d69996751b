// Conv2d and the pools: values against a direct (seven-loop) convolution and hand-computed windows, float64
// gradcheck over stride/padding/dilation/groups variants, module init/printouts, and errors.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <tensorgrad/nn.hpp>
#include <tensorgrad/tensor.hpp>

#include "test_util.hpp"

namespace nn = tg::nn;
namespace F = tg::nn::functional;
using tg::Tensor;
using TensorD = Tensor<double>;

using test_util::error_of;
using test_util::printed;

namespace {

/// conv2d by its definition, one output element at a time.
TensorD direct_conv2d(const TensorD& x, const TensorD& w, const TensorD& b, std::int64_t stride, std::int64_t pad,
                      std::int64_t dil, std::int64_t groups) {
  const std::int64_t n = x.size(0), h = x.size(2), wd = x.size(3);
  const std::int64_t o = w.size(0), cg = w.size(1), kh = w.size(2), kw = w.size(3);
  const std::int64_t oh = (h + 2 * pad - dil * (kh - 1) - 1) / stride + 1;
  const std::int64_t ow = (wd + 2 * pad - dil * (kw - 1) - 1) / stride + 1;
  TensorD out = tg::zeros<double>({n, o, oh, ow});
  for (std::int64_t bi = 0; bi < n; ++bi)
    for (std::int64_t oc = 0; oc < o; ++oc) {
      const std::int64_t group = oc / (o / groups);
      for (std::int64_t i = 0; i < oh; ++i)
        for (std::int64_t j = 0; j < ow; ++j) {
          double acc = b.defined() ? b.at({oc}) : 0.0;
          for (std::int64_t ic = 0; ic < cg; ++ic)
            for (std::int64_t ki = 0; ki < kh; ++ki)
              for (std::int64_t kj = 0; kj < kw; ++kj) {
                const std::int64_t y = i * stride - pad + ki * dil, xx = j * stride - pad + kj * dil;
                if (y < 0 || y >= h || xx < 0 || xx >= wd) continue;
                acc += x.at({bi, group * cg + ic, y, xx}) * w.at({oc, ic, ki, kj});
              }
          out.at({bi, oc, i, j}) = acc;
        }
    }
  return out;
}

/// max_pool2d by its definition for one plane geometry: each window's maximum over the taps in raster order,
/// the first of equal values winning and a NaN winning (the last NaN seen, as PyTorch's loop does); returns
/// the values and, in `grad`, one 1 per output at the winning input (summed where windows overlap).
TensorD direct_max_pool2d(const TensorD& x, std::int64_t k, std::int64_t stride, std::int64_t pad, std::int64_t dil,
                          bool ceil_mode, TensorD& grad) {
  const std::int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  auto out_size = [&](std::int64_t in) {
    const std::int64_t span = in + 2 * pad - dil * (k - 1) - 1;
    std::int64_t o = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
    if (ceil_mode && (o - 1) * stride >= in + pad) --o;  // the last window must start inside the input
    return o;
  };
  const std::int64_t oh = out_size(h), ow = out_size(w);
  TensorD out = tg::zeros<double>({n, c, oh, ow});
  grad = tg::zeros<double>(x.sizes());
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t ch = 0; ch < c; ++ch)
      for (std::int64_t i = 0; i < oh; ++i)
        for (std::int64_t j = 0; j < ow; ++j) {
          double best = -std::numeric_limits<double>::infinity();
          std::int64_t by = -1, bx = -1;
          for (std::int64_t ki = 0; ki < k; ++ki)
            for (std::int64_t kj = 0; kj < k; ++kj) {
              const std::int64_t y = i * stride - pad + ki * dil, xx = j * stride - pad + kj * dil;
              if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
              const double v = x.at({b, ch, y, xx});
              if (by < 0) by = y, bx = xx;  // the index starts at the first tap inside the input
              if (v > best || std::isnan(v)) best = v, by = y, bx = xx;
            }
          out.at({b, ch, i, j}) = best;
          grad.at({b, ch, by, bx}) += 1.0;
        }
  return out;
}

void check_close(const TensorD& a, const TensorD& b, double tol = 1e-12) {
  REQUIRE(a.sizes() == b.sizes());
  const auto va = a.tolist(), vb = b.tolist();
  for (std::size_t i = 0; i < va.size(); ++i) CHECK(va[i] == Approx(vb[i]).margin(tol));
}

struct ConvCase {
  std::int64_t n, c, h, w, o, k, stride, pad, dil, groups;
  bool bias;
};

}  // namespace

TEST_CASE("conv2d matches a direct convolution for stride, padding, dilation and groups", "[conv]") {
  const std::vector<ConvCase> cases = {
      {2, 3, 7, 6, 4, 3, 1, 0, 1, 1, true},  {1, 2, 5, 5, 3, 3, 2, 1, 1, 1, false}, {2, 4, 9, 8, 6, 3, 1, 2, 2, 2, true},
      {3, 1, 6, 6, 2, 1, 1, 0, 1, 1, true},  {1, 6, 8, 7, 6, 3, 3, 1, 1, 3, true},  {2, 2, 4, 4, 2, 4, 1, 0, 1, 1, true},
      {1, 4, 10, 9, 8, 5, 2, 2, 1, 4, false}};
  tg::manual_seed(1);
  for (const ConvCase& t : cases) {
    INFO("n=" << t.n << " c=" << t.c << " " << t.h << "x" << t.w << " o=" << t.o << " k=" << t.k << " stride="
              << t.stride << " pad=" << t.pad << " dil=" << t.dil << " groups=" << t.groups);
    const TensorD x = tg::randn<double>({t.n, t.c, t.h, t.w});
    const TensorD w = tg::randn<double>({t.o, t.c / t.groups, t.k, t.k});
    const TensorD b = t.bias ? tg::randn<double>({t.o}) : TensorD();
    check_close(F::conv2d(x, w, b, t.stride, t.pad, t.dil, t.groups),
                direct_conv2d(x, w, b, t.stride, t.pad, t.dil, t.groups));
  }
}

TEST_CASE("conv2d: a hand-computed 3x3 input with a 2x2 kernel", "[conv]") {
  const TensorD x = tg::tensor<double>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  const TensorD w = tg::tensor<double>({1, 0, 0, -1}, {1, 1, 2, 2});
  // Each output is x[i][j] − x[i+1][j+1] = −4, plus the bias 0.5.
  check_close(F::conv2d(x, w, tg::tensor<double>({0.5})), tg::tensor<double>({-3.5, -3.5, -3.5, -3.5}, {1, 1, 2, 2}));
  // Unbatched [C, H, W] input gives [O, oH, oW]; stride (1, 2) and padding (1, 0): output (i, 0) is
  // x[i−1][0] − x[i][1], with rows −1 and 3 the zero padding.
  const TensorD y = F::conv2d(x.squeeze(0), w, TensorD(), {1, 2}, {1, 0});
  CHECK(y.sizes() == tg::Shape{1, 4, 1});
  check_close(y, tg::tensor<double>({0 - 2, 1 - 5, 4 - 8, 7 - 0}, {1, 4, 1}));
}

TEST_CASE("conv2d gradients pass float64 gradcheck", "[conv][gradcheck]") {
  const std::vector<ConvCase> cases = {{2, 2, 5, 4, 3, 3, 1, 0, 1, 1, true}, {1, 2, 6, 5, 2, 3, 2, 1, 1, 1, true},
                                       {1, 4, 6, 6, 4, 2, 1, 1, 2, 2, true}, {2, 3, 4, 4, 3, 1, 1, 0, 1, 3, false}};
  tg::manual_seed(2);
  for (const ConvCase& t : cases) {
    INFO("c=" << t.c << " k=" << t.k << " stride=" << t.stride << " pad=" << t.pad << " dil=" << t.dil
              << " groups=" << t.groups);
    std::vector<TensorD> inputs = {tg::randn<double>({t.n, t.c, t.h, t.w}).requires_grad_(),
                                   tg::randn<double>({t.o, t.c / t.groups, t.k, t.k}).requires_grad_()};
    if (t.bias) inputs.push_back(tg::randn<double>({t.o}).requires_grad_());
    const auto report = tg::gradcheck(
        [&](const std::vector<TensorD>& in) {
          return F::conv2d(in[0], in[1], t.bias ? in[2] : TensorD(), t.stride, t.pad, t.dil, t.groups);
        },
        inputs);
    INFO(report.message);
    CHECK(report.ok);
  }
  // Only the input needs a gradient (the weight is frozen), and a non-contiguous input.
  const TensorD w = tg::randn<double>({2, 3, 2, 2});
  const TensorD x = tg::randn<double>({1, 3, 5, 4}).transpose(2, 3).requires_grad_();
  const auto report = tg::gradcheck([&](const std::vector<TensorD>& in) { return F::conv2d(in[0], w, TensorD(), 1, 1); },
                                    {x});
  INFO(report.message);
  CHECK(report.ok);
}

TEST_CASE("conv2d backward: bias gradient sums over batch and positions, frozen input gets none", "[conv]") {
  const TensorD x = tg::ones<double>({2, 1, 4, 4});
  const TensorD w = tg::ones<double>({3, 1, 3, 3}).requires_grad_();
  const TensorD b = tg::zeros<double>({3}).requires_grad_();
  F::conv2d(x, w, b).sum().backward();
  check_close(b.grad(), tg::full<double>({3}, 2.0 * 2 * 2));  // 2 samples × 2×2 outputs
  check_close(w.grad(), tg::full<double>({3, 1, 3, 3}, 8.0));  // every tap sees a 1 at each of the 8 outputs
  CHECK_FALSE(x.grad().defined());

  // An empty batch: an empty output, and zero weight and bias gradients.
  const TensorD w0 = tg::ones<double>({3, 2, 3, 3}).requires_grad_(), b0 = tg::ones<double>({3}).requires_grad_();
  const TensorD y0 = F::conv2d(tg::ones<double>({0, 2, 5, 5}).requires_grad_(), w0, b0);
  CHECK(y0.sizes() == tg::Shape{0, 3, 3, 3});
  y0.sum().backward();
  check_close(w0.grad(), tg::zeros<double>({3, 2, 3, 3}));
  check_close(b0.grad(), tg::zeros<double>({3}));
}

TEST_CASE("conv2d splits a large batch into chunks without changing the result", "[conv]") {
  // 64 channels x 3x3 taps x 100 positions = 57,600 cols elements per sample: a 2^22-element chunk holds 72
  // samples, so 76 samples run as two chunks (72 + 4).
  tg::manual_seed(4);
  const TensorD x = tg::randn<double>({76, 64, 10, 10}).requires_grad_();
  const TensorD w = tg::randn<double>({5, 64, 3, 3}).requires_grad_();
  const TensorD y = F::conv2d(x, w, TensorD(), 1, 1);
  for (std::int64_t i : {0, 17, 75}) check_close(y.slice(0, i, i + 1), F::conv2d(x.detach().slice(0, i, i + 1), w.detach(), TensorD(), 1, 1), 1e-9);
  const TensorD g = tg::randn<double>(y.sizes());
  y.backward(g);
  // The weight gradient summed over chunks equals the sum of per-sample weight gradients.
  TensorD expected = tg::zeros<double>(w.sizes());
  for (std::int64_t i = 0; i < 76; ++i) {
    const TensorD wi = w.detach().clone().requires_grad_();
    F::conv2d(x.detach().slice(0, i, i + 1), wi, TensorD(), 1, 1).backward(g.slice(0, i, i + 1));
    expected = expected + wi.grad();
  }
  check_close(w.grad(), expected, 1e-8);
  const TensorD xi = x.detach().slice(0, 75, 76).clone().requires_grad_();
  F::conv2d(xi, w.detach(), TensorD(), 1, 1).backward(g.slice(0, 75, 76));
  check_close(x.grad().slice(0, 75, 76), xi.grad(), 1e-9);
}

TEST_CASE("max_pool2d: values, ties, NaN, padding and ceil_mode", "[pool]") {
  const TensorD x = tg::tensor<double>({1, 5, 2, 0, 3, 4, 9, 9, 7, 1, 2, 6, 8, 0, 3, 3}, {1, 1, 4, 4});
  const TensorD xg = x.clone().requires_grad_();
  const TensorD y = F::max_pool2d(xg, 2);
  check_close(y, tg::tensor<double>({5, 9, 8, 6}, {1, 1, 2, 2}));
  y.sum().backward();
  // The tie 9/9 sends the gradient to the first of the two, as PyTorch does.
  check_close(xg.grad(), tg::tensor<double>({0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0}, {1, 1, 4, 4}));

  // Stride 1, padding 1 (padding never wins: it counts as −∞ even when every input is negative).
  const TensorD neg = tg::full<double>({1, 2, 2}, -3.0);
  check_close(F::max_pool2d(neg, 2, 1, 1), tg::full<double>({1, 3, 3}, -3.0));

  // ceil_mode keeps the last partial window: 5 wide, kernel 2, stride 2 → 3 outputs instead of 2.
  const TensorD row = tg::tensor<double>({1, 2, 3, 4, 5}, {1, 1, 1, 5});
  CHECK(F::max_pool2d(row, {1, 2}).sizes() == tg::Shape{1, 1, 1, 2});
  check_close(F::max_pool2d(row, {1, 2}, std::nullopt, 0, 1, true), tg::tensor<double>({2, 4, 5}, {1, 1, 1, 3}));

  // Dilation 2 over a row: windows {0, 2} and {1, 3}.
  check_close(F::max_pool2d(tg::tensor<double>({4, 1, 2, 3}, {1, 1, 1, 4}), {1, 2}, 1, 0, {1, 2}),
              tg::tensor<double>({4, 3}, {1, 1, 1, 2}));

  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(std::isnan(F::max_pool2d(tg::tensor<double>({1, nan, 3, 2}, {1, 1, 2, 2}), 2).item()));
}

TEST_CASE("max_pool2d matches its definition over kernels, strides, padding, dilation and ceil_mode", "[pool]") {
  // Values from a small set, so windows hold ties, with NaNs and −∞ mixed in: which input wins is checked
  // through the gradient, since each output's gradient goes to its window's winner.
  tg::manual_seed(5);
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  struct PoolCase {
    std::int64_t h, w, k, stride, pad, dil;
    bool ceil;
  };
  const std::vector<PoolCase> cases = {{26, 26, 2, 2, 0, 1, false}, {11, 11, 2, 2, 0, 1, false}, {11, 11, 2, 2, 0, 1, true},
                                       {9, 12, 3, 1, 1, 1, false},  {9, 12, 3, 2, 1, 1, true},   {10, 7, 2, 1, 0, 2, false},
                                       {8, 9, 3, 3, 1, 2, true},    {5, 40, 4, 3, 2, 1, false},  {3, 3, 3, 1, 1, 1, false}};
  for (const PoolCase& t : cases) {
    INFO("h=" << t.h << " w=" << t.w << " k=" << t.k << " stride=" << t.stride << " pad=" << t.pad << " dil=" << t.dil
              << " ceil=" << t.ceil);
    TensorD x = tg::randint<std::int64_t>(0, 4, {2, 3, t.h, t.w}).to<double>();
    for (std::int64_t i = 0; i < x.numel(); i += 37) x.data()[i] = nan;
    for (std::int64_t i = 5; i < x.numel(); i += 29) x.data()[i] = -inf;
    TensorD expected_grad;
    const TensorD expected = direct_max_pool2d(x, t.k, t.stride, t.pad, t.dil, t.ceil, expected_grad);
    const TensorD xg = x.clone().requires_grad_();
    const TensorD y = F::max_pool2d(xg, t.k, t.stride, t.pad, t.dil, t.ceil);
    REQUIRE(y.sizes() == expected.sizes());
    const auto got = y.tolist(), want = expected.tolist();
    for (std::size_t i = 0; i < got.size(); ++i) {
      INFO("output " << i);
      CHECK(std::isnan(got[i]) == std::isnan(want[i]));
      if (!std::isnan(want[i])) CHECK(got[i] == want[i]);
    }
    y.sum().backward();
    check_close(xg.grad(), expected_grad);
  }
}

TEST_CASE("avg_pool2d and adaptive_avg_pool2d: hand-computed windows", "[pool]") {
  const TensorD x = tg::tensor<double>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  check_close(F::avg_pool2d(x, 2, 1), tg::tensor<double>({3, 4, 6, 7}, {1, 1, 2, 2}));
  // Padding 1, stride 2: the corner window holds one real element (1) in 4 positions.
  check_close(F::avg_pool2d(x, 2, 2, 1), tg::tensor<double>({0.25, 1.25, 2.75, 7.0}, {1, 1, 2, 2}));
  check_close(F::avg_pool2d(x, 2, 2, 1, false, /*count_include_pad=*/false), tg::tensor<double>({1, 2.5, 5.5, 7}, {1, 1, 2, 2}));
  check_close(F::avg_pool2d(x, 3, std::nullopt, 0, false, true, 3), tg::tensor<double>({15}, {1, 1, 1, 1}));

  // Adaptive 3 → 2: windows rows/cols [0, 2) and [1, 3).
  check_close(F::adaptive_avg_pool2d(x, 2), tg::tensor<double>({3, 4, 6, 7}, {1, 1, 2, 2}));
  check_close(F::adaptive_avg_pool2d(x, 1), tg::tensor<double>({5}, {1, 1, 1, 1}));
  // 5 → 3 along a row: [0, 2), [1, 4), [3, 5).
  check_close(F::adaptive_avg_pool2d(tg::tensor<double>({1, 2, 3, 4, 5}, {1, 1, 5}), {1, 3}),
              tg::tensor<double>({1.5, 3, 4.5}, {1, 1, 3}));
}

TEST_CASE("pool gradients pass float64 gradcheck", "[pool][gradcheck]") {
  tg::manual_seed(3);
  // Distinct values, so no max-pool window has a tie that a ±eps perturbation could flip.
  const TensorD x = (tg::randperm(2 * 3 * 7 * 6).to<double>() * 0.1).reshape({2, 3, 7, 6}).requires_grad_();
  const std::vector<std::pair<std::string, std::function<TensorD(const TensorD&)>>> cases = {
      {"max 2", [](const TensorD& t) { return F::max_pool2d(t, 2); }},
      {"max 3 stride 2 pad 1 ceil", [](const TensorD& t) { return F::max_pool2d(t, 3, 2, 1, 1, true); }},
      {"max dilation 2", [](const TensorD& t) { return F::max_pool2d(t, 2, 1, 0, 2); }},
      {"avg 2", [](const TensorD& t) { return F::avg_pool2d(t, 2); }},
      {"avg 3 stride 2 pad 1 exclude pad ceil",
       [](const TensorD& t) { return F::avg_pool2d(t, 3, 2, 1, true, false); }},
      {"adaptive 3x4", [](const TensorD& t) { return F::adaptive_avg_pool2d(t, {3, 4}); }},
      {"adaptive 10x10 (windows overlap and repeat)", [](const TensorD& t) { return F::adaptive_avg_pool2d(t, 10); }}};
  for (const auto& [what, fn] : cases) {
    const auto report = tg::gradcheck([&](const std::vector<TensorD>& in) { return fn(in[0]); }, {x});
    INFO(what << ": " << report.message);
    CHECK(report.ok);
  }
}

TEST_CASE("Conv2d and pooling modules: shapes, PyTorch's init and printouts", "[conv][pool][nn]") {
  tg::manual_seed(0);
  nn::Conv2d conv(nn::Conv2dOptions(4, 8, 3).padding(1).groups(2));
  CHECK(conv->weight.sizes() == tg::Shape{8, 2, 3, 3});
  CHECK(conv->bias.sizes() == tg::Shape{8});
  const double bound = 1.0 / std::sqrt(2.0 * 3 * 3);  // fan_in = in/groups·kH·kW
  CHECK(conv->weight.as<float>().abs().max().item() <= bound);
  CHECK(conv->weight.as<float>().abs().max().item() > 0.8 * bound);
  CHECK(conv->bias.as<float>().abs().max().item() <= bound);
  CHECK(conv(tg::randn({5, 4, 6, 7})).sizes() == tg::Shape{5, 8, 6, 7});
  CHECK(printed(conv) == "Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), groups=2)");
  CHECK(printed(nn::Conv2d(1, 32, 3)) == "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1))");
  CHECK(printed(nn::Conv2d(nn::Conv2dOptions(2, 4, {3, 5}).stride(2).dilation(2).bias(false))) ==
        "Conv2d(2, 4, kernel_size=(3, 5), stride=(2, 2), dilation=(2, 2), bias=false)");
  CHECK(nn::Conv2d(nn::Conv2dOptions(2, 4, 3).bias(false))->named_parameters().size() == 1);

  CHECK(printed(nn::MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false)");
  CHECK(printed(nn::AvgPool2d(nn::AvgPool2dOptions({2, 3}).stride(1))) == "AvgPool2d(kernel_size=(2, 3), stride=1, padding=0)");
  CHECK(printed(nn::AdaptiveAvgPool2d(tg::ExpandingArray<2>({1, 1}))) == "AdaptiveAvgPool2d(output_size=1)");
  const Tensor<float> x = tg::randn({2, 3, 8, 8});
  CHECK(nn::MaxPool2d(2)(x).sizes() == tg::Shape{2, 3, 4, 4});
  CHECK(nn::AvgPool2d(nn::AvgPool2dOptions(3).stride(2).padding(1))(x).sizes() == tg::Shape{2, 3, 4, 4});
  CHECK(nn::AdaptiveAvgPool2d(1)(x).sizes() == tg::Shape{2, 3, 1, 1});
}

TEST_CASE("conv2d and pool errors name the op and the shapes", "[conv][pool][errors]") {
  const Tensor<float> x = tg::randn({2, 3, 8, 8});
  CHECK_THAT(error_of([&] { nn::Conv2d(1, 4, 3)(x); }),
             Catch::Contains("Conv2d: expected input with 1 channels, got shape [2, 3, 8, 8]"));
  // Inside a model, the module is named by its place in it.
  struct NetImpl : nn::Module {
    nn::Sequential features{nullptr};
    NetImpl() { features = register_module("features", nn::Sequential(nn::Conv2d(3, 4, 3), nn::MaxPool2d(2))); }
  };
  NetImpl net;
  CHECK_THAT(error_of([&] { net.features(tg::randn({2, 1, 8, 8})); }),
             Catch::Contains("features.0 (Conv2d): expected input with 3 channels, got shape [2, 1, 8, 8]"));
  CHECK_THAT(error_of([&] { net.features(tg::randn({2, 3, 3, 3})); }),
             Catch::Contains("features.1 (MaxPool2d): max_pool2d: input of shape [2, 4, 1, 1] is too small"));
  CHECK_THAT(error_of([&] { F::conv2d(x, tg::randn({4, 2, 3, 3})); }),
             Catch::Contains("conv2d: given groups=1, weight of shape [4, 2, 3, 3] expects input with 2 channels, "
                             "got input of shape [2, 3, 8, 8]"));
  CHECK_THAT(error_of([&] { F::conv2d(x, tg::randn({4, 3, 9, 9})); }),
             Catch::Contains("conv2d: input of shape [2, 3, 8, 8] is too small for kernel size (9, 9)"));
  CHECK_THAT(error_of([&] { F::conv2d(x, tg::randn({4, 3, 3})); }), Catch::Contains("conv2d: weight must be 4-d"));
  CHECK_THAT(error_of([&] { F::conv2d(x, tg::randn({4, 3, 3, 3}), tg::randn({3})); }),
             Catch::Contains("conv2d: bias of shape [3] does not match weight of shape [4, 3, 3, 3]"));
  CHECK_THAT(error_of([&] { F::conv2d(x, tg::randn({4, 3, 3, 3}), Tensor<float>(), 0); }),
             Catch::Contains("conv2d: stride must be positive, got (0, 0)"));
  CHECK_THAT(error_of([&] { nn::Conv2d(nn::Conv2dOptions(3, 4, 3).groups(2)); }),
             Catch::Contains("Conv2d: in_channels (3) must be divisible by groups (2)"));
  CHECK_THAT(error_of([&] { F::max_pool2d(x, 2, 2, 2); }),
             Catch::Contains("max_pool2d: pad should be at most half of effective kernel size"));
  CHECK_THAT(error_of([&] { F::avg_pool2d(tg::randn({8, 8}), 2); }),
             Catch::Contains("avg_pool2d: expected 3-d (unbatched) or 4-d (batched) input, got shape [8, 8]"));
  CHECK_THAT(error_of([&] { F::max_pool2d(x, 9); }), Catch::Contains("max_pool2d: input of shape [2, 3, 8, 8] is too small"));
  CHECK_THAT(error_of([&] { F::adaptive_avg_pool2d(x, 0); }),
             Catch::Contains("adaptive_avg_pool2d: output size must be positive, got (0, 0)"));
}
