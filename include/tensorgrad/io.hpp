#pragma once
/// Checkpoints in the safetensors format: tg::save / tg::load for modules, module_state_dict /
/// load_state_dict, save_optimizer / load_optimizer, and tg::io::save_tensors / load_tensors for named
/// tensors of any dtype.
#include "io/checkpoint.hpp"
#include "io/json.hpp"
#include "io/safetensors.hpp"
