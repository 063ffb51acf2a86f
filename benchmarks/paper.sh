#!/usr/bin/env bash
# The paper's MNIST study, recorded (docs/design.md §11): `mdlsae demo --paper` — BatchTopK SAEs of widths
# 16, 32, …, 2048 at ε = 0.015 on MNIST, each trained to convergence (--epochs auto), 3 seeds, the default search —
# then a Markdown summary of its results.json (benchmarks/paper_summary.py) with the wall time, machine and commit.
# About 20 minutes per seed on 2 CPU cores (21 min for seed 0 here); resumable (run the same command again after a kill).
#
#   benchmarks/paper.sh [--out DIR] [--results DIR] [-- EXTRA DEMO FLAGS]
#
#   --out DIR      the sweep directory (default /tmp/mdlsae-paper; it is never inside the repository)
#   --results DIR  where the summary goes (default benchmarks/results)
#   EXTRA          further flags for `mdlsae demo --paper` (e.g. --seeds 1 or --epochs 30 for a short estimate)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
out=/tmp/mdlsae-paper
results="$here/results"
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --results) results="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "paper.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
jar="${MDLSAE_JAR:-$root/target/mdlsae.jar}"
if [[ ! -f "$jar" ]]; then
  echo "paper.sh: $jar is missing; build it with mvn -B package -DskipTests (or set MDLSAE_JAR)" >&2
  exit 2
fi
commit="$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
start=$(date +%s)
# shellcheck disable=SC2086
java ${MDLSAE_JAVA_OPTS:-} --add-modules jdk.incubator.vector -jar "$jar" demo --paper --out "$out" --quiet "${extra[@]}"
end=$(date +%s)
mkdir -p "$results"
stamp="$(date -u +%Y-%m-%d_%H%M)"
python3 "$here/paper_summary.py" "$out/results.json" --seconds $((end - start)) --commit "$commit" \
  --machine "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)" \
  --command "benchmarks/paper.sh ${extra[*]:-}" > "$results/${stamp}_paper_${commit}.md"
cp "$out/results.json" "$results/${stamp}_paper_${commit}.json"
echo "paper.sh: summary in $results/${stamp}_paper_${commit}.md; report in $out/report.html"
