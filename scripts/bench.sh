#!/usr/bin/env bash
# Side-by-side benchmark of tensorgrad against LibTorch. Builds benchmarks/bench_mlp (Release, TENSORGRAD_NATIVE on)
# and, when Debian's libtorch-dev is installed, the LibTorch reference program mlp_reference, kept outside this
# repository in $TG_SHARED/bench/libtorch (default: ../shared); runs every workload with both on the same thread
# count, and prints a table of samples/s, the ratio tensorgrad / LibTorch, and for training at batch >= 256 the
# useful GFLOP/s as a fraction of the GEMM rate measured in the same run.
#   scripts/bench.sh [--threads N] [--runs N] [--skip-build]
# Environment: BUILD_DIR (default build-bench), TG_SHARED (default ../shared, relative to the repo root),
#   MNIST_DIR (default data; the mnist-train row runs when its IDX files are there), JOBS (build jobs).
# Figures are medians of --runs runs (default 3) for the cheap workloads and one run of mnist-train.
# Every raw output line is kept in $BUILD_DIR/bench_raw.log.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

threads=2
runs=3
build=1
while (($#)); do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --skip-build) build=0; shift ;;
    *) echo "usage: scripts/bench.sh [--threads N] [--runs N] [--skip-build]" >&2; exit 2 ;;
  esac
done

build_dir=${BUILD_DIR:-build-bench}
case "$build_dir" in /*) ;; *) build_dir="$root/$build_dir" ;; esac
shared=${TG_SHARED:-$root/../shared}
mnist_dir=${MNIST_DIR:-data}
jobs=${JOBS:-$(nproc)}
tg_bin="$build_dir/benchmarks/bench_mlp"
ref_src="$shared/bench/libtorch"
ref_dir="$build_dir/libtorch-ref"
ref_bin="$ref_dir/mlp_reference"
cnn_ref_dir="$build_dir/libtorch-cnn"  # our own LibTorch program for the CNN row (benchmarks/libtorch)
cnn_ref_bin="$cnn_ref_dir/cnn_reference"
raw_log="$build_dir/bench_raw.log"

have_libtorch() { dpkg -s libtorch-dev >/dev/null 2>&1 && [[ -f "$ref_src/mlp_reference.cpp" ]]; }

if ((build)); then
  echo "== build bench_mlp ($build_dir)"
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DTENSORGRAD_NATIVE=ON -DTENSORGRAD_BUILD_BENCHMARKS=ON \
    -DTENSORGRAD_BUILD_TESTS=OFF -DTENSORGRAD_BUILD_EXAMPLES=OFF >/dev/null
  # Build output (Eigen's -Wextra noise included) goes to a log, shown only when the build fails.
  cmake --build "$build_dir" --target bench_mlp -j "$jobs" >"$build_dir/bench_build.log" 2>&1 ||
    { cat "$build_dir/bench_build.log"; exit 1; }
  if have_libtorch; then
    echo "== build the LibTorch reference ($ref_src)"
    cmake -S "$ref_src" -B "$ref_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$ref_dir" -j "$jobs" >"$build_dir/bench_build_ref.log" 2>&1 ||
      { cat "$build_dir/bench_build_ref.log"; exit 1; }
    cmake -S benchmarks/libtorch -B "$cnn_ref_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$cnn_ref_dir" -j "$jobs" >"$build_dir/bench_build_cnn_ref.log" 2>&1 ||
      { cat "$build_dir/bench_build_cnn_ref.log"; exit 1; }
  else
    echo "== libtorch-dev not installed (or $ref_src missing): tensorgrad figures only"
  fi
fi
[[ -x "$tg_bin" ]] || { echo "bench.sh: $tg_bin not built" >&2; exit 1; }
use_ref=0
[[ -x "$ref_bin" ]] && have_libtorch && use_ref=1
# Debian's LibTorch calls whatever libblas.so.3 the alternatives system selects; with only the netlib
# reference BLAS installed its GEMMs run ~25x slower, and every ratio would flatter tensorgrad.
if ((use_ref)) && ! readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 | grep -qiE 'openblas|blis|mkl'; then
  echo "== WARNING: libblas.so.3 is the netlib reference BLAS: LibTorch is not measured at its speed" \
    "(apt-get install libopenblas0-pthread)" >&2
fi

# Both programs get the same thread count: tensorgrad through --threads, LibTorch through OpenMP's variable
# (its intra-op pool), and any BLAS pool beneath it pinned likewise.
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads MKL_NUM_THREADS=$threads
: >"$raw_log"

# value KEY LINE: the value of key=value in an output line.
value() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" <<<" $2"; }
median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print ""; else print v[int((NR + 1) / 2)]}'; }

# run_median N KEY CMD...: runs CMD N times, logs each result line, prints the median of KEY ("FAILED" when a
# run fails, e.g. tensorgrad's check that the loss fell).
run_median() {
  local n=$1 key=$2
  shift 2
  local values=() line
  for ((i = 0; i < n; ++i)); do
    if ! line=$("$@" 2>&1 | tail -n 1) || [[ -z "$(value "$key" "$line")" ]]; then
      echo "FAILED: $* -> $line" >>"$raw_log"
      echo FAILED
      return
    fi
    echo "$line" >>"$raw_log"
    values+=("$(value "$key" "$line")")
  done
  printf '%s\n' "${values[@]}" | median
}

tg() { "$tg_bin" "$@" --threads "$threads"; }
ref() { "$ref_bin" "$@"; }

rows=()
# row NAME TG REF NOTE: one table row; ratio when both sides have a figure.
row() {
  local ratio="-"
  if [[ "$2" != FAILED && "$2" != "-" && "$3" != FAILED && "$3" != "-" ]]; then
    ratio=$(awk -v a="$2" -v b="$3" 'BEGIN {printf "%.2fx", a / b}')
  fi
  rows+=("$(printf '| %-22s | %14s | %14s | %7s | %s |' "$1" "$2" "$3" "$ratio" "$4")")
}
fmt() { [[ "$1" == FAILED || "$1" == "-" ]] && echo "$1" || awk -v v="$1" 'BEGIN {printf "%.0f", v}'; }

# The GEMM ceiling: the best of runs before and after the workloads (load on a shared machine only ever
# lowers a rate, and a ceiling taken at a busy moment would flatter the fractions below).
best_gemm() { local v; v=$(run_median 1 gflops tg gemm 1024); [[ "$v" == FAILED ]] && echo 0 || echo "$v"; }
echo "== gemm 1024 (the ceiling)"
gemm=0
for ((r = 0; r < runs; ++r)); do gemm=$(awk -v a="$gemm" -v b="$(best_gemm)" 'BEGIN {print (b > a) ? b : a}'); done

echo "== xor 1000"
t_tg=$(run_median "$runs" samples_per_s tg xor 1000)
t_ref="-"
((use_ref)) && t_ref=$(run_median "$runs" samples_per_s ref xor 1000)
us() { [[ "$1" == FAILED || "$1" == "-" ]] && echo "$1" || awk -v r="$1" 'BEGIN {printf "%.1f", 4e6 / r}'; }
row "xor 1000 epochs" "$(fmt "$t_tg")" "$(fmt "$t_ref")" "us/step: tg $(us "$t_tg"), LibTorch $(us "$t_ref")"

for batch in 1 64 256 1024; do
  case $batch in 1) steps=500 ;; 64) steps=300 ;; 256) steps=100 ;; 1024) steps=30 ;; esac
  echo "== mnist-mlp $batch $steps"
  t_tg=$(run_median "$runs" samples_per_s tg mnist-mlp "$batch" "$steps")
  t_ref="-"
  ((use_ref)) && t_ref=$(run_median "$runs" samples_per_s ref mnist-mlp "$batch" "$steps")
  note=""
  # Filled in at the end, against the final GEMM ceiling.
  ((batch >= 256)) && note="@gflops $t_tg $t_ref"
  row "mnist-mlp batch $batch" "$(fmt "$t_tg")" "$(fmt "$t_ref")" "$note"
done

echo "== mnist-cnn 64 30"
t_tg=$(run_median "$runs" samples_per_s tg mnist-cnn 64 30)
t_ref="-"
((use_ref)) && [[ -x "$cnn_ref_bin" ]] && t_ref=$(run_median "$runs" samples_per_s "$cnn_ref_bin" mnist-cnn 64 30)
row "mnist-cnn batch 64" "$(fmt "$t_tg")" "$(fmt "$t_ref")" "conv 1-32-64 3x3 + maxpool, 1600-128-10; LibTorch: oneDNN conv"

for batch in 1 1024; do
  case $batch in 1) steps=2000 ;; 1024) steps=50 ;; esac
  echo "== mnist-infer $batch $steps"
  t_tg=$(run_median "$runs" samples_per_s tg mnist-infer "$batch" "$steps")
  t_ref="-"
  ((use_ref)) && t_ref=$(run_median "$runs" samples_per_s ref mnist-infer "$batch" "$steps")
  note=$(awk -v a="$t_tg" -v b="$t_ref" -v n="$batch" 'BEGIN {
      s = (a == "FAILED") ? "tg FAILED" : sprintf("us/batch: tg %.1f", 1e6 * n / a)
      if (b != "-" && b != "FAILED") s = s sprintf(", LibTorch %.1f", 1e6 * n / b)
      print s }')
  row "mnist-infer batch $batch" "$(fmt "$t_tg")" "$(fmt "$t_ref")" "$note"
done

if [[ -f "$mnist_dir/train-images-idx3-ubyte" && -f "$mnist_dir/t10k-images-idx3-ubyte" ]]; then
  echo "== mnist-train $mnist_dir 10"
  # One run each (seconds, not cheap); samples/s counts the full batches of 64 trained on, as both programs do.
  # The result line gets maxrss_kb=, the run's peak resident memory, when GNU time is installed.
  train_line() {
    local out
    if [[ -x /usr/bin/time ]]; then out=$(/usr/bin/time -f "maxrss_kb=%M" "$@" 2>&1); else out=$("$@" 2>&1); fi
    echo "$(grep -E '^mnist-(cnn-)?train ' <<<"$out" | tail -n 1) $(grep -o 'maxrss_kb=[0-9]*' <<<"$out")"
  }
  # Programs, not the tg/ref shell functions: GNU time runs an executable.
  l_tg=$(train_line "$tg_bin" mnist-train "$mnist_dir" 10 --threads "$threads") || true
  echo "$l_tg" >>"$raw_log"
  l_ref="-"
  if ((use_ref)); then l_ref=$(train_line "$ref_bin" mnist-train "$mnist_dir" 10) || true; echo "$l_ref" >>"$raw_log"; fi
  rate() {
    local s n
    s=$(value seconds "$1"); n=$(value train "$1")
    [[ -n "$s" && -n "$n" ]] && awk -v s="$s" -v n="$n" 'BEGIN {printf "%.1f", int(n / 64) * 64 * 10 / s}' || echo FAILED
  }
  r_tg=$(rate "$l_tg"); r_ref="-"
  ((use_ref)) && r_ref=$(rate "$l_ref")
  mb() {
    local kb
    kb=$(value maxrss_kb "$1")
    if [[ -n "$kb" ]]; then awk -v k="$kb" 'BEGIN {printf ", peak RSS %.0f MB", k / 1024}'; fi
  }
  note="tg $(value seconds "$l_tg") s, acc $(value test_accuracy "$l_tg")$(mb "$l_tg")"
  ((use_ref)) && note="$note; LibTorch $(value seconds "$l_ref") s, acc $(value test_accuracy "$l_ref")$(mb "$l_ref")"
  row "mnist-train 10 epochs" "$(fmt "$r_tg")" "$(fmt "$r_ref")" "$note"
else
  echo "== mnist-train skipped: no IDX files in $mnist_dir (scripts/get_mnist.sh $mnist_dir)"
fi

echo "== gemm 1024 again"
for ((r = 0; r < runs; ++r)); do gemm=$(awk -v a="$gemm" -v b="$(best_gemm)" 'BEGIN {print (b > a) ? b : a}'); done
rows=("$(printf '| %-22s | %14s | %14s | %7s | %s |' "gemm 1024 (GFLOP/s)" "$gemm" "-" "-" \
  "Eigen sgemm through tg::matmul, best of $((2 * runs)) runs (before and after)")" "${rows[@]}")

# Useful FLOPs of one training step: forward 2·P, backward 4·P per sample, P = 235,146 parameters.
gflops_note() {
  awk -v a="$1" -v b="$2" -v g="$gemm" 'function gf(r) {return 6 * 235146 * r / 1e9}
    BEGIN {
      s = (a == "FAILED") ? "tg FAILED" : sprintf("tg %.1f GFLOP/s = %.0f%% of GEMM", gf(a), (g > 0) ? 100 * gf(a) / g : 0)
      if (b != "-" && b != "FAILED") s = s sprintf("; LibTorch %.1f GFLOP/s = %.0f%%", gf(b), (g > 0) ? 100 * gf(b) / g : 0)
      print s }'
}
for i in "${!rows[@]}"; do
  if [[ "${rows[$i]}" =~ @gflops\ ([^ ]+)\ ([^ ]+) ]]; then
    rows[$i]=${rows[$i]/"${BASH_REMATCH[0]}"/$(gflops_note "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")}
  fi
done

echo
echo "tensorgrad vs LibTorch, $threads thread(s), medians of $runs runs (mnist-train: 1 run); samples/s"
echo "| workload               | tensorgrad     | LibTorch       | ratio   | notes |"
echo "|------------------------|----------------|----------------|---------|-------|"
printf '%s\n' "${rows[@]}"
echo "raw output: $raw_log"
