#!/usr/bin/env bash
# Side-by-side CPU benchmark of tensorgrad against LibTorch (C++) and PyTorch (Python), each peer at its best
# thread configuration. Builds benchmarks/bench_mlp (Release, TENSORGRAD_NATIVE on) and, when Debian's libtorch-dev
# is installed, two LibTorch programs: the reference program mlp_reference (xor, mnist-mlp, mnist-infer,
# mnist-train), kept outside this repository in $TG_SHARED/bench/libtorch (default: ../shared), and
# benchmarks/libtorch/cnn_reference (mnist-cnn, and `gemm N` through torch::mm). PyTorch's rows run
# benchmarks/pytorch_mlp.py with /usr/bin/python3 when it can import torch (there is no PyTorch mnist-train).
#
# How "best" is chosen: every workload runs under every thread configuration of each peer --
#   tensorgrad: --threads 1 and 2 ("t1", "t2");
#   LibTorch:   OMP_NUM_THREADS (torch's intra-op pool; MKL_NUM_THREADS likewise) in {1,2} x OPENBLAS_NUM_THREADS
#               (the BLAS's own pool beside it) in {1,2} ("omp1/blas2", ...): on two cores 2 x 2 oversubscribes;
#   PyTorch:    --threads 1 and 2 (torch.set_num_threads, one inter-op thread), OMP/OpenBLAS/MKL variables to match
# -- --runs times each (default 3; single runs swing by up to 30% on a shared machine), round-robin over the peers
# and configurations so that a busy spell spreads over all of them. A configuration's figure is
# the best of its runs (load only ever slows a run down), a peer's is that of its best configuration, and the table
# prints which configuration won. A run that fails (e.g. tensorgrad's check that the loss fell) is logged and left
# out; the notes name it.
# The ceiling: the best sgemm rate of Eigen (bench_mlp gemm, what tensorgrad calls) and of OpenBLAS (cnn_reference
# gemm, torch::mm), n = 1024 and 2048, at 1 and 2 threads, measured before and after the workloads; printed beside
# the theoretical peak from /proc/cpuinfo, the training rows at batch >= 256 and the CNN row get their useful
# GFLOP/s as a fraction of it.
# OPENBLAS_CORETYPE, when set in the environment, is unset: it forces OpenBLAS's kernel family (e.g. Haswell's AVX2
# kernels on an AVX-512 machine, half the sgemm rate); OpenBLAS picks its own, as for any user, and the table says
# which.
#   scripts/bench.sh [--runs N] [--quick] [--skip-build]
# --quick: one run of one configuration per peer (tg t2, LibTorch omp2/blas1, PyTorch t1), to test the script; its
# figures are not a fair comparison.
# Environment: BUILD_DIR (default build-bench), TG_SHARED (default ../shared, relative to the repo root),
#   MNIST_DIR (default data; the mnist-train row runs when its IDX files are there), JOBS (build jobs).
# Every raw output line is kept, tagged with its peer and configuration, in $BUILD_DIR/bench_raw.log.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

usage() { echo "usage: scripts/bench.sh [--runs N] [--quick] [--skip-build]" >&2; exit 2; }
runs=3
quick=0
build=1
while (($#)); do
  case "$1" in
    --runs)
      if (($# < 2)) || ! [[ "$2" =~ ^[1-9][0-9]*$ ]]; then usage; fi
      runs=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    --skip-build) build=0; shift ;;
    --threads) echo "bench.sh: --threads is gone: every peer now runs at 1 and 2 threads, and its best counts" >&2; usage ;;
    *) usage ;;
  esac
done

