#!/usr/bin/env bash
# The soak run (benchmarks/soak.cpp): builds `soak` in Release (TENSORGRAD_BUILD_BENCHMARKS on, only that target)
# and runs its two modes at their defaults, 1,000,000 XOR steps and 2,000 MNIST epochs (a few minutes), each ending
# with a verdict line. The exit status is non-zero when either curve was not flat.
#   scripts/soak.sh [ARGS...]      # flags both modes take, for both runs: --threads N, --max-rss-growth-kib K
# Environment: BUILD_DIR (default build-bench), MNIST_DIR (default data; synthetic digits when it has none),
#   JOBS (build jobs, default 2).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench}"
MNIST_DIR="${MNIST_DIR:-$ROOT/data}"
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DTENSORGRAD_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$BUILD_DIR" --target soak -j"${JOBS:-2}"
status=0
"$BUILD_DIR/benchmarks/soak" xor "$@" || status=1
"$BUILD_DIR/benchmarks/soak" mnist --data "$MNIST_DIR" "$@" || status=1
exit "$status"
