// Every differentiable op against central finite differences in float64, table-driven: the listed elementwise
// ops come from their one list (op_tables.hpp), every other op is one line of a table below. Each unary row runs on a contiguous, a transposed and
// a sliced [3, 4] input, a [2, 3, 4] input and (where meaningful) a 0-d input; each binary row on same-shape,
// rank-mismatch, size-1-broadcast, non-contiguous and 0-d operand pairs.
#include <catch2/catch.hpp>
#include <tensorgrad/tensor.hpp>

#include "op_tables.hpp"

#include <functional>
#include <string>
#include <type_traits>
#include <vector>

namespace {

using tg::Shape;
using tg::TensorD;
using Inputs = std::vector<TensorD>;
using Fn = std::function<TensorD(const Inputs&)>;

// Where input values are drawn from: anywhere, positive (log, sqrt, pow bases), or |x| in [0.2, 1.2] to keep
// finite differences away from the kinks of abs/relu/leaky_relu and the poles of division.
enum class Dist { Normal, Positive, AwayFromZero };
Dist dist_of(tg::backend::Domain domain) {
  return domain == tg::backend::Domain::Positive       ? Dist::Positive
         : domain == tg::backend::Domain::AwayFromZero ? Dist::AwayFromZero
                                                       : Dist::Normal;
}
// How the input is laid out in memory: contiguous, a transposed view, or a strided slice with an offset.
enum class Layout { Contiguous, Transposed, Sliced };

tg::Generator& gen() {
  static tg::Generator g(20240611);
  return g;
}

TensorD make(const Shape& shape, Dist dist = Dist::Normal, Layout layout = Layout::Contiguous) {
  Shape alloc = shape;
  if (layout == Layout::Transposed) std::swap(alloc[alloc.size() - 2], alloc[alloc.size() - 1]);
  if (layout == Layout::Sliced) alloc[0] = 2 * shape[0] + 1;
  std::vector<double> values(static_cast<std::size_t>(alloc.numel()));
  for (double& v : values) {
    const double u = gen().uniform();
    if (dist == Dist::Normal) v = gen().normal();
    else if (dist == Dist::Positive) v = 0.5 + 1.5 * u;
    else v = (gen().uniform() < 0.5 ? -1 : 1) * (0.2 + u);
  }
  TensorD base = tg::tensor<double>(values, alloc);
  TensorD x = layout == Layout::Transposed ? base.transpose(-1, -2)
              : layout == Layout::Sliced   ? base.slice(0, 1, alloc[0], 2)
                                           : base;
  REQUIRE(x.sizes() == shape);
  REQUIRE(x.is_contiguous() == (layout == Layout::Contiguous || shape.numel() <= 1));
  x.requires_grad_();
  return x;
}

void check_gradients(const std::string& what, const Fn& fn, const Inputs& inputs) {
  const tg::GradcheckReport report = tg::gradcheck(fn, inputs);
  INFO(what << ": " << report.message);
  CHECK(report.ok);
}

std::string describe(const Inputs& inputs) {
  std::string s;
  for (const TensorD& x : inputs)
    s += (s.empty() ? "" : " and ") + x.sizes().str() + (x.is_contiguous() ? "" : " (strided " + x.strides().str() + ")");
  return s;
}

// The layouts a unary row runs on (bit flags).
constexpr unsigned kC = 1, kT = 2, kS = 4, k3d = 8, k0d = 16;
constexpr unsigned k2d = kC | kT | kS, kAll = k2d | k3d | k0d;

struct UnaryCase {
  const char* name;
  std::function<TensorD(const TensorD&)> fn;
  Dist dist;
  unsigned layouts;
};

void run_unary(const std::vector<UnaryCase>& table) {
  for (const UnaryCase& c : table) {
    std::vector<TensorD> inputs;
    if (c.layouts & kC) inputs.push_back(make({3, 4}, c.dist));
    if (c.layouts & kT) inputs.push_back(make({3, 4}, c.dist, Layout::Transposed));
    if (c.layouts & kS) inputs.push_back(make({3, 4}, c.dist, Layout::Sliced));
    if (c.layouts & k3d) inputs.push_back(make({2, 3, 4}, c.dist));
    if (c.layouts & k0d) inputs.push_back(make({}, c.dist));
    for (const TensorD& x : inputs)
      check_gradients(std::string(c.name) + " on " + describe({x}), [&c](const Inputs& in) { return c.fn(in[0]); }, {x});
  }
}

#define F1(expr) [](const TensorD& x) { return expr; }
#define F2(expr) [](const Inputs& in) { const TensorD &a = in[0], &b = in[1]; return expr; }

}  // namespace