build_dir=${BUILD_DIR:-build-bench}
case "$build_dir" in /*) ;; *) build_dir="$root/$build_dir" ;; esac
shared=${TG_SHARED:-$root/../shared}
mnist_dir=${MNIST_DIR:-data}
jobs=${JOBS:-$(nproc)}
python=/usr/bin/python3
tg_bin="$build_dir/benchmarks/bench_mlp"
ref_src="$shared/bench/libtorch"
ref_dir="$build_dir/libtorch-ref"
ref_bin="$ref_dir/mlp_reference"
cnn_ref_dir="$build_dir/libtorch-cnn"  # our own LibTorch program for the CNN row and torch::mm (benchmarks/libtorch)
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
    echo "== build the LibTorch reference ($ref_src) and benchmarks/libtorch"
    cmake -S "$ref_src" -B "$ref_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$ref_dir" -j "$jobs" >"$build_dir/bench_build_ref.log" 2>&1 ||
      { cat "$build_dir/bench_build_ref.log"; exit 1; }
    cmake -S benchmarks/libtorch -B "$cnn_ref_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$cnn_ref_dir" -j "$jobs" >"$build_dir/bench_build_cnn_ref.log" 2>&1 ||
      { cat "$build_dir/bench_build_cnn_ref.log"; exit 1; }
  else
    echo "== libtorch-dev not installed (or $ref_src missing): no LibTorch figures"
  fi
fi
[[ -x "$tg_bin" ]] || { echo "bench.sh: $tg_bin not built" >&2; exit 1; }
use_ref=0
[[ -x "$ref_bin" ]] && have_libtorch && use_ref=1
use_cnn_ref=0
((use_ref)) && [[ -x "$cnn_ref_bin" ]] && use_cnn_ref=1
use_py=0
[[ -x "$python" ]] && "$python" -c 'import torch' >/dev/null 2>&1 && use_py=1
((use_py)) || echo "== $python cannot import torch (apt-get install python3-torch): no PyTorch figures"
# Debian's LibTorch calls whatever libblas.so.3 the alternatives system selects; with only the netlib
# reference BLAS installed its GEMMs run ~25x slower, and every ratio would flatter tensorgrad.
if ((use_ref || use_py)) && ! readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 | grep -qiE 'openblas|blis|mkl'; then
  echo "== WARNING: libblas.so.3 is the netlib reference BLAS: LibTorch is not measured at its speed" \
    "(apt-get install libopenblas0-pthread)" >&2
fi
coretype_note="detected by OpenBLAS"
if [[ -n "${OPENBLAS_CORETYPE:-}" ]]; then
  coretype_note="detected by OpenBLAS; OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE from the environment was unset"
  echo "== OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE was set in the environment: unset, so OpenBLAS uses the kernels it" \
    "detects for this CPU"
  unset OPENBLAS_CORETYPE
fi

# The configurations each peer is swept over (see the header); --quick keeps one each.
thread_counts=(1 2)
tg_cfgs=() lt_cfgs=() py_cfgs=() gemm_cfgs=()
for t in "${thread_counts[@]}"; do
  tg_cfgs+=("t$t") py_cfgs+=("t$t") gemm_cfgs+=("t$t")
  for b in "${thread_counts[@]}"; do lt_cfgs+=("omp$t/blas$b"); done
done
if ((quick)); then
  runs=1 tg_cfgs=(t2) lt_cfgs=(omp2/blas1) py_cfgs=(t1) gemm_cfgs=(t2)
fi
: >"$raw_log"

# value KEY LINE: the value of key=value in an output line.
value() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" <<<" $2"; }
failed() { [[ "$1" == FAILED || "$1" == "-" ]]; }
max() { awk -v a="$1" -v b="$2" 'BEGIN {print (b + 0 > a + 0) ? b : a}'; }

# cmd_for PEER CFG ARGS...: sets the array `cmd` to PEER's command line for the workload ARGS under configuration
# CFG ("tN": N threads everywhere; "ompA/blasB": OpenMP and MKL pools A, OpenBLAS's pool B). PEER: tg, lt
# (LibTorch; its CNN and gemm are cnn_reference's), py (PyTorch).
cmd_for() {
  local peer=$1 cfg=$2 omp blas
  shift 2
  case "$cfg" in
    t*) omp=${cfg#t} blas=${cfg#t} ;;
    omp*/blas*) omp=${cfg%%/*} omp=${omp#omp} blas=${cfg#*/blas} ;;
    *) echo "bench.sh: bad configuration $cfg" >&2; exit 1 ;;
  esac
  cmd=(env OMP_NUM_THREADS="$omp" MKL_NUM_THREADS="$omp" OPENBLAS_NUM_THREADS="$blas")
  case "$peer" in
    tg) cmd+=("$tg_bin" "$@" --threads "$omp") ;;
    lt) if [[ "$1" == mnist-cnn || "$1" == gemm ]]; then cmd+=("$cnn_ref_bin" "$@"); else cmd+=("$ref_bin" "$@"); fi ;;
    py) cmd+=("$python" "$root/benchmarks/pytorch_mlp.py" "$@" --threads "$omp") ;;
  esac
}

