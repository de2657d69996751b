// The optimizer step of the CUDA backend, run on the host. The CUDA kernel (backend/cuda/optim.cuh) is a thin
// launch of backend/bodies/optim.hpp: the optimizer describes its step (describe_step), the slots are packed by
// for_each_optim_pack, and every block runs OptimPack::run_block, one element per thread. Here the same
// description, packing and run_block calls drive plain host loops over std::vector mirrors of the parameters, and
// after every step the mirrors must equal the CPU optimizers' parameters and state. Both run the same rules, the
// CPU over Eigen arrays and the GPU over scalars, so this checks the scalar form and the packing.
//
// Tolerance: rtol·|cpu| + rtol with rtol 1e-6 (float) and 1e-12 (double): the two forms do the same operations
// in the same order, but a compiler may contract a·b + c into an FMA in one and not the other.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tensorgrad/backend/bodies/optim.hpp"
#include "tensorgrad/optim.hpp"
#include "tensorgrad/tensor.hpp"

using tg::Tensor;
using tg::backend::bodies::OptimSlot;
using tg::backend::bodies::OptimStep;

namespace {

/// An optimizer's describe_step (protected: the optimizers call it themselves), reached through a derived class.
template <class T>
struct StepOf : tg::optim::Optimizer<T> {
  static OptimStep of(const tg::optim::Optimizer<T>& optimizer) { return (optimizer.*(&StepOf::describe_step))(); }
};

template <class T> double tolerance() { return sizeof(T) == 4 ? 1e-6 : 1e-12; }

template <class T> void check_close(const std::vector<T>& cpu, const std::vector<T>& host, const std::string& what) {
  INFO(what);
  REQUIRE(cpu.size() == host.size());
  const double rtol = tolerance<T>();
  std::size_t bad = 0, first = 0;
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    const double a = cpu[i], b = host[i];
    if (!(std::abs(a - b) <= rtol * std::abs(a) + rtol) && bad++ == 0) first = i;
  }
  if (bad) FAIL_CHECK(bad << " of " << cpu.size() << " elements differ; first at " << first << ": cpu " << cpu[first]
                          << " vs bodies " << host[first]);
}

/// Runs the packed bodies over the slots as the CUDA kernel does, block by block and thread by thread (256
/// threads, the CUDA backend's block size); returns the number of packs (kernel launches).
template <class T> int run_packed(const OptimStep& step, const std::vector<OptimSlot>& slots) {
  constexpr int kThreads = 256;
  int launches = 0;
  tg::backend::bodies::for_each_optim_pack<T>(step, slots.data(), slots.size(), [&](const auto& pack) {
    ++launches;
    REQUIRE(pack.count >= 1);
    REQUIRE(pack.count <= tg::backend::bodies::kOptimPackSlots);
    for (std::int64_t block = 0; block < pack.blocks(); ++block)
      for (int thread = 0; thread < kThreads; ++thread) pack.run_block(block, thread, kThreads);
  });
  return launches;
}

/// Parameter sizes: empty, one element, sizes around a block's chunk (2048) and > 32 parameters in all, so the
/// bodies run over several packs, several blocks per parameter and partial chunks.
const std::vector<std::int64_t> kParamSizes = {0,  1,  33, 1025, 2048, 2049, 5000, 7,  31, 32,  257, 3,  64, 2,
                                               9,  17, 1,  100,  129,  4,    5,    6,  8,  10,  11,  12, 13, 14,
                                               15, 16, 18, 19,   20,   21,   0,    22, 23, 333, 24,  25};