TEST_CASE("gradcheck: every listed elementwise unary op, with its example parameters", "[gradcheck][unary]") {
  const auto entries = op_tables::unary_ops<double>();  // outlives `table`, which points at its names
  std::vector<UnaryCase> table;
  for (const auto& entry : entries) {
    table.push_back({entry.name.c_str(), entry.fn, dist_of(entry.domain), kAll});
  }
  REQUIRE(table.size() == static_cast<std::size_t>(tg::backend::kNumUnaryOps));
  run_unary(table);
}

TEST_CASE("gradcheck: other forms of the elementwise unary ops, and scalar arithmetic", "[gradcheck][unary]") {
  using D = Dist;
  run_unary({
      {"pow 2", F1(x.pow(2.0)), D::Normal, kAll},
      {"pow 0.5", F1(x.pow(0.5)), D::Positive, kAll},
      {"pow -1.5", F1(x.pow(-1.5)), D::Positive, kAll},
      {"pow 0", F1(x.pow(0.0)), D::Normal, kAll},
      {"clamp", F1(x.clamp(-0.5, 0.5)), D::Normal, kAll},
      {"clamp_min", F1(x.clamp_min(0.3)), D::Normal, kAll},
      {"clamp_max", F1(x.clamp_max(-0.3)), D::Normal, kAll},
      {"x + 2.5", F1(x + 2.5), D::Normal, kAll},
      {"2.5 + x", F1(2.5 + x), D::Normal, kAll},
      {"x - 1.5", F1(x - 1.5), D::Normal, kAll},
      {"1.5 - x", F1(1.5 - x), D::Normal, kAll},
      {"x * 3", F1(x * 3), D::Normal, kAll},
      {"3 * x", F1(3 * x), D::Normal, kAll},
      {"x / 2", F1(x / 2.0), D::Normal, kAll},
      {"2 / x", F1(2.0 / x), D::AwayFromZero, kAll},
  });
}

TEST_CASE("gradcheck: activations", "[gradcheck][activation]") {
  using D = Dist;
  run_unary({
      {"leaky_relu", F1(tg::leaky_relu(x)), D::AwayFromZero, kAll},
      {"elu", F1(tg::elu(x)), D::Normal, kAll},
      {"elu 0.5", F1(tg::elu(x, 0.5)), D::AwayFromZero, kAll},
  });
}

