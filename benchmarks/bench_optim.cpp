// The optimizer step alone: the median time of one step() of each optimizer (and its heavier options) over an
// MLP's parameters (784-128-64-10, 109,386 of them, gradients fixed), float and double, on one thread.
//   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DTENSORGRAD_BUILD_BENCHMARKS=ON -DTENSORGRAD_NATIVE=ON
//   cmake --build build-bench --target bench_optim -j2 && build-bench/benchmarks/bench_optim
#include <tensorgrad/tensorgrad.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
template <class T>
double median_us(std::unique_ptr<tg::optim::Optimizer<T>> opt, std::vector<tg::Tensor<T>>& ps) {
  std::vector<double> t;
  for (int i = 0; i < 300; ++i) {
    auto a = std::chrono::steady_clock::now();
    opt->step();
    auto b = std::chrono::steady_clock::now();
    t.push_back(std::chrono::duration<double, std::micro>(b - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}
template <class T> void run(const char* tname) {
  tg::manual_seed(1);
  std::vector<tg::Shape> shapes = {{128, 784}, {128}, {64, 128}, {64}, {10, 64}, {10}};
  std::vector<tg::Tensor<T>> ps;
  for (auto& s : shapes) { auto p = tg::randn<T>(s).requires_grad_(); p.set_grad(tg::randn<T>(s) * 0.01); ps.push_back(p); }
  using namespace tg::optim;
  std::vector<std::pair<const char*, std::function<std::unique_ptr<Optimizer<T>>()>>> cases = {
    {"sgd", [&] { return std::make_unique<SGD<T>>(ps, SGDOptions(0.01)); }},
    {"sgd-momentum", [&] { return std::make_unique<SGD<T>>(ps, SGDOptions(0.01).momentum(0.9)); }},
    {"sgd-nesterov-wd", [&] { return std::make_unique<SGD<T>>(ps, SGDOptions(0.01).momentum(0.9).nesterov(true).weight_decay(1e-4)); }},
    {"adam", [&] { return std::make_unique<Adam<T>>(ps, AdamOptions(1e-3)); }},
    {"adam-amsgrad-wd", [&] { return std::make_unique<Adam<T>>(ps, AdamOptions(1e-3).amsgrad(true).weight_decay(1e-4)); }},
    {"adamw", [&] { return std::make_unique<AdamW<T>>(ps, AdamWOptions(1e-3)); }},
    {"rmsprop-centered-mom", [&] { return std::make_unique<RMSprop<T>>(ps, RMSpropOptions(1e-3).centered(true).momentum(0.9)); }},
    {"rmsprop", [&] { return std::make_unique<RMSprop<T>>(ps, RMSpropOptions(1e-3)); }},
    {"adagrad", [&] { return std::make_unique<Adagrad<T>>(ps, AdagradOptions(1e-2)); }},
  };
  for (auto& [name, make] : cases) std::printf("%s %-22s %8.1f us\n", tname, name, median_us<T>(make(), ps));
}
int main() { tg::set_num_threads(1); run<float>("f32"); run<double>("f64"); }
