#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz/ (clang++ -fsanitize=fuzzer,address,undefined) and runs each for
# SECONDS, starting from the committed seeds (tests/fuzz/seeds/<target>) plus the corpus grown by earlier runs.
# Inputs kept in tests/fuzz/regressions/<target>/ (crashes found earlier) are replayed first. A crash leaves its
# input as <build dir>/crash-<target>-*: minimise it (binary -minimize_crash=1 FILE), fix the bug, and commit the
# input under tests/fuzz/regressions/<target>/.
#   scripts/fuzz.sh SECONDS [safetensors|idx ...]      (default: both targets)
# Environment: FUZZ_CXX (default clang++), FUZZ_BUILD_DIR (default build-fuzz), EIGEN3_INCLUDE_DIR (default
# /usr/include/eigen3). ctest runs it for 30 s per target when clang++ with libFuzzer is found (tests/CMakeLists.txt).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:?usage: scripts/fuzz.sh SECONDS [safetensors|idx ...]}
shift
targets=("$@")
((${#targets[@]})) || targets=(safetensors idx)
cxx=${FUZZ_CXX:-clang++}
out=${FUZZ_BUILD_DIR:-build-fuzz}
eigen=${EIGEN3_INCLUDE_DIR:-/usr/include/eigen3}
mkdir -p "$out"

for target in "${targets[@]}"; do
  src=tests/fuzz/fuzz_$target.cpp
  [[ -f $src ]] || { echo "fuzz.sh: no harness $src" >&2; exit 2; }
  bin=$out/fuzz_$target
  # Rebuild when the binary is missing or older than any harness or library header.
  if [[ ! -x $bin ]] || [[ -n $(find tests/fuzz include -newer "$bin" -name '*.?pp' -print -quit) ]]; then
    echo "== build $bin"
    "$cxx" -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      -I include -isystem "$eigen" "$src" -o "$bin"
  fi
  corpus=$out/corpus_$target
  mkdir -p "$corpus"
  if [[ -d tests/fuzz/regressions/$target ]]; then
    echo "== replay tests/fuzz/regressions/$target"
    "$bin" -runs=0 tests/fuzz/regressions/"$target"/*
  fi
  echo "== fuzz $target for ${seconds}s"
  "$bin" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$out/crash-$target-" "$corpus" "tests/fuzz/seeds/$target"
done
