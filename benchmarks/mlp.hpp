#pragma once
// The benchmark MLP, as the LibTorch reference's: 784-256-128-10, ReLU between the Linear layers, no dropout. One
// definition for bench_mlp and the allocation test (tests/allocations/), which checks its training step.
#include <tensorgrad/tensorgrad.hpp>

struct MLPImpl : tg::nn::Module {
  tg::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
  MLPImpl() {
    fc1 = register_module("fc1", tg::nn::Linear(784, 256));
    fc2 = register_module("fc2", tg::nn::Linear(256, 128));
    fc3 = register_module("fc3", tg::nn::Linear(128, 10));
  }
  tg::Tensor<float> forward(const tg::Tensor<float>& x) { return fc3(tg::relu(fc2(tg::relu(fc1(x))))); }
};
TG_MODULE(MLP);