/// Steps a CPU optimizer and the packed bodies side by side for 6 steps and compares parameters and state after
/// each. Every 5th parameter (from index 2) gets no gradient on step 1, so its state starts a step later (step
/// counts differ between parameters); the learning rate is halved from step 4 on (as a scheduler would).
/// `buffers` is how many state buffers the optimizer keeps with these options (checked against its state), each
/// starting at `initial_value`.
template <class T>
void check_parity(const std::function<std::unique_ptr<tg::optim::Optimizer<T>>(std::vector<Tensor<T>>)>& make,
                  std::size_t buffers, double initial_value, const std::string& label) {
  INFO(label);
  tg::manual_seed(11);
  const std::size_t n = kParamSizes.size();
  std::vector<Tensor<T>> params;
  for (std::int64_t size : kParamSizes) params.push_back(tg::randn<T>({size}).requires_grad_());
  std::vector<std::vector<T>> host_params, host_grads(n);
  for (const Tensor<T>& p : params) host_params.push_back(p.tolist());
  const std::unique_ptr<tg::optim::Optimizer<T>> optimizer = make(params);
  std::vector<std::vector<std::vector<T>>> host_buffers(n);
  std::vector<std::int64_t> steps(n, 0);

  for (int t = 1; t <= 6; ++t) {
    const std::string at = "step " + std::to_string(t);
    if (t == 4) optimizer->set_lr(optimizer->lr() / 2);
    std::vector<OptimSlot> slots;
    for (std::size_t i = 0; i < n; ++i) {
      if (t == 1 && i % 5 == 2) {
        params[i].set_grad(Tensor<T>());
        continue;
      }
      // Gradients alternate between large and small, so amsgrad's running max both holds and moves.
      const Tensor<T> g = tg::randn<T>({kParamSizes[i]}) * (t % 2 ? 2.0 : 0.1);
      params[i].set_grad(g);
      host_grads[i] = g.tolist();
      if (steps[i]++ == 0) host_buffers[i].assign(buffers, std::vector<T>(host_params[i].size(), T(initial_value)));
      OptimSlot slot;
      slot.param = host_params[i].data();
      slot.grad = host_grads[i].data();
      for (std::size_t b = 0; b < buffers; ++b) slot.buffers[b] = host_buffers[i][b].data();
      slot.numel = kParamSizes[i];
      slot.step = steps[i];
      slots.push_back(slot);
    }
    optimizer->step();
    const int launches = run_packed<T>(StepOf<T>::of(*optimizer), slots);
    std::size_t non_empty = 0;
    for (const OptimSlot& s : slots) non_empty += s.numel > 0;
    CHECK(launches == static_cast<int>((non_empty + 31) / 32));  // 32 parameters per launch, empty ones skipped

    for (std::size_t i = 0; i < n; ++i)
      check_close(params[i].tolist(), host_params[i], at + ", parameter " + std::to_string(i));
    // The state lists "<i>.step" then the buffers in buffer_names() order: the order of the slot's buffers.
    const auto state = optimizer->state();
    std::size_t e = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (steps[i] == 0) continue;
      const std::string prefix = std::to_string(i) + ".";
      REQUIRE(e < state.size());
      CHECK(state[e].first == prefix + "step");
      CHECK(state[e].second.item() == T(steps[i]));
      std::size_t b = 0;
      for (++e; e < state.size() && state[e].first.rfind(prefix, 0) == 0; ++e, ++b) {
        REQUIRE(b < buffers);
        check_close(state[e].second.tolist(), host_buffers[i][b], at + ", state " + state[e].first);
      }
      CHECK(b == buffers);
    }
    CHECK(e == state.size());
  }
}

template <class T, class Opt, class Options>
std::function<std::unique_ptr<tg::optim::Optimizer<T>>(std::vector<Tensor<T>>)> factory(const Options& options) {
  return [options](std::vector<Tensor<T>> params) { return std::make_unique<Opt>(std::move(params), options); };
}

}  // namespace

TEMPLATE_TEST_CASE("SGD's device body equals tg::optim::SGD for every option combination", "[optim]", float,
                   double) {
  using T = TestType;
  for (double momentum : {0.0, 0.9})
    for (double dampening : {0.0, 0.3})
      for (bool nesterov : {false, true})
        for (double weight_decay : {0.0, 0.01}) {
          if (nesterov && (momentum == 0 || dampening != 0)) continue;  // SGD rejects these
          const auto options = tg::optim::SGDOptions(0.1)
                                   .momentum(momentum)
                                   .dampening(dampening)
                                   .nesterov(nesterov)
                                   .weight_decay(weight_decay);
          check_parity<T>(factory<T, tg::optim::SGD<T>>(options), momentum != 0 ? 1 : 0, 0,
                          "SGD momentum " + std::to_string(momentum) + " dampening " + std::to_string(dampening) +
                              " nesterov " + std::to_string(nesterov) + " weight_decay " +
                              std::to_string(weight_decay));
        }
}

TEMPLATE_TEST_CASE("Adam's and AdamW's device body equals tg::optim::Adam/AdamW for every option combination",
                   "[optim]", float, double) {
  using T = TestType;
  for (bool amsgrad : {false, true})
    for (double weight_decay : {0.0, 0.1})
      for (tg::optim::Betas betas : {tg::optim::Betas{0.9, 0.999}, tg::optim::Betas{0.5, 0.8}}) {
        const std::string what = " amsgrad " + std::to_string(amsgrad) + " weight_decay " +
                                 std::to_string(weight_decay) + " beta1 " + std::to_string(std::get<0>(betas));
        const std::size_t buffers = amsgrad ? 3 : 2;
        check_parity<T>(factory<T, tg::optim::Adam<T>>(
                            tg::optim::AdamOptions(0.05).betas(betas).weight_decay(weight_decay).amsgrad(amsgrad)),
                        buffers, 0, "Adam" + what);
        check_parity<T>(factory<T, tg::optim::AdamW<T>>(tg::optim::AdamWOptions(0.05)
                                                            .betas(betas)
                                                            .eps(1e-6)
                                                            .weight_decay(weight_decay)
                                                            .amsgrad(amsgrad)),
                        buffers, 0, "AdamW" + what);
      }
}