TEST_CASE("gradcheck: reductions", "[gradcheck][reduce]") {
  using D = Dist;
  run_unary({
      {"sum", F1(x.sum()), D::Normal, kAll},
      {"sum 0", F1(x.sum(0)), D::Normal, k2d | k3d},
      {"sum -1 keepdim", F1(x.sum(-1, true)), D::Normal, k2d | k3d},
      {"sum 1 of 3-d", F1(x.sum(1)), D::Normal, k3d},
      {"mean", F1(x.mean()), D::Normal, kAll},
      {"mean 1", F1(x.mean(1)), D::Normal, k2d | k3d},
      {"mean 0 keepdim", F1(x.mean(0, true)), D::Normal, k2d | k3d},
      {"max", F1(x.max()), D::Normal, kAll},
      {"max 0", F1(x.max(0)), D::Normal, k2d | k3d},
      {"max -1 keepdim", F1(x.max(-1, true)), D::Normal, k2d | k3d},
      {"min", F1(x.min()), D::Normal, kAll},
      {"min 1", F1(x.min(1)), D::Normal, k2d | k3d},
      {"min 0 keepdim", F1(x.min(0, true)), D::Normal, k2d | k3d},
      {"var", F1(x.var()), D::Normal, k2d | k3d},
      {"var biased", F1(x.var(false)), D::Normal, k2d | k3d},
      {"var 0", F1(x.var(0, true)), D::Normal, k2d | k3d},
      {"var -1 biased keepdim", F1(x.var(-1, false, true)), D::Normal, k2d | k3d},
      {"std", F1(x.std()), D::Normal, k2d | k3d},
      {"std biased", F1(x.std(false)), D::Normal, k2d | k3d},
      {"std 1", F1(x.std(1, true)), D::Normal, k2d | k3d},
      {"std 0 biased keepdim", F1(x.std(0, false, true)), D::Normal, k2d | k3d},
  });
}

TEST_CASE("gradcheck: softmax and log_softmax", "[gradcheck][softmax]") {
  using D = Dist;
  run_unary({
      {"softmax 0", F1(x.softmax(0)), D::Normal, k2d | k3d},
      {"softmax -1", F1(x.softmax(-1)), D::Normal, k2d | k3d},
      {"softmax 1 of 3-d", F1(x.softmax(1)), D::Normal, k3d},
      {"log_softmax 0", F1(x.log_softmax(0)), D::Normal, k2d | k3d},
      {"log_softmax -1", F1(x.log_softmax(-1)), D::Normal, k2d | k3d},
      {"log_softmax 1 of 3-d", F1(x.log_softmax(1)), D::Normal, k3d},
      {"softmax of 0-d", F1(x.softmax(0)), D::Normal, k0d},
      {"log_softmax of 0-d", F1(x.log_softmax(-1)), D::Normal, k0d},
  });
}

TEST_CASE("gradcheck: views and copies", "[gradcheck][view]") {
  using D = Dist;
  run_unary({
      {"view -1", F1(x.view({-1})), D::Normal, kC | k3d},
      {"view 2-d", F1(x.view({4, 3})), D::Normal, kC},
      {"reshape", F1(x.reshape({2, -1})), D::Normal, k2d | k3d},
      {"reshape of 0-d", F1(x.reshape({1, 1})), D::Normal, k0d},
      {"transpose", F1(x.transpose(0, 1)), D::Normal, k2d | k3d},
      {"transpose 3-d", F1(x.transpose(0, 2)), D::Normal, k3d},
      {"t", F1(x.t()), D::Normal, k2d | k0d},
      {"permute", F1(x.permute({1, 0})), D::Normal, k2d},
      {"permute 3-d", F1(x.permute({2, 0, 1})), D::Normal, k3d},
      {"unsqueeze 0", F1(x.unsqueeze(0)), D::Normal, kAll},
      {"unsqueeze -1", F1(x.unsqueeze(-1)), D::Normal, kAll},
      {"squeeze", F1(x.unsqueeze(0).squeeze()), D::Normal, kAll},
      {"squeeze dim", F1(x.unsqueeze(-1).squeeze(-1)), D::Normal, kAll},
      {"flatten", F1(x.flatten()), D::Normal, kAll},
      {"flatten 1", F1(x.flatten(1)), D::Normal, k2d | k3d},
      {"expand new dim", F1(x.unsqueeze(0).expand({2, -1, -1})), D::Normal, k2d},
      {"expand size-1 dim", F1(x.slice(1, 2, 3).expand({-1, 5})), D::Normal, k2d},
      {"expand 0-d", F1(x.expand({2, 3})), D::Normal, k0d},
      {"slice", F1(x.slice(1, 1, 4, 2)), D::Normal, k2d | k3d},
      {"slice negative", F1(x.slice(0, -2, 100)), D::Normal, k2d | k3d},
      {"narrow", F1(x.narrow(-1, 1, 2)), D::Normal, k2d | k3d},
      {"select", F1(x.select(0, 1)), D::Normal, k2d | k3d},
      {"select -1", F1(x.select(-1, -1)), D::Normal, k2d | k3d},
      {"operator[]", F1(x[2 % x.size(0)]), D::Normal, k2d | k3d},
      {"clone", F1(x.clone()), D::Normal, kAll},
      {"contiguous", F1(x.contiguous()), D::Normal, kAll},
      {"same-type to", F1(x.to<double>()), D::Normal, kAll},
  });
}

