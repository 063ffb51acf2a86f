#!/usr/bin/env bash
# One command for the whole benchmark table: the engine (mdlsae bench) and its peers (numpy / PyTorch) on the same
# shapes, data and thread count, then benchmarks/report.py writes benchmarks/results/<date>_<commit>.{json,md}.
#
#   benchmarks/run.sh [--quick] [--threads N] [--warmup W] [--reps R] [--parts LIST] [--demo] [--no-peers]
#
#   --quick      small shapes: checks the harness in a minute (table written to benchmarks/out/, not results/)
#   --threads N  threads for everyone (default: all cores)
#   --parts LIST gemm,step,aux,phases,dl,scaling (mdlsae bench) and train (whole './mdlsae train' processes against
#                whole PyTorch processes, timed from outside; docs/design.md §10) (default: all)
#   --demo       also time './mdlsae demo --out /tmp/demo-bench' (minutes)
#   --no-peers   engine only
#
# Peers: numpy from every python3 found (PATH and /usr/bin/python3), PyTorch from the first that imports torch
# (Debian: apt-get install -y python3-torch python3-numpy python3-threadpoolctl libopenblas0-pthread).
# Peer commands run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset and OPENBLAS/OMP/MKL_NUM_THREADS = N.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
threads="$(nproc)"
warmup=2
reps=5
parts=all
quick=()
demo=0
peers=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=(--quick); shift ;;
    --threads) threads="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --parts) parts="$2"; shift 2 ;;
    --demo) demo=1; shift ;;
    --no-peers) peers=0; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

jar="$root/target/mdlsae.jar"
if [[ ! -f "$jar" ]] || [[ -n "$(find "$root/src/main" -newer "$jar" -type f -print -quit)" ]]; then
  echo "run.sh: building the engine..." >&2
  (cd "$root" && mvn -q -B -DskipTests package >&2)
fi
commit="$(git -C "$root" describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)"
stamp="$(date +%Y%m%d-%H%M%S)"
work="$root/benchmarks/out/run-$stamp"
mkdir -p "$work"
echo "run.sh: commit $commit, $threads threads, work dir $work; load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# 'train' is this script's own part; the others are mdlsae bench's
train_part=0
bench_parts="$parts"
if [[ "$parts" == all ]]; then
  train_part=1
else
  bench_parts="$(echo "$parts" | tr ',' '\n' | grep -vx train | paste -sd, -)"
  [[ ",$parts," == *,train,* ]] && train_part=1
  # whole train runs compare with the PyTorch step too: the step part exports their data
  [[ $train_part == 1 && ",$bench_parts," != *,step,* ]] && bench_parts="${bench_parts:+$bench_parts,}step"
fi

java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
MDLSAE_COMMIT="$commit" "$java_bin" --add-modules jdk.incubator.vector -XX:+UseParallelGC -Xmx8g \
  ${MDLSAE_JAVA_OPTS:-} -cp "$jar" org.mdlsae.cli.BenchCommand \
  --threads "$threads" --warmup "$warmup" --reps "$reps" --parts "$bench_parts" "${quick[@]}" \
  --export "$work" --out "$work/java.json" 2> >(grep -v '^WARNING: Using incubator modules' >&2)

has() { grep -q "\"$1\"" "$work/java.json"; }
peer_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads"
          MKL_NUM_THREADS="$threads")