TEMPLATE_TEST_CASE("RMSprop's device body equals tg::optim::RMSprop for every option combination", "[optim]", float,
                   double) {
  using T = TestType;
  for (double momentum : {0.0, 0.5})
    for (bool centered : {false, true})
      for (double weight_decay : {0.0, 0.1}) {
        const auto options =
            tg::optim::RMSpropOptions(0.01).alpha(0.9).momentum(momentum).centered(centered).weight_decay(weight_decay);
        check_parity<T>(factory<T, tg::optim::RMSprop<T>>(options), 1 + (momentum > 0) + centered, 0,
                        "RMSprop momentum " + std::to_string(momentum) + " centered " + std::to_string(centered) +
                            " weight_decay " + std::to_string(weight_decay));
      }
}

TEMPLATE_TEST_CASE("Adagrad's device body equals tg::optim::Adagrad for every option combination", "[optim]", float,
                   double) {
  using T = TestType;
  for (double lr_decay : {0.0, 0.1})
    for (double weight_decay : {0.0, 0.1})
      for (double initial : {0.0, 0.5}) {
        const auto options = tg::optim::AdagradOptions(0.1)
                                 .lr_decay(lr_decay)
                                 .weight_decay(weight_decay)
                                 .initial_accumulator_value(initial);
        check_parity<T>(factory<T, tg::optim::Adagrad<T>>(options), 1, initial,
                        "Adagrad lr_decay " + std::to_string(lr_decay) + " weight_decay " +
                            std::to_string(weight_decay) + " initial_accumulator_value " + std::to_string(initial));
      }
}

TEST_CASE("the packing gives each parameter its own blocks and skips empty ones", "[optim]") {
  // Plain SGD with γ = −1 over zero parameters and gradients of ones: each visit of an element adds 1, so after
  // one step every element must be exactly 1 (visited once, by one thread of one block).
  std::vector<std::vector<double>> params, grads;
  for (int r = 0; r < 14; ++r)
    for (std::int64_t size : {0, 1, 2048, 2049, 5000}) {
      params.emplace_back(static_cast<std::size_t>(size), 0.0);
      grads.emplace_back(static_cast<std::size_t>(size), 1.0);
    }
  std::vector<OptimSlot> slots(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    slots[i].param = params[i].data();
    slots[i].grad = grads[i].data();
    slots[i].numel = static_cast<std::int64_t>(params[i].size());
    slots[i].step = 1;
  }
  tg::backend::bodies::SgdStep step;
  step.lr = -1;
  std::vector<std::int64_t> blocks_per_launch;
  tg::backend::bodies::for_each_optim_pack<double>(step, slots.data(), slots.size(), [&](const auto& pack) {
    blocks_per_launch.push_back(pack.blocks());
    for (std::int64_t block = 0; block < pack.blocks(); ++block)
      for (int thread = 0; thread < 128; ++thread) pack.run_block(block, thread, 128);
  });
  // 56 non-empty slots: launches of 32 and 24. Blocks of 2048 elements per {1, 2048, 2049, 5000}: 1 + 1 + 2 + 3.
  CHECK(blocks_per_launch == std::vector<std::int64_t>{8 * 7, 6 * 7});
  for (const auto& p : params)
    for (double v : p) REQUIRE(v == 1.0);
}

TEST_CASE("step() validates every parameter before changing any", "[optim][reliability]") {
  const Tensor<double> a = tg::ones<double>({3}).requires_grad_(), b = tg::ones<double>({2}).requires_grad_();
  tg::optim::Adam<double> optimizer({a, b}, tg::optim::AdamOptions(0.1));
  a.set_grad(tg::ones<double>({3}));
  b.set_grad(tg::ones<double>({3}));  // wrong shape: parameter 1 fails after parameter 0 passed
  CHECK_THROWS_WITH(optimizer.step(), "Adam: parameter 1 has shape [2] but its gradient has shape [3]");
  CHECK(a.tolist() == std::vector<double>{1, 1, 1});
  CHECK(optimizer.state().empty());
}
