#!/usr/bin/env bash
# GPU check of the CUDA backend on a machine with a GPU (the `device` tool's machine: 16 cores, PyTorch installed),
# prepared to run as one short script:
#   1. builds tests/cuda, mnist_mlp_cuda and bench_mlp_cuda with nvcc and g++ directly, in parallel (no CMake
#      needed), and runs the tests;
#   2. compute-sanitizer memcheck, racecheck and initcheck on the test binary;
#   3. bench_mlp_cuda against PyTorch (benchmarks/pytorch_mlp.py) on the same GPU, side by side: the MNIST MLP at
#      batch 64, 1024 and 8192, inference at batch 1, XOR;
#   4. mnist_mlp_cuda --device cuda on the MNIST files in $MNIST_DIR (default data) when they are there.
# Logs go to $OUT (default /tmp/out). Needs Catch2 v2's single header as <catch2/catch.hpp> under $CATCH2_PARENT
# (default .device, e.g. a copy of /usr/include/catch2 in .device/catch2) and Eigen under /usr/include/eigen3 or
# .device/eigen3.
#   scripts/cuda_gpu_check.sh
set -u
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1
nvcc --version > "$OUT/nvcc.txt" 2>&1
EIGEN=/usr/include/eigen3; [ -d "$EIGEN" ] || EIGEN=.device/eigen3
INC="-Iinclude -I${CATCH2_PARENT:-.device} -I$EIGEN"
NVFLAGS="-std=c++17 -O2 -arch=sm_90 -diag-suppress=20012,20013,20015 -Xcompiler=-Wall,-Wextra,-Wno-unknown-pragmas,-fopenmp $INC -lineinfo"
CXXFLAGS="-std=c++17 -O2 -fopenmp -Wall -Wextra -Wno-maybe-uninitialized $INC"
B=/tmp/tgc
mkdir -p $B

# One CUDA translation unit per program holds the kernels (tests/cuda/main.cu, examples/cuda_backend.cu); the
# rest is plain C++.
start=$SECONDS
pids=()
nvcc $NVFLAGS -c tests/cuda/main.cu -o $B/main.o > "$OUT/build_main.log" 2>&1 & pids+=($!)
nvcc $NVFLAGS -c examples/cuda_backend.cu -o $B/cuda_backend.o > "$OUT/build_cuda_backend.log" 2>&1 & pids+=($!)
for src in tests/cuda/test_*.cpp examples/mnist_mlp.cpp benchmarks/bench_mlp.cpp; do
  name=$(basename "$src" .cpp)
  g++ $CXXFLAGS -c "$src" -o "$B/$name.o" > "$OUT/build_$name.log" 2>&1 & pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
LINK="nvcc -arch=sm_90 -Xcompiler=-fopenmp"
$LINK $B/main.o $B/test_*.o -o $B/tensorgrad_cuda_tests -lcublas > "$OUT/link.log" 2>&1 || rc=1
$LINK $B/cuda_backend.o $B/mnist_mlp.o -o $B/mnist_mlp_cuda -lcublas >> "$OUT/link.log" 2>&1 || rc=1
$LINK $B/cuda_backend.o $B/bench_mlp.o -o $B/bench_mlp_cuda -lcublas >> "$OUT/link.log" 2>&1 || rc=1
echo "build rc=$rc in $((SECONDS - start))s"
[ $rc -eq 0 ] || { tail -n 30 "$OUT"/build_*.log "$OUT/link.log"; }

T=$B/tensorgrad_cuda_tests
start=$SECONDS
$T -d yes > "$OUT/tests.log" 2>&1; echo "tests rc=$? in $((SECONDS - start))s"; tail -4 "$OUT/tests.log"
grep -B3 -A12 "FAILED\|failed" "$OUT/tests.log" | head -80

start=$SECONDS
timeout 240 compute-sanitizer --tool memcheck --leak-check no $T > "$OUT/memcheck.log" 2>&1; echo "memcheck rc=$? in $((SECONDS - start))s"; tail -4 "$OUT/memcheck.log"
start=$SECONDS
timeout 90 compute-sanitizer --tool racecheck $T "cuda sum*,cuda softmax*,cuda cross*,cuda optim*" > "$OUT/racecheck.log" 2>&1; echo "racecheck rc=$? in $((SECONDS - start))s"; tail -3 "$OUT/racecheck.log"
start=$SECONDS
timeout 90 compute-sanitizer --tool initcheck $T "cuda sum*,cuda softmax*,cuda matmul*,cuda MLP*,cuda argmax*" > "$OUT/initcheck.log" 2>&1; echo "initcheck rc=$? in $((SECONDS - start))s"; tail -3 "$OUT/initcheck.log"

# Side by side, one line each: tensorgrad then PyTorch, same workload, same GPU.
{
  for args in "mnist-mlp 64 2000" "mnist-mlp 1024 1000" "mnist-mlp 8192 300" "mnist-infer 1 2000" "xor 1000"; do
    $B/bench_mlp_cuda $args --device cuda | sed 's/^/tensorgrad /'
    python3 benchmarks/pytorch_mlp.py $args --device cuda | sed 's/^/pytorch    /'
  done
} > "$OUT/bench.log" 2>&1
cat "$OUT/bench.log"

MNIST_DIR=${MNIST_DIR:-data}
if [ -f "$MNIST_DIR/train-images-idx3-ubyte" ]; then
  (cd "$OUT" && $B/mnist_mlp_cuda --device cuda --data "$OLDPWD/$MNIST_DIR" --epochs 10) > "$OUT/mnist_mlp_cuda.log" 2>&1
  echo "mnist_mlp_cuda rc=$?"; grep "Epoch 10\|Final" "$OUT/mnist_mlp_cuda.log"
fi
