// tg::optim learning-rate schedulers: the lr sequence epoch by epoch against hand values and the examples
// in PyTorch's documentation.
#include <catch2/catch.hpp>
#include <tensorgrad/tensorgrad.hpp>

#include <cmath>
#include <vector>

namespace {

tg::optim::SGD<double> make_sgd(double lr) {
  return tg::optim::SGD<double>({tg::tensor<double>({0.0}).requires_grad_()}, tg::optim::SGDOptions(lr));
}

// The lr at epochs 0..epochs-1: read before each step(), as a training loop uses it.
template <class Scheduler>
std::vector<double> lr_sequence(tg::optim::OptimizerBase& optimizer, Scheduler& scheduler, int epochs) {
  std::vector<double> out;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    out.push_back(optimizer.lr());
    CHECK(scheduler.get_last_lr() == std::vector<double>{optimizer.lr()});
    scheduler.step();
  }
  return out;
}

void check_close(const std::vector<double>& got, const std::vector<double>& expected) {
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("epoch " << i);
    CHECK(got[i] == Approx(expected[i]).epsilon(1e-14).margin(1e-300));
  }
}

}  // namespace

TEST_CASE("StepLR: PyTorch's documented example (0.05, step_size 30, gamma 0.1)", "[optim][lr_scheduler]") {
  auto optimizer = make_sgd(0.05);
  tg::optim::StepLR scheduler(optimizer, 30, 0.1);
  CHECK(scheduler.last_epoch() == 0);
  const auto lrs = lr_sequence(optimizer, scheduler, 100);
  std::vector<double> expected;
  for (int epoch = 0; epoch < 100; ++epoch) expected.push_back(epoch < 30 ? 0.05 : epoch < 60 ? 0.005 : epoch < 90 ? 0.0005 : 0.00005);
  check_close(lrs, expected);
  CHECK(scheduler.last_epoch() == 100);
  CHECK(lrs[29] == 0.05);  // unchanged bits until the first decay
}

TEST_CASE("StepLR default gamma is 0.1 - ExponentialLR multiplies by gamma every epoch", "[optim][lr_scheduler]") {
  auto sgd = make_sgd(1.0);
  tg::optim::StepLR step(sgd, 2);
  check_close(lr_sequence(sgd, step, 6), {1.0, 1.0, 0.1, 0.1, 0.01, 0.01});

  auto sgd2 = make_sgd(0.1);
  tg::optim::ExponentialLR exponential(sgd2, 0.5);
  check_close(lr_sequence(sgd2, exponential, 5), {0.1, 0.05, 0.025, 0.0125, 0.00625});
}

TEST_CASE("CosineAnnealingLR follows eta_min + (base - eta_min)(1 + cos(pi t / T_max)) / 2", "[optim][lr_scheduler]") {
  auto sgd = make_sgd(0.1);
  tg::optim::CosineAnnealingLR cosine(sgd, 10);
  const auto lrs = lr_sequence(sgd, cosine, 21);
  CHECK(lrs[0] == 0.1);
  CHECK(lrs[1] == Approx(0.05 * (1 + 0.9510565162951535)).epsilon(1e-15));  // cos(π/10)
  CHECK(lrs[5] == Approx(0.05).epsilon(1e-15));
  CHECK(std::abs(lrs[10]) < 1e-17);          // T_max: eta_min
  CHECK(lrs[15] == Approx(0.05).epsilon(1e-14));  // past T_max the cosine rises again, as PyTorch's
  CHECK(lrs[20] == Approx(0.1).epsilon(1e-15));

  auto sgd2 = make_sgd(0.1);
  tg::optim::CosineAnnealingLR with_floor(sgd2, 4, 0.02);
  check_close(lr_sequence(sgd2, with_floor, 5),
              {0.1, 0.02 + 0.04 * (1 + std::sqrt(0.5)), 0.06, 0.02 + 0.04 * (1 - std::sqrt(0.5)), 0.02});
}