TEST_CASE("gradcheck: binary ops with broadcasting, strides and 0-d operands", "[gradcheck][binary]") {
  struct BinaryCase {
    const char* name;
    Fn fn;
    Dist a, b;
  };
  using D = Dist;
  const std::vector<BinaryCase> table = {
      {"add", F2(a + b), D::Normal, D::Normal},
      {"sub", F2(a - b), D::Normal, D::Normal},
      {"mul", F2(a * b), D::Normal, D::Normal},
      {"div", F2(a / b), D::Normal, D::AwayFromZero},
      {"pow", F2(a.pow(b)), D::Positive, D::Normal},
      {"add method", F2(a.add(b)), D::Normal, D::Normal},
      {"sub method", F2(a.sub(b)), D::Normal, D::Normal},
      {"mul method", F2(a.mul(b)), D::Normal, D::Normal},
      {"div method", F2(a.div(b)), D::Normal, D::AwayFromZero},
      {"maximum", F2(tg::maximum(a, b)), D::Normal, D::Normal},
      {"minimum", F2(tg::minimum(a, b)), D::Normal, D::Normal},
      {"where", F2(tg::where(a.detach() > 0.0, a, b)), D::AwayFromZero, D::Normal},
  };
  struct Operands {
    Shape a;
    Layout la;
    Shape b;
    Layout lb;
  };
  const Layout C = Layout::Contiguous, T = Layout::Transposed, S = Layout::Sliced;
  const std::vector<Operands> pairs = {
      {{2, 3}, C, {2, 3}, C},        // same shape
      {{2, 3}, C, {3}, C},           // rank mismatch
      {{4}, C, {3, 4}, C},           // rank mismatch, other side
      {{2, 1, 4}, C, {3, 1}, C},     // size-1 dims on both sides
      {{3, 1}, C, {1, 4}, C},        // outer product
      {{3, 4}, T, {3, 4}, S},        // non-contiguous both
      {{3, 4}, S, {4}, C},           // sliced with broadcast
      {{2, 3, 4}, C, {3, 1}, S},     // strided size-1 operand
      {{}, C, {2, 3}, C},            // 0-d with a matrix
      {{2, 3}, T, {}, C},            // matrix with 0-d
      {{}, C, {}, C},                // two 0-d
  };
  for (const BinaryCase& c : table)
    for (const Operands& p : pairs) {
      const Inputs inputs = {make(p.a, c.a, p.la), make(p.b, c.b, p.lb)};
      check_gradients(std::string(c.name) + " on " + describe(inputs), c.fn, inputs);
    }
}

