#!/usr/bin/env bash
# Builds tensorgrad's examples (Release, tests off) and runs them one after another, then trains the MNIST MLP on
# the real digits scripts/get_mnist.sh writes into data/ and classifies a few test digits with the saved model.
# Installs missing dependencies first (install_deps.sh --demo).
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
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DTENSORGRAD_BUILD_TESTS=OFF -DTENSORGRAD_BUILD_EXAMPLES=ON \
  -DTENSORGRAD_COMPILED_LIBRARY=OFF  # the examples are header-only programs
echo "== build with $jobs jobs"
cmake --build "$build_dir" -j "$jobs"

for name in "${examples[@]}"; do
  echo "== $name"
  "$build_dir/examples/$name"
done

scripts/get_mnist.sh data
echo "== mnist_mlp --data data"
"$build_dir/examples/mnist_mlp" --data data --save mnist_mlp.safetensors
echo "== mnist_predict --data data"
"$build_dir/examples/mnist_predict" --data data --model mnist_mlp.safetensors
echo "== mnist_cnn --data data"
"$build_dir/examples/mnist_cnn" --data data --save mnist_cnn.safetensors

echo "== demo done: ${examples[*]} mnist_mlp mnist_predict mnist_cnn"
