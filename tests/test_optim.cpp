// tg::optim optimizers and tg::nn::utils gradient clipping.
//
// Parity: each optimizer runs 100 steps on the Rosenbrock function
// f(x, y) = (1 − x)² + 100(y − x²)² from (1.5, 1.5), with the gradient from tg autograd, and must match an
// independent float64 transcription of PyTorch's documented algorithm (below: plain scalar C++, the
// gradient written by hand) to 1e-12 relative at every step.
#include <catch2/catch.hpp>
#include <tensorgrad/tensorgrad.hpp>

#include <array>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

using Vec2 = std::array<double, 2>;
using Trajectory = std::vector<Vec2>;  // θ after each step
constexpr int kSteps = 100;

Vec2 rosenbrock_grad(const Vec2& p) {
  const double x = p[0], y = p[1];
  return {-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)};
}

// ---- The transcriptions of PyTorch's documented algorithms (torch.optim docs, "Algorithm" boxes). -------

struct SgdRef { double lr, momentum = 0, dampening = 0, weight_decay = 0; bool nesterov = false; };
Trajectory sgd_reference(const SgdRef& o) {
  Vec2 theta{1.5, 1.5}, b{0, 0};
  Trajectory out;
  for (int t = 1; t <= kSteps; ++t) {
    Vec2 g = rosenbrock_grad(theta);
    for (int k = 0; k < 2; ++k) {
      if (o.weight_decay != 0) g[k] = g[k] + o.weight_decay * theta[k];
      if (o.momentum != 0) {
        b[k] = t > 1 ? o.momentum * b[k] + (1 - o.dampening) * g[k] : g[k];
        g[k] = o.nesterov ? g[k] + o.momentum * b[k] : b[k];
      }
      theta[k] = theta[k] - o.lr * g[k];
    }
    out.push_back(theta);
  }
  return out;
}

struct AdamRef { double lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0; bool amsgrad = false, decoupled = false; };
Trajectory adam_reference(const AdamRef& o) {
  Vec2 theta{1.5, 1.5}, m{0, 0}, v{0, 0}, v_max{0, 0};
  Trajectory out;
  for (int t = 1; t <= kSteps; ++t) {
    Vec2 g = rosenbrock_grad(theta);
    for (int k = 0; k < 2; ++k) {
      if (o.decoupled) theta[k] = theta[k] - o.lr * o.weight_decay * theta[k];      // AdamW
      else if (o.weight_decay != 0) g[k] = g[k] + o.weight_decay * theta[k];        // Adam (L2)
      m[k] = o.beta1 * m[k] + (1 - o.beta1) * g[k];
      v[k] = o.beta2 * v[k] + (1 - o.beta2) * g[k] * g[k];
      const double m_hat = m[k] / (1 - std::pow(o.beta1, t));
      double v_hat;
      if (o.amsgrad) {
        v_max[k] = std::max(v_max[k], v[k]);
        v_hat = v_max[k] / (1 - std::pow(o.beta2, t));
      } else {
        v_hat = v[k] / (1 - std::pow(o.beta2, t));
      }
      theta[k] = theta[k] - o.lr * m_hat / (std::sqrt(v_hat) + o.eps);
    }
    out.push_back(theta);
  }
  return out;
}

struct RmspropRef { double lr, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0; bool centered = false; };
Trajectory rmsprop_reference(const RmspropRef& o) {
  Vec2 theta{1.5, 1.5}, v{0, 0}, b{0, 0}, g_ave{0, 0};
  Trajectory out;
  for (int t = 1; t <= kSteps; ++t) {
    Vec2 g = rosenbrock_grad(theta);
    for (int k = 0; k < 2; ++k) {
      if (o.weight_decay != 0) g[k] = g[k] + o.weight_decay * theta[k];
      v[k] = o.alpha * v[k] + (1 - o.alpha) * g[k] * g[k];
      double v_tilde = v[k];
      if (o.centered) {
        g_ave[k] = g_ave[k] * o.alpha + (1 - o.alpha) * g[k];
        v_tilde = v_tilde - g_ave[k] * g_ave[k];
      }
      if (o.momentum > 0) {
        b[k] = o.momentum * b[k] + g[k] / (std::sqrt(v_tilde) + o.eps);
        theta[k] = theta[k] - o.lr * b[k];
      } else {
        theta[k] = theta[k] - o.lr * g[k] / (std::sqrt(v_tilde) + o.eps);
      }
    }
    out.push_back(theta);
  }
  return out;
}

