package org.mdlsae.report;

import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.mdlsae.sweep.SweepResults;
import org.mdlsae.sweep.SweepRun;
import org.mdlsae.sweep.WidthSummary;

/**
 * A sweep as the report sees it: every run, every width, the run that represents each admissible width and the
 * optimum. Shared by the page and its charts.
 */
final class ReportView {
    final SweepResults r;
    final List<SweepRun> runs;
    /** All widths (grid and trained), ascending. */
    final TreeSet<Integer> widths = new TreeSet<>();
    /**
     * The representative (selected) run of each admissible width, by width; with several seeds, the first seed's run of
     * each width admissible for every seed.
     */
    final TreeMap<Integer, SweepRun> selected = new TreeMap<>();
    final SweepRun best;
    /** Per width, its DL over the seeds and its features' character (empty for results without them). */
    final TreeMap<Integer, WidthSummary> byWidth = new TreeMap<>();
    /** Seeds of each (width, k) (1 for results without seeds). */
    final int seeds;

    ReportView(SweepResults r) {
        this.r = r;
        this.runs = r.runs() == null ? List.of() : r.runs().stream().filter(Objects::nonNull).toList();
        if (r.widths() != null) r.widths().stream().filter(Objects::nonNull).forEach(widths::add);
        for (SweepRun run : runs) widths.add(run.width());
        if (r.byWidth() != null) r.byWidth().stream().filter(Objects::nonNull).forEach(w -> byWidth.put(w.width(), w));
        this.seeds = r.seeds() == null || r.seeds().isEmpty() ? 1 : r.seeds().size();
        Long first = seeds > 1 ? r.seeds().get(0) : null;
        for (SweepRun run : runs) {
            boolean everySeed = !byWidth.containsKey(run.width()) || byWidth.get(run.width()).admissible();
            if (run.selected() && run.admissible() && everySeed && (first == null || first.equals(run.seed()))) {
                selected.putIfAbsent(run.width(), run);
            }
        }
        for (SweepRun run : runs) { // fall back to the smallest admissible k where nothing is marked
            if (run.admissible() && !hasSelectedMark(run.width())) {
                selected.merge(run.width(), run, (a, b) -> a.k() <= b.k() ? a : b);
            }
        }
        this.best = r.best();
    }

    private boolean hasSelectedMark(int width) {
        return runs.stream().anyMatch(x -> x.width() == width && x.selected() && x.admissible());
    }

    boolean isBest(SweepRun s) {
        return best != null && sameRun(best, s);
    }

    static boolean sameRun(SweepRun a, SweepRun b) {
        return a.width() == b.width() && a.k() == b.k() && Objects.equals(a.dir(), b.dir());
    }

    /** Bits of the dense code d·B* of a run (NaN when it has no B*). */
    double dense(SweepRun s) {
        if (s.denseBits() != null) return s.denseBits();
        return s.bits() == null ? Double.NaN : (double) r.dIn() * s.bits();
    }
}
