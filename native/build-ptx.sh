#!/bin/sh
# Regenerates the committed PTX: one native/ptx/NAME.ptx per kernels/NAME.cu.
#   native/build-ptx.sh            writes into native/ptx/
#   native/build-ptx.sh OUT_DIR    writes into OUT_DIR (PtxFreshnessTest uses this to compare)
# compute_80 PTX is JIT-compiled by the driver for any newer GPU (A100, H100, ...). No -lineinfo and
# no absolute paths, so the output depends only on the sources and the nvcc version.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/native/ptx"}
nvcc=${NVCC:-nvcc}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$root/kernels"
for src in *.cu; do
    name=${src%.cu}
    "$nvcc" -ptx -arch=compute_80 -o "$out/$name.ptx" "$src"
done
