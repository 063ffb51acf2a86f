"""A Markdown summary of a sweep's results.json for the paper's MNIST study (docs/design.md §11).

usage: python3 paper_summary.py RESULTS.json [--seconds S] [--commit C] [--machine M] [--command CMD]

Prints: the settings, one row per width (k per seed, L0, DL mean ± std and range over the seeds, epochs, memorisation,
extent, dead fraction on the training rows, the regime label), the selected width, each seed's own choice and whether
they agree, and the figures the README's claim-by-claim statements quote.
"""
import argparse
import json


def fmt(v, f):
    return "–" if v is None else format(v, f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--commit", default="unknown")
    ap.add_argument("--machine", default="")
    ap.add_argument("--command", default="")
    a = ap.parse_args()
    r = json.load(open(a.results))
    seeds = r.get("seeds") or [None]
    best = r.get("best")
    runs = r["runs"]
    print(f"# The paper's MNIST study: {r['data']}, ε = {r['eps']:.4g} (FVU {r['eps_fvu']:.3f}), {r['arch']}")
    print()
    print(f"- command: `{a.command}`; commit {a.commit}; {a.machine}")
    if a.seconds is not None:
        print(f"- wall time: {a.seconds / 3600:.2f} h ({a.seconds:.0f} s); {len(runs)} SAEs trained; complete: {r['complete']}")
    print(f"- seeds: {seeds}; selection: {r.get('selection_rule')}")
    print(f"- evaluation: {r['evaluation']['rule']}")
    crit = r.get("regime_criteria") or {}
    print(f"- regime labels: {crit.get('rule', '–')}")
    stops = [x["stopping"] for x in runs if x.get("stopping")]
    if stops:
        reasons = {}
        for s in stops:
            reasons[s["reason"]] = reasons.get(s["reason"], 0) + 1
        late = sum(1 for s in stops if s["best_epoch"] < s["epochs"])
        print(f"- convergence: {len(stops)} runs; stop reasons {reasons}; epochs {min(s['epochs'] for s in stops)}–"
              f"{max(s['epochs'] for s in stops)}; best epoch before the last in {late} runs; held-out rows: "
              f"{stops[0]['held_out']}")
    print()
    print("| width D | k per seed | L0 | DL mean (bits) | std | min–max | epochs | memorisation | extent | dead (train) | regime |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|")
    for w in r.get("by_width", []):
        star = " ★" if best and best["width"] == w["width"] else ""
        dl = fmt(w["dl_mean"], ".1f") if w["admissible"] else (
            "inadmissible" if w["admissible_seeds"] == 0 else f"inadmissible for {w['seeds'] - w['admissible_seeds']} seed(s)")
        rng = "–" if w["dl_min"] is None else f"{w['dl_min']:.1f}–{w['dl_max']:.1f}"
        ks = ", ".join("–" if k is None else str(k) for k in w["k_by_seed"])
        dead = "–" if w["features_dead_fraction"] is None else f"{100 * w['features_dead_fraction']:.1f}%"
        print(f"| {w['width']}{star} | {ks} | {fmt(w['l0_mean'], '.1f')} | {dl} | {fmt(w['dl_std'], '.2f')} | {rng} | "
              f"{fmt(w['epochs_mean'], '.0f')} | {fmt(w['memorisation'], '.3f')} | {fmt(w['extent'], '.3f')} | {dead} | "
              f"{w['regime'] or '–'} |")
    print()
    if best:
        print(f"Selected: D = {best['width']}, k = {best['k']} (first seed), DL {best['dl_bits']:.1f} bits/sample, "
              f"MSE {best['mse']:.5f}, B* = {best['bits']}.")
    bys = r.get("optimum_by_seed")
    if bys:
        print(f"Each seed alone selects: {', '.join(f'seed {s}: D = {w}' for s, w in zip(seeds, bys))}; "
              f"stable: {r.get('optimum_stable')}.")


if __name__ == "__main__":
    main()
