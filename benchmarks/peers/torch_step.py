"""PyTorch dense-autograd BatchTopK training step: the peer of `mdlsae bench` part `step` (and `aux`).

Written the way dictionary_learning's BatchTopKSAE / BatchTopKTrainer and SAELens do it (docs/design.md §2.2):
  pre = (x - b_dec) @ W_enc + b_enc ; z = top (k * batch) entries of relu(pre) over the whole batch (flatten +
  topk + scatter into a dense n x D buffer) ; x_hat = z @ W_dec + b_dec (a dense matmul) ;
  loss = sum_rows ||x - x_hat||^2 / batch (+ alpha * AuxK) ; loss.backward() (autograd: dense n x D gradients) ;
  remove the gradient component parallel to each decoder row ; Adam(0.9, 0.999, eps 1e-8) ;
  renormalise decoder rows ; threshold EMA of the smallest kept value ; dead-latent bookkeeping.
AuxK (Gao et al.): e = (x - x_hat).detach(); z_aux = top k_aux of relu(pre) over dead latents per row
(k_aux = d/2 capped at D); e_hat = z_aux @ W_dec; L_aux = sum||e - e_hat||^2 / sum||e - mean(e)||^2; alpha = 1/32.
Dead = did not fire during the previous batch (the same rule `mdlsae bench --parts aux` uses).
No gradient clipping (not in the recipe). Starts from the engine's exported initial weights and data.
Usage: python torch_step.py EXPORT_DIR OUT.json --threads T [--aux] [--warmup W] [--reps R] [--only ID,...] [--device cuda]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def build(torch, dec, bdec, k, lr, device):
    nn = torch.nn

    class BatchTopKSAE(nn.Module):
        def __init__(self):
            super().__init__()
            W = torch.from_numpy(dec.copy())
            self.W_enc = nn.Parameter(W.t().contiguous().clone())  # d x D, tied init
            self.b_enc = nn.Parameter(torch.zeros(W.shape[0]))
            self.W_dec = nn.Parameter(W.clone())  # D x d, unit rows
            self.b_dec = nn.Parameter(torch.from_numpy(bdec.copy()))
            self.k = k

        def forward(self, x):
            pre = (x - self.b_dec) @ self.W_enc + self.b_enc
            post = torch.relu(pre)
            flat = post.flatten()
            vals, idx = flat.topk(self.k * x.shape[0], sorted=False)
            z = torch.zeros_like(flat).scatter_(-1, idx, vals).view_as(post)
            x_hat = z @ self.W_dec + self.b_dec
            return x_hat, z, post, vals

    sae = BatchTopKSAE().to(device)
    opt = torch.optim.Adam(sae.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8)
    return sae, opt


def run_shape(torch, a, s, man_dir):
    import numpy as np
    device = torch.device(a.device)
    x = torch.from_numpy(np.load(os.path.join(man_dir, s["x"]))).to(device)
    dec = np.load(os.path.join(man_dir, s["dec"]))
    bdec = np.load(os.path.join(man_dir, s["bdec"]))
    n, d, D, k = s["n"], s["d"], s["D"], s["k"]
    lr = max(1e-4, min(2e-3, 2e-4 / (D / 16384.0) ** 0.5))
    sae, opt = build(torch, dec, bdec, k, lr, device)
    k_aux = min(max(1, d // 2), D)
    alpha = 1.0 / 32
    state = {"theta": None, "since": torch.zeros(D, dtype=torch.long, device=device), "dead": []}
    losses = []

    def step():
        opt.zero_grad(set_to_none=True)
        x_hat, z, post, vals = sae(x)
        e = x - x_hat
        loss = e.pow(2).sum(-1).mean()
        losses.append(float(loss))
        dead = state["since"] >= 1  # silent during the previous batch
        state["dead"].append(float(dead.float().mean()))
        if a.aux and bool(dead.any()):
            res = e.detach()
            kk = min(k_aux, int(dead.sum()))
            masked = torch.where(dead[None, :], post, torch.full_like(post, -float("inf")))
            av, ai = masked.topk(kk, dim=-1, sorted=False)
            zb = torch.zeros_like(post).scatter_(-1, ai, torch.relu(av))
            e_hat = zb @ sae.W_dec
            denom = (res - res.mean(0, keepdim=True)).pow(2).sum(-1).mean()
            aux = (res - e_hat).pow(2).sum(-1).mean() / denom
            loss = loss + alpha * aux
        loss.backward()
        with torch.no_grad():
            W, G = sae.W_dec, sae.W_dec.grad
            G -= (G * W).sum(-1, keepdim=True) * W
        opt.step()
        with torch.no_grad():
            sae.W_dec /= sae.W_dec.norm(dim=-1, keepdim=True)
            m = float(vals[vals > 0].min()) if bool((vals > 0).any()) else None
            if m is not None:
                state["theta"] = m if state["theta"] is None else 0.99 * state["theta"] + 0.01 * m
            fired = (z > 0).any(0)
            state["since"] = torch.where(fired, torch.zeros_like(state["since"]), state["since"] + n)

    t = common.timeit(step, max(a.warmup, 2), a.reps)
    r = {"id": "%s_d%d_D%d_k%d_n%d" % (s["data"], d, D, k, n), "n": n, "d": d, "D": D, "k": k,
         "time": t, "first_step_loss": losses[0], "samples_per_s_best": n / t["best_s"]}
    if a.aux:
        r["dead_fraction_mean"] = sum(state["dead"][-a.reps:]) / a.reps
        r["k_aux"] = k_aux
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("export")
    ap.add_argument("out")
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--aux", action="store_true")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--only", default=None, help="comma-separated shape ids")
    ap.add_argument("--aux-k", type=int, default=16, help="with --aux, MNIST shapes only at this k (as the engine)")
    ap.add_argument("--device", default="cpu", help="torch device: cpu (default) or cuda; each step ends with host reads "
                    "(the loss, the threshold), so its time includes the device's work")
    a = ap.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    man = common.load_manifest(a.export)
    quick = man.get("quick", False)
    only = set(a.only.split(",")) if a.only else None
    rows = []
    for s in man["export"]["shapes"]:
        sid = "%s_d%d_D%d_k%d_n%d" % (s["data"], s["d"], s["D"], s["k"], s["n"])
        if only and sid not in only:
            continue
        if a.aux and s["data"] == "mnist" and s["k"] != a.aux_k and not quick:
            continue
        t0 = time.perf_counter()
        r = run_shape(torch, a, s, a.export)
        rows.append(r)
        common.log("torch %s %s: best %.4f s, median %.4f s (%.0f s total)" % (
            "aux " if a.aux else "step", sid, r["time"]["best_s"], r["time"]["median_s"], time.perf_counter() - t0))
    common.write_json(a.out, {"peer": "torch-dense-autograd" + ("-auxk" if a.aux else ""), "threads": a.threads,
                              "device": a.device,
                              "info": common.blas_info(), "step": rows})


if __name__ == "__main__":
    main()