struct AdagradRef { double lr, lr_decay = 0, weight_decay = 0, initial_accumulator_value = 0, eps = 1e-10; };
Trajectory adagrad_reference(const AdagradRef& o) {
  Vec2 theta{1.5, 1.5}, state_sum{o.initial_accumulator_value, o.initial_accumulator_value};
  Trajectory out;
  for (int t = 1; t <= kSteps; ++t) {
    Vec2 g = rosenbrock_grad(theta);
    const double lr_tilde = o.lr / (1 + (t - 1) * o.lr_decay);
    for (int k = 0; k < 2; ++k) {
      if (o.weight_decay != 0) g[k] = g[k] + o.weight_decay * theta[k];
      state_sum[k] = state_sum[k] + g[k] * g[k];
      theta[k] = theta[k] - lr_tilde * g[k] / (std::sqrt(state_sum[k]) + o.eps);
    }
    out.push_back(theta);
  }
  return out;
}

// ---- The library side. -------------------------------------------------------------------------------

using Params = std::vector<tg::Tensor<double>>;
using MakeOptimizer = std::function<std::unique_ptr<tg::optim::Optimizer<double>>(Params)>;

struct Case {
  std::string name;
  MakeOptimizer make;
  Trajectory reference;
};

template <class Opt, class Options>
MakeOptimizer maker(Options options) {
  return [options](Params params) { return std::make_unique<Opt>(std::move(params), options); };
}

std::vector<Case> parity_cases() {
  using namespace tg::optim;
  return {
      {"SGD", maker<SGD<double>>(SGDOptions(1e-4)), sgd_reference({1e-4})},
      {"SGD momentum", maker<SGD<double>>(SGDOptions(1e-4).momentum(0.9)), sgd_reference({1e-4, 0.9})},
      {"SGD momentum dampening", maker<SGD<double>>(SGDOptions(1e-4).momentum(0.9).dampening(0.5)),
       sgd_reference({1e-4, 0.9, 0.5})},
      {"SGD nesterov", maker<SGD<double>>(SGDOptions(1e-4).momentum(0.9).nesterov(true)),
       sgd_reference({1e-4, 0.9, 0, 0, true})},
      {"SGD weight_decay", maker<SGD<double>>(SGDOptions(1e-4).weight_decay(0.5)), sgd_reference({1e-4, 0, 0, 0.5})},
      {"SGD nesterov weight_decay", maker<SGD<double>>(SGDOptions(2e-4).momentum(0.8).nesterov(true).weight_decay(0.1)),
       sgd_reference({2e-4, 0.8, 0, 0.1, true})},
      {"Adam", maker<Adam<double>>(AdamOptions(1e-2)), adam_reference({1e-2})},
      {"Adam amsgrad", maker<Adam<double>>(AdamOptions(1e-2).betas({0.8, 0.9}).amsgrad(true)),
       adam_reference({1e-2, 0.8, 0.9, 1e-8, 0, true})},
      {"Adam weight_decay", maker<Adam<double>>(AdamOptions(2e-2).eps(1e-6).weight_decay(0.3)),
       adam_reference({2e-2, 0.9, 0.999, 1e-6, 0.3})},
      {"Adam amsgrad weight_decay", maker<Adam<double>>(AdamOptions(1e-2).betas({0.8, 0.9}).weight_decay(0.3).amsgrad(true)),
       adam_reference({1e-2, 0.8, 0.9, 1e-8, 0.3, true})},
      {"AdamW", maker<AdamW<double>>(AdamWOptions(1e-2).weight_decay(0.5)),
       adam_reference({1e-2, 0.9, 0.999, 1e-8, 0.5, false, true})},
      {"AdamW amsgrad", maker<AdamW<double>>(AdamWOptions(1e-2).betas({0.8, 0.9}).amsgrad(true)),
       adam_reference({1e-2, 0.8, 0.9, 1e-8, 1e-2, true, true})},
      {"RMSprop", maker<RMSprop<double>>(RMSpropOptions(1e-3)), rmsprop_reference({1e-3})},
      {"RMSprop momentum", maker<RMSprop<double>>(RMSpropOptions(1e-4).momentum(0.9)),
       rmsprop_reference({1e-4, 0.99, 1e-8, 0, 0.9})},
      {"RMSprop centered", maker<RMSprop<double>>(RMSpropOptions(1e-3).alpha(0.9).centered(true)),
       rmsprop_reference({1e-3, 0.9, 1e-8, 0, 0, true})},
      {"RMSprop centered momentum weight_decay",
       maker<RMSprop<double>>(RMSpropOptions(1e-4).alpha(0.9).eps(1e-6).momentum(0.5).centered(true).weight_decay(0.2)),
       rmsprop_reference({1e-4, 0.9, 1e-6, 0.2, 0.5, true})},
      {"Adagrad", maker<Adagrad<double>>(AdagradOptions(0.1)), adagrad_reference({0.1})},
      {"Adagrad lr_decay", maker<Adagrad<double>>(AdagradOptions(0.1).lr_decay(0.05)), adagrad_reference({0.1, 0.05})},
      {"Adagrad lr_decay weight_decay initial_accumulator_value",
       maker<Adagrad<double>>(AdagradOptions(0.1).lr_decay(0.01).weight_decay(0.1).initial_accumulator_value(0.5).eps(1e-8)),
       adagrad_reference({0.1, 0.01, 0.1, 0.5, 1e-8})},
  };
}

