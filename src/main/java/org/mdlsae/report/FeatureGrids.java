package org.mdlsae.report;

import static org.mdlsae.report.Html.cap;
import static org.mdlsae.report.Html.esc;
import static org.mdlsae.report.Html.fmt;
import static org.mdlsae.report.Html.nz;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import org.mdlsae.sae.FeatureCharacter;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.sweep.SweepRun;
import org.mdlsae.sweep.WidthSummary;

/**
 * The report's pictures of learned features (docs/design.md §11): for image-shaped data (d a perfect square), the
 * decoder rows of the narrowest admissible, the ε-MDL-optimal and the widest admissible SAE as images, each labelled
 * with the paper's regime its width falls in. With the features' usage on the training rows the tiles go by decreasing
 * usage and latents never active there (dead) are left out and counted; without it, the first features in index order.
 */
final class FeatureGrids {
    private FeatureGrids() {
    }

    /** A run whose features are drawn, with why. */
    private record Shown(String label, SweepRun run) {
    }

    /**
     * The section's HTML.
     *
     * @param v      the sweep
     * @param extras the weights (null: no pictures), whether the rows are images, and the features' usage on the
     *               training rows (null: index order, no dead latents left out)
     * @return the section; empty for rows not declared images whose d is a perfect square (docs/design.md §12)
     */
    static String html(ReportView v, SweepReport.Extras extras) {
        Function<SweepRun, SaeWeights> decoders = extras.decoders();
        Function<SweepRun, FeatureCharacter> usage = extras.usage();
        StringBuilder out = new StringBuilder();
        int d = v.r.dIn();
        int side = (int) Math.round(Math.sqrt(Math.max(d, 0)));
        boolean square = d > 0 && side * side == d;
        if (!extras.images() && square) return "";
        out.append("<h2 id=\"features\">Learned features</h2>\n");
        if (!square) {
            return out.append("<p>Feature images are drawn only for image-shaped data; d = ").append(d)
                    .append(" is not a perfect square, so the decoder rows cannot be laid out as pictures.</p>\n").toString();
        }
        if (decoders == null) return out.append("<p>No SAE weights were supplied to the report, so no features are shown.</p>\n").toString();
        List<Shown> shown = new ArrayList<>(); // deduplicated by run
        if (!v.selected.isEmpty()) add(shown, "narrowest admissible", v.selected.firstEntry().getValue());
        if (v.best != null) add(shown, "ε-MDL optimum", v.best);
        if (!v.selected.isEmpty()) add(shown, "widest admissible", v.selected.lastEntry().getValue());
        if (shown.isEmpty()) return out.append("<p>No admissible SAE, so no features are shown.</p>\n").toString();
        out.append("<p class=\"note\">Each tile is one feature's decoder row (its dictionary vector) drawn as a ")
                .append(side).append("×").append(side).append(" image: red positive, blue negative, white zero, scaled per "
                        + "feature by its largest |w|. ");
        if (usage != null) {
            out.append("Features are ordered by how many training rows they fire on (most used first, at most ")
                    .append(SweepReport.MAX_FEATURES).append("); latents that never fire there are dead and are left out.");
        } else {
            out.append("The first features in index order are shown (at most ").append(SweepReport.MAX_FEATURES)
                    .append("), unsorted: no usage was supplied to the report.");
        }
        if (v.seeds > 1) out.append(" With several seeds, the first seed's SAE is drawn.");
        out.append("</p>\n");
        for (Shown e : shown) figure(out, v, e, decoders, usage, d, side);
        return out.toString();
    }

    private static void figure(StringBuilder out, ReportView v, Shown e, Function<SweepRun, SaeWeights> decoders,
                               Function<SweepRun, FeatureCharacter> usage, int d, int side) {
        SweepRun run = e.run();
        WidthSummary ws = v.byWidth.get(run.width());
        String regime = ws == null || ws.regime() == null ? "" : ", regime " + ws.regime();
        String title = cap(e.label()) + ": D = " + run.width() + ", k = " + run.k() + regime;
        out.append("<figure class=\"features\">\n");
        SaeWeights w = decoders.apply(run);
        if (w == null) {
            out.append("<figcaption>").append(esc(title)).append(": weights not available (").append(esc(nz(run.dir())))
                    .append(").</figcaption>\n</figure>\n");
            return;
        }
        if (w.dIn() != d) throw new IllegalArgumentException("SAE " + run.dir() + " has d_in = " + w.dIn() + " but the sweep has d = " + d);
        FeatureCharacter f = usage == null ? null : usage.apply(run);
        int[] order;
        if (f != null) {
            order = f.liveByUsage();
        } else {
            order = new int[w.width()];
            for (int j = 0; j < order.length; j++) order[j] = j;
        }
        int n = Math.min(SweepReport.MAX_FEATURES, order.length);
        String caption;
        if (f == null) {
            caption = title + " (features 0–" + (n - 1) + " of " + w.width() + ", ×" + SweepReport.FEATURE_SCALE + ")";
        } else {
            int dead = w.width() - f.live();
            caption = title + ": the " + n + " most used of " + f.live() + " live features on " + f.rows() + " training rows; "
                    + dead + " dead latent" + (dead == 1 ? "" : "s") + " (" + fmt("%.1f", 100.0 * dead / w.width())
                    + "%) left out" + (f.memorisation() == null ? "" : "; memorisation " + fmt("%.3f", f.memorisation())
                    + ", extent " + fmt("%.3f", f.extent())) + " (×" + SweepReport.FEATURE_SCALE + ")";
        }
        if (n == 0) {
            out.append("<figcaption>").append(esc(caption)).append("</figcaption>\n</figure>\n");
            return;
        }
        float[] rows = new float[n * d];
        for (int i = 0; i < n; i++) System.arraycopy(w.dec(), order[i] * d, rows, i * d, d);
        byte[] png = FeatureImages.grid(rows, n, d, side, SweepReport.FEATURE_COLUMNS, SweepReport.FEATURE_SCALE);
        out.append("<img class=\"grid\" id=\"features-").append(run.width()).append("-").append(run.k()).append("\" alt=\"")
                .append(esc(title)).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png)).append("\">\n");
        out.append("<figcaption>").append(esc(caption)).append("</figcaption>\n</figure>\n");
    }

    private static void add(List<Shown> shown, String label, SweepRun run) {
        for (int i = 0; i < shown.size(); i++) {
            if (ReportView.sameRun(shown.get(i).run(), run)) {
                shown.set(i, new Shown(shown.get(i).label() + ", also the " + label, run));
                return;
            }
        }
        shown.add(new Shown(label, run));
    }
}
