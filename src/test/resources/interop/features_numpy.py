"""The feature character of an SAE on rows (docs/design.md §11), from the saved files with nothing but numpy.

usage: python3 features_numpy.py SAE_DIR X.npy   (sae_numpy.py beside this script)

Prints JSON {rows, live, dead_fraction, memorisation, extent, ambiguous} over the first 10 000 rows of X:
  live          latents with a positive code value on at least one row (the SAE's inference code, sae_numpy.encode)
  dead_fraction 1 - live / d_sae
  memorisation  mean over live latents of max_i cos(W_dec[j], x_i), rows of norm 0 left out, a zero W_dec row counts 0
  extent        mean over live latents of (sum w^2)^2 / (d * sum w^4) of W_dec[j], a zero row counts 0
  ambiguous     latents whose liveness rests on a pre-activation within 1e-5 of the selection boundary (float32 sums
                in Java may fall on the other side): the comparison with Java is exact only when this is 0
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sae_numpy  # noqa: E402

MAX_ROWS = 10000
MARGIN = 1e-5


def ambiguous_latents(cfg, w, x):
    pre = sae_numpy.pre_activations(cfg, w, x)
    if cfg["architecture"] == "topk":
        k = cfg["k"]
        srt = -np.sort(-pre, axis=1)
        kth = srt[:, k - 1:k]
        nxt = srt[:, k:k + 1] if pre.shape[1] > k else np.full_like(kth, -np.inf)
        boundary = np.maximum((kth + nxt) / 2, 0.0)
    else:
        boundary = np.broadcast_to(np.maximum(w.get("threshold", np.zeros(pre.shape[1])), 0.0), pre.shape)
    near = np.abs(pre - boundary) < MARGIN
    sure = (pre - boundary) >= MARGIN
    # a latent is ambiguous when it is not surely live anywhere but sits near the boundary somewhere
    return int(np.sum(~sure.any(axis=0) & near.any(axis=0)))


def main():
    sae_dir, x_path = sys.argv[1:3]
    cfg, w = sae_numpy.load(sae_dir)
    x = np.load(x_path).astype(np.float32)[:MAX_ROWS]
    z = sae_numpy.encode(cfg, w, x)
    live = (z > 0).any(axis=0)
    dec = w["W_dec"].astype(np.float64)
    s2 = (dec ** 2).sum(axis=1)
    s4 = (dec ** 4).sum(axis=1)
    extent = np.where(s4 > 0, s2 ** 2 / (dec.shape[1] * np.where(s4 > 0, s4, 1)), 0.0)
    xd = x.astype(np.float64)
    norms = np.linalg.norm(xd, axis=1)
    rows = xd[norms > 0] / norms[norms > 0, None]
    dn = np.linalg.norm(dec, axis=1)
    unit = np.where(dn[:, None] > 0, dec / np.where(dn > 0, dn, 1)[:, None], 0.0)
    cos = rows @ unit.T
    n_live = int(live.sum())
    out = {
        "rows": int(x.shape[0]),
        "live": n_live,
        "dead_fraction": 1 - n_live / dec.shape[0],
        "memorisation": float(cos.max(axis=0)[live].mean()) if n_live and rows.shape[0] else None,
        "extent": float(extent[live].mean()) if n_live else None,
        "ambiguous": ambiguous_latents(cfg, w, x),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
