// Anomaly mode (NaN/Inf gradients are caught where they start): with DetectAnomalyGuard on, the
// first backward node producing a NaN or Inf gradient throws tg::Error naming the node, the input slot and the
// forward call that recorded it; a clean graph gives the same gradients as without the guard.
#include <catch2/catch.hpp>
#include <tensorgrad/tensor.hpp>

#include <cmath>
#include <string>

// External linkage and no inlining, so these functions appear by name in the recorded call stacks (the test
// executable is linked with -rdynamic: ENABLE_EXPORTS in tests/CMakeLists.txt).
namespace anomaly_test {
__attribute__((noinline)) tg::TensorD sqrt_at_zero(const tg::TensorD& x) { return x.sqrt().sum(); }
__attribute__((noinline)) tg::TensorD log_of_zero_times_zero(const tg::TensorD& x) { return (x.log() * 0.0).sum(); }
}  // namespace anomaly_test

namespace {

using Catch::Contains;
using tg::TensorD;

std::string error_of(const TensorD& loss) {
  try {
    loss.backward();
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("anomaly mode is off by default, the guard and set_detect_anomaly turn it on and restore it",
          "[autograd][anomaly]") {
  CHECK_FALSE(tg::autograd::is_anomaly_enabled());
  {
    tg::autograd::DetectAnomalyGuard guard;
    CHECK(tg::autograd::is_anomaly_enabled());
    {
      tg::autograd::DetectAnomalyGuard nested;
      CHECK(tg::autograd::is_anomaly_enabled());
    }
    CHECK(tg::autograd::is_anomaly_enabled());
  }
  CHECK_FALSE(tg::autograd::is_anomaly_enabled());
  tg::autograd::set_detect_anomaly(true);
  CHECK(tg::autograd::is_anomaly_enabled());
  tg::autograd::set_detect_anomaly(false);
  CHECK_FALSE(tg::autograd::is_anomaly_enabled());
}

TEST_CASE("without anomaly mode a NaN gradient passes silently (as in PyTorch)", "[autograd][anomaly]") {
  TensorD x = tg::tensor<double>({0.0, 4.0}).requires_grad_();
  anomaly_test::log_of_zero_times_zero(x).backward();
  CHECK(std::isnan(x.grad().tolist()[0]));
}

TEST_CASE("anomaly mode: sqrt(0) backward names SqrtBackward, the Inf, the input slot and the forward call",
          "[autograd][anomaly]") {
  tg::autograd::DetectAnomalyGuard guard;
  TensorD x = tg::tensor<double>({0.0, 4.0}).requires_grad_();
  const std::string message = error_of(anomaly_test::sqrt_at_zero(x));
  CHECK_THAT(message,
             Contains("anomaly detected: SqrtBackward produced a gradient with Inf values for input 0 (shape [2])"));
  CHECK_THAT(message, Contains("The forward call that recorded SqrtBackward:"));
  CHECK_THAT(message, Contains("anomaly_test::sqrt_at_zero"));
  CHECK_FALSE(x.grad().defined());  // stopped before the leaf was reached
}

TEST_CASE("anomaly mode: log(0)*0 backward names LogBackward (the NaN's origin, not the later MulBackward)",
          "[autograd][anomaly]") {
  TensorD x = tg::tensor<double>({0.0, 1.0}).requires_grad_();
  tg::autograd::set_detect_anomaly(true);
  const TensorD loss = anomaly_test::log_of_zero_times_zero(x);
  const std::string message = error_of(loss);
  tg::autograd::set_detect_anomaly(false);
  CHECK_THAT(message,
             Contains("anomaly detected: LogBackward produced a gradient with NaN values for input 0 (shape [2])"));
  CHECK_THAT(message, Contains("anomaly_test::log_of_zero_times_zero"));
}

TEST_CASE("anomaly mode: a graph recorded before the guard still has its NaN caught, without a call stack",
          "[autograd][anomaly]") {
  TensorD x = tg::tensor<double>({0.0}).requires_grad_();
  const TensorD loss = anomaly_test::sqrt_at_zero(x);
  tg::autograd::DetectAnomalyGuard guard;
  const std::string message = error_of(loss);
  CHECK_THAT(message, Contains("SqrtBackward produced a gradient with Inf values"));
  CHECK_THAT(message, Contains("SqrtBackward was recorded while anomaly mode was off"));
}

TEST_CASE("anomaly mode: other backward errors carry the forward call stack too", "[autograd][anomaly]") {
  tg::autograd::DetectAnomalyGuard guard;
  TensorD x = tg::tensor<double>({1.0, 4.0}).requires_grad_();
  const TensorD loss = anomaly_test::sqrt_at_zero(x);
  loss.backward();
  const std::string message = error_of(loss);
  CHECK_THAT(message, Contains("backward through the graph a second time"));
  CHECK_THAT(message, Contains("anomaly_test::sqrt_at_zero"));
}

TEST_CASE("anomaly mode: a clean MLP graph gives bitwise the same gradients as without it", "[autograd][anomaly]") {
  tg::Generator gen(3);
  const TensorD x = tg::randn<double>({5, 4}, gen);
  TensorD w1 = tg::randn<double>({4, 8}, gen).requires_grad_(), w2 = tg::randn<double>({8, 3}, gen).requires_grad_();
  auto gradients = [&](bool anomaly) {
    tg::autograd::set_detect_anomaly(anomaly);
    w1.impl()->grad.reset();
    w2.impl()->grad.reset();
    x.matmul(w1).relu().matmul(w2).log_softmax(1).sum().backward();
    tg::autograd::set_detect_anomaly(false);
    std::vector<double> g = w1.grad().tolist(), g2 = w2.grad().tolist();
    g.insert(g.end(), g2.begin(), g2.end());
    return g;
  };
  const std::vector<double> plain = gradients(false), checked = gradients(true);
  CHECK(plain == checked);
}
