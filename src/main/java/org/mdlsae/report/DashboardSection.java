package org.mdlsae.report;

import static org.mdlsae.report.Html.esc;
import static org.mdlsae.report.Html.fmt;

import java.util.List;
import java.util.Locale;
import org.mdlsae.features.TokenDashboard;

/**
 * The report's token dashboards (docs/design.md §12) as HTML: the live latents' density histogram, the dead latents,
 * and for each shown latent its density, activation histogram and top contexts, every token shaded by the latent's
 * activation on it (the context's maximum in bold). Inline SVG and styled spans: the page stays self-contained.
 */
final class DashboardSection {
    private DashboardSection() {
    }

    /** CSS of the section (added to the page's). */
    static final String CSS = """
            div.feature { border-top: 1px solid #eee; padding: .4em 0 .6em; }
            div.feature h3 { font-size: 1em; margin: .3em 0; }
            div.feature h3 span { color: #777; font-weight: normal; }
            ol.contexts { margin: .3em 0; padding-left: 1.6em; font-family: monospace; font-size: .85em; }
            ol.contexts li { margin: .15em 0; }
            span.tok { padding: 0 1px; border-radius: 2px; }
            span.tok.focus { font-weight: 700; outline: 1px solid #c33; }
            svg.hist { vertical-align: middle; margin-right: 1em; }
            p.dead { font-size: .85em; color: #555; word-wrap: break-word; }
            """;

    /**
     * The section's HTML.
     *
     * @param d     the dashboards
     * @param title what SAE they are of
     * @return HTML (an h2 and its content)
     */
    static String html(TokenDashboard d, String title) {
        StringBuilder out = new StringBuilder(1 << 14);
        out.append("<h2 id=\"dashboards\">Token dashboards: ").append(esc(title)).append("</h2>\n");
        out.append("<p class=\"note\">Measured on ").append(d.rows()).append(" token rows of ").append(esc(d.data()))
                .append(" (all of them, training rows included: this describes the features, it selects nothing). "
                        + "Density is the fraction of tokens on which a feature fires. Each context shows the tokens of "
                        + "the same model input within ").append(TokenDashboard.WINDOW).append(" of one of the feature's "
                        + "largest activations (bold, framed), shaded by the feature's activation on each token "
                        + "relative to its maximum; the number is that largest activation.</p>\n");
        out.append("<p>Live features by density: ").append(decades(d.densityHistogram())).append("</p>\n");
        out.append("<p class=\"dead\"><b>Dead features</b> (never fire on these rows): ").append(d.dead().size())
                .append(d.dead().isEmpty() ? "" : " — " + esc(ranges(d.dead()))).append("</p>\n");
        for (TokenDashboard.Feature f : d.features()) feature(out, f);
        return out.toString();
    }

    private static void feature(StringBuilder out, TokenDashboard.Feature f) {
        out.append("<div class=\"feature\" id=\"feature-").append(f.index()).append("\"><h3>Feature ").append(f.index())
                .append(" <span>(").append(esc(f.group())).append(")</span></h3>\n<p>")
                .append(histogram(f.histogram(), f.max())).append("density ").append(fmt("%.3g%%", 100 * f.density()))
                .append(" (").append(f.count()).append(" tokens), max ").append(fmt("%.3g", f.max()))
                .append(", mean when active ").append(fmt("%.3g", f.meanActive())).append("</p>\n<ol class=\"contexts\">\n");
        for (TokenDashboard.Context c : f.contexts()) {
            out.append("<li title=\"document ").append(c.document()).append(", context ").append(c.context())
                    .append(", row ").append(c.row()).append("\">").append(fmt("%.2f", c.activations()[c.focus()]))
                    .append(": ");
            for (int i = 0; i < c.tokens().size(); i++) {
                String t = c.tokens().get(i);
                boolean piece = t.startsWith("##");
                if (i > 0 && !piece) out.append(' ');
                double a = f.max() > 0 ? Math.max(0, c.activations()[i]) / f.max() : 0;
                out.append("<span class=\"tok").append(i == c.focus() ? " focus" : "").append("\" title=\"")
                        .append(fmt("%.3g", c.activations()[i])).append("\" style=\"background: rgba(255,110,0,")
                        .append(fmt("%.2f", Math.min(1, a))).append(")\">").append(esc(piece ? t.substring(2) : t))
                        .append("</span>");
            }
            out.append("</li>\n");
        }
        out.append("</ol></div>\n");
    }

    /** An inline bar chart of a histogram (bars scaled to the largest count), labelled with its range. */
    static String histogram(long[] h, float max) {
        int w = 4;
        int height = 28;
        long top = 1;
        for (long c : h) top = Math.max(top, c);
        StringBuilder s = new StringBuilder();
        s.append("<svg class=\"hist\" width=\"").append(h.length * w + 2).append("\" height=\"").append(height + 2)
                .append("\" role=\"img\" aria-label=\"activation histogram over [0, ").append(fmt("%.3g", max))
                .append("]\"><title>non-zero activations in ").append(h.length).append(" bins over [0, ")
                .append(fmt("%.3g", max)).append("]</title><rect x=\"0\" y=\"0\" width=\"").append(h.length * w + 2)
                .append("\" height=\"").append(height + 2).append("\" fill=\"#f6f6f6\"/>");
        for (int i = 0; i < h.length; i++) {
            int bh = h[i] == 0 ? 0 : Math.max(1, (int) Math.round((double) h[i] / top * height));
            s.append("<rect x=\"").append(1 + i * w).append("\" y=\"").append(1 + height - bh).append("\" width=\"")
                    .append(w - 1).append("\" height=\"").append(bh).append("\" fill=\"#1f77b4\"/>");
        }
        return s.append("</svg>").toString();
    }

    /** "10^-1–1: 3, 10^-2–10^-1: 40, …" for the decades that hold a feature. */
    static String decades(long[] h) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < h.length; i++) {
            if (h[i] == 0) continue;
            if (s.length() > 0) s.append(", ");
            String lo = i == h.length - 1 ? "0" : String.format(Locale.ROOT, "10<sup>−%d</sup>", i + 1);
            String hi = i == 0 ? "1" : String.format(Locale.ROOT, "10<sup>−%d</sup>", i);
            s.append('[').append(lo).append(", ").append(hi).append("): ").append(h[i]);
        }
        return s.length() == 0 ? "none" : s.toString();
    }

    /** "0–3, 7, 9–12" */
    static String ranges(List<Integer> xs) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < xs.size(); ) {
            int j = i;
            while (j + 1 < xs.size() && xs.get(j + 1) == xs.get(j) + 1) j++;
            if (s.length() > 0) s.append(", ");
            s.append(xs.get(i));
            if (j > i) s.append('–').append(xs.get(j));
            i = j + 1;
        }
        return s.toString();
    }
}
