"""numpy description length (docs/design.md §2.3) on the engine's exported codes: peer and correctness check.

For every case of `mdlsae bench --parts dl --export DIR` it reads the identical sparse codes (CSR), per-feature
maxima, decoder and data, and computes
  entropy : DL = sum_i h(p_i) + p_i H(bins of i | active) at the engine's B* (plug-in, log2; zero is its own symbol;
            bins in float32 exactly as the kernels: s = float32(2^B) / max_i, bin = min(int(v*s), 2^B - 1))
  full    : unquantised MSE, quantised MSE at B = 1..16 (bin centres (b + 0.5) max / 2^B), B* at the engine's
            tolerance eps (smallest B with MSE_B <= eps), and the entropy DL at B*
and times both. The DLs must agree with the engine's to 1e-6 relative.
Usage: python dl_peer.py EXPORT_DIR OUT.json [--warmup W] [--reps R]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import numpy as np  # noqa: E402


def h(p):
    p = np.asarray(p, np.float64)
    out = np.zeros_like(p)
    m = (p > 0) & (p < 1)
    q = p[m]
    out[m] = -(q * np.log2(q) + (1 - q) * np.log2(1 - q))
    return out


def bins(idx, val, mx, bits):
    levels = np.float32(1 << bits)
    m = mx[idx]
    scale = levels / m  # float32, as Quantise.bin
    b = (val * scale).astype(np.int64)  # truncation = floor for v > 0
    return np.minimum(b, (1 << bits) - 1)


def entropy_dl(idx, val, mx, bits, n, width):
    keep = (val > 0) & (mx[idx] > 0)
    i, v = idx[keep].astype(np.int64), val[keep]
    keys = (i << bits) | bins(i, v, mx, bits)
    u, c = np.unique(keys, return_counts=True)
    feat = u >> bits
    c = c.astype(np.float64)
    active = np.bincount(feat, weights=c, minlength=width)
    clogc = np.bincount(feat, weights=c * np.log2(c), minlength=width)
    p = active / n
    hb = np.zeros(width)
    nz = active > 0
    hb[nz] = np.log2(active[nz]) - clogc[nz] / active[nz]
    return float(np.sum(h(p) + p * np.maximum(hb, 0.0)))


def sq_errors(x, rowptr, idx, val, mx, dec, bdec, k):
    """Sum of squared errors of the unquantised code and at B = 1..16 (fixed k per row: gather-sum, O(N k d))."""
    n, d = x.shape
    assert np.all(np.diff(rowptr) == k), "the peer handles fixed-k (TopK) codes"
    I = idx.reshape(n, k)
    V = val.reshape(n, k)
    out = np.zeros(17)
    chunk = max(1, (1 << 22) // (k * d))
    for b in range(17):
        if b == 0:
            Q = V
        else:
            m = mx[I]
            levels = np.float32(1 << b)
            bb = np.minimum((V * (levels / np.where(m > 0, m, 1))).astype(np.int64), (1 << b) - 1)
            Q = np.where((V > 0) & (m > 0), (bb.astype(np.float32) + np.float32(0.5)) * m / levels, np.float32(0))
        s = 0.0
        for r0 in range(0, n, chunk):
            r1 = min(n, r0 + chunk)
            xh = np.einsum("nk,nkd->nd", Q[r0:r1], dec[I[r0:r1]]) + bdec
            e = (x[r0:r1] - xh).astype(np.float64)
            s += float(np.sum(e * e))
        out[b] = s
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("export")
    ap.add_argument("out")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    man = common.load_manifest(a.export)
    ddir = os.path.join(a.export, "dl")
    xall = np.load(os.path.join(ddir, "mnist_train_x.npy"))
    rows = []
    for c in man.get("dl", []):
        f = c["files"]
        L = lambda name: np.load(os.path.join(ddir, f[name]))  # noqa: E731
        rowptr, idx, val, mx, dec, bdec = L("rowptr"), L("idx"), L("val"), L("max"), L("dec"), L("bdec")
        n, width, k, bits = c["N"], c["D"], c["k"], c["entropy_bits_at"]
        x = xall[:n]
        res = {}
        t_ent = common.timeit(lambda: res.__setitem__("dl", entropy_dl(idx, val, mx, bits, n, width)), a.warmup, a.reps)

        def full():
            se = sq_errors(x, rowptr, idx, val, mx, dec, bdec, k)
            mse = se / (n * x.shape[1])
            eps = c["eps"]
            bstar = next((b for b in range(1, 17) if mse[0] <= eps and mse[b] <= eps), None)
            res["full"] = (mse, bstar, entropy_dl(idx, val, mx, bstar, n, width) if bstar else None)

        t_full = common.timeit(full, a.warmup, a.reps)
        mse, bstar, dl_full = res["full"]
        java_dl = c["entropy_dl_bits"]
        rel = abs(res["dl"] - java_dl) / abs(java_dl)
        mse_rel = float(np.max(np.abs(mse[1:] - np.array(c["mse_by_bits"])) / np.array(c["mse_by_bits"])))
        r = {"id": c["id"], "N": n, "D": width, "k": k, "nnz": int(idx.size), "bits": bits,
             "entropy_dl_bits": res["dl"], "java_entropy_dl_bits": java_dl, "dl_rel_diff": rel,
             "bstar": bstar, "java_bstar": c["bits"], "full_dl_bits": dl_full,
             "mse": float(mse[0]), "java_mse": c["mse"], "mse_by_bits_max_rel_diff": mse_rel,
             "entropy_time": t_ent, "full_time": t_full}
        common.log("numpy dl %s: DL %.6f vs engine %.6f (rel %.1e), B* %s vs %s, entropy %.4f s, full %.4f s" % (
            c["id"], res["dl"], java_dl, rel, bstar, c["bits"], t_ent["best_s"], t_full["best_s"]))
        rows.append(r)
    common.write_json(a.out, {"peer": "numpy-dl", "info": common.blas_info(), "dl": rows})


if __name__ == "__main__":
    main()
