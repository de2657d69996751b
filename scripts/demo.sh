#!/usr/bin/env bash
# Builds tensorgrad's examples (Release, tests off) and runs them one after another, then trains the MNIST MLP on
# the digits scripts/get_mnist.sh writes into data/. Installs missing dependencies first (install_deps.sh --demo).
# An example whose executable is not built (not written yet) is skipped with a note.
#   scripts/demo.sh
# Environment: BUILD_DIR (default build-demo, apart from the tests' build), JOBS (default: number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build-demo}
jobs=${JOBS:-$(nproc)}

# The examples, in the order a reader meets the ideas: autograd, then models trained on toy data.
examples=(autograd_basics xor perceptron regression sine module_tour)

scripts/install_deps.sh --demo
echo "== configure $build_dir"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DTENSORGRAD_BUILD_TESTS=OFF -DTENSORGRAD_BUILD_EXAMPLES=ON
echo "== build with $jobs jobs"
cmake --build "$build_dir" -j "$jobs"

ran=()
skipped=()
# Runs examples/<name> with the given arguments, or notes that it is not built yet.
run_example() {
  local name=$1
  shift
  local exe="$build_dir/examples/$name"
  if [[ ! -x "$exe" ]]; then
    echo "== $name: not built yet (no examples/$name.cpp registered), skipped"
    skipped+=("$name")
    return
  fi
  echo "== $name${*:+ $*}"
  "$exe" "$@"
  ran+=("$name")
}

for name in "${examples[@]}"; do
  run_example "$name"
done

if [[ -x "$build_dir/examples/mnist_mlp" ]]; then
  scripts/get_mnist.sh data
  run_example mnist_mlp --data data
else
  run_example mnist_mlp
fi

echo "== demo done: ran ${ran[*]:-nothing}${skipped:+; skipped (not written yet): ${skipped[*]}}"