// f(θ) through tg autograd; the optimizer sees the gradient that backward() accumulated.
void rosenbrock_backward(const tg::Tensor<double>& theta) {
  tg::Tensor<double> x = theta[0], y = theta[1];
  tg::Tensor<double> a = 1.0 - x, b = y - x * x;
  (a * a + 100.0 * (b * b)).backward();
}

// Runs `steps` steps; θ after each one is appended to `out` when given.
void run(tg::optim::Optimizer<double>& optimizer, const tg::Tensor<double>& theta, int steps, Trajectory* out = nullptr) {
  for (int s = 0; s < steps; ++s) {
    optimizer.zero_grad();
    rosenbrock_backward(theta);
    optimizer.step();
    if (out) out->push_back({theta.at({0}), theta.at({1})});
  }
}

std::uint64_t bits(double v) {
  std::uint64_t u;
  std::memcpy(&u, &v, sizeof u);
  return u;
}

}  // namespace

TEST_CASE("each optimizer matches a float64 transcription of PyTorch's algorithm for 100 Rosenbrock steps",
          "[optim][reliability]") {
  for (const Case& c : parity_cases()) {
    INFO(c.name);
    auto theta = tg::tensor<double>({1.5, 1.5}).requires_grad_();
    auto frozen = tg::tensor<double>({7.0, -8.0, 9.0}).requires_grad_();  // never receives a gradient
    auto optimizer = c.make({theta, frozen});
    Trajectory got;
    run(*optimizer, theta, kSteps, &got);
    double worst = 0;
    for (int t = 0; t < kSteps; ++t) {
      for (int k = 0; k < 2; ++k) worst = std::max(worst, std::abs(got[t][k] - c.reference[t][k]) / std::abs(c.reference[t][k]));
    }
    CHECK(worst <= 1e-12);
    // The run went somewhere: θ moved by more than rounding from the start.
    CHECK(std::abs(got.back()[0] - 1.5) + std::abs(got.back()[1] - 1.5) > 1e-3);
    // The parameter without a gradient is untouched and has no state.
    CHECK(frozen.tolist() == std::vector<double>{7.0, -8.0, 9.0});
    CHECK_FALSE(frozen.grad().defined());
    for (const auto& entry : optimizer->state()) CHECK(entry.first.rfind("0.", 0) == 0);
  }
}

TEST_CASE("the option variants change the trajectory (each branch of the parity table is exercised)", "[optim]") {
  // amsgrad only differs from Adam once the second moment decreases; betas (0.8, 0.9) make that happen.
  CHECK(std::abs(adam_reference({1e-2, 0.8, 0.9, 1e-8, 0, true}).back()[0] -
                 adam_reference({1e-2, 0.8, 0.9, 1e-8, 0, false}).back()[0]) > 1e-6);
  CHECK(std::abs(sgd_reference({1e-4, 0.9, 0.5}).back()[0] - sgd_reference({1e-4, 0.9}).back()[0]) > 1e-6);
  CHECK(std::abs(sgd_reference({1e-4, 0.9, 0, 0, true}).back()[0] - sgd_reference({1e-4, 0.9}).back()[0]) > 1e-6);
  CHECK(std::abs(rmsprop_reference({1e-3, 0.9, 1e-8, 0, 0, true}).back()[0] -
                 rmsprop_reference({1e-3, 0.9}).back()[0]) > 1e-6);
  CHECK(std::abs(adagrad_reference({0.1, 0.05}).back()[0] - adagrad_reference({0.1}).back()[0]) > 1e-6);
  CHECK(std::abs(adam_reference({1e-2, 0.9, 0.999, 1e-8, 0.5, false, true}).back()[0] -
                 adam_reference({1e-2}).back()[0]) > 1e-6);
}