TEST_CASE("gradcheck: matmul and mm", "[gradcheck][linalg]") {
  struct MatmulCase {
    const char* name;
    Fn fn;
    Inputs inputs;
  };
  const Layout T = Layout::Transposed, S = Layout::Sliced;
  const Dist N = Dist::Normal;
  const std::vector<MatmulCase> table = {
      {"1-d . 1-d", F2(a.matmul(b)), {make({4}), make({4})}},
      {"1-d . 2-d", F2(a.matmul(b)), {make({3}), make({3, 4})}},
      {"2-d . 1-d", F2(a.matmul(b)), {make({3, 4}), make({4})}},
      {"2-d . 2-d", F2(a.matmul(b)), {make({2, 3}), make({3, 4})}},
      {"2-d transposed . 2-d sliced", F2(a.matmul(b)), {make({2, 3}, N, T), make({3, 4}, N, S)}},
      {"3-d . 3-d", F2(a.matmul(b)), {make({2, 3, 4}), make({2, 4, 5})}},
      {"3-d . 2-d (broadcast batch)", F2(a.matmul(b)), {make({2, 3, 4}), make({4, 2})}},
      {"2-d . 3-d (broadcast batch)", F2(a.matmul(b)), {make({3, 4}), make({2, 4, 2})}},
      {"4-d . 3-d (size-1 batch dims)", F2(a.matmul(b)), {make({2, 1, 3, 4}), make({3, 4, 2})}},
      {"3-d transposed . 3-d", F2(a.matmul(b)), {make({2, 3, 4}, N, T), make({2, 4, 2})}},
      {"1-d . 3-d", F2(a.matmul(b)), {make({4}), make({2, 4, 3})}},
      {"3-d . 1-d", F2(a.matmul(b)), {make({2, 3, 4}), make({4})}},
      {"mm", F2(tg::mm(a, b)), {make({2, 3}), make({3, 4})}},
      {"mm strided", F2(a.mm(b)), {make({3, 2}, N, S), make({2, 4}, N, T)}},
      {"linear", [](const Inputs& in) { return tg::linear(in[0], in[1], in[2]); }, {make({3, 4}), make({2, 4}), make({2})}},
      {"linear no bias", F2(tg::linear(a, b)), {make({3, 4}), make({2, 4})}},
      {"linear 3-d input", [](const Inputs& in) { return tg::linear(in[0], in[1], in[2]); },
       {make({2, 3, 4}), make({5, 4}), make({5})}},
      {"linear transposed input and weight", [](const Inputs& in) { return tg::linear(in[0], in[1], in[2]); },
       {make({3, 4}, N, T), make({2, 4}, N, T), make({2})}},
  };
  for (const MatmulCase& c : table) check_gradients(std::string(c.name) + " on " + describe(c.inputs), c.fn, c.inputs);
}

TEST_CASE("gradcheck: cat and stack", "[gradcheck][join]") {
  struct JoinCase {
    const char* name;
    Fn fn;
    Inputs inputs;
  };
  const Layout T = Layout::Transposed, S = Layout::Sliced;
  const Dist N = Dist::Normal;
  const std::vector<JoinCase> table = {
      {"cat 0", F2(tg::cat({a, b}, 0)), {make({2, 3}), make({3, 3}, N, S)}},
      {"cat -1", F2(tg::cat({a, b, a}, -1)), {make({3, 2}, N, T), make({3, 4})}},
      {"stack 0", F2(tg::stack({a, b}, 0)), {make({2, 3}), make({2, 3}, N, T)}},
      {"stack 2", F2(tg::stack({a, b}, 2)), {make({2, 3}, N, S), make({2, 3})}},
      {"stack of 0-d", F2(tg::stack({a, b})), {make({}), make({})}},
  };
  for (const JoinCase& c : table) check_gradients(std::string(c.name) + " on " + describe(c.inputs), c.fn, c.inputs);
}