# score KIND LINE: what a run is ranked by. rate: samples_per_s=; gemm: gflops=; train: samples/s over the full
# batches of 64 trained on (both programs drop the last partial batch), from train=, epochs= and seconds=.
score() {
  case "$1" in
    rate) value samples_per_s "$2" ;;
    gemm) value gflops "$2" ;;
    train)
      local s n e
      s=$(value seconds "$2") n=$(value train "$2") e=$(value epochs "$2")
      [[ -n "$s" && -n "$n" && -n "$e" ]] && awk -v s="$s" -v n="$n" -v e="$e" 'BEGIN {printf "%.1f", int(n / 64) * 64 * e / s}'
      ;;
  esac
}

# run_one PEER CFG KIND ARGS...: one run; prints its result line (the last line that starts with the workload's
# name, plus maxrss_kb= from GNU time for training runs) and logs it; fails when the program fails or prints no
# figure.
run_one() {
  local peer=$1 cfg=$2 kind=$3 out line
  shift 3
  cmd_for "$peer" "$cfg" "$@"
  # GNU time measures the program itself (env execs it) and reports its peak resident memory.
  [[ "$kind" == train && -x /usr/bin/time ]] && cmd=(/usr/bin/time -f "maxrss_kb=%M" "${cmd[@]}")
  if out=$("${cmd[@]}" 2>&1); then
    line=$(grep -E "^$1 " <<<"$out" | tail -n 1) || true
    [[ "$kind" == train ]] && line="$line $(grep -o 'maxrss_kb=[0-9]*' <<<"$out" | tail -n 1)"
    if [[ -n "$(score "$kind" "$line")" ]]; then
      echo "[$peer $cfg] $line" >>"$raw_log"
      echo "$line"
      return 0
    fi
  fi
  echo "[$peer $cfg] FAILED: ${cmd[*]} -> $(tail -n 3 <<<"$out" | tr '\n' ' ')" >>"$raw_log"
  return 1
}

# workload KIND ARGS...: runs workload ARGS --runs times under each configuration of every peer that runs it
# (LibTorch's CNN needs cnn_reference; PyTorch has no mnist-train), round-robin (run 1 of every peer and
# configuration, then run 2, ...), so a busy spell on the shared machine spreads over all of them. Sets, per peer,
# best_val (its best configuration's best run; FAILED when no run succeeded, "-" when the peer does not run it),
# best_cfg, best_line (the winning run's result line) and fails (configurations with a failed run); prints and logs
# each configuration's best.
declare -A best_val best_cfg best_line fails cfg_best
cfgs_of() { case "$1" in tg) echo "${tg_cfgs[*]}" ;; lt) echo "${lt_cfgs[*]}" ;; py) echo "${py_cfgs[*]}" ;; esac; }
peer_name() { case "$1" in tg) echo tensorgrad ;; lt) echo LibTorch ;; py) echo PyTorch ;; esac; }
better() { failed "$2" || awk -v a="$1" -v b="$2" 'BEGIN {exit !(a + 0 > b + 0)}'; }  # better NEW OLD
workload() {
  local kind=$1 peers=(tg) peer cfg line v r summary
  shift
  echo "== $*"
  if ((use_ref)) && { [[ "$1" != mnist-cnn ]] || ((use_cnn_ref)); }; then peers+=(lt); fi
  if ((use_py)) && [[ "$1" != mnist-train ]]; then peers+=(py); fi
  for peer in tg lt py; do best_val[$peer]="-" best_cfg[$peer]="" best_line[$peer]="" fails[$peer]=""; done
  for peer in "${peers[@]}"; do
    best_val[$peer]=FAILED
    for cfg in $(cfgs_of "$peer"); do cfg_best[$peer,$cfg]=FAILED; done
  done
  for ((r = 0; r < runs; ++r)); do
    for peer in "${peers[@]}"; do
      for cfg in $(cfgs_of "$peer"); do
        if line=$(run_one "$peer" "$cfg" "$kind" "$@"); then
          v=$(score "$kind" "$line")
          better "$v" "${cfg_best[$peer,$cfg]}" && cfg_best[$peer,$cfg]=$v
          if better "$v" "${best_val[$peer]}"; then best_val[$peer]=$v best_cfg[$peer]=$cfg best_line[$peer]=$line; fi
        elif [[ " ${fails[$peer]} " != *" $cfg "* ]]; then
          fails[$peer]="${fails[$peer]:+${fails[$peer]} }$cfg"
        fi
      done
    done
  done
  for peer in "${peers[@]}"; do
    summary=$(printf '  %-10s' "$(peer_name "$peer")")
    for cfg in $(cfgs_of "$peer"); do
      v=${cfg_best[$peer,$cfg]}
      failed "$v" || v=$(awk -v v="$v" 'BEGIN {printf "%.0f", v}')
      summary="$summary $cfg=$v"
    done
    summary="$summary  -> ${best_cfg[$peer]:-FAILED}"
    echo "$summary"
    echo "$summary" >>"$raw_log"
  done
}

