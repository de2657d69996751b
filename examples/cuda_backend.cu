// The CUDA backend for the examples: this one CUDA translation unit compiles the kernels and registers the backend;
// the example itself stays a plain C++ file. mnist_mlp_cuda = mnist_mlp.cpp + this file (-DTENSORGRAD_CUDA=ON).
#include <tensorgrad/cuda.hpp>
