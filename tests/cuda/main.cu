// Catch2's main for the CUDA test binary (its own translation unit: the runner is slow to compile).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