# cell PEER [DECIMALS]: "VALUE (CONFIG)", FAILED or "-".
cell() {
  local v=${best_val[$1]}
  if failed "$v"; then echo "$v"; else awk -v v="$v" -v c="${best_cfg[$1]}" -v d="${2:-0}" 'BEGIN {printf "%.*f (%s)", d, v, c}'; fi
}
ratio() { if failed "$1" || failed "$2"; then echo "-"; else awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / b}'; fi; }
# failures: a note naming the configurations whose runs failed, if any.
failures() {
  local p s=""
  for p in tg lt py; do [[ -n "${fails[$p]}" ]] && s="$s; $(peer_name "$p") failed at ${fails[$p]}"; done
  [[ -n "$s" ]] && echo "$s (see the raw log)"
  return 0
}

rows=()
# row NAME NOTE [DECIMALS]: one table row from the current best_* values.
row() {
  local note
  note="$2$(failures)"
  note=${note#; }
  rows+=("$(printf '| %-24s | %-20s | %-20s | %-20s | %-8s | %-8s | %s |' "$1" "$(cell tg "${3:-0}")" \
    "$(cell lt "${3:-0}")" "$(cell py "${3:-0}")" "$(ratio "${best_val[tg]}" "${best_val[lt]}")" \
    "$(ratio "${best_val[tg]}" "${best_val[py]}")" "$note")")
}
# per_peer AWK_EXPR UNIT: "tg X, LibTorch Y, PyTorch Z" with X = AWK_EXPR of each peer's figure r (samples/s).
per_peer() {
  local p s=""
  for p in tg lt py; do
    failed "${best_val[$p]}" && continue
    s="$s, $(peer_name "$p") $(awk -v r="${best_val[$p]}" "BEGIN {printf \"%.1f\", $1}")"
  done
  echo "${s#, }"
}

# The ceiling: Eigen's sgemm (what tg::matmul calls) and OpenBLAS's (torch::mm), best of --runs runs per size and
# thread count, before and after the workloads (load on a shared machine only ever lowers a rate, and a ceiling
# taken at a busy moment would flatter the fractions below).
declare -A gemm_val
gemm_sweep() {
  local n cfg peer r line
  for ((r = 0; r < runs; ++r)); do
    for n in 1024 2048; do
      for cfg in "${gemm_cfgs[@]}"; do
        for peer in tg lt; do
          [[ "$peer" == lt ]] && ! ((use_cnn_ref)) && continue
          line=$(run_one "$peer" "$cfg" gemm gemm "$n") || continue
          gemm_val[$peer,$n,$cfg]=$(max "${gemm_val[$peer,$n,$cfg]:-0}" "$(value gflops "$line")")
          [[ "$peer" == lt ]] && blas_core=$(value blas_core "$line")
        done
      done
    done
  done
  return 0
}
blas_core="-"
echo "== gemm 1024, 2048 (the ceiling)"
gemm_sweep

# Workloads. Useful FLOP per sample of one training step, for the notes:
#   MLP 784-256-128-10: forward 2·P, backward 4·P (weight and input gradients), P = 235,146 parameters, less the
#     first layer's input gradient, which no program computes (the images need none): 6·P - 2·784·256 = 1,009,468.
#   CNN: 3 x forward (backward: the input gradient and the weight gradient, each as costly as the forward), forward
#     = 2 x multiply-adds: conv1 1->32 3x3 on 28x28 -> 26x26: 26·26·32·(1·3·3) = 194,688; max-pool -> 13x13;
#     conv2 32->64 3x3 -> 11x11: 11·11·64·(32·3·3) = 2,230,272; max-pool -> 5x5; fc1 1600->128: 204,800;
#     fc2 128->10: 1,280; total 2,631,040 -> forward 5,262,080 FLOP -> step 15,786,240 FLOP per sample. (conv1 has
#     no input gradient to compute, so this counts 2·194,688 FLOP = 2.5% more than the step does; bias, ReLU,
#     pooling, loss and Adam are left out.)
mlp_flop=1009468
cnn_flop=15786240

workload rate xor 1000
row "xor 1000 epochs" "us/step: $(per_peer '4e6 / r')"

for batch in 1 64 256 1024; do
  case $batch in 1) steps=500 ;; 64) steps=300 ;; 256) steps=100 ;; 1024) steps=30 ;; esac
  workload rate mnist-mlp "$batch" "$steps"
  note=""
  # Filled in at the end, against the final ceiling.
  ((batch >= 256)) && note="@gflops $mlp_flop ${best_val[tg]} ${best_val[lt]} ${best_val[py]} @"
  row "mnist-mlp batch $batch" "$note"
