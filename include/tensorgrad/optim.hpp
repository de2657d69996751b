#pragma once
/// tg::optim: optimizers (SGD, Adam, AdamW, RMSprop, Adagrad), learning-rate schedulers, and gradient
/// clipping (tg::nn::utils::clip_grad_norm_ / clip_grad_value_).
#include "optim/adagrad.hpp"
#include "optim/adam.hpp"
#include "optim/clip_grad.hpp"
#include "optim/lr_scheduler.hpp"
#include "optim/optimizer.hpp"
#include "optim/rmsprop.hpp"
#include "optim/sgd.hpp"
