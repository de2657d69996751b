#!/usr/bin/env bash
# GPU check of the CUDA backend on a machine with a GPU: builds tests/cuda with nvcc directly (no CMake needed),
# runs it, then compute-sanitizer memcheck, racecheck and initcheck. Logs go to $OUT (default /tmp/out).
# Needs Catch2 v2's single header as <catch2/catch.hpp> under $CATCH2_PARENT (default .device, e.g. a copy of
# /usr/include/catch2 in .device/catch2) and Eigen under /usr/include/eigen3 or .device/eigen3.
#   scripts/cuda_gpu_check.sh
set -u
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1
nvcc --version > "$OUT/nvcc.txt" 2>&1
EIGEN=/usr/include/eigen3; [ -d "$EIGEN" ] || EIGEN=.device/eigen3
FLAGS="-std=c++17 -O2 -arch=sm_90 -diag-suppress=20012,20013,20015 -Xcompiler=-Wall,-Wextra,-Wno-unknown-pragmas -Iinclude -I${CATCH2_PARENT:-.device} -I$EIGEN -lineinfo"
mkdir -p /tmp/tgc
start=$SECONDS
nvcc $FLAGS -c tests/cuda/main.cu -o /tmp/tgc/main.o > "$OUT/build_main.log" 2>&1 &
nvcc $FLAGS -c tests/cuda/test_cuda.cu -o /tmp/tgc/test_cuda.o > "$OUT/build_test.log" 2>&1
rc1=$?; wait; rc2=$?
nvcc -arch=sm_90 /tmp/tgc/main.o /tmp/tgc/test_cuda.o -lcublas -o /tmp/tgc/tensorgrad_cuda_tests > "$OUT/link.log" 2>&1
echo "build rc=$rc1/$rc2/$? in $((SECONDS - start))s"
B=/tmp/tgc/tensorgrad_cuda_tests
start=$SECONDS
$B -d yes > "$OUT/tests.log" 2>&1; echo "tests rc=$? in $((SECONDS - start))s"; tail -4 "$OUT/tests.log"
grep -B3 -A12 "FAILED\|failed" "$OUT/tests.log" | head -80
start=$SECONDS
timeout 300 compute-sanitizer --tool memcheck --leak-check no $B > "$OUT/memcheck.log" 2>&1; echo "memcheck rc=$? in $((SECONDS - start))s"; tail -4 "$OUT/memcheck.log"
start=$SECONDS
timeout 100 compute-sanitizer --tool racecheck $B "cuda sum*,cuda softmax*" > "$OUT/racecheck.log" 2>&1; echo "racecheck rc=$? in $((SECONDS - start))s"; tail -3 "$OUT/racecheck.log"
start=$SECONDS
timeout 100 compute-sanitizer --tool initcheck $B "cuda sum*,cuda softmax*,cuda matmul*,cuda MLP*" > "$OUT/initcheck.log" 2>&1; echo "initcheck rc=$? in $((SECONDS - start))s"; tail -3 "$OUT/initcheck.log"