TEST_CASE("gradcheck: differentiable in-place ops on non-leaf tensors", "[gradcheck][inplace]") {
  struct InplaceCase {
    const char* name;
    Fn fn;
    Inputs inputs;
  };
  // The in-place op writes into a non-leaf (a * 1.5), so the gradient must flow through the new grad_fn.
  const std::vector<InplaceCase> table = {
      {"add_", F2(([&] { TensorD y = a * 1.5; y.add_(b); return y; })()), {make({2, 3}), make({3})}},
      {"add_ alpha", F2(([&] { TensorD y = a * 1.5; y.add_(b, -2.0); return y; })()), {make({2, 3}), make({2, 3})}},
      {"sub_", F2(([&] { TensorD y = a * 1.5; y.sub_(b); return y; })()), {make({2, 3}), make({1, 3})}},
      {"mul_", F2(([&] { TensorD y = a * 1.5; y.mul_(b); return y; })()), {make({2, 3}), make({2, 1})}},
      {"div_", F2(([&] { TensorD y = a * 1.5; y.div_(b); return y; })()), {make({2, 3}), make({3}, Dist::AwayFromZero)}},
      {"copy_", F2(([&] { TensorD y = a * 1.5; y.copy_(b); return y * a; })()), {make({2, 3}), make({3})}},
      {"add_ scalar", F2(([&] { TensorD y = a * b; y.add_(2.0); return y; })()), {make({2, 3}), make({2, 3})}},
      {"mul_ scalar", F2(([&] { TensorD y = a * b; y.mul_(-3.0); return y; })()), {make({2, 3}), make({2, 3})}},
      {"clamp_", F2(([&] { TensorD y = a * b; y.clamp_(-0.4, 0.4); return y; })()), {make({2, 3}), make({2, 3})}},
  };
  for (const InplaceCase& c : table) check_gradients(std::string(c.name) + " on " + describe(c.inputs), c.fn, c.inputs);
}

TEST_CASE("gradcheck: composite graphs", "[gradcheck][composite]") {
  const Inputs inputs = {make({3, 4}), make({4, 2}), make({2})};
  check_gradients("two-layer perceptron with log_softmax",
                  [](const Inputs& in) { return tg::tanh(in[0].matmul(in[1]) + in[2]).log_softmax(1).mean(0); }, inputs);
  check_gradients("reuse of one input through several paths",
                  [](const Inputs& in) { return (in[0] * in[0].exp() - in[0].sum(0, true)).max(1); }, {make({3, 4})});
}

// ---- float32 against float64 (float32 cannot pass the finite-difference tolerances) ---------------------------

namespace {
/// Runs `f` on float64 inputs and on their float32 copies, back-propagates the same cotangent through both,
/// and compares outputs and gradients within 1e-5·(1 + |float64 value|).
template <class F> void check_float32_matches_float64(const std::string& name, F f, const Inputs& inputs) {
  std::vector<tg::TensorF> inputs32;
  for (const TensorD& x : inputs) inputs32.push_back(x.detach().to<float>().requires_grad_());
  const TensorD y = f(inputs);
  const tg::TensorF y32 = f(inputs32);
  const TensorD cotangent = tg::randn<double>(y.sizes(), gen());
  y.backward(cotangent);
  y32.backward(cotangent.to<float>());
  auto close = [&](const std::string& what, const TensorD& want, const tg::TensorF& got) {
    INFO(name << ": " << what);
    REQUIRE(got.sizes() == want.sizes());
    const std::vector<double> w = want.tolist();
    const std::vector<float> g = got.tolist();
    for (std::size_t i = 0; i < w.size(); ++i) CHECK(std::abs(g[i] - w[i]) <= 1e-5 * (1 + std::abs(w[i])));
  };
  close("output", y, y32);
  for (std::size_t k = 0; k < inputs.size(); ++k) close("gradient of input " + std::to_string(k), inputs[k].grad(), inputs32[k].grad());
}
}  // namespace

#define G(expr) [](const auto& in) { return expr; }

TEST_CASE("float32 outputs and gradients of every listed unary op match float64", "[gradcheck][float32]") {
  const auto f64 = op_tables::unary_ops<double>();
  const auto f32 = op_tables::unary_ops<float>();
  for (std::size_t i = 0; i < f64.size(); ++i) {
    const auto f = [&](const auto& in) {
      if constexpr (std::is_same_v<std::decay_t<decltype(in[0])>, TensorD>) return f64[i].fn(in[0]);
      else return f32[i].fn(in[0]);
    };
    check_float32_matches_float64(f64[i].name, f, {make({3, 4}, dist_of(f64[i].domain))});
  }
}