TEST_CASE("first steps by hand", "[optim]") {
  // At (1.5, 1.5): ∂f/∂x = −2(1 − 1.5) − 400·1.5·(1.5 − 2.25) = 451, ∂f/∂y = 200·(−0.75) = −150.
  using namespace tg::optim;
  auto step_once = [](auto&& optimizer, const tg::Tensor<double>& theta) {
    rosenbrock_backward(theta);
    optimizer.step();
    return theta.tolist();
  };
  {
    auto theta = tg::tensor<double>({1.5, 1.5}).requires_grad_();
    CHECK(step_once(SGD<double>({theta}, SGDOptions(1e-3)), theta) == std::vector<double>{1.5 - 0.451, 1.5 + 0.15});
  }
  {
    // Adam's first step: m̂ = g, v̂ = g², so θ moves by lr·g/(|g| + ε).
    auto theta = tg::tensor<double>({1.5, 1.5}).requires_grad_();
    auto got = step_once(Adam<double>({theta}, AdamOptions(0.1)), theta);
    CHECK(got[0] == Approx(1.5 - 0.1 * 451 / (451 + 1e-8)).epsilon(1e-15));
    CHECK(got[1] == Approx(1.5 + 0.1 * 150 / (150 + 1e-8)).epsilon(1e-15));
  }
  {
    // Adagrad's first step: sum = g², θ moves by lr·g/|g| (ε = 0; √(451²) = 451 exactly).
    auto theta = tg::tensor<double>({1.5, 1.5}).requires_grad_();
    auto got = step_once(Adagrad<double>({theta}, AdagradOptions(0.5).eps(0)), theta);
    CHECK(got == std::vector<double>{1.0, 2.0});
  }
  {
    // RMSprop's first step: v = (1 − α)g², θ moves by lr·g/(√(1 − α)|g| + ε) = lr/√0.01 = 10·lr.
    auto theta = tg::tensor<double>({1.5, 1.5}).requires_grad_();
    auto got = step_once(RMSprop<double>({theta}, RMSpropOptions(0.01).eps(0)), theta);
    CHECK(got[0] == Approx(1.4).epsilon(1e-15));
    CHECK(got[1] == Approx(1.6).epsilon(1e-15));
  }
}

TEST_CASE("state exported at step 50 and loaded into a fresh optimizer continues bitwise identically",
          "[optim][reliability]") {
  for (const Case& c : parity_cases()) {
    INFO(c.name);
    auto theta = tg::tensor<double>({1.5, 1.5}).requires_grad_();
    auto frozen = tg::tensor<double>({1.0, 2.0, 3.0}).requires_grad_();
    auto uninterrupted = c.make({theta, frozen});
    run(*uninterrupted, theta, kSteps);

    auto first_half_theta = tg::tensor<double>({1.5, 1.5}).requires_grad_();
    auto first_half = c.make({first_half_theta, frozen});
    run(*first_half, first_half_theta, 50);
    const auto saved = first_half->state();

    // A new process: new parameter tensors holding the saved values, a fresh optimizer, the loaded state.
    auto resumed_theta = tg::tensor<double>({first_half_theta.at({0}), first_half_theta.at({1})}).requires_grad_();
    auto resumed = c.make({resumed_theta, tg::tensor<double>({1.0, 2.0, 3.0}).requires_grad_()});
    resumed->load_state(saved);
    run(*resumed, resumed_theta, 50);

    CHECK(bits(resumed_theta.at({0})) == bits(theta.at({0})));
    CHECK(bits(resumed_theta.at({1})) == bits(theta.at({1})));
    // The saved state is a snapshot: the first optimizer stepping on does not change it.
    run(*first_half, first_half_theta, 1);
    REQUIRE(!saved.empty());
    CHECK(saved[0].first == "0.step");
    CHECK(saved[0].second.item() == 50.0);
  }
}

