#pragma once
/// tg::data: datasets, the DataLoader, random_split and the MNIST IDX reader.
#include "dataloader.hpp"
#include "dataset.hpp"
#include "idx.hpp"
#include "mnist.hpp"
#include "random_split.hpp"
