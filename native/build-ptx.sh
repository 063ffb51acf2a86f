#!/bin/sh
# Regenerates the committed PTX: native/ptx/mdlsae.ptx, one module holding every kernel of kernels/.
#   native/build-ptx.sh            writes into native/ptx/
#   native/build-ptx.sh OUT_DIR    writes into OUT_DIR (PtxFreshnessTest uses this to compare)
# The module is one translation unit that #includes the files of kernels/files.txt in order (the same text
# the OpenCL back end builds). compute_80 PTX is JIT-compiled by the driver for any newer GPU (A100, H100,
# H200, ...). No -lineinfo and no absolute paths, so the output depends only on the sources and the nvcc
# version.
#
# PTX ISA version: nvcc 13 declares ".version 9.0", which only R580+ drivers load, although the kernels use
# nothing newer than ISA 7.0 (cp.async, mma.sync ... tf32, .target sm_80). This script rewrites the line to
# PTX_ISA (default 7.8: every driver that knows sm_90, R520 on, loads it); ptxas then rejects the file if
# any instruction needs a newer ISA, and PtxFreshnessTest assembles it for sm_90 with that check.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/native/ptx"}
nvcc=${NVCC:-nvcc}
isa=${PTX_ISA:-7.8}
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -v '^#' "$root/kernels/files.txt" | grep . | sed 's/.*/#include "&"/' >"$tmp/mdlsae.cu"
cd "$tmp"
"$nvcc" -ptx -arch=compute_80 -I "$root/kernels" -o mdlsae.ptx mdlsae.cu
grep -q '^\.version ' mdlsae.ptx || { echo "build-ptx.sh: no .version line in nvcc's output" >&2; exit 1; }
sed "s/^\.version .*/.version $isa/" mdlsae.ptx >"$out/mdlsae.ptx"
