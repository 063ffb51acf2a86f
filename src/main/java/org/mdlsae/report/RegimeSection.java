package org.mdlsae.report;

import static org.mdlsae.report.Html.esc;
import static org.mdlsae.report.Html.fmt;
import static org.mdlsae.report.Html.opt;
import static org.mdlsae.report.Html.td;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.mdlsae.sweep.WidthSummary;

/**
 * The report's section on the paper's MNIST regimes and on seeds (docs/design.md §11): the feature-character chart beside
 * the DL curve, the labels' criteria, per width the DL over the seeds with its spread, and whether the optimum's width
 * is the same for every seed.
 */
final class RegimeSection {
    private RegimeSection() {
    }

    /**
     * The section's HTML (empty for results without per-width summaries, i.e. recorded before they existed).
     *
     * @param v the sweep
     * @return the section
     */
    static String html(ReportView v) {
        if (v.byWidth.isEmpty()) return "";
        StringBuilder out = new StringBuilder();
        out.append("<h2 id=\"regimes\">Regimes and seeds</h2>\n");
        boolean measured = v.byWidth.values().stream().anyMatch(w -> w.memorisation() != null);
        if (measured) {
            out.append("<figure class=\"chart\"><img id=\"chart-regimes\" alt=\"feature character per width\" width=\"")
                    .append(SweepReport.CHART_WIDTH).append("\" height=\"").append(SweepReport.CHART_HEIGHT)
                    .append("\" src=\"data:image/png;base64,")
                    .append(java.util.Base64.getEncoder().encodeToString(RegimeChart.render(v))).append("\"></figure>\n");
            out.append("<p class=\"note\"><b>Memorisation</b>: mean over live features of the largest cosine between the "
                    + "feature's decoder row and any training row (1: a copy of an input). <b>Extent</b>: mean participation "
                    + "ratio (Σw²)²/(d·Σw⁴) of the decoder rows (1: spread evenly over all d inputs; small: localised). "
                    + "<b>Dead fraction</b>: latents never active on the training rows (at most the first 10 000). Each "
                    + "width's numbers are means over its seeds' representative runs.</p>\n");
            if (v.r.regimeCriteria() != null) {
                out.append("<p class=\"note\">Regime labels, after the paper's MNIST study (A: wide, whole-digit features; B: "
                        + "the MDL optimum, line segments shared by digits; C: narrow, small sections of digits; D: "
                        + "narrowest, dense PCA-like features) — ").append(esc(v.r.regimeCriteria().rule())).append(".</p>\n");
            }
        }
        out.append("<table class=\"runs\" id=\"by-width\">\n<thead><tr><th>width D</th><th>k per seed</th>")
                .append(v.seeds > 1 ? "<th>mean DL (bits)</th><th>std</th><th>min–max</th>" : "<th>DL (bits)</th>")
                .append("<th>L0</th><th>epochs</th><th>memorisation</th><th>extent</th><th>dead (train rows)</th>"
                        + "<th>regime</th></tr></thead>\n<tbody>\n");
        for (WidthSummary w : v.byWidth.values()) {
            boolean isBest = v.best != null && v.best.width() == w.width();
            out.append(isBest ? "<tr class=\"best\">" : w.admissible() ? "<tr>" : "<tr class=\"miss\">")
                    .append(td(w.width() + (isBest ? " ★" : "")))
                    .append(td(esc(String.join(", ", w.kBySeed().stream().map(k -> k == null ? "–" : k.toString()).toList()))));
            if (v.seeds > 1) {
                out.append(td(w.admissible() ? opt(w.dlMean(), "%.1f") : "inadmissible" + (w.admissibleSeeds() > 0
                                ? " for " + (w.seeds() - w.admissibleSeeds()) + " seed(s)" : "")))
                        .append(td(opt(w.dlStd(), "%.2f")))
                        .append(td(w.dlMin() == null ? "–" : fmt("%.1f", w.dlMin()) + "–" + fmt("%.1f", w.dlMax())));
            } else {
                out.append(td(w.admissible() ? opt(w.dlMean(), "%.1f") : "inadmissible"));
            }
            out.append(td(opt(w.l0Mean(), "%.2f"))).append(td(opt(w.epochsMean(), "%.0f")))
                    .append(td(opt(w.memorisation(), "%.3f"))).append(td(opt(w.extent(), "%.3f")))
                    .append(td(w.featuresDeadFraction() == null ? "–" : fmt("%.1f%%", 100 * w.featuresDeadFraction())))
                    .append(td(w.regime() == null ? "–" : esc(w.regime()))).append("</tr>\n");
        }
        out.append("</tbody>\n</table>\n");
        if (v.seeds > 1 && v.r.optimumBySeed() != null) {
            List<String> each = new ArrayList<>();
            for (int i = 0; i < v.r.optimumBySeed().size(); i++) {
                Integer w = v.r.optimumBySeed().get(i);
                each.add("seed " + v.r.seeds().get(i) + ": " + (w == null ? "none" : "D = " + w));
            }
            out.append("<p class=\"selected\" id=\"stability\">");
            if (Boolean.TRUE.equals(v.r.optimumStable())) {
                out.append("The optimum's width is <b>stable across the ").append(v.seeds).append(" seeds</b>: each seed alone ");
            } else if (Boolean.FALSE.equals(v.r.optimumStable())) {
                out.append("The optimum's width is <b>not stable across the ").append(v.seeds).append(" seeds</b>: each seed alone ");
            } else {
                out.append("The sweep is not complete; so far each seed alone ");
            }
            out.append("selects ").append(esc(String.join(", ", each))).append(". Selection rule: ")
                    .append(esc(Objects.toString(v.r.selectionRule(), "–"))).append(".</p>\n");
        }
        return out.toString();
    }
}
