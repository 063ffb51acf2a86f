#!/usr/bin/env bash
# Streaming benchmark of docs/design.md §8: training from a directory of float16 shards three times larger than the
# JVM heap against the same steps from an in-memory set that fits, then eval and dl over the whole directory, all
# under MDLSAE_JAVA_OPTS (default -Xmx1g). Peak RSS and wall time come from /usr/bin/time -v; throughput is the
# trainer's samples/s (training loop only). The data are generated here (benchmarks/tools/GenShards.java), never
# committed, and deleted at the end unless --keep.
#
#   benchmarks/shards.sh [--data DIR] [--rows N] [--reps R] [--keep] [--out DIR]
#
#   --data DIR  where to generate the shards (default /tmp/mdlsae-shards-bench; needs rows·1536 bytes free)
#   --rows N    rows of d = 768 float16 in the shard directory (default 2097152 = 3.0 GiB, 32 shards of 65536)
#   --reps R    training pairs (streamed, in memory), alternating which goes first (default 3); the ratio is of medians
#   --keep      keep the generated data
#   --out DIR   where the table goes (default benchmarks/results)
#
# The run: BatchTopK, D = 1024, k = 32, batch 4096, --samples 300000 (74 steps: 73 full batches and one of 992 rows)
# from the shards (streamed, chunk-window mixing, background reader) and from a 61440-row float32 .npy loaded with
# --in-memory (15 full batches an epoch, so the same 74 steps); then eval and dl (--delta 1e-4) over the directory.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
data=/tmp/mdlsae-shards-bench
rows=2097152
reps=3
keep=0
results="$here/results"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --data) data="$2"; shift 2 ;;
    --rows) rows="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    --out) results="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "shards.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
opts="${MDLSAE_JAVA_OPTS:--Xmx1g}"
jar="${MDLSAE_JAR:-$root/target/mdlsae.jar}"
if [[ ! -f "$jar" ]]; then
  echo "shards.sh: building the engine..." >&2
  (cd "$root" && mvn -q -B -DskipTests package >&2)
fi
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
commit="$(git -C "$root" describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)"
stamp="$(date +%Y-%m-%d_%H%M)"
work="$(mktemp -d /tmp/mdlsae-shards-run.XXXXXX)"
shards="$data/shards"
single="$data/inmemory.npy"
cleanup() { [[ $keep == 1 ]] || rm -rf "$data"; rm -rf "$work"; }
trap cleanup EXIT

echo "shards.sh: generating $rows rows of d = 768 float16 into $shards and 61440 float32 rows into $single" >&2
mkdir -p "$data"
"$java_bin" "$here/tools/GenShards.java" --out "$shards" --rows "$rows" --d 768 --shard-rows 65536 --dtype f16 --seed 1
"$java_bin" "$here/tools/GenShards.java" --file "$single" --rows 61440 --d 768 --dtype f32 --seed 2
sync

# run NAME ARGS...: one engine command under /usr/bin/time -v; stdout JSON to $work/NAME.json, the rest to NAME.err
run() {
  local name="$1"; shift
  echo "load $(cut -d' ' -f1-3 /proc/loadavg)" > "$work/$name.load"
  echo "shards.sh: $name: mdlsae $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  /usr/bin/time -v "$java_bin" --add-modules jdk.incubator.vector -XX:+UseParallelGC $opts -jar "$jar" "$@" \
    > "$work/$name.json" 2> "$work/$name.err" || { cat "$work/$name.err" >&2; exit 1; }
  echo "load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$work/$name.load"
}
train=(train --arch batchtopk --width 1024 --k 32 --batch 4096 --samples 300000 --seed 0 --backend cpu --quiet --json)
for ((i = 1; i <= reps; i++)); do
  order=(streamed inmemory)
  (( i % 2 == 0 )) && order=(inmemory streamed)
  for kind in "${order[@]}"; do
    rm -rf "$work/sae-$kind"
    if [[ $kind == streamed ]]; then run "streamed-$i" "${train[@]}" --data "$shards" --out "$work/sae-$kind"
    else run "inmemory-$i" "${train[@]}" --data "$single" --in-memory --out "$work/sae-$kind"; fi
  done
done
run eval eval --sae "$work/sae-streamed" --data "$shards" --backend cpu --json
run dl dl --sae "$work/sae-streamed" --data "$shards" --delta 1e-4 --backend cpu --json

