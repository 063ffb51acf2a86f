"""Merges the engine's and the peers' results of one benchmarks/run.sh invocation into one JSON file and a Markdown
table, with the target ratios of the benchmarks issue (docs/design.md §5) computed from figures of the same run.

Usage: python report.py WORK_DIR RESULTS_DIR   (standard library only)
"""
import json
import statistics
import math
import os
import sys
import time


def load(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def ms(s):
    return "%.1f" % (1e3 * s) if s is not None else "–"


def best(t):
    return t["best_s"] if t else None


def med(t):
    return t["median_s"] if t else None


def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def fx(v, nd=2):
    return ("%." + str(nd) + "f") % v if v is not None else "–"


def mark(ok):
    return "met" if ok else "**missed**"


def fit_epoch_model(rows):
    """Least squares for t_epoch = a*N*d*D + b*(N/batch)*D*d + c*N*k*d (seconds); returns (a, b, c) or None."""
    X, y = [], []
    for r in rows:
        n, d, D, k, b = r["N"], r["d"], r["D"], r["k"], r["batch"]
        X.append([n * d * D, math.ceil(n / b) * D * d, n * k * d])
        y.append(r["epoch_s"])
    if len(X) < 3:
        return None
    # normal equations, 3x3, scaled columns
    sc = [max(abs(row[j]) for row in X) or 1 for j in range(3)]
    A = [[sum(X[i][p] / sc[p] * X[i][q] / sc[q] for i in range(len(X))) for q in range(3)] for p in range(3)]
    v = [sum(X[i][p] / sc[p] * y[i] for i in range(len(X))) for p in range(3)]
    # Gaussian elimination
    M = [A[p] + [v[p]] for p in range(3)]
    for c in range(3):
        piv = max(range(c, 3), key=lambda r: abs(M[r][c]))
        M[c], M[piv] = M[piv], M[c]
        if abs(M[c][c]) < 1e-300:
            return None
        for r in range(3):
            if r != c:
                f = M[r][c] / M[c][c]
                M[r] = [M[r][j] - f * M[c][j] for j in range(4)]
    coef = [M[p][3] / M[p][p] / sc[p] for p in range(3)]
    return coef


def main():
    work, outdir = sys.argv[1], sys.argv[2]
    java = load(os.path.join(work, "java.json"))
    peers_gemm = [p for p in (load(os.path.join(work, f)) for f in sorted(os.listdir(work)) if f.startswith("gemm-")) if p]
    tstep = load(os.path.join(work, "torch-step.json"))
    taux = load(os.path.join(work, "torch-aux.json"))
    dlp = load(os.path.join(work, "dl-numpy.json"))
    demo = load(os.path.join(work, "demo.json"))
    train = load(os.path.join(work, "train.json"))
    m = java["machine"]
    targets = []
    L = []
    L.append("# MDL-SAE CPU benchmarks — %s" % m["date"][:19].replace("T", " "))
    L.append("")
    L.append("- machine: %s, %d cores; threads used by everyone: %d" % (m["cpu_model"], m["cores"], m["threads"]))
    L.append("- engine: commit `%s`, %s, backend: %s, %s-bit vectors" % (m["commit"], m["jvm"], java["backend"], m.get("vector_bits")))
    la, lb = m.get("load_avg"), java.get("load_avg_end")
    L.append("- load average (1/5/15 min) at start: %s; at end of the engine's part: %s" % (
        " ".join("%.2f" % v for v in la) if la else "n/a", " ".join("%.2f" % v for v in lb) if lb else "n/a"))
    L.append("- timing: %d warm-up + %d timed runs per figure; **best** / median shown; ratios use the best runs "
             "(median-based ratios in the JSON)" % (java["warmup"], java["reps"]))
    for p in peers_gemm + [x for x in (tstep, dlp) if x]:
        info = p["info"]
        kern = []
        for lib, v in (info.get("openblas_runtime") or {}).items():
            if "openblas" in os.path.basename(lib):
                kern.append("OpenBLAS %s kernel %s, %s threads" % (v.get("config", "").split(" ")[1] if v.get("config") else "?",
                                                                  v.get("corename"), v.get("num_threads")))
        desc = "numpy %s" % info["numpy"]
        if info.get("torch"):
            desc += ", torch %s (%d threads)" % (info["torch"], info["torch_threads"])
        L.append("- peer `%s`: %s [%s]; %s" % (p["peer"], info["python"], desc, "; ".join(sorted(set(kern))) or "BLAS n/a"))
    L.append("- peers ran with `OPENBLAS_CORETYPE` and `OPENBLAS_L2_SIZE` unset (env -u), "
             "`OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=MKL_NUM_THREADS=%d`, torch.set_num_threads(%d)" % (m["threads"], m["threads"]))
    L.append("")

    # ---------------------------------------------------------------- GEMM
    summary = {"gemm": [], "step": [], "aux": [], "dl": []}
    gemm_by = {}
    if java.get("gemm"):
        L.append("## Encoder GEMM (n = 4096 rows): time ms, best / median")
        L.append("")
        hdr = ["shape", "ours: encode", "ours GFLOP/s"]
        peer_cols = []
        for p in peers_gemm:
            for key in ("numpy_sgemm_nn", "numpy_sgemm_nt", "torch_sgemm_nn", "torch_sgemm_nt"):
                if p["gemm"] and key in p["gemm"][0]:
                    peer_cols.append((p, key))
                    hdr.append("%s %s" % (p["peer"], key.replace("_sgemm_", " ")))
        hdr += ["best peer GFLOP/s", "ours ÷ best peer speed (≥ 0.8)"]
        L.append("| " + " | ".join(hdr) + " |")
        L.append("|" + "---|" * len(hdr))
        for g in java["gemm"]:
            flops = 2.0 * g["n"] * g["d"] * g["D"]
            row = [g["id"], "%s / %s" % (ms(best(g["encode"])), ms(med(g["encode"]))), "%.0f" % (flops / best(g["encode"]) / 1e9)]
            pbest, pmed = None, None
            for p, key in peer_cols:
                pr = next((r for r in p["gemm"] if r["id"] == g["id"]), None)
                t = pr.get(key) if pr else None
                row.append("%s / %s" % (ms(best(t)), ms(med(t))) if t else "–")
                if t:
                    pbest = min(pbest, best(t)) if pbest else best(t)
                    pmed = min(pmed, med(t)) if pmed else med(t)
            r_best = ratio(pbest, best(g["encode"]))
            r_med = ratio(pmed, med(g["encode"]))
            row += ["%.0f" % (flops / pbest / 1e9) if pbest else "–", fx(r_best)]
            L.append("| " + " | ".join(row) + " |")
            gemm_by[(g["d"], g["D"])] = best(g["encode"])
            summary["gemm"].append({"id": g["id"], "ours_best_s": best(g["encode"]), "best_peer_s": pbest,
                                    "ratio_best": r_best, "ratio_median": r_med, "target": 0.8,
                                    "met": r_best is not None and r_best >= 0.8})
        L.append("")
        L.append("`ours: encode` is the back end's encoder op (centring x − b_dec, packing, GEMM, + b_enc) into a "
                 "preallocated n×D buffer; peers are the bare sgemm into a preallocated output (nn: W_enc d×D "
                 "contiguous; nt: the transposed view of W_dec).")
        L.append("")

    # ---------------------------------------------------------------- step
    tmap = {r["id"]: r for r in (tstep or {}).get("step", [])}
    if java.get("step"):
        L.append("## BatchTopK training step (batch 4096, AuxK off): time ms, best / median")
        L.append("")
        L.append("| shape | k/D | ours | ours samples/s | PyTorch dense autograd | speed-up vs PyTorch (≥ 5) | ours ÷ one encoder GEMM (≤ 1.5) | first-step loss ours / torch |")
        L.append("|---|---|---|---|---|---|---|---|")
        for s in java["step"]:
            t = tmap.get(s["id"])
            g = gemm_by.get((s["d"], s["D"]))
            sp = ratio(best(t["time"]) if t else None, best(s["time"]))
            spm = ratio(med(t["time"]) if t else None, med(s["time"]))
            rg = ratio(best(s["time"]), g)
            L.append("| %s | %.3f | %s / %s | %.0f | %s | %s | %s | %s |" % (
                s["id"], s["k"] / s["D"], ms(best(s["time"])), ms(med(s["time"])), s["samples_per_s_best"],
                "%s / %s" % (ms(best(t["time"])), ms(med(t["time"]))) if t else "–", fx(sp, 1), fx(rg),
                "%.6g / %.6g" % (s["first_step_loss"], t["first_step_loss"]) if t else "–"))
            summary["step"].append({"id": s["id"], "ours_best_s": best(s["time"]), "torch_best_s": best(t["time"]) if t else None,
                                    "speedup_best": sp, "speedup_median": spm, "ours_over_gemm_best": rg,
                                    "met_speedup": sp is not None and sp >= 5, "met_gemm": rg is not None and rg <= 1.5})
        L.append("")
        L.append("A step is everything the trainer does per batch: encoder GEMM, BatchTopK threshold, code extraction, "
                 "sparse decode, residual, sparse decoder/encoder backward, dead-latent count, parallel-gradient "
                 "removal, Adam on all four tensors and decoder renormalisation (timed between the trainer's "
                 "per-step callbacks). Equal first-step losses show the PyTorch peer computes the same step from the "
                 "same weights and data.")
        L.append("")

    amap = {r["id"]: r for r in (taux or {}).get("step", [])}
    smap = {r["id"]: r for r in java.get("step", [])}
    if java.get("aux"):
        L.append("## AuxK's extra cost (dead = silent during the previous batch; k_aux = d/2): time ms, best / median")
        L.append("")
        L.append("| shape | dead fraction | ours without AuxK | ours with AuxK | AuxK extra (best) | PyTorch with AuxK | speed-up vs PyTorch |")
        L.append("|---|---|---|---|---|---|---|")
        for s in java["aux"]:
            base = smap.get(s["id"])
            t = amap.get(s["id"])
            extra = best(s["time"]) - best(base["time"]) if base else None
            L.append("| %s | %.3f | %s | %s / %s | %s (%s×) | %s | %s |" % (
                s["id"], s["dead_fraction_mean"], ms(best(base["time"])) if base else "–",
                ms(best(s["time"])), ms(med(s["time"])), ms(extra), fx(ratio(best(s["time"]), best(base["time"])) if base else None),
                "%s / %s" % (ms(best(t["time"])), ms(med(t["time"]))) if t else "–",
                fx(ratio(best(t["time"]) if t else None, best(s["time"])), 1)))
            summary["aux"].append({"id": s["id"], "dead_fraction": s["dead_fraction_mean"], "extra_best_s": extra,
                                   "with_aux_best_s": best(s["time"]), "torch_aux_best_s": best(t["time"]) if t else None})
        L.append("")

    if java.get("phases"):
        L.append("## Where a step's time goes (ours, median ms per op)")
        L.append("")
        names = [k for k in java["phases"][0]["median_s"].keys()]
        L.append("| shape | " + " | ".join(n.replace("_", " ") for n in names) + " |")
        L.append("|" + "---|" * (len(names) + 1))
        for p in java["phases"]:
            L.append("| %s_k%d | " % (p["data"] + "_D" + str(p["D"]), p["k"]) + " | ".join(ms(p["median_s"][n]) for n in names) + " |")
        L.append("")

    # ---------------------------------------------------------------- DL
    dmap = {r["id"]: r for r in (dlp or {}).get("dl", [])}
    if java.get("dl"):
        L.append("## Description-length evaluation on fixed codes (MNIST, TopK SAE trained 3 epochs): time ms, best")
        L.append("")
        L.append("| case | N | D | k | N·k | ours: entropy DL | numpy: entropy DL | ours: full (MSE at B = 0..16, B*, DL) | numpy: full | B* ours / numpy | DL ours (bits) | DL numpy | DL rel. diff | MSE_B rel. diff (max) |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for c in java["dl"]:
            p = dmap.get(c["id"])
            L.append("| %s | %d | %d | %d | %d | %s | %s | %s | %s | %s / %s | %.6f | %s | %s | %s |" % (
                c["id"], c["N"], c["D"], c["k"], c["nnz"], ms(best(c["entropy_time"])), ms(best(p["entropy_time"])) if p else "–",
                ms(best(c["full_time"])), ms(best(p["full_time"])) if p else "–", c["bits"], p["bstar"] if p else "–",
                c["entropy_dl_bits"], "%.6f" % p["entropy_dl_bits"] if p else "–", "%.1e" % p["dl_rel_diff"] if p else "–",
                "%.1e" % p["mse_by_bits_max_rel_diff"] if p else "–"))
            summary["dl"].append({"id": c["id"], "N": c["N"], "D": c["D"], "k": c["k"], "entropy_best_s": best(c["entropy_time"]),
                                  "full_best_s": best(c["full_time"]), "dl_rel_diff": p["dl_rel_diff"] if p else None,
                                  "bstar_equal": (p["bstar"] == c["bits"]) if p else None})
        # growth across D at fixed N, k
        fixed = [c for c in java["dl"] if c["N"] == 8000 and c["k"] == 32]
        if len(fixed) >= 2:
            lo, hi = min(fixed, key=lambda c: c["D"]), max(fixed, key=lambda c: c["D"])
            gr_full = best(hi["full_time"]) / best(lo["full_time"])
            gr_ent = best(hi["entropy_time"]) / best(lo["entropy_time"])
            L.append("")
            L.append("Across D = %d → %d at N = 8000, k = 32 (N·D grows %d×): full evaluation time ×%.2f, entropy DL ×%.2f — "
                     "DL evaluation grows with N·k, not N·D." % (lo["D"], hi["D"], hi["D"] // lo["D"], gr_full, gr_ent))
            summary["dl_growth_over_D"] = {"D_from": lo["D"], "D_to": hi["D"], "full_time_factor": gr_full, "entropy_time_factor": gr_ent}
            targets.append(("DL evaluation linear in N·k, not N·D", "time ×%.2f (full) and ×%.2f (entropy) while N·D ×%d"
                            % (gr_full, gr_ent, hi["D"] // lo["D"]), gr_full < 2 and gr_ent < 4))
        worst = max((d["dl_rel_diff"] for d in summary["dl"] if d["dl_rel_diff"] is not None), default=None)
        if worst is not None:
            targets.append(("DL: engine and numpy agree to 1e-6 relative", "worst rel. diff %.1e" % worst, worst <= 1e-6))
        L.append("")
        L.append("Both sides get the identical codes, maxima, decoder and data (exported by the engine as .npy). "
                 "'entropy DL' = per-feature bin histograms + Σ h(p_i) + p_i·H(bins|active) at B*; 'full' adds the "
                 "reconstruction MSE unquantised and at each B = 1..16 (O(N·k·d) each) and the B* search. No encoding "
                 "(that is the O(N·d·D) encoder GEMM above).")
        L.append("")

    # ---------------------------------------------------------------- scaling
    if java.get("scaling"):
        rows = java["scaling"]
        L.append("## Time per epoch and memory (ours, BatchTopK, MNIST rows, d = 784)")
        L.append("")
        L.append("| N | D | k | batch | steps/epoch | s/epoch | first epoch s | trainer live MiB (measured) | trainer MiB (formula) | data MiB | cost-model s/epoch |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|")
        coef = fit_epoch_model(rows)
        for r in rows:
            pred = None
            if coef:
                pred = coef[0] * r["N"] * r["d"] * r["D"] + coef[1] * math.ceil(r["N"] / r["batch"]) * r["D"] * r["d"] + coef[2] * r["N"] * r["k"] * r["d"]
            L.append("| %d | %d | %d | %d | %d | %.3f | %.3f | %s | %s | %s | %s |" % (
                r["N"], r["D"], r["k"], r["batch"], r["steps_per_epoch"], r["epoch_s"], r["first_epoch_s"],
                fx(r.get("trainer_live_mib"), 0), fx(r.get("model_mib"), 0), fx(r.get("data_mib"), 0), fx(pred, 3)))
        L.append("")
        if coef:
            L.append("Cost model fitted to this table (seconds per epoch): t ≈ %.3g·N·d·D + %.3g·(N/batch)·D·d + %.3g·N·k·d "
                     "(GEMM; per-step optimiser over the 2·D·d parameters; sparse work). Multiply by epochs and by the "
                     "number of SAEs a sweep trains (anneal: 1.5 trainings per width; bisection over k: about log2(k_max) per width)." % tuple(coef))
            summary["epoch_model"] = {"gemm_per_NdD": coef[0], "optimiser_per_step_Dd": coef[1], "sparse_per_Nkd": coef[2]}
        L.append("Trainer memory (formula) = 4 bytes × (weights, gradients and two Adam moments of 2·D·d + D + d "
                 "parameters + batch·D pre-activations + 4·batch·d scratch + 2·batch·k_aux AuxK scratch); 'measured' is "
                 "the JVM's live heap after a full GC during training minus the live heap before it. The data (N·d "
                 "floats) comes on top. Give the JVM about twice the sum (-Xmx) to leave the collector room.")
        L.append("")

    # ---------------------------------------------------------------- whole train processes
    if train:
        L.append("## Whole training processes (BatchTopK, d = 784, k = 16, batch 4096, 16384 rows; wall time from outside, "
                 "start-up included), best / median of the repetitions")
        L.append("")
        L.append("| D | epochs | `./mdlsae train` s | ours samples/s | PyTorch process s | PyTorch samples/s | ours ÷ PyTorch process "
                 "| PyTorch step samples/s (steady state, `step` part) | ours ÷ PyTorch step (≥ 5) |")
        L.append("|---|---|---|---|---|---|---|---|---|")
        steps_by_D = {}
        for r in (tstep or {}).get("step", []):
            if r["d"] == 784 and r["k"] == 16:
                steps_by_D[r["D"]] = r["samples_per_s_best"]
        summary["train"] = []
        for D in sorted({r["D"] for r in train}, reverse=True):
            for E in sorted({r["epochs"] for r in train if r["D"] == D}):
                runs = [r for r in train if r["D"] == D and r["epochs"] == E]
                eng = sorted(r["wall_s"] for r in runs if r["who"] == "engine")
                tor = sorted(r["wall_s"] for r in runs if r["who"] == "torch")
                samples = runs[0]["rows"] * E
                e_sps = samples / eng[0] if eng else None
                t_sps = samples / tor[0] if tor else None
                p_step = steps_by_D.get(D)
                r_proc = ratio(e_sps, t_sps) if e_sps and t_sps else None
                r_step = ratio(e_sps, p_step) if e_sps and p_step else None
                L.append("| %d | %d | %s | %s | %s | %s | %s | %s | %s |" % (
                    D, E, "%.2f / %.2f" % (eng[0], statistics.median(eng)) if eng else "–", fx(e_sps, 0),
                    "%.2f / %.2f" % (tor[0], statistics.median(tor)) if tor else "–", fx(t_sps, 0), fx(r_proc, 1),
                    fx(p_step, 0), fx(r_step, 1)))
                summary["train"].append({"D": D, "epochs": E, "ours_samples_per_s": e_sps, "torch_process_samples_per_s": t_sps,
                                         "torch_step_samples_per_s": p_step, "ratio_vs_process": r_proc, "ratio_vs_step": r_step,
                                         "load_before": [r["load_before"] for r in runs]})
        L.append("")
        L.append("Ours: `./mdlsae train --data train16k.npy --arch batchtopk --width D --k 16 --batch 4096 --epochs E` (the "
                 "launcher, the jar's JVM start, the file streamed from disk, training, the SAE saved). PyTorch process: "
                 "`peers/torch_train.py` (python start, `import torch`, the file loaded, the same recipe and epochs). "
                 "PyTorch step: the steady-state samples/s of the `step` part's dense-autograd step at batch 4096 — "
                 "without its start-up, loading or per-epoch work, the stricter comparison.")
        L.append("")

    if demo:
        L.append("## MNIST demo sweep")
        L.append("")
        L.append("`%s`: **%.0f s** wall time (load average before: %s)." % (demo["command"], demo["wall_s"], demo.get("load_before", "n/a")))
        if demo.get("dl_curve"):
            L.append("")
            L.append("Selected width %s; admissible widths %s. Per width (the run representing it): %s." % (
                demo.get("selected_width"), demo.get("admissible_widths"),
                "; ".join("D=%d k=%d DL %.1f headroom %+.5f" % (c["width"], c["k"], c["dl_bits"], c["headroom"])
                          for c in demo["dl_curve"])))
        L.append("")

    # ---------------------------------------------------------------- targets
    for g in summary["gemm"]:
        targets.append(("encoder GEMM ≥ 0.8× best BLAS peer, %s" % g["id"], "%s× (median %s×)" % (fx(g["ratio_best"]), fx(g["ratio_median"])), g["met"]))
    headline = "mnist_d784_D1024_k16_n4096"
    for s in sorted(summary["step"], key=lambda s: s["id"] != headline):
        tag = " (docs/design.md §5 headline shape)" if s["id"] == headline else ""
        targets.append(("step ≥ 5× faster than PyTorch, %s%s" % (s["id"], tag), "%s× (median %s×)" % (fx(s["speedup_best"], 1), fx(s["speedup_median"], 1)), s["met_speedup"]))
        targets.append(("step ≤ 1.5× one encoder GEMM, %s%s" % (s["id"], tag), "%s×" % fx(s["ours_over_gemm_best"]), s["met_gemm"]))
    for t in summary.get("train", []):
        if t["ratio_vs_step"] is not None:
            targets.append(("whole `train` run ≥ 5× PyTorch step samples/s, D = %d, %d epochs" % (t["D"], t["epochs"]),
                            "%s× (%s× the PyTorch process)" % (fx(t["ratio_vs_step"], 1), fx(t["ratio_vs_process"], 1)),
                            t["ratio_vs_step"] >= 5))
    if demo:
        adm = demo.get("admissible_widths") or []
        interior = demo.get("selected_width") is not None and len(adm) > 2 and adm[0] < demo["selected_width"] < adm[-1]
        targets.append(("`./mdlsae demo` under 60 s, selecting an interior width", "%.0f s, D = %s of %s" % (
            demo["wall_s"], demo.get("selected_width"), adm), demo["wall_s"] < 60 and interior))
    if targets:
        L.append("## Targets (docs/design.md §5), ratios from this run")
        L.append("")
        L.append("| target | measured | |")
        L.append("|---|---|---|")
        for name, val, ok in targets:
            L.append("| %s | %s | %s |" % (name, val, mark(ok)))
        L.append("")

    stamp = time.strftime("%Y-%m-%d_%H%M", time.localtime()) + "_" + m["commit"].split("-")[0][:12]
    os.makedirs(outdir, exist_ok=True)
    merged = {"machine": m, "summary": summary, "targets": [{"target": a, "measured": b, "met": c} for a, b, c in targets],
              "engine": java, "peers": {"gemm": peers_gemm, "torch_step": tstep, "torch_aux": taux, "dl": dlp}, "demo": demo,
              "train": train}
    jpath = os.path.join(outdir, stamp + ".json")
    mpath = os.path.join(outdir, stamp + ".md")
    with open(jpath, "w") as f:
        json.dump(merged, f, indent=1)
    with open(mpath, "w") as f:
        f.write("\n".join(L))
    print(mpath)


if __name__ == "__main__":
    main()
