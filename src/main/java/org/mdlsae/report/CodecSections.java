package org.mdlsae.report;

import static org.mdlsae.report.Html.esc;
import static org.mdlsae.report.Html.fmt;
import static org.mdlsae.report.Html.num;

import java.util.List;
import org.mdlsae.codec.CodecSummary;
import org.mdlsae.codec.Comparison;
import org.mdlsae.codec.RateDistortion;
import org.mdlsae.codec.TwoPart;

/**
 * The codec's sections of the sweep report (docs/design.md §13), as HTML: where the rate–distortion curves cross, the
 * two-part code (dictionary cost beside the per-sample DL, and from which N a wider dictionary pays for itself), and
 * the comparison with other codes.
 */
final class CodecSections {
    private CodecSections() {
    }

    /**
     * All sections after the rate–distortion chart.
     *
     * @param c the results' codec section
     * @return HTML
     */
    static String html(CodecSummary c) {
        StringBuilder sb = new StringBuilder();
        crossings(sb, c.crossings(), c.rateDistortion().size());
        if (c.twoPart() != null) twoPart(sb, c.twoPart());
        if (c.comparison() != null) comparison(sb, c.comparison());
        return sb.toString();
    }

    private static void crossings(StringBuilder sb, List<RateDistortion.Crossing> xs, int curves) {
        sb.append("<p class=\"note\">Each curve runs over B = 1..16 (its Pareto frontier: precisions that lower the MSE); "
                + "a curve further down codes the data in fewer bits at that distortion. ");
        if (curves < 2) {
            sb.append("One SAE only: nothing to cross.</p>\n");
            return;
        }
        if (xs.isEmpty()) {
            sb.append("No two curves cross where both are defined: their order is the same at every tolerance.</p>\n");
            return;
        }
        sb.append("Where curves cross:</p>\n<ul>\n");
        for (RateDistortion.Crossing x : xs) {
            String other = x.cheaperBelow().equals(x.a()) ? x.b() : x.a();
            sb.append("<li>").append(esc(x.a())).append(" and ").append(esc(x.b())).append(" at MSE ").append(num(x.mse()))
                    .append(" (DL ").append(fmt("%.1f", x.dlBits())).append(" bits): below it ")
                    .append(esc(x.cheaperBelow())).append(" is cheaper, above it ").append(esc(other)).append(".</li>\n");
        }
        sb.append("</ul>\n");
    }

    private static void twoPart(StringBuilder sb, TwoPart.Table t) {
        sb.append("<h2 id=\"two-part\">Two-part code: the dictionary's own cost</h2>\n");
        sb.append("<p class=\"explain\">Sending N samples costs the dictionary once (W<sub>dec</sub> and b<sub>dec</sub> at "
                + "float16, ").append(t.paramBits()).append(" bits a parameter) plus N·DL. A wider dictionary costs more "
                + "up front; it pays for itself only from the N at which its smaller per-sample DL has made up the "
                + "difference. Totals are at N = ").append(t.samples()).append(" (the evaluation rows).</p>\n");
        sb.append("<table>\n<tr><th>D</th><th>k</th><th>DL (bits/sample)</th><th>dictionary (bits)</th>"
                + "<th>total at N (bits)</th><th>beats every narrower D from N =</th></tr>\n");
        for (TwoPart.Entry e : t.entries()) {
            sb.append("<tr><td>").append(e.width()).append("</td><td>").append(e.k()).append("</td><td>")
                    .append(fmt("%.1f", e.dlBits())).append("</td><td>").append(e.dictionaryBits()).append("</td><td>")
                    .append(fmt("%.4g", e.totalBits())).append("</td><td>")
                    .append(e.paysFrom() == null ? "never" : e.paysFrom().toString()).append("</td></tr>\n");
        }
        sb.append("</table>\n<p>Two-part optimum: ");
        List<TwoPart.Segment> seg = t.optimal();
        for (int i = 0; i < seg.size(); i++) {
            TwoPart.Segment s = seg.get(i);
            sb.append(i == 0 ? "" : "; ").append("D = ").append(s.width()).append(" from N = ").append(s.fromSamples());
        }
        sb.append(".</p>\n");
    }

    private static void comparison(StringBuilder sb, Comparison c) {
        sb.append("<h2 id=\"comparison\">The SAE's code beside other codes</h2>\n");
        sb.append("<p class=\"explain\">At the same ε = ").append(num(c.eps())).append(" on the same ").append(c.samples())
                .append(" rows of ").append(esc(c.data())).append(" (d = ").append(c.dIn())
                .append("), bits per sample; MSE is what each code decodes to.</p>\n");
        sb.append("<table>\n<tr><th>code</th><th>bits/sample</th><th>MSE</th><th>note</th></tr>\n");
        for (Comparison.Row row : c.rows()) {
            sb.append("<tr><td>").append(esc(row.code())).append("</td><td>")
                    .append(row.bitsPerSample() == null ? "–" : fmt("%.1f", row.bitsPerSample())).append("</td><td>")
                    .append(row.mse() == null ? "" : fmt("%.5f", row.mse())).append("</td><td>").append(esc(row.note()))
                    .append("</td></tr>\n");
        }
        sb.append("</table>\n");
    }
}
