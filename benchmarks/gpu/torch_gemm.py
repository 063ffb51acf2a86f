"""The encoder GEMM through PyTorch on CUDA, next to DeviceBench's figures: pre = (x - b_dec) @ W_enc + b_enc at
n = 4096, d = 768 and each D, in fp32 and in TF32 (torch.backends.cuda.matmul.allow_tf32), timed with CUDA events
(median of REPS after WARMUP) on random normal data. Prints one line per case; writes OUT.json.
Usage: python torch_gemm.py OUT.json [--widths 16384,65536] [--n 4096] [--d 768] [--warmup 5] [--reps 20]
"""
import argparse
import json
import statistics


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--widths", default="16384,65536")
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--d", type=int, default=768)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--reps", type=int, default=20)
    a = ap.parse_args()
    import torch
    dev = torch.device("cuda")
    rows = []
    for D in [int(w) for w in a.widths.split(",")]:
        g = torch.Generator(device=dev).manual_seed(D)
        x = torch.randn(a.n, a.d, device=dev, generator=g)
        bdec = torch.randn(a.d, device=dev, generator=g) * 0.1
        w = torch.randn(a.d, D, device=dev, generator=g) / a.d ** 0.5
        benc = torch.zeros(D, device=dev)
        out = torch.empty(a.n, D, device=dev)
        flop = 2.0 * a.n * a.d * D
        for tf32 in (False, True):
            torch.backends.cuda.matmul.allow_tf32 = tf32
            for name, fn in (("matmul", lambda: torch.matmul(x, w, out=out)),
                             ("encoder", lambda: torch.addmm(benc, x - bdec, w))):
                for _ in range(a.warmup):
                    fn()
                ms = []
                for _ in range(a.reps):
                    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                    s.record()
                    fn()
                    e.record()
                    e.synchronize()
                    ms.append(s.elapsed_time(e))
                med = statistics.median(ms)
                r = {"n": a.n, "d": a.d, "D": D, "op": name, "tf32": tf32, "median_ms": med, "tflops": flop / med / 1e9,
                     "ms": ms}
                rows.append(r)
                print(f"torch  {name:8s} {'tf32' if tf32 else 'fp32'} n={a.n} d={a.d} D={D}: {med:.3f} ms = "
                      f"{flop / med / 1e9:.1f} TFLOP/s", flush=True)
    torch.backends.cuda.matmul.allow_tf32 = False
    with open(a.out, "w") as f:
        json.dump({"torch": torch.__version__, "device": torch.cuda.get_device_name(0), "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