done

workload rate mnist-cnn 64 30
row "mnist-cnn batch 64" "@gflops $cnn_flop ${best_val[tg]} ${best_val[lt]} ${best_val[py]} @; conv 1-32-64 3x3 + maxpool, 1600-128-10; torch: oneDNN conv"

for batch in 1 1024; do
  case $batch in 1) steps=2000 ;; 1024) steps=50 ;; esac
  workload rate mnist-infer "$batch" "$steps"
  row "mnist-infer batch $batch" "us/batch: $(per_peer "1e6 * $batch / r")"
done

if [[ -f "$mnist_dir/train-images-idx3-ubyte" && -f "$mnist_dir/t10k-images-idx3-ubyte" ]]; then
  # samples/s counts the full batches of 64 trained on, as both programs do; the notes are the winning run's.
  workload train mnist-train "$mnist_dir" 10
  mb() {
    local kb
    kb=$(value maxrss_kb "$1")
    if [[ -n "$kb" ]]; then awk -v k="$kb" 'BEGIN {printf ", peak RSS %.0f MB", k / 1024}'; fi
  }
  note=""
  for p in tg lt; do
    failed "${best_val[$p]}" && continue
    l=${best_line[$p]}
    note="$note; $(peer_name "$p") $(value seconds "$l") s, acc $(value test_accuracy "$l")$(mb "$l")"
  done
  row "mnist-train 10 epochs" "${note#; }"
else
  echo "== mnist-train skipped: no IDX files in $mnist_dir (scripts/get_mnist.sh $mnist_dir)"
fi

echo "== gemm 1024, 2048 again"
gemm_sweep

