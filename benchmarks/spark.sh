#!/usr/bin/env bash
# Spark local-mode scaling (docs/design.md §14): the two distributed commands under local[1] and local[2] on this
# machine, through ./mdlsae (which builds the Spark module on first use). Wall time from /usr/bin/time; the load
# average is recorded before and after every run, since the cores may be shared.
#
#   benchmarks/spark.sh [--reps R] [--out DIR]
#
#   --reps R   runs of each case, the best is reported (default 2)
#   --out DIR  where the table goes (default benchmarks/results)
#
# sweep: mnist, --search anneal, widths 128,256,512,1024, 3 epochs, batch 256: one Spark task per width.
# dl:    4·2^20 rows of d = 32 float16 shards (4 blocks of 2^20 rows; benchmarks/tools/GenShards.java, deleted at the
#        end), a TopK SAE D = 256, k = 16 trained on 65536 other rows; --fvu 0.3.
# Each case twice: with the CPU back end single-threaded (-Dmdlsae.threads=1, so Spark's tasks are the only
# parallelism) and with its default threads (one per core: one task alone already uses every core).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
reps=2
results="$here/results"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --reps) reps="$2"; shift 2 ;;
    --out) results="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "spark.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
commit="$(git -C "$root" describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)"
stamp="$(date +%Y-%m-%d_%H%M)"
work="$(mktemp -d /tmp/mdlsae-spark-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }

"$java_bin" "$here/tools/GenShards.java" --out "$work/acts" --rows 4194304 --d 32 --shard-rows 262144 --dtype f16 --seed 1
"$java_bin" "$here/tools/GenShards.java" --file "$work/train.npy" --rows 65536 --d 32 --dtype f32 --seed 2
"$root/mdlsae" train --data "$work/train.npy" --arch topk --width 256 --k 16 --epochs 5 --out "$work/sae" --quiet \
  --backend cpu
"$root/mdlsae" data fetch mnist >/dev/null
# the first --spark builds the module (minutes): once here, outside the timings
"$root/mdlsae" dl --sae "$work/sae" --data "$work/train.npy" --fvu 0.3 --spark 'local[1]' --backend cpu >/dev/null

# time NAME THREADS ARGS...: best wall seconds of $reps runs of ./mdlsae ARGS (a sweep's --out is emptied first)
best=""
timed() {
  local name="$1" threads="$2"; shift 2
  best=""
  for ((i = 1; i <= reps; i++)); do
    rm -rf "$work/out"
    local before after secs
    before="$(load)"
    MDLSAE_JAVA_OPTS="${threads:+-Dmdlsae.threads=$threads}" /usr/bin/time -f %e -o "$work/time" "$root/mdlsae" "$@" \
      >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    secs="$(tail -1 "$work/time")"
    after="$(load)"
    echo "spark.sh: $name threads=${threads:-default}: ${secs} s (load $before -> $after)" >&2
    echo "| $name | ${threads:-default} | $i | $secs | $before | $after |" >>"$work/runs.md"
    if [[ -z "$best" ]] || awk "BEGIN{exit !($secs < $best)}"; then best="$secs"; fi
  done
}

sweep=(sweep --data mnist --widths 128,256,512,1024 --eps 0.02 --epochs 3 --batch 256 --search anneal --out "$work/out"
  --quiet --backend cpu)
dl=(dl --sae "$work/sae" --data "$work/acts" --fvu 0.3 --json --backend cpu)
: >"$work/table.md"
for threads in 1 ""; do
  for job in sweep dl; do
    if [[ $job == sweep ]]; then args=("${sweep[@]}"); else args=("${dl[@]}"); fi
    timed "$job local[1]" "$threads" "${args[@]}" --spark 'local[1]'; one="$best"
    timed "$job local[2]" "$threads" "${args[@]}" --spark 'local[2]'; two="$best"
    printf '| %s | %s | %s | %s | %.2f× |\n' "$job" "${threads:-default (2)}" "$one" "$two" \
      "$(awk "BEGIN{print $one / $two}")" >>"$work/table.md"
  done
done

mkdir -p "$results"
out="$results/${stamp}_spark_${commit}.md"
{
  echo "# Spark local mode: local[1] vs local[2] ($stamp, commit $commit)"
  echo
  echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), Java $("$java_bin" -version 2>&1 | head -1 | cut -d'"' -f2); best of $reps runs, wall seconds including Spark's start (~3 s)."
  echo
  echo "| command | back-end threads | local[1] s | local[2] s | speedup |"
  echo "|---|---|---:|---:|---:|"
  cat "$work/table.md"
  echo
  echo "Every run, with the load average (1, 5, 15 min) before and after:"
  echo
  echo "| case | threads | run | s | load before | load after |"
  echo "|---|---|---:|---:|---|---|"
  cat "$work/runs.md"
} >"$out"
cat "$out"
