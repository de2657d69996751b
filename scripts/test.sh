#!/usr/bin/env bash
# Builds tensorgrad's tests and examples (Release) and runs them all with ctest; exits non-zero on any failure.
# Installs missing build dependencies first (scripts/install_deps.sh).
#   scripts/test.sh [extra CMake options...]
# Environment: BUILD_DIR (default build), JOBS (default: number of cores), CTEST_ARGS (extra ctest arguments,
# e.g. CTEST_ARGS="-LE packaging" to skip the tests labelled packaging).
# Example, a second build beside the default one: BUILD_DIR=build-debug scripts/test.sh -DCMAKE_BUILD_TYPE=Debug
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}
start=$SECONDS

# One summary line whichever step stops the script: install, configure, build or a failing test.
summary() {
  local status=$?
  local elapsed=$((SECONDS - start))
  if ((status == 0)); then
    echo "== tensorgrad tests PASSED ($build_dir, ${elapsed}s)"
  else
    echo "== tensorgrad tests FAILED ($build_dir, ${elapsed}s, exit status $status): see the output above" >&2
  fi
}
trap summary EXIT

scripts/install_deps.sh
echo "== configure $build_dir"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DTENSORGRAD_BUILD_TESTS=ON -DTENSORGRAD_BUILD_EXAMPLES=ON "$@"
echo "== build with $jobs jobs"
cmake --build "$build_dir" -j "$jobs"
echo "== test"
# shellcheck disable=SC2086 # CTEST_ARGS holds several arguments
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" ${CTEST_ARGS:-}
