#pragma once
/// tg::optim: optimizers (SGD, Adam, AdamW, RMSprop, Adagrad), learning-rate schedulers, and gradient
/// clipping (tg::nn::utils::clip_grad_norm_ / clip_grad_value_).
#include "adagrad.hpp"
#include "adam.hpp"
#include "clip_grad.hpp"
#include "lr_scheduler.hpp"
#include "optimizer.hpp"
#include "rmsprop.hpp"
#include "sgd.hpp"