TEST_CASE("a scheduler's lr is what the optimizer's next step uses, for float optimizers too", "[optim][lr_scheduler]") {
  auto w = tg::tensor<float>({1.0f}).requires_grad_();
  tg::optim::SGD optimizer(std::vector<tg::Tensor<float>>{w}, tg::optim::SGDOptions(0.5));
  tg::optim::StepLR scheduler(optimizer, 1, 0.5);
  for (float expected : {0.5f, 0.25f, 0.125f}) {  // θ ← θ − lr·1 with lr 0.5, 0.25, 0.125
    w.set_grad(tg::tensor<float>({1.0f}));
    const float before = w.item();
    optimizer.step();
    CHECK(before - w.item() == expected);
    scheduler.step();
  }
  CHECK(w.item() == 0.125f);
}

TEST_CASE("ReduceLROnPlateau: patience counts epochs without a relative improvement", "[optim][lr_scheduler]") {
  auto sgd = make_sgd(1.0);
  tg::optim::ReduceLROnPlateau scheduler(sgd, "min", 0.5, 2);
  const std::vector<double> metrics{10, 9, 9, 8.9995, 9.5, 9.5, 9.5, 9.5, 1};
  // 9 → 9 and 9 → 8.9995 are no improvement: better means below best·(1 − 1e-4) = 8.9991.
  const std::vector<double> expected{1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25};
  for (std::size_t e = 0; e < metrics.size(); ++e) {
    INFO("epoch " << e + 1);
    scheduler.step(metrics[e]);
    CHECK(scheduler.get_last_lr() == std::vector<double>{expected[e]});
  }
  CHECK(scheduler.best() == 1);
  CHECK(scheduler.last_epoch() == 9);
}

TEST_CASE("ReduceLROnPlateau: cooldown, min_lr and eps", "[optim][lr_scheduler]") {
  auto sgd = make_sgd(1.0);
  tg::optim::ReduceLROnPlateau scheduler(sgd, "min", 0.1, 0, 1e-4, "rel", 2, 0.005);
  std::vector<double> lrs;
  for (int e = 0; e < 12; ++e) {
    scheduler.step(5.0);
    lrs.push_back(sgd.lr());
  }
  // Epoch 1 sets the best; each later reduction is followed by 2 cooldown epochs; min_lr stops at 0.005,
  // and a change smaller than eps (here 0: already at min_lr) is not applied.
  check_close(lrs, {1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.005, 0.005, 0.005, 0.005, 0.005});

  auto tiny = make_sgd(1e-8);
  tg::optim::ReduceLROnPlateau below_eps(tiny, "min", 0.5, 0);
  below_eps.step(1.0);
  below_eps.step(1.0);  // would halve to 5e-9, a change below eps = 1e-8: skipped
  CHECK(tiny.lr() == 1e-8);
}

TEST_CASE("ReduceLROnPlateau: max mode with an absolute threshold", "[optim][lr_scheduler]") {
  auto sgd = make_sgd(1.0);
  tg::optim::ReduceLROnPlateau scheduler(sgd, "max", 0.5, 0, 0.5, "abs");
  const std::vector<double> metrics{1.0, 1.4, 1.6, 2.0, 2.2};
  // Better means above best + 0.5: 1.4 is not (→ reduce), 1.6 is, 2.0 is not (→ reduce), 2.2 is.
  const std::vector<double> expected{1.0, 0.5, 0.5, 0.25, 0.25};
  for (std::size_t e = 0; e < metrics.size(); ++e) {
    scheduler.step(metrics[e]);
    CHECK(sgd.lr() == expected[e]);
  }
  CHECK(scheduler.best() == 2.2);
}

TEST_CASE("schedulers reject invalid arguments", "[optim][lr_scheduler]") {
  auto sgd = make_sgd(0.1);
  CHECK_THROWS_WITH(tg::optim::StepLR(sgd, 0), "StepLR: step_size must be positive, got 0");
  CHECK_THROWS_WITH(tg::optim::CosineAnnealingLR(sgd, 0), "CosineAnnealingLR: T_max must be positive, got 0");
  CHECK_THROWS_WITH(tg::optim::ReduceLROnPlateau(sgd, "avg"),
                    "ReduceLROnPlateau: mode avg is unknown (expected min or max)");
  CHECK_THROWS_WITH(tg::optim::ReduceLROnPlateau(sgd, "min", 1.0), "ReduceLROnPlateau: factor should be < 1.0, got 1");
  CHECK_THROWS_WITH(tg::optim::ReduceLROnPlateau(sgd, "min", 0.1, 10, 1e-4, "relative"),
                    "ReduceLROnPlateau: threshold mode relative is unknown (expected rel or abs)");
}