TEST_CASE("float32 outputs and gradients match float64", "[gradcheck][float32]") {
  using D = Dist;
  const Layout T = Layout::Transposed;
  check_float32_matches_float64("sqrt", G(in[0].sqrt()), {make({3, 4}, D::Positive, T)});
  check_float32_matches_float64("pow -1.5", G(in[0].pow(-1.5)), {make({3, 4}, D::Positive)});
  check_float32_matches_float64("clamp", G(in[0].clamp(-0.5, 0.5)), {make({3, 4})});
  check_float32_matches_float64("leaky_relu", G(tg::leaky_relu(in[0], 0.1)), {make({3, 4}, D::AwayFromZero)});
  check_float32_matches_float64("elu", G(tg::elu(in[0])), {make({3, 4})});
  check_float32_matches_float64("add", G(in[0] + in[1]), {make({2, 3}), make({3})});
  check_float32_matches_float64("sub", G(in[0] - in[1]), {make({2, 1}), make({3}, D::Normal)});
  check_float32_matches_float64("mul", G(in[0] * in[1]), {make({3, 4}, D::Normal, T), make({4})});
  check_float32_matches_float64("div", G(in[0] / in[1]), {make({2, 3}), make({2, 1}, D::AwayFromZero)});
  check_float32_matches_float64("pow", G(in[0].pow(in[1])), {make({2, 3}, D::Positive), make({3})});
  check_float32_matches_float64("sum 1", G(in[0].sum(1)), {make({3, 4})});
  check_float32_matches_float64("mean", G(in[0].mean()), {make({3, 4})});
  check_float32_matches_float64("max 0", G(in[0].max(0)), {make({3, 4})});
  check_float32_matches_float64("min 1", G(in[0].min(1, true)), {make({3, 4})});
  check_float32_matches_float64("var 1", G(in[0].var(1, true)), {make({3, 4})});
  check_float32_matches_float64("std", G(in[0].std()), {make({3, 4})});
  check_float32_matches_float64("softmax", G(in[0].softmax(1)), {make({3, 4})});
  check_float32_matches_float64("log_softmax", G(in[0].log_softmax(0)), {make({3, 4})});
  check_float32_matches_float64("matmul", G(in[0].matmul(in[1])), {make({2, 3, 4}), make({4, 5})});
  check_float32_matches_float64("matmul strided", G(in[0].matmul(in[1])), {make({3, 4}, D::Normal, T), make({4})});
  check_float32_matches_float64("views", G(in[0].t().reshape({2, 6}).slice(1, 1, 5).unsqueeze(0).expand({2, -1, -1})),
                                {make({4, 3})});
}

// ---- gradcheck itself ----------------------------------------------------------------------------

namespace {
/// x² with a deliberately wrong backward (g·x instead of 2·g·x), to prove gradcheck catches a bad derivative.
TensorD square_with_wrong_backward(const TensorD& x) {
  TensorD y;
  {
    tg::NoGradGuard no_grad;
    y = x * x;
  }
  tg::autograd::record("WrongSquareBackward", y, {x.impl()},
                       [saved = tg::autograd::save(x)](const TensorD& g, tg::autograd::GradInputs& gi) {
                         gi.set(0, g * TensorD(saved.get("WrongSquareBackward")));
                       });
  return y;
}
}  // namespace

TEST_CASE("gradcheck reports the worst entry of a wrong backward", "[gradcheck][self]") {
  const TensorD x = tg::tensor<double>({1.0, 3.0}).requires_grad_();
  const tg::GradcheckReport report =
      tg::gradcheck([](const Inputs& in) { return square_with_wrong_backward(in[0]); }, {x});
  CHECK_FALSE(report.ok);
  CHECK_FALSE(static_cast<bool>(report));
  // Entry [1]: numerical 6 vs analytical 3 misses its tolerance (1e-5 + 3e-3) by more than entry [0] (2 vs 1).
  CHECK(report.input_index == 0);
  CHECK(report.element == std::vector<std::int64_t>{1});
  CHECK(report.output_element == std::vector<std::int64_t>{1});
  CHECK(report.numerical == Approx(6.0).epsilon(1e-8));
  CHECK(report.analytical == 3.0);
  CHECK(report.max_abs_error == Approx(3.0).epsilon(1e-8));
  CHECK_THAT(report.message, Catch::Contains("input 0 element [1] (output element [1]): numerical 6 vs analytical 3"));
}

