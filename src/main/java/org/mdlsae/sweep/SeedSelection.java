package org.mdlsae.sweep;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.mdlsae.mdl.Selection;

/**
 * The ε-MDL selection over widths with several training seeds (docs/design.md §2.4, §11; {@link #RULE}). For each seed a
 * width is represented by its admissible run of least DL (the smallest k meeting ε often leaves so little headroom that
 * quantisation needs many bits, and a slightly larger k codes in fewer bits); those runs are marked {@code selected}.
 * The selected width has the least mean DL over the seeds among the widths admissible for every seed, ties to the
 * narrower; its run for the first seed is the best run. Each seed's own choice is kept, to say whether the optimum's
 * width is stable. With one seed this is the selection of docs/design.md §2.4.
 *
 * @param runs    every run, ordered by width, k and seed, with {@code selected} set
 * @param byWidth per trained width, its summary with its regime label
 * @param best    the best run, or null when no width is admissible for every seed
 * @param bySeed  per seed, the width that seed alone selects (null where it has no admissible width)
 */
record SeedSelection(List<SweepRun> runs, List<WidthSummary> byWidth, SweepRun best, List<Integer> bySeed) {
    /** The rule, as results.json states it. */
    static final String RULE = "each seed's width is represented by its admissible run of least DL; the selected width has "
            + "the least mean DL over the seeds among the widths admissible for every seed (ties: the narrower); best is its "
            + "run for the first seed; optimum_by_seed is the width each seed alone would select";

    /** Whether every seed alone selects the same width. */
    boolean stable() {
        return !bySeed.isEmpty() && bySeed.get(0) != null && bySeed.stream().distinct().count() == 1;
    }

    /** A run's seed; runs recorded before sweeps had seeds were trained with the sweep's seed. */
    static long seedOf(SweepRun r, long sweepSeed) {
        return r.seed() != null ? r.seed() : sweepSeed;
    }

    /**
     * The selection.
     *
     * @param trained   the runs (any order)
     * @param seeds     the sweep's seeds, the first first
     * @param sweepSeed the seed of runs without one
     * @param criteria  the regime labels' criteria (null: no labels)
     * @return the selection
     */
    static SeedSelection of(List<SweepRun> trained, List<Long> seeds, long sweepSeed, Regimes.Criteria criteria) {
        List<SweepRun> all = new ArrayList<>(trained);
        all.sort(Comparator.comparingInt(SweepRun::width).thenComparingInt(SweepRun::k)
                .thenComparingLong(r -> seedOf(r, sweepSeed)));
        // per (width, seed): the admissible run of least DL, else (for the features only) the run of least MSE
        Map<Integer, Map<Long, SweepRun>> rep = new TreeMap<>();
        Map<Integer, Map<Long, SweepRun>> fallback = new TreeMap<>();
        for (SweepRun r : all) {
            boolean adm = r.admissible();
            (adm ? rep : fallback).computeIfAbsent(r.width(), w -> new TreeMap<>())
                    .merge(seedOf(r, sweepSeed), r, (a, b) -> (adm ? b.dlBits() < a.dlBits() : b.mse() < a.mse()) ? b : a);
        }
        List<SweepRun> out = new ArrayList<>();
        for (SweepRun r : all) out.add(r.withSelected(rep.getOrDefault(r.width(), Map.of()).get(seedOf(r, sweepSeed)) == r));
        TreeSet<Integer> widths = new TreeSet<>(rep.keySet());
        widths.addAll(fallback.keySet());
        List<WidthSummary> byWidth = new ArrayList<>();
        List<Selection.Entry> candidates = new ArrayList<>();
        for (int w : widths) {
            WidthSummary ws = summary(w, seeds, rep.getOrDefault(w, Map.of()), fallback.getOrDefault(w, Map.of()));
            byWidth.add(ws);
            if (ws.admissible()) candidates.add(new Selection.Entry(w, 0, true, ws.dlMean()));
        }
        int bi = Selection.bestIndex(candidates);
        Integer bestWidth = bi >= 0 ? candidates.get(bi).width() : null;
        SweepRun best = null;
        if (bestWidth != null) {
            String dir = rep.get(bestWidth).get(seeds.get(0)).dir();
            for (SweepRun r : out) if (r.dir().equals(dir)) best = r;
        }
        List<Integer> bySeed = new ArrayList<>();
        for (long seed : seeds) {
            List<Selection.Entry> own = new ArrayList<>();
            rep.forEach((w, m) -> {
                SweepRun r = m.get(seed);
                if (r != null) own.add(new Selection.Entry(w, r.k(), true, r.dlBits()));
            });
            int i = Selection.bestIndex(own);
            bySeed.add(i >= 0 ? own.get(i).width() : null);
        }
        List<WidthSummary> labelled = new ArrayList<>();
        for (WidthSummary ws : byWidth) {
            labelled.add(ws.withRegime(Regimes.label(ws.memorisation(), ws.extent(), criteria, ws.width(), bestWidth)));
        }
        return new SeedSelection(out, labelled, best, bySeed);
    }

    private static WidthSummary summary(int width, List<Long> seeds, Map<Long, SweepRun> rep, Map<Long, SweepRun> fallback) {
        List<Double> dl = new ArrayList<>();
        List<Integer> ks = new ArrayList<>();
        List<SweepRun> shown = new ArrayList<>();
        for (long seed : seeds) {
            SweepRun r = rep.get(seed);
            dl.add(r == null ? null : r.dlBits());
            SweepRun f = r != null ? r : fallback.get(seed);
            ks.add(f == null ? null : f.k());
            if (f != null) shown.add(f);
        }
        double[] d = dl.stream().filter(Objects::nonNull).mapToDouble(Double::doubleValue).toArray();
        Double mean = d.length == 0 ? null : Arrays.stream(d).average().orElseThrow();
        Double std = null;
        if (d.length > 1) {
            double ss = 0;
            for (double v : d) ss += (v - mean) * (v - mean);
            std = Math.sqrt(ss / (d.length - 1));
        }
        return new WidthSummary(width, shown.size(), d.length, d.length == seeds.size(), mean, std,
                d.length == 0 ? null : Arrays.stream(d).min().orElseThrow(),
                d.length == 0 ? null : Arrays.stream(d).max().orElseThrow(), dl, ks,
                mean(shown, SweepRun::l0), mean(shown, SweepRun::mse), mean(shown, SweepRun::epochs),
                mean(shown, r -> r.features() == null ? null : r.features().memorisation()),
                mean(shown, r -> r.features() == null ? null : r.features().extent()),
                mean(shown, r -> r.features() == null ? null : r.features().deadFraction()), null);
    }

    /** The mean of the non-null values, or null. */
    private static Double mean(List<SweepRun> runs, Function<SweepRun, Number> f) {
        double s = 0;
        int n = 0;
        for (SweepRun r : runs) {
            Number v = f.apply(r);
            if (v == null) continue;
            s += v.doubleValue();
            n++;
        }
        return n == 0 ? null : s / n;
    }
}
