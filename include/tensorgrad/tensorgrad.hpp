#pragma once
/// tensorgrad: PyTorch's tensors, autograd, nn and optim in header-only C++17.
/// Example:
///   auto x = tg::tensor<double>({3.0}).requires_grad_();
///   auto y = x * x;
///   y.sum().backward();   // x.grad() == 6
#include "tensor.hpp"
#include "nn.hpp"
#include "optim.hpp"
#include "data.hpp"
#include "io.hpp"
#include "instantiations.hpp"