TEST_CASE("state() names the step and the buffers as PyTorch's state", "[optim]") {
  using namespace tg::optim;
  auto names = [](const auto& optimizer) {
    std::vector<std::string> out;
    for (const auto& entry : optimizer.state()) out.push_back(entry.first);
    return out;
  };
  auto a = tg::tensor<double>({1.0, 2.0}).requires_grad_();
  auto b = tg::tensor<double>({3.0}).requires_grad_();
  auto give_grads = [&] {
    a.set_grad(tg::tensor<double>({0.1, 0.2}));
    b.set_grad(tg::tensor<double>({0.3}));
  };
  Adam<double> adam({a, b}, AdamOptions().amsgrad(true));
  CHECK(names(adam).empty());  // lazily created
  give_grads();
  adam.step();
  CHECK(names(adam) == std::vector<std::string>{"0.step", "0.exp_avg", "0.exp_avg_sq", "0.max_exp_avg_sq", "1.step",
                                                "1.exp_avg", "1.exp_avg_sq", "1.max_exp_avg_sq"});
  SGD<double> plain({a}, SGDOptions(0.1));
  plain.step();
  CHECK(names(plain) == std::vector<std::string>{"0.step"});
  SGD<double> momentum({a}, SGDOptions(0.1).momentum(0.9));
  momentum.step();
  CHECK(names(momentum) == std::vector<std::string>{"0.step", "0.momentum_buffer"});
  RMSprop<double> rmsprop({a}, RMSpropOptions().momentum(0.9).centered(true));
  rmsprop.step();
  CHECK(names(rmsprop) == std::vector<std::string>{"0.step", "0.square_avg", "0.momentum_buffer", "0.grad_avg"});
  Adagrad<double> adagrad({a}, AdagradOptions().initial_accumulator_value(0.25));
  adagrad.step();
  CHECK(names(adagrad) == std::vector<std::string>{"0.step", "0.sum"});
  // Approx: with -march=native the update may fuse g*g + sum into one FMA (one rounding instead of two).
  const auto sum = adagrad.state()[1].second.tolist();
  REQUIRE(sum.size() == 2);
  CHECK(sum[0] == Approx(0.25 + 0.1 * 0.1).epsilon(1e-15));
  CHECK(sum[1] == Approx(0.25 + 0.2 * 0.2).epsilon(1e-15));
}

TEST_CASE("load_state validates everything and leaves the state unchanged on error", "[optim][reliability]") {
  using namespace tg::optim;
  auto theta = tg::tensor<double>({1.5, 1.5}).requires_grad_();
  Adam<double> optimizer({theta}, AdamOptions(1e-2));
  run(optimizer, theta, 3);
  const auto good = optimizer.state();
  auto with = [&](std::size_t index, std::string name, tg::Tensor<double> value) {
    auto s = good;
    s[index] = {std::move(name), std::move(value)};
    return s;
  };
  using Catch::Matchers::Contains;
  CHECK_THROWS_WITH(optimizer.load_state(with(1, "0.exp_avg", tg::zeros<double>({3}))),
                    Contains("Adam: load_state: entry '0.exp_avg' has shape [3] but parameter 0 has shape [2]"));
  CHECK_THROWS_WITH(optimizer.load_state(with(1, "0.foo", tg::zeros<double>({2}))), Contains("unexpected entry '0.foo'"));
  CHECK_THROWS_WITH(optimizer.load_state(with(1, "0.max_exp_avg_sq", tg::zeros<double>({2}))),
                    Contains("unexpected entry '0.max_exp_avg_sq'"));
  CHECK_THROWS_WITH(optimizer.load_state(with(1, "1.exp_avg", tg::zeros<double>({2}))),
                    Contains("entry '1.exp_avg' does not name a parameter index below 1"));
  CHECK_THROWS_WITH(optimizer.load_state(with(1, "exp_avg", tg::zeros<double>({2}))),
                    Contains("entry 'exp_avg' does not name a parameter index"));
  CHECK_THROWS_WITH(optimizer.load_state(with(1, "0.exp_avg_sq", tg::zeros<double>({2}))),
                    Contains("duplicate entry '0.exp_avg_sq'"));
  CHECK_THROWS_WITH(optimizer.load_state(with(0, "0.step", tg::scalar_tensor<double>(2.5))),
                    Contains("'0.step' must be a positive whole step count, got 2.5"));
  CHECK_THROWS_WITH(optimizer.load_state(with(0, "0.step", tg::scalar_tensor<double>(0))),
                    Contains("positive whole step count"));
  auto missing = good;
  missing.pop_back();
  CHECK_THROWS_WITH(optimizer.load_state(missing), Contains("parameter 0 has state but entry '0.exp_avg_sq' is missing"));

  // Nothing changed: continuing matches a twin that never saw the failed loads.
  auto twin_theta = tg::tensor<double>({1.5, 1.5}).requires_grad_();
  Adam<double> twin({twin_theta}, AdamOptions(1e-2));
  run(twin, twin_theta, 3);
  run(optimizer, theta, 5);
  run(twin, twin_theta, 5);
  CHECK(theta.tolist() == twin_theta.tolist());

  // An empty state resets the optimizer: the next step is a first step again.
  optimizer.load_state({});
  CHECK(optimizer.state().empty());
}

