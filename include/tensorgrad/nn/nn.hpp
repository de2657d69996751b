#pragma once
/// tg::nn: Module and its holders, layers, activations, init, functional forms and losses.
/// Example:
///   namespace nn = tg::nn;
///   nn::Sequential net(nn::Linear(2, 8), nn::ReLU(), nn::Linear(8, 1));
///   auto loss = nn::BCEWithLogitsLoss()(net(x), y);
#include "module.hpp"
#include "module_holder.hpp"
#include "options.hpp"
#include "init.hpp"
#include "functional.hpp"
#include "functional_loss.hpp"
#include "linear.hpp"
#include "conv.hpp"
#include "pooling.hpp"
#include "activation.hpp"
#include "dropout.hpp"
#include "batchnorm.hpp"
#include "normalization.hpp"
#include "embedding.hpp"
#include "flatten.hpp"
#include "identity.hpp"
#include "sequential.hpp"
#include "loss.hpp"
