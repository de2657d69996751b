# The CUDA backend, included by the top-level CMakeLists.txt when TENSORGRAD_CUDA=ON, after the
# `tensorgrad` target exists. The library stays header-only: consumers include <tensorgrad/cuda.hpp> from a
# translation unit compiled as CUDA, and get the CUDA runtime and cuBLAS through the interface target.

# H100 (sm_90) code plus its PTX, which newer GPUs JIT-compile. Override with -DCMAKE_CUDA_ARCHITECTURES=80 etc.;
# set before enable_language so CMake does not pick its own default.
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES 90 CACHE STRING "CUDA architectures to compile for (90 = sm_90 SASS + PTX)")
endif()
enable_language(CUDA)
find_package(CUDAToolkit REQUIRED)
set(CMAKE_CUDA_STANDARD 17)
set(CMAKE_CUDA_STANDARD_REQUIRED ON)

target_link_libraries(tensorgrad INTERFACE CUDA::cudart CUDA::cublas)
# Eigen (included by every tensorgrad header) marks defaulted members and constexpr calls __host__ __device__,
# which nvcc reports as warnings 20012/20013/20015 hundreds of times per translation unit; they say nothing about
# the user's code, so CUDA translation units that use tensorgrad do not show them.
target_compile_options(tensorgrad INTERFACE $<$<COMPILE_LANGUAGE:CUDA>:-diag-suppress=20012,20013,20015>)

# The project's own CUDA programs (tests, the CUDA example and benchmark) share one compiled copy of the kernels
# and the backend's registration: nvcc compiles examples/cuda_backend.cu once, not once per program. An object
# library, so the registering static initialiser is linked in whole.
add_library(tensorgrad_cuda_backend OBJECT EXCLUDE_FROM_ALL ${PROJECT_SOURCE_DIR}/examples/cuda_backend.cu)
target_link_libraries(tensorgrad_cuda_backend PUBLIC tensorgrad::tensorgrad)
# -Wno-unknown-pragmas: Eigen emits nvcc-only `#pragma diag_suppress` lines that the host compiler then sees.
target_compile_options(tensorgrad_cuda_backend PRIVATE -Xcompiler=-Wall,-Wextra,-Wno-unknown-pragmas)

if(TENSORGRAD_BUILD_TESTS)
  enable_testing()
  add_subdirectory(${PROJECT_SOURCE_DIR}/tests/cuda ${PROJECT_BINARY_DIR}/tests/cuda)
endif()