TEST_CASE("zero_grad sets gradients to none by default, or to zeros", "[optim]") {
  auto theta = tg::tensor<double>({1.5, 1.5}).requires_grad_();
  tg::optim::SGD<double> optimizer({theta}, tg::optim::SGDOptions(0.1));
  rosenbrock_backward(theta);
  optimizer.zero_grad(false);
  REQUIRE(theta.grad().defined());
  CHECK(theta.grad().tolist() == std::vector<double>{0.0, 0.0});
  optimizer.zero_grad();
  CHECK_FALSE(theta.grad().defined());
  // Without zero_grad, gradients accumulate (as PyTorch): two backward passes, one step of 2g.
  rosenbrock_backward(theta);
  rosenbrock_backward(theta);
  optimizer.step();
  CHECK(theta.tolist() == std::vector<double>{1.5 - 0.1 * 902, 1.5 + 0.1 * 300});
}

TEST_CASE("set_lr changes the next step - steps bump the version counter", "[optim]") {
  auto w = tg::tensor<double>({1.0}).requires_grad_();
  tg::optim::SGD<double> optimizer({w}, tg::optim::SGDOptions(0.5));
  CHECK(optimizer.lr() == 0.5);
  w.set_grad(tg::tensor<double>({2.0}));
  optimizer.step();
  CHECK(w.item() == 0.0);
  optimizer.set_lr(0.25);
  CHECK(optimizer.lr() == 0.25);
  optimizer.step();
  CHECK(w.item() == -0.5);
  CHECK_THROWS_WITH(optimizer.set_lr(-1), "SGD: invalid learning rate: -1");

  // A graph that saved w before the step must refuse to backward afterwards.
  auto v = tg::tensor<double>({3.0}).requires_grad_();
  auto y = (w * v).sum();
  const auto version = w._version();
  optimizer.step();
  CHECK(w._version() == version + 1);
  CHECK_THROWS_AS(y.backward(), tg::Error);
}

TEST_CASE("optimizers deduce float parameters (CTAD) and track the float64 run", "[optim]") {
  std::vector<tg::Tensor<float>> params{tg::tensor<float>({1.5f, 1.5f}).requires_grad_()};
  tg::optim::Adam optimizer(params, tg::optim::AdamOptions(1e-2));
  static_assert(std::is_same_v<decltype(optimizer), tg::optim::Adam<float>>);
  tg::optim::SGD sgd({params[0]}, tg::optim::SGDOptions(1e-3));
  static_assert(std::is_same_v<decltype(sgd), tg::optim::SGD<float>>);
  const Trajectory reference = adam_reference({1e-2});
  for (int t = 0; t < kSteps; ++t) {
    optimizer.zero_grad();
    tg::Tensor<float> x = params[0][0], y = params[0][1];
    tg::Tensor<float> a = 1.0 - x, b = y - x * x;
    (a * a + 100.0 * (b * b)).backward();
    optimizer.step();
  }
  CHECK(params[0].at({0}) == Approx(reference.back()[0]).epsilon(1e-4));
  CHECK(params[0].at({1}) == Approx(reference.back()[1]).epsilon(1e-4));
}

