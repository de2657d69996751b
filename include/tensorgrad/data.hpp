#pragma once
/// tg::data: datasets, the DataLoader, random_split and the MNIST IDX reader.
#include "data/dataloader.hpp"
#include "data/dataset.hpp"
#include "data/idx.hpp"
#include "data/mnist.hpp"
#include "data/random_split.hpp"