mkdir -p "$results"
nshards="$(ls "$shards"/*.npy | wc -l)"
stored="$(cat "$shards"/*.npy | wc -c)"
python3 - "$work" "$results/${stamp}_shards_${commit}" "$commit" "$opts" "$stored" "$rows" "$nshards" "$reps" <<'EOF'
import json, os, re, statistics, sys
work, base, commit, opts, stored, rows, nshards, reps = sys.argv[1:9]
reps = int(reps)
def timing(name):
    t = open(os.path.join(work, name + ".err")).read()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", t).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    load = [l.split()[1:] for l in open(os.path.join(work, name + ".load"))]
    return {"peak_rss_mib": rss / 1024, "wall_s": secs, "load_before": load[0], "load_after": load[1]}
out = {"commit": commit, "java_opts": opts, "shard_bytes": int(stored), "shard_rows": int(rows), "shards": int(nshards),
       "machine": {"cpus": os.cpu_count(), "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                                                         if l.startswith("model name")), "?")},
       "runs": {}}
names = [f"{k}-{i}" for i in range(1, reps + 1) for k in ("streamed", "inmemory")] + ["eval", "dl"]
for name in names:
    r = timing(name)
    r["result"] = json.load(open(os.path.join(work, name + ".json")))
    out["runs"][name] = r
med = {k: statistics.median(out["runs"][f"{k}-{i}"]["result"]["samples_per_sec"] for i in range(1, reps + 1))
       for k in ("streamed", "inmemory")}
ratio = med["streamed"] / med["inmemory"]
out["median_samples_per_sec"] = med
out["streamed_over_inmemory"] = ratio
json.dump(out, open(base + ".json", "w"), indent=2)
gib = int(stored) / 2**30
lines = [
    f"# Streaming from shards (docs/design.md §8) — commit {commit}, {opts}",
    "",
    f"Shards: {int(rows)} rows × 768 float16 = {gib:.2f} GiB in {nshards} .npy files (generated, deleted after the run); "
    "in-memory set: 61440 rows × 768 float32 (180 MiB) loaded with --in-memory. BatchTopK, D = 1024, k = 32, "
    f"batch 4096, --samples 300000 (74 steps), CPU back end, {out['machine']['cpus']} × {out['machine']['cpu']}. "
    "Other jobs share the machine: the load average before and after each run is in the tables.",
    "",
    "| run | samples/s (training loop) | steps | wall s | peak RSS MiB | load before → after |",
    "|---|---:|---:|---:|---:|---|",
]
for i in range(1, reps + 1):
    for kind, label in [("streamed", "train, streamed shards"), ("inmemory", "train, in memory")]:
        r = out["runs"][f"{kind}-{i}"]
        lines.append(f"| {label} (pair {i}) | {r['result']['samples_per_sec']:.0f} | {r['result']['steps']} | "
                     f"{r['wall_s']:.1f} | {r['peak_rss_mib']:.0f} | {' '.join(r['load_before'])} → "
                     f"{' '.join(r['load_after'])} |")
lines += ["", f"Median samples/s: streamed {med['streamed']:.0f}, in memory {med['inmemory']:.0f}; streamed / in memory: "
          f"**{ratio:.3f}** (target ≥ 0.90).", "",
          "| run | result | wall s | peak RSS MiB | load before → after |", "|---|---|---:|---:|---|"]
e, d = out["runs"]["eval"], out["runs"]["dl"]
lines.append(f"| eval over the whole directory | {e['result']['samples']} rows, mse {e['result']['mse']:.5f} (raw), "
             f"fvu {e['result']['fvu']:.4f}, L0 {e['result']['l0']:.1f} | {e['wall_s']:.1f} | {e['peak_rss_mib']:.0f} | "
             f"{' '.join(e['load_before'])} → {' '.join(e['load_after'])} |")
dr = d["result"]
fig = (f"B* {dr['bits']}, DL {dr['dl_bits']:.1f} bits/sample, bound {dr['dl_bound_bits']:.1f}" if dr["admissible"]
       else "no B ≤ 16 meets δ")
lines.append(f"| dl --delta 1e-4 over the whole directory | {dr['samples']} rows, {fig}, mse {dr['mse']:.5f} (raw) | "
             f"{d['wall_s']:.1f} | {d['peak_rss_mib']:.0f} | {' '.join(d['load_before'])} → {' '.join(d['load_after'])} |")
open(base + ".md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
EOF