TEST_CASE("a module's parameters() go straight into an optimizer, as in PyTorch", "[optim]") {
  tg::nn::Linear model(1, 1);
  {
    tg::NoGradGuard no_grad;
    model->weight.fill_(1.0);
    model->bias.fill_(0.0);
  }
  tg::optim::Adam optimizer(model->parameters(), tg::optim::AdamOptions(1e-3));
  // Prediction 2·1 + 0 = 2 for target 7: d/dw (2w + b − 7)² = −20, d/db = −10. Adam's first step moves each
  // parameter by lr·g/(|g| + ε), i.e. +1e-3 against the negative gradients.
  optimizer.zero_grad();
  tg::nn::functional::mse_loss(model->forward(tg::tensor<float>({{2.0f}})), tg::tensor<float>({{7.0f}})).backward();
  CHECK(model->weight.grad().item() == -20.0f);
  CHECK(model->bias.grad().item() == -10.0f);
  optimizer.step();
  CHECK(model->weight.item() == Approx(1.001).epsilon(1e-6));
  CHECK(model->bias.item() == Approx(0.001).epsilon(1e-6));
}

TEST_CASE("invalid options and parameter lists throw tg::Error naming the optimizer and the value", "[optim]") {
  using namespace tg::optim;
  auto p = tg::tensor<double>({1.0}).requires_grad_();
  const Params one{p};
  CHECK_THROWS_WITH(Adam<double>(one, AdamOptions(-1)), "Adam: invalid learning rate: -1");
  CHECK_THROWS_WITH(Adam<double>(one, AdamOptions().eps(-1e-8)), "Adam: invalid epsilon value: -1e-08");
  CHECK_THROWS_WITH(Adam<double>(one, AdamOptions().betas({1.0, 0.999})), "Adam: invalid beta parameter at index 0: 1");
  CHECK_THROWS_WITH(AdamW<double>(one, AdamWOptions().betas({0.9, -0.5})),
                    "AdamW: invalid beta parameter at index 1: -0.5");
  CHECK_THROWS_WITH(AdamW<double>(one, AdamWOptions().weight_decay(-0.1)), "AdamW: invalid weight_decay value: -0.1");
  CHECK_THROWS_WITH(SGD<double>(one, SGDOptions(0.1).momentum(-0.9)), "SGD: invalid momentum value: -0.9");
  CHECK_THROWS_WITH(SGD<double>(one, SGDOptions(0.1).nesterov(true)),
                    "SGD: nesterov momentum requires a momentum and zero dampening (got momentum 0, dampening 0)");
  CHECK_THROWS_WITH(SGD<double>(one, SGDOptions(0.1).momentum(0.9).dampening(0.1).nesterov(true)),
                    Catch::Matchers::Contains("nesterov momentum requires"));
  CHECK_THROWS_WITH(RMSprop<double>(one, RMSpropOptions().alpha(-0.1)), "RMSprop: invalid alpha value: -0.1");
  CHECK_THROWS_WITH(Adagrad<double>(one, AdagradOptions().lr_decay(-1)), "Adagrad: invalid lr_decay value: -1");
  CHECK_THROWS_WITH(Adagrad<double>(one, AdagradOptions().initial_accumulator_value(-1)),
                    "Adagrad: invalid initial_accumulator_value value: -1");
  CHECK_THROWS_WITH(Adam<double>(Params{}, AdamOptions()), "Adam: got an empty parameter list");
  CHECK_THROWS_WITH(SGD<double>(Params{p, p}, SGDOptions(0.1)),
                    "SGD: parameter 1 appears more than once in the parameter list");
  auto non_leaf = p * 2.0;
  CHECK_THROWS_WITH(SGD<double>(Params{non_leaf}, SGDOptions(0.1)),
                    "SGD: can't optimize a non-leaf tensor (parameter 0, shape [1])");
  CHECK(std::isnan(std::nan("")));  // NaN options are refused too:
  CHECK_THROWS_AS(Adam<double>(one, AdamOptions(std::nan(""))), tg::Error);

  SGD<double> sgd(one, SGDOptions(0.1));
  p.set_grad(tg::zeros<double>({3}));
  CHECK_THROWS_WITH(sgd.step(), "SGD: parameter 0 has shape [1] but its gradient has shape [3]");
}

// ---- Gradient clipping -----------------------------------------------------------------------------------

