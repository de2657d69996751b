// The CUDA test binary's one CUDA translation unit: Catch2's main, and <tensorgrad/cuda.hpp>, which compiles the
// kernels and registers the backend. The test files are plain C++ (compiled by the host compiler): they reach the
// GPU through the device tag and tg::cuda's functions, as a user's program does.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <tensorgrad/cuda.hpp>