if [[ $peers == 1 ]]; then
  pys=()
  for p in "$(command -v python3 || true)" /usr/bin/python3; do
    [[ -n "$p" && -x "$p" ]] || continue
    "$p" -c 'import numpy' 2>/dev/null || continue
    real="$("$p" -c 'import sys; print(sys.executable)')"
    dup=0; for q in "${pys[@]}"; do [[ "$q" == "$real" ]] && dup=1; done
    [[ $dup == 0 ]] && pys+=("$real")
  done
  [[ ${#pys[@]} -gt 0 ]] || { echo "run.sh: no python3 with numpy found; rerun with --no-peers" >&2; exit 1; }
  torch_py=""
  for p in "${pys[@]}"; do "$p" -c 'import torch' 2>/dev/null && { torch_py="$p"; break; }; done
  [[ -n "$torch_py" ]] || echo "run.sh: no python3 imports torch: PyTorch peers skipped (apt-get install python3-torch)" >&2
  if has gemm; then
    i=0
    for p in "${pys[@]}"; do
      label="numpy$("$p" -c 'import numpy; print(numpy.__version__)')"
      extra=(); [[ "$p" == "$torch_py" ]] && { extra=(--torch); label="$label+torch"; }
      "${peer_env[@]}" "$p" "$here/peers/gemm_peer.py" "$work" "$work/gemm-$i.json" --threads "$threads" \
        --warmup "$warmup" --reps "$reps" --label "$label" "${extra[@]}"
      i=$((i + 1))
    done
  fi
  if [[ -n "$torch_py" ]]; then
    has step && "${peer_env[@]}" "$torch_py" "$here/peers/torch_step.py" "$work" "$work/torch-step.json" \
      --threads "$threads" --warmup "$warmup" --reps "$reps"
    has aux && "${peer_env[@]}" "$torch_py" "$here/peers/torch_step.py" "$work" "$work/torch-aux.json" \
      --threads "$threads" --warmup "$warmup" --reps "$reps" --aux
  fi
  has dl && "${peer_env[@]}" "${pys[0]}" "$here/peers/dl_peer.py" "$work" "$work/dl-numpy.json" \
    --warmup 1 --reps "$reps"
fi

# Whole training processes, as a user runs them: './mdlsae train' on a .npy file (streamed, the default) against a
# python process that imports torch, loads the same file and trains the same epochs (peers/torch_train.py). Both are
# timed from outside, start-up included. Data: the exported MNIST rows tiled to 16384 rows (d = 784).
if [[ $train_part == 1 ]]; then
  python3 - "$work" <<'PY'
import json, os, sys, numpy as np
w = sys.argv[1]
man = json.load(open(os.path.join(w, "java.json")))
s = next(s for s in man["export"]["shapes"] if s["data"] == "mnist")
x = np.load(os.path.join(w, s["x"]))
np.save(os.path.join(w, "train16k.npy"), np.tile(x, (16384 // x.shape[0] + 1, 1))[:16384].astype(np.float32))
PY
  train_widths=(1024 256)
  train_epochs=(6 24)
  [[ ${#quick[@]} -gt 0 ]] && train_widths=(256) && train_epochs=(2)
  treps=3
  [[ ${#quick[@]} -gt 0 ]] && treps=1
  echo '[' > "$work/train.json"
  first=1
  for D in "${train_widths[@]}"; do
    for E in "${train_epochs[@]}"; do
      for rep in $(seq "$treps"); do
        for who in engine torch; do
          [[ $who == torch && ( $peers == 0 || -z "${torch_py:-}" ) ]] && continue
          out="$work/train-$who-D$D-E$E-$rep"
          load="$(cut -d' ' -f1 /proc/loadavg)"
          t0=$(date +%s.%N)
          if [[ $who == engine ]]; then
            MDLSAE_JAVA_OPTS="-Dmdlsae.threads=$threads ${MDLSAE_JAVA_OPTS:-}" "$root/mdlsae" train --data "$work/train16k.npy" \
              --arch batchtopk --width "$D" --k 16 --batch 4096 --epochs "$E" --out "$out" --quiet >&2
          else
            "${peer_env[@]}" "$torch_py" "$here/peers/torch_train.py" "$work/train16k.npy" "$out.json" --width "$D" --k 16 \
              --batch 4096 --epochs "$E" --threads "$threads"
          fi
          t1=$(date +%s.%N)
          [[ $first == 1 ]] || echo ',' >> "$work/train.json"
          first=0
          python3 -c "import json; print(json.dumps({'who': '$who', 'D': $D, 'k': 16, 'batch': 4096, 'epochs': $E, 'rows': 16384,
            'rep': $rep, 'wall_s': $t1 - $t0, 'load_before': $load}))" >> "$work/train.json"
          echo "run.sh: train $who D=$D epochs=$E rep $rep: $(python3 -c "print('%.2f' % ($t1 - $t0))") s" >&2
        done
      done
    done
  done
  echo ']' >> "$work/train.json"
fi

if [[ $demo == 1 ]]; then
  rm -rf /tmp/demo-bench
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
  t0=$(date +%s.%N)
  MDLSAE_JAVA_OPTS="-Dmdlsae.threads=$threads ${MDLSAE_JAVA_OPTS:-}" "$root/mdlsae" demo --out /tmp/demo-bench >&2
  t1=$(date +%s.%N)
  python3 -c "import json,sys; r = json.load(open('/tmp/demo-bench/results.json'))
adm = sorted(x['width'] for x in r['runs'] if x['selected'])
json.dump({'command': './mdlsae demo --out /tmp/demo-bench', 'wall_s': $t1 - $t0,
    'load_before': '$load', 'load_after': open('/proc/loadavg').read().split()[:3],
    'selected_width': r['best']['width'] if r['best'] else None, 'admissible_widths': adm,
    'dl_curve': [{'width': x['width'], 'k': x['k'], 'dl_bits': x['dl_bits'], 'headroom': x['headroom']}
                 for x in r['runs'] if x['selected']]}, open('$work/demo.json', 'w'))"
fi

# quick runs check the harness: their tables go to the work directory, not to results/
results="$here/results"
[[ ${#quick[@]} -gt 0 ]] && results="$work"
python3 "$here/report.py" "$work" "$results"