TEST_CASE("clip_grad_norm_ returns the total norm and scales by max_norm / (norm + 1e-6)", "[optim][clip]") {
  using tg::nn::utils::clip_grad_norm_;
  auto a = tg::tensor<double>({0.0, 0.0}).requires_grad_();
  auto b = tg::tensor<double>({0.0}).requires_grad_();
  auto none = tg::tensor<double>({5.0}).requires_grad_();  // no gradient: skipped
  const Params params{a, b, none};
  auto set = [&] {
    a.set_grad(tg::tensor<double>({3.0, -4.0}));
    b.set_grad(tg::tensor<double>({12.0}));
  };
  set();
  CHECK(clip_grad_norm_(params, 6.5) == 13.0);  // √(9 + 16 + 144)
  const double coef = 6.5 / (13.0 + 1e-6);
  CHECK(a.grad().tolist() == std::vector<double>{3.0 * coef, -4.0 * coef});
  CHECK(b.grad().item() == 12.0 * coef);
  CHECK_FALSE(none.grad().defined());

  set();
  CHECK(clip_grad_norm_(params, 20.0) == 13.0);  // below max_norm: untouched
  CHECK(a.grad().tolist() == std::vector<double>{3.0, -4.0});

  set();
  CHECK(clip_grad_norm_(params, 6.0, INFINITY) == 12.0);  // max |g|
  CHECK(b.grad().item() == 12.0 * (6.0 / (12.0 + 1e-6)));

  // The norm of an all-zero gradient, a non-smooth point: defined as 0 (no NaN), and the gradients stay exactly 0.
  a.set_grad(tg::zeros<double>({2}));
  b.set_grad(tg::zeros<double>({1}));
  CHECK(clip_grad_norm_(params, 0.0) == 0.0);
  CHECK(a.grad().tolist() == std::vector<double>{0.0, 0.0});
  CHECK(b.grad().item() == 0.0);

  set();
  CHECK(clip_grad_norm_(params, 100.0, 1.0) == 19.0);  // Σ|g|
  set();
  CHECK(clip_grad_norm_(params, 100.0, 3.0) == Approx(std::cbrt(27.0 + 64.0 + 1728.0)).epsilon(1e-15));
  set();
  CHECK(clip_grad_norm_(b, 100.0) == 12.0);  // single-tensor form

  CHECK(clip_grad_norm_(Params{none}, 1.0) == 0.0);
  CHECK_THROWS_WITH(clip_grad_norm_(params, 1.0, -2.0), Catch::Matchers::Contains("norm_type must be positive"));

  a.set_grad(tg::tensor<double>({INFINITY, 1.0}));
  CHECK_THROWS_WITH(clip_grad_norm_(params, 1.0, 2.0, true), Catch::Matchers::Contains("is non-finite"));
  CHECK(a.grad().at({1}) == 1.0);  // the error leaves the gradients alone
  CHECK(std::isinf(clip_grad_norm_(params, 1.0)));  // as PyTorch: scaled by 1/inf → 0 (and inf·0 = NaN)
  CHECK(a.grad().at({1}) == 0.0);
  CHECK(std::isnan(a.grad().at({0})));
}

TEST_CASE("clip_grad_norm_ on float gradients", "[optim][clip]") {
  auto w = tg::tensor<float>({0.0f, 0.0f}).requires_grad_();
  w.set_grad(tg::tensor<float>({6.0f, 8.0f}));
  CHECK(tg::nn::utils::clip_grad_norm_(std::vector<tg::Tensor<float>>{w}, 5.0) == 10.0);
  CHECK(w.grad().at({0}) == Approx(3.0).epsilon(1e-6));
  CHECK(w.grad().at({1}) == Approx(4.0).epsilon(1e-6));
}

TEST_CASE("clip_grad_value_ clamps each gradient element to plus or minus clip", "[optim][clip]") {
  auto a = tg::tensor<double>({0.0, 0.0, 0.0, 0.0}).requires_grad_();
  auto none = tg::tensor<double>({1.0}).requires_grad_();
  a.set_grad(tg::tensor<double>({-3.0, 0.5, 7.0, -1.0}));
  tg::nn::utils::clip_grad_value_(Params{a, none}, 1.0);
  CHECK(a.grad().tolist() == std::vector<double>{-1.0, 0.5, 1.0, -1.0});
  CHECK_FALSE(none.grad().defined());
  tg::nn::utils::clip_grad_value_(a, 0.25);
  CHECK(a.grad().tolist() == std::vector<double>{-0.25, 0.25, 0.25, -0.25});
  CHECK_THROWS_WITH(tg::nn::utils::clip_grad_value_(a, -1.0), "clip_grad_value_: clip_value must be non-negative, got -1");
}
