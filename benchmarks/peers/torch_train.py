"""PyTorch peer of a whole `mdlsae train` run: one process that imports torch, loads the .npy rows, builds the
BatchTopK SAE (the recipe of torch_step.py: tied init, dense autograd, parallel-gradient removal, Adam, decoder
renormalisation, threshold EMA; AuxK off as in the engine's run when no latent is dead) and trains the given epochs
with a fresh shuffle every epoch and the engine's learning-rate schedule (warm-up 5 %, decay over the last 20 %).
The caller times the whole process (start-up and loading included); the script also prints its own training time.
Usage: python torch_train.py DATA.npy OUT.json --width D --k K --batch B --epochs E --threads T [--seed S]
"""
import argparse
import json
import math
import os
import sys
import time

t_start = time.perf_counter()
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--width", type=int, required=True)
    ap.add_argument("--k", type=int, required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--epochs", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    import numpy as np
    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x_all = torch.from_numpy(np.load(a.data).astype(np.float32, copy=False))
    n, d = x_all.shape
    D, k = a.width, a.k
    W = torch.randn(D, d)
    W /= W.norm(dim=-1, keepdim=True)
    nn = torch.nn
    W_enc = nn.Parameter(W.t().contiguous().clone())
    b_enc = nn.Parameter(torch.zeros(D))
    W_dec = nn.Parameter(W.clone())
    b_dec = nn.Parameter(x_all[: min(n, 8192)].mean(0).clone())
    lr = max(1e-4, min(2e-3, 2e-4 / (D / 16384.0) ** 0.5))
    opt = torch.optim.Adam([W_enc, b_enc, W_dec, b_dec], lr=lr, betas=(0.9, 0.999), eps=1e-8)
    b = min(a.batch, n)
    steps = a.epochs * math.ceil(n / b)
    warm, decay = math.ceil(0.05 * steps), math.floor(0.2 * steps)
    theta = None
    step = 0
    t_train = time.perf_counter()
    for _ in range(a.epochs):
        perm = torch.randperm(n)
        for s0 in range(0, n, b):
            x = x_all[perm[s0:s0 + b]]
            step += 1
            f = step / warm if step <= warm else (max(0, steps - step + 1) / (decay + 1) if step > steps - decay else 1.0)
            for g in opt.param_groups:
                g["lr"] = lr * f
            opt.zero_grad(set_to_none=True)
            pre = (x - b_dec) @ W_enc + b_enc
            post = torch.relu(pre)
            flat = post.flatten()
            vals, idx = flat.topk(k * x.shape[0], sorted=False)
            z = torch.zeros_like(flat).scatter_(-1, idx, vals).view_as(post)
            x_hat = z @ W_dec + b_dec
            loss = (x - x_hat).pow(2).sum(-1).mean()
            loss.backward()
            with torch.no_grad():
                W_dec.grad -= (W_dec.grad * W_dec).sum(-1, keepdim=True) * W_dec
            opt.step()
            with torch.no_grad():
                W_dec /= W_dec.norm(dim=-1, keepdim=True)
                pos = vals[vals > 0]
                if pos.numel():
                    m = float(pos.min())
                    theta = m if theta is None else 0.99 * theta + 0.01 * m
    t_end = time.perf_counter()
    common.write_json(a.out, {"peer": "torch-dense-autograd-train", "n": n, "d": d, "D": D, "k": k, "batch": b,
                              "epochs": a.epochs, "steps": steps, "samples": a.epochs * n,
                              "train_s": t_end - t_train, "in_process_s": t_end - t_start, "final_loss": float(loss),
                              "info": common.blas_info()})


if __name__ == "__main__":
    main()
