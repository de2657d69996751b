#!/usr/bin/env bash
# Compile-time benchmark: what one tensorgrad program costs to compile, header-only and in compiled mode
# (against tensorgrad::compiled), beside the same program written for LibTorch.
#   scripts/compile_bench.sh [RUNS]      (RUNS defaults to 3; each figure is the minimum over the runs)
# Environment: CXX (default g++), BUILD_DIR (default build-compile-bench, for the compiled library).
#
# Every compile is one `$CXX -std=c++17 -O2 -fopenmp -c` of one file, as a user's Release build would run it
# (no -march: neither mode needs it). Prints a markdown table: wall and CPU seconds, the compiler's peak memory,
# and the object's count of defined functions; then the time to build the compiled library once, and the
# phases of `-ftime-report` for examples/xor.cpp in both modes. Run it on an idle machine: the figures are
# timings.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-3}
cxx=${CXX:-g++}
build_dir=${BUILD_DIR:-build-compile-bench}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

eigen_include=$(pkg-config --cflags-only-I eigen3 2>/dev/null | sed 's/^-I//;s/ *$//')
eigen_include=${eigen_include:-/usr/include/eigen3}
flags=(-std=c++17 -O2 -fopenmp -Iinclude -isystem "$eigen_include")

echo "== building tensorgrad::compiled in $build_dir"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" -DTENSORGRAD_BUILD_TESTS=OFF \
  -DTENSORGRAD_BUILD_EXAMPLES=OFF >/dev/null
lib_start=$(date +%s.%N)
cmake --build "$build_dir" --target tensorgrad_compiled --clean-first -j "$(nproc)" >/dev/null
lib_seconds=$(awk -v a="$lib_start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
library=$(find "$build_dir" -name 'libtensorgrad.a' | head -1)

# The compiled-mode xor must link against the library and still learn XOR (exit status 0).
"$cxx" "${flags[@]}" -DTENSORGRAD_COMPILED -Iexamples examples/xor.cpp "$library" -o "$work/xor_compiled"
"$work/xor_compiled" --seed 0 >/dev/null || { echo "compiled-mode xor did not learn XOR" >&2; exit 1; }

printf 'int main() { return 0; }\n' >"$work/include_only.cpp"
sed -i '1i #include <tensorgrad/tensorgrad.hpp>' "$work/include_only.cpp"

# The programs measured: a label, then the compiler arguments after $cxx. Runs are interleaved (each round
# compiles every program once) so that a slow spell on the machine touches all rows alike.
labels=() commands=()
add() {
  labels+=("$1")
  shift
  commands+=("$*")
}
add "empty main + tensorgrad.hpp, header-only" "${flags[*]} $work/include_only.cpp"
add "examples/xor.cpp, header-only" "${flags[*]} examples/xor.cpp"
add "examples/xor.cpp, compiled mode" "${flags[*]} -DTENSORGRAD_COMPILED examples/xor.cpp"
add "examples/mnist_mlp.cpp, header-only" "${flags[*]} examples/mnist_mlp.cpp"
add "examples/mnist_mlp.cpp, compiled mode" "${flags[*]} -DTENSORGRAD_COMPILED examples/mnist_mlp.cpp"
if [[ -f /usr/include/torch/csrc/api/include/torch/torch.h ]]; then
  add "benchmarks/compile/xor_libtorch.cpp (LibTorch 1.13)" \
    "-std=c++17 -O2 -I/usr/include/torch/csrc/api/include benchmarks/compile/xor_libtorch.cpp"
fi

declare -A wall cpu peak functions
for ((round = 0; round < runs; ++round)); do
  for i in "${!labels[@]}"; do
    # shellcheck disable=SC2086 # each command is a list of arguments
    read -r w u s m < <(/usr/bin/time -f '%e %U %S %M' "$cxx" ${commands[$i]} -c -o "$work/out.o" 2>&1 >/dev/null |
      tail -1)
    c=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
    wall[$i]=$(awk -v a="$w" -v b="${wall[$i]:-$w}" 'BEGIN { print (a < b ? a : b) }')
    cpu[$i]=$(awk -v a="$c" -v b="${cpu[$i]:-$c}" 'BEGIN { print (a < b ? a : b) }')
    ((m > ${peak[$i]:-0})) && peak[$i]=$m
    functions[$i]=$(nm --defined-only "$work/out.o" | grep -c ' [TtWw] ' || true)
  done
done

echo
echo "$cxx $("$cxx" -dumpfullversion), -O2 -fopenmp, minimum of $runs interleaved runs; CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo
echo "| program | wall s | CPU s | peak MB | functions in .o |"
echo "|---|---|---|---|---|"
for i in "${!labels[@]}"; do
  printf '| %s | %.2f | %.2f | %d | %d |\n' "${labels[$i]}" "${wall[$i]}" "${cpu[$i]}" $((peak[$i] / 1024)) "${functions[$i]}"
done
[[ -f /usr/include/torch/csrc/api/include/torch/torch.h ]] || echo "| LibTorch xor | (libtorch-dev not installed) | | | |"
echo
printf 'Building tensorgrad::compiled once (its 3 files, %s jobs): %.1f s wall\n' "$(nproc)" "$lib_seconds"

echo
echo "-ftime-report phases for examples/xor.cpp (share of the compiler's wall time; the report itself slows it):"
for mode in header-only compiled; do
  extra=()
  [[ $mode == compiled ]] && extra=(-DTENSORGRAD_COMPILED)
  report=$("$cxx" "${flags[@]}" "${extra[@]}" -ftime-report -c examples/xor.cpp -o "$work/out.o" 2>&1)
  echo "  $mode: $(echo "$report" | awk '/^ phase (parsing|lang. deferred|opt and generate)/ {
    split($0, parts, ":"); name = parts[1]; sub(/^ phase /, "", name); sub(/ +$/, "", name)
    if (match(parts[2], /[0-9.]+ +\( *[0-9]+%\) +[0-9.]+ +\( *[0-9]+%\) +[0-9.]+ +\( *[0-9]+%\)/)) {
      n = split(substr(parts[2], RSTART, RLENGTH), f, /[ ()%]+/); printf "%s %s%%; ", name, f[n - 1] } }')"
done
