"""Encoder-GEMM peers: numpy (and PyTorch, when importable) sgemm of the engine's encoder shapes.

Reads the inputs `mdlsae bench --export DIR` wrote (same data, same initial weights) and times, per (d, D):
  sgemm_nn   : xc @ W_enc          (W_enc = dec.T made contiguous, d x D, as SAELens stores it), into a preallocated out
  sgemm_nt   : xc @ dec.T          (the transposed view: BLAS's transposed-operand path), into a preallocated out
  encoder    : (x - b_dec) @ W_enc + b_enc   (the whole expression, allocating like user code does)
Usage: python gemm_peer.py EXPORT_DIR OUT.json --threads T [--torch] [--warmup W] [--reps R]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("export")
    ap.add_argument("out")
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--torch", action="store_true", help="also time torch.mm (fails if torch is missing)")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--label", default="numpy")
    a = ap.parse_args()
    import numpy as np
    torch = None
    if a.torch:
        import torch
        torch.set_num_threads(a.threads)
    man = common.load_manifest(a.export)
    rows = []
    seen = set()
    for s in man["export"]["shapes"]:
        key = (s["data"], s["d"], s["D"], s["n"])
        if key in seen:
            continue
        seen.add(key)
        x = np.load(os.path.join(a.export, s["x"]))
        dec = np.load(os.path.join(a.export, s["dec"]))
        bdec = np.load(os.path.join(a.export, s["bdec"]))
        n, d, D = s["n"], s["d"], s["D"]
        w_enc = np.ascontiguousarray(dec.T)
        b_enc = np.zeros(D, np.float32)
        xc = x - bdec
        out = np.empty((n, D), np.float32)
        flops = 2.0 * n * d * D
        r = {"id": "%s_d%d_D%d_n%d" % (s["data"], d, D, n), "n": n, "d": d, "D": D}
        r["numpy_sgemm_nn"] = common.timeit(lambda: np.matmul(xc, w_enc, out=out), a.warmup, a.reps)
        r["numpy_sgemm_nt"] = common.timeit(lambda: np.matmul(xc, dec.T, out=out), a.warmup, a.reps)
        r["numpy_encoder"] = common.timeit(lambda: (x - bdec) @ w_enc + b_enc, a.warmup, a.reps)
        if torch is not None:
            tx, tw, tdec = torch.from_numpy(xc), torch.from_numpy(w_enc), torch.from_numpy(dec)
            tout = torch.empty((n, D))
            tX, tb, tbe = torch.from_numpy(x), torch.from_numpy(bdec), torch.from_numpy(b_enc)
            with torch.no_grad():
                r["torch_sgemm_nn"] = common.timeit(lambda: torch.mm(tx, tw, out=tout), a.warmup, a.reps)
                r["torch_sgemm_nt"] = common.timeit(lambda: torch.mm(tx, tdec.t(), out=tout), a.warmup, a.reps)
                r["torch_encoder"] = common.timeit(lambda: (tX - tb) @ tw + tbe, a.warmup, a.reps)
        best = min(v["best_s"] for k, v in r.items() if isinstance(v, dict) and "sgemm" in k)
        r["best_sgemm_s"] = best
        r["best_sgemm_gflops"] = flops / best / 1e9
        common.log("%s gemm %s: best sgemm %.4f s (%.0f GFLOP/s)" % (a.label, r["id"], best, r["best_sgemm_gflops"]))
        rows.append(r)
    common.write_json(a.out, {"peer": a.label, "threads": a.threads, "info": common.blas_info(), "gemm": rows})


if __name__ == "__main__":
    main()
