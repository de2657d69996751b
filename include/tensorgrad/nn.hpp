#pragma once
/// tg::nn: Module and its holders, layers, activations, init, functional forms and losses.
/// Example:
///   namespace nn = tg::nn;
///   nn::Sequential net(nn::Linear(2, 8), nn::ReLU(), nn::Linear(8, 1));
///   auto loss = nn::BCEWithLogitsLoss()(net(x), y);
#include "nn/module.hpp"
#include "nn/module_holder.hpp"
#include "nn/options.hpp"
#include "nn/init.hpp"
#include "nn/functional.hpp"
#include "nn/functional_loss.hpp"
#include "nn/linear.hpp"
#include "nn/conv.hpp"
#include "nn/pooling.hpp"
#include "nn/activation.hpp"
#include "nn/dropout.hpp"
#include "nn/batchnorm.hpp"
#include "nn/normalization.hpp"
#include "nn/embedding.hpp"
#include "nn/flatten.hpp"
#include "nn/identity.hpp"
#include "nn/sequential.hpp"
#include "nn/loss.hpp"
