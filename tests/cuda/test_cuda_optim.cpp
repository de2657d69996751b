// CPU/CUDA parity of the optimizers: tg::optim's step() on parameters that live on cuda:0 runs
// the multi-tensor kernel of backend/cuda/optim.cuh (one launch per 32 parameters); the same steps on CPU copies
// run the CPU optimizers' loops. After every step the parameters, and at the end the state, must agree.
//
// Tolerances (rtol·|cpu| + atol): 1e-5 / 1e-5 (float32), 1e-12 / 1e-12 (float64). The device bodies cast the
// hyper-parameters as the CPU does and keep its operation order, but nvcc contracts a·b + c into FMAs where the
// host compiler may not: a last-bit difference per element per step, over 6 steps.
// state()/load_state() round trips compare runs on the same device, which must be bitwise identical.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "cuda_test_util.hpp"

namespace {

using namespace cuda_test;

using tg::Tensor;

template <class T> using Make = std::function<std::unique_ptr<tg::optim::Optimizer<T>>(std::vector<Tensor<T>>)>;

template <class T, class Opt, class Options> Make<T> make(const Options& options) {
  return [options](std::vector<Tensor<T>> params) { return std::make_unique<Opt>(std::move(params), options); };
}

/// Every algorithm with each of its options on (and the defaults).
template <class T> std::vector<std::pair<std::string, Make<T>>> optimizer_cases() {
  using namespace tg::optim;
  std::vector<std::pair<std::string, Make<T>>> cases;
  cases.emplace_back("SGD", make<T, SGD<T>>(SGDOptions(0.1)));
  cases.emplace_back("SGD weight_decay", make<T, SGD<T>>(SGDOptions(0.1).weight_decay(0.01)));
  cases.emplace_back("SGD momentum dampening", make<T, SGD<T>>(SGDOptions(0.1).momentum(0.9).dampening(0.3)));
  cases.emplace_back("SGD nesterov weight_decay",
                     make<T, SGD<T>>(SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(0.01)));
  for (bool amsgrad : {false, true}) {
    const std::string a = amsgrad ? " amsgrad" : "";
    cases.emplace_back("Adam" + a, make<T, Adam<T>>(AdamOptions(0.05).amsgrad(amsgrad)));
    cases.emplace_back("Adam weight_decay betas" + a,
                       make<T, Adam<T>>(AdamOptions(0.05).weight_decay(0.1).betas({0.5, 0.8}).amsgrad(amsgrad)));
    cases.emplace_back("AdamW" + a, make<T, AdamW<T>>(AdamWOptions(0.05).amsgrad(amsgrad)));
    cases.emplace_back("AdamW weight_decay eps" + a,
                       make<T, AdamW<T>>(AdamWOptions(0.05).weight_decay(0.1).eps(1e-6).amsgrad(amsgrad)));
  }
  for (double momentum : {0.0, 0.5})
    for (bool centered : {false, true})
      cases.emplace_back("RMSprop momentum " + std::to_string(momentum) + (centered ? " centered" : ""),
                         make<T, RMSprop<T>>(
                             RMSpropOptions(0.01).alpha(0.9).momentum(momentum).centered(centered).weight_decay(0.1)));
  cases.emplace_back("Adagrad", make<T, Adagrad<T>>(AdagradOptions(0.1)));
  cases.emplace_back("Adagrad lr_decay weight_decay initial_accumulator_value",
                     make<T, Adagrad<T>>(
                         AdagradOptions(0.1).lr_decay(0.1).weight_decay(0.1).initial_accumulator_value(0.5)));
  return cases;
}

/// A "model" of 40 parameters: sizes 0 and 1, sizes around the kernel's 2048-element chunk, a 2-d weight, and
/// more than 32 parameters in all, so a step takes two launches.
std::vector<tg::Shape> model_shapes() {
  std::vector<tg::Shape> shapes = {{0}, {1}, {33}, {1025}, {2049}, {33, 40}, {31}, {32}, {257}, {0, 3}};
  for (std::int64_t n = 2; shapes.size() < 40; ++n) shapes.push_back({n});
  return shapes;
}

/// The gradients of step t (the same on both devices): every 5th parameter from index 2 has none on step 1, so
/// its state starts a step later; magnitudes alternate, so amsgrad's running max both holds and moves.
template <class T> std::vector<Tensor<T>> gradients(const std::vector<tg::Shape>& shapes, int t) {
  std::vector<Tensor<T>> out;
  for (std::size_t i = 0; i < shapes.size(); ++i)
    out.push_back(t == 1 && i % 5 == 2 ? Tensor<T>() : tg::randn<T>(shapes[i]) * (t % 2 ? 2.0 : 0.1));
  return out;
}

template <class T> void set_grads(const std::vector<Tensor<T>>& params, const std::vector<Tensor<T>>& grads) {
  for (std::size_t i = 0; i < params.size(); ++i)
    params[i].set_grad(grads[i].defined() ? grads[i].to(params[i].device()) : Tensor<T>());
}

template <class T> std::vector<Tensor<T>> copies_on(const std::vector<Tensor<T>>& params, tg::Device device) {
  std::vector<Tensor<T>> out;
  for (const Tensor<T>& p : params) out.push_back(p.detach().clone().to(device).requires_grad_());
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("every optimizer's CUDA step matches its CPU step, state included", "[cuda][optim]", float,
                   double) {
  REQUIRE_GPU();
  using T = TestType;
  const double tol = default_tol<T>();
  const std::vector<tg::Shape> shapes = model_shapes();
  for (const auto& [name, make_optimizer] : optimizer_cases<T>()) {
    INFO(name);
    tg::manual_seed(3);
    std::vector<Tensor<T>> cpu;
    for (const tg::Shape& s : shapes) cpu.push_back(tg::randn<T>(s).requires_grad_());
    const std::vector<Tensor<T>> gpu = copies_on(cpu, tg::kCUDA);
    const auto cpu_optimizer = make_optimizer(cpu);
    const auto gpu_optimizer = make_optimizer(gpu);
    for (int t = 1; t <= 6; ++t) {
      if (t == 4) {  // as a scheduler would: the device step must use the current learning rate
        cpu_optimizer->set_lr(cpu_optimizer->lr() / 2);
        gpu_optimizer->set_lr(gpu_optimizer->lr() / 2);
      }
      const std::vector<Tensor<T>> grads = gradients<T>(shapes, t);
      set_grads(cpu, grads);
      set_grads(gpu, grads);
      cpu_optimizer->step();
      gpu_optimizer->step();
      for (std::size_t i = 0; i < shapes.size(); ++i) {
        REQUIRE(gpu[i].device() == tg::kCUDA);
        check_close(cpu[i], gpu[i], tol, tol, "step " + std::to_string(t) + ", parameter " + std::to_string(i));
      }
    }
    // The state: the same entries; steps on the CPU, buffers on the parameter's device (as PyTorch's).
    const auto cpu_state = cpu_optimizer->state(), gpu_state = gpu_optimizer->state();
    REQUIRE(cpu_state.size() == gpu_state.size());
    for (std::size_t e = 0; e < cpu_state.size(); ++e) {
      CHECK(cpu_state[e].first == gpu_state[e].first);
      const bool is_step = cpu_state[e].first.find(".step") != std::string::npos;
      CHECK(gpu_state[e].second.device() == (is_step ? tg::kCPU : tg::kCUDA));
      check_close(cpu_state[e].second, gpu_state[e].second, tol, tol, "state " + cpu_state[e].first);
    }
  }
}

TEST_CASE("an optimizer over CPU and CUDA parameters updates each on its own device", "[cuda][optim]") {
  REQUIRE_GPU();
  tg::manual_seed(5);
  const std::vector<tg::Shape> shapes = model_shapes();
  std::vector<Tensor<float>> reference;
  for (const tg::Shape& s : shapes) reference.push_back(tg::randn<float>(s).requires_grad_());
  std::vector<Tensor<float>> mixed;
  for (std::size_t i = 0; i < shapes.size(); ++i)
    mixed.push_back(reference[i].detach().clone().to(i % 2 ? tg::kCUDA : tg::kCPU).requires_grad_());
  tg::optim::Adam<float> reference_optimizer(reference, tg::optim::AdamOptions(0.05).amsgrad(true));
  tg::optim::Adam<float> mixed_optimizer(mixed, tg::optim::AdamOptions(0.05).amsgrad(true));
  for (int t = 1; t <= 3; ++t) {
    const std::vector<Tensor<float>> grads = gradients<float>(shapes, t);
    set_grads(reference, grads);
    set_grads(mixed, grads);
    reference_optimizer.step();
    mixed_optimizer.step();
  }
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    CHECK(mixed[i].device() == (i % 2 ? tg::kCUDA : tg::kCPU));
    check_close(reference[i], mixed[i], 1e-5, 1e-5, "parameter " + std::to_string(i));
  }
}

TEST_CASE("a model moved with to(kCUDA) trains with each optimizer as on the CPU", "[cuda][optim]") {
  REQUIRE_GPU();
  for (const auto& [name, make_optimizer] : optimizer_cases<float>()) {
    INFO(name);
    auto model = [] {
      tg::manual_seed(9);  // the same initial weights for both models
      return tg::nn::Sequential(tg::nn::Linear(5, 33), tg::nn::Tanh(), tg::nn::Linear(33, 1));
    };
    tg::nn::Sequential cpu_model = model(), gpu_model = model();
    auto cpu_optimizer = make_optimizer(cpu_model->parameters());
    auto gpu_optimizer = make_optimizer(gpu_model->parameters());  // made before the move, as in PyTorch scripts
    gpu_model->to(tg::kCUDA);
    const Tensor<float> x = tg::randn<float>({16, 5});
    auto train_step = [](tg::nn::Sequential& net, tg::optim::Optimizer<float>& optimizer, const Tensor<float>& input) {
      optimizer.zero_grad();
      const Tensor<float> y = net(input);
      (y * y).sum().backward();
      optimizer.step();
    };
    for (int t = 0; t < 4; ++t) {
      train_step(cpu_model, *cpu_optimizer, x);
      train_step(gpu_model, *gpu_optimizer, x.to(tg::kCUDA));
    }
    const auto cpu_params = cpu_model->named_parameters(), gpu_params = gpu_model->named_parameters();
    REQUIRE(cpu_params.size() == gpu_params.size());
    // Forward and backward on the GPU sum in another order (cuBLAS, tree reductions): looser than one step.
    for (std::size_t i = 0; i < cpu_params.size(); ++i)
      check_close(cpu_params[i].second, gpu_params[i].second, 1e-4, 1e-4, cpu_params[i].first);
  }
}

TEMPLATE_TEST_CASE("state() and load_state() round trip on CUDA parameters", "[cuda][optim]", float, double) {
  REQUIRE_GPU();
  using T = TestType;
  const std::vector<tg::Shape> shapes = model_shapes();
  for (const auto& [name, make_optimizer] : optimizer_cases<T>()) {
    INFO(name);
    tg::manual_seed(21);
    std::vector<Tensor<T>> original;
    for (const tg::Shape& s : shapes) original.push_back(tg::randn<T>(s).to(tg::kCUDA).requires_grad_());
    const auto optimizer = make_optimizer(original);
    for (int t = 1; t <= 3; ++t) {
      set_grads(original, gradients<T>(shapes, t));
      optimizer->step();
    }
    // Resume twice: from the state as exported (CUDA buffers) and from CPU copies of it (as a checkpoint loads).
    const auto saved = optimizer->state();
    auto on_cpu = saved;
    for (auto& entry : on_cpu) entry.second = entry.second.to(tg::kCPU);
    const std::vector<Tensor<T>> from_device = copies_on(original, tg::kCUDA);
    const std::vector<Tensor<T>> from_cpu = copies_on(original, tg::kCUDA);
    const auto resumed_device = make_optimizer(from_device), resumed_cpu = make_optimizer(from_cpu);
    resumed_device->load_state(saved);
    resumed_cpu->load_state(on_cpu);
    // The loaded buffers are the optimizers' own: changing the caller's tensors afterwards changes nothing.
    for (const auto& entry : saved) entry.second.detach().fill_(T(7));
    for (const auto& entry : resumed_cpu->state())
      CHECK(entry.second.device() == (entry.first.find(".step") != std::string::npos ? tg::kCPU : tg::kCUDA));
    for (int t = 4; t <= 5; ++t) {
      const std::vector<Tensor<T>> grads = gradients<T>(shapes, t);
      set_grads(original, grads);
      set_grads(from_device, grads);
      set_grads(from_cpu, grads);
      optimizer->step();
      resumed_device->step();
      resumed_cpu->step();
    }
    for (std::size_t i = 0; i < shapes.size(); ++i) {
      check_close(original[i], from_device[i], 0, 0, "resumed from CUDA state, parameter " + std::to_string(i));
      check_close(original[i], from_cpu[i], 0, 0, "resumed from CPU state, parameter " + std::to_string(i));
    }
  }
}

TEST_CASE("a CUDA parameter with a gradient on another device throws naming both", "[cuda][optim][reliability]") {
  REQUIRE_GPU();
  const Tensor<float> on_gpu = tg::ones<float>({3}).to(tg::kCUDA).requires_grad_();
  const Tensor<float> on_cpu = tg::ones<float>({2}).requires_grad_();
  tg::optim::SGD<float> optimizer({on_cpu, on_gpu}, tg::optim::SGDOptions(0.1).momentum(0.9));
  on_cpu.set_grad(tg::ones<float>({2}));
  on_gpu.set_grad(tg::ones<float>({3}));  // a CPU gradient on a CUDA parameter
  CHECK_THROWS_WITH(optimizer.step(), "SGD: parameter 1 is on cuda:0 but its gradient is on cpu");
  // Validated before any update: the CPU parameter 0 is unchanged and no state was created.
  CHECK(on_cpu.tolist() == std::vector<float>{1, 1});
  CHECK(optimizer.state().empty());
}

TEST_CASE("a model moved to the GPU after its optimizer stepped on the CPU throws instead of mixing devices",
          "[cuda][optim][reliability]") {
  REQUIRE_GPU();
  tg::nn::Linear model(4, 2);
  tg::optim::Adam<float> optimizer(model->parameters(), tg::optim::AdamOptions(1e-3));
  tg::nn::functional::mse_loss(model(tg::ones<float>({3, 4})), tg::zeros<float>({3, 2})).backward();
  optimizer.step();  // Adam's state is now on the CPU
  optimizer.zero_grad();
  model->to(tg::kCUDA);
  tg::nn::functional::mse_loss(model(tg::ones<float>({3, 4}, tg::kCUDA)), tg::zeros<float>({3, 2}, tg::kCUDA))
      .backward();
  const std::vector<float> before = model->weight.as<float>().to(tg::kCPU).tolist();
  CHECK_THROWS_WITH(optimizer.step(), Catch::Contains("Adam: the state of parameter 0 is on cpu but the parameter "
                                                      "is now on cuda:0"));
  CHECK(model->weight.as<float>().to(tg::kCPU).tolist() == before);  // nothing changed
}