TEST_CASE("gradcheck names the input and the multi-index of the worst element", "[gradcheck][self]") {
  // Input 0 is fine; input 1 goes through the wrong square, worst at its largest element [1, 0].
  const TensorD a = tg::tensor<double>({{1, 2}, {3, 4}}).requires_grad_();
  const TensorD b = tg::tensor<double>({{0.5, 1}, {2, 0.25}}).requires_grad_();
  const tg::GradcheckReport report =
      tg::gradcheck([](const Inputs& in) { return in[0] * 2.0 + square_with_wrong_backward(in[1]); }, {a, b});
  CHECK_FALSE(report.ok);
  CHECK(report.input_index == 1);
  CHECK(report.element == std::vector<std::int64_t>{1, 0});
  CHECK_THAT(report.message, Catch::Contains("input 1 element [1, 0] (output element [1, 0]): numerical 4 vs analytical 2"));
}

TEST_CASE("gradcheck passes the input layout to the function and leaves inputs untouched", "[gradcheck][self]") {
  const TensorD base = tg::tensor<double>({1, 2, 3, 4, 5, 6}, {2, 3});
  TensorD xt = base.t();
  xt.requires_grad_();
  const TensorD w = tg::tensor<double>({0.5, -1.0, 2.0});  // no grad: passed through, never perturbed
  bool saw_strided = true, saw_same_w = true;
  const tg::GradcheckReport report = tg::gradcheck(
      [&](const Inputs& in) {
        saw_strided = saw_strided && !in[0].is_contiguous() && in[0].strides() == Shape{1, 3};
        saw_same_w = saw_same_w && in[1].impl() == w.impl();
        return in[0].exp().matmul(in[1].slice(0, 0, 2));
      },
      {xt, w});
  INFO(report.message);
  CHECK(report.ok);
  CHECK(saw_strided);
  CHECK(saw_same_w);
  CHECK(base.tolist() == std::vector<double>{1, 2, 3, 4, 5, 6});
  CHECK_FALSE(xt.grad().defined());
  CHECK(xt._version() == 0);
}

TEST_CASE("gradcheck sees a missing gradient path as a zero Jacobian", "[gradcheck][self]") {
  const TensorD x = tg::tensor<double>({1.0, 2.0}).requires_grad_();
  // detach() hides the dependence from autograd: analytical 0 vs numerical 1 must fail.
  const tg::GradcheckReport cut = tg::gradcheck([](const Inputs& in) { return in[0].detach() * 1.0; }, {x});
  CHECK_FALSE(cut.ok);
  CHECK(cut.analytical == 0.0);
  CHECK(cut.numerical == Approx(1.0).epsilon(1e-8));
  // A function that does not depend on x at all has a zero Jacobian both ways.
  const tg::GradcheckReport constant =
      tg::gradcheck([](const Inputs&) { return tg::tensor<double>({4.0, 5.0}); }, {x});
  CHECK(constant.ok);
  CHECK(constant.max_abs_error == 0.0);
}

TEST_CASE("gradcheck refuses expanded inputs, whose elements overlap", "[gradcheck][self]") {
  TensorD x = tg::tensor<double>({1.0, 2.0}).expand({3, 2});
  x.requires_grad_();
  CHECK_THROWS_WITH(tg::gradcheck([](const Inputs& in) { return in[0] * 1.0; }, {x}),
                    Catch::Contains("gradcheck: input of shape [3, 2] and stride [0, 1] has overlapping elements"));
}