# The ceiling rows (put first), and the overall ceiling the notes are fractions of.
gemm=0 gemm_what=""
n_work=${#rows[@]}
for n in 1024 2048; do
  per_cfg=""
  for p in tg lt py; do best_val[$p]="-" best_cfg[$p]="" fails[$p]=""; done
  for cfg in "${gemm_cfgs[@]}"; do
    for p in tg lt; do
      v=${gemm_val[$p,$n,$cfg]:-0}
      awk -v a="$v" 'BEGIN {exit !(a > 0)}' || continue
      if failed "${best_val[$p]}" || awk -v a="$v" -v b="${best_val[$p]}" 'BEGIN {exit !(a > b)}'; then
        best_val[$p]=$v best_cfg[$p]=$cfg
      fi
      if awk -v a="$v" -v b="$gemm" 'BEGIN {exit !(a > b)}'; then
        gemm=$v gemm_what="$([[ $p == tg ]] && echo Eigen || echo OpenBLAS) n=$n $cfg"
      fi
    done
    per_cfg="$per_cfg; $cfg: Eigen ${gemm_val[tg,$n,$cfg]:-FAILED}"
    ((use_cnn_ref)) && per_cfg="$per_cfg / OpenBLAS ${gemm_val[lt,$n,$cfg]:-FAILED}"
  done
  what="Eigen (tg::matmul)"
  ((use_cnn_ref)) && what="$what vs OpenBLAS (torch::mm, $blas_core kernels)"
  row "sgemm n=$n (GFLOP/s)" "$what, best of $((2 * runs)) runs before + after$per_cfg" 1
done
rows=("${rows[@]:n_work}" "${rows[@]:0:n_work}")

# Useful GFLOP/s of a training row as a fraction of the ceiling: @gflops FLOP_PER_SAMPLE TG LT PY @.
gflops_note() {
  awk -v f="$1" -v g="$gemm" -v a="$2" -v b="$3" -v c="$4" 'function gf(r) {return f * r / 1e9}
    function one(name, r) {
      if (r == "-") return ""
      if (r == "FAILED") return "; " name " FAILED"
      return sprintf("; %s %.1f GFLOP/s = %.0f%%", name, gf(r), (g > 0) ? 100 * gf(r) / g : 0)
    }
    BEGIN { s = one("tg", a) one("LibTorch", b) one("PyTorch", c); print "useful GFLOP/s vs ceiling: " substr(s, 3) }'
}
for i in "${!rows[@]}"; do
  if [[ "${rows[$i]}" =~ @gflops\ ([^ ]+)\ ([^ ]+)\ ([^ ]+)\ ([^ ]+)\ @ ]]; then
    rows[i]=${rows[$i]/"${BASH_REMATCH[0]}"/$(gflops_note "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" "${BASH_REMATCH[4]}")}
  fi
done

# The theoretical peak: cores x clock x FLOP per cycle per core, FLOP/cycle = 2 (an FMA is a multiply and an add)
# x FMA pipes (2 assumed) x floats per SIMD register: 16 with AVX-512 on Intel and on AMD from Zen 5 (family 26,
# full 512-bit datapaths), 8 on AMD Zen 4 (family 25: AVX-512 runs as two 256-bit halves) and with AVX2, 4 with SSE.
peak_line=$(awk -F': *' -v avail="$(nproc)" '
  /^processor/ {np++}
  /^vendor_id/ {vendor = $2}
  /^cpu family/ {family = $2 + 0}
  /^physical id/ {phys = $2}
  /^core id/ {if (!((phys "/" $2) in seen)) {seen[phys "/" $2] = 1; cores++}}
  /^cpu MHz/ {mhz += $2; nmhz++}
  /^flags/ {flags = " " $2 " "}
  END {
    if (!cores) cores = np
    if (avail < cores) cores = avail
    fma = (flags ~ / fma /) ? 2 : 1
    if (flags ~ / avx512f /) {
      if (vendor == "AuthenticAMD" && family < 26) {simd = 8; why = "AVX-512 as two 256-bit halves: AMD Zen 4"}
      else {simd = 16; why = (vendor == "AuthenticAMD") ? "AVX-512 at full width: AMD family " family ", Zen 5" : "AVX-512"}
    } else if (flags ~ / avx2 / || flags ~ / avx /) {simd = 8; why = "256-bit AVX"}
    else {simd = 4; why = "128-bit SSE"}
    ghz = (nmhz > 0) ? mhz / nmhz / 1000 : 0
    per = fma * 2 * simd
    printf "%.1f|%d cores x %.3f GHz (\"cpu MHz\") x %d FLOP/cycle = %.1f GFLOP/s; FLOP/cycle = %d (FMA) x 2 FMA pipes (assumed) x %d floats (%s)|%d\n",
      cores * ghz * per, cores, ghz, per, cores * ghz * per, fma, simd, why, cores * per }' /proc/cpuinfo)
peak=${peak_line%%|*}
peak_text=${peak_line#*|}
peak_text=${peak_text%|*}
flop_per_cycle_all=${peak_line##*|}

echo
if ((quick)); then
  echo "QUICK run (--quick): one run of one configuration per peer; not a fair comparison"
fi
echo "tensorgrad vs LibTorch vs PyTorch on $(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //') ($(nproc) CPUs)," \
  "$(date -u '+%Y-%m-%d %H:%M UTC'); samples/s (sgemm rows: GFLOP/s), higher is better"
echo "each cell: the best configuration's best of $runs run(s); configurations: tensorgrad ${tg_cfgs[*]}; LibTorch" \
  "${lt_cfgs[*]} (OMP_NUM_THREADS/OPENBLAS_NUM_THREADS); PyTorch ${py_cfgs[*]}"
echo "| workload                 | tensorgrad best      | LibTorch best        | PyTorch best         | tg/LibT  | tg/PyT   | notes |"
echo "|--------------------------|----------------------|----------------------|----------------------|----------|----------|-------|"
printf '%s\n' "${rows[@]}"
echo
echo "ceiling: $gemm GFLOP/s ($gemm_what), the best sgemm measured before and after the workloads"
echo "theoretical peak: $peak_text"
awk -v g="$gemm" -v p="$peak" -v c="$flop_per_cycle_all" 'BEGIN {
  if (p <= 0) exit
  printf "ceiling = %.0f%% of the theoretical peak", 100 * g / p
  if (g > p) printf " (above 100%%: the cores run faster than \"cpu MHz\" says, at least %.2f GHz; a VM reports its nominal rate)", g / c
  printf "\n" }'
((use_cnn_ref)) && echo "OpenBLAS kernels: $blas_core ($coretype_note)"
echo "raw output: $raw_log"
