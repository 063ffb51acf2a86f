package org.mdlsae.report;

import static org.mdlsae.report.Html.duration;
import static org.mdlsae.report.Html.esc;
import static org.mdlsae.report.Html.fmt;
import static org.mdlsae.report.Html.join;
import static org.mdlsae.report.Html.num;
import static org.mdlsae.report.Html.nz;
import static org.mdlsae.report.Html.opt;
import static org.mdlsae.report.Html.td;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.mdlsae.codec.CodecSummary;
import org.mdlsae.features.TokenDashboard;
import org.mdlsae.io.AtomicFiles;
import org.mdlsae.sae.FeatureCharacter;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.sweep.SweepResults;
import org.mdlsae.sweep.SweepRun;

/**
 * The HTML report of a width × k sweep (docs/design.md §2.3–§2.4): one self-contained file with the ε-MDL-optimal
 * SAE, the DL-vs-width curve, the rate–distortion cloud, per-width precision and headroom, tables of all
 * runs and, for image-shaped data (d a perfect square, e.g. MNIST's 28²), the learned decoder features as
 * pictures.
 *
 * <p>Charts are rendered with XChart to PNG and embedded as base64 {@code data:} URIs; the page links no
 * external script, style sheet or image, so it can be mailed or archived as is. Rendering is headless
 * ({@code java.awt.headless=true} is set before AWT is used).
 *
 * <p>Each width is represented by its <em>selected</em> run (the admissible run of least DL of that width,
 * {@link SweepRun#selected()}); when a sweep file marks none, the admissible run with the smallest k
 * stands in. A width with no admissible run is <em>inadmissible</em> and is listed, not plotted, in the DL
 * chart.
 */
public final class SweepReport {

    /** Width in pixels of every chart image. */
    public static final int CHART_WIDTH = 860;
    /** Height in pixels of every chart image. */
    public static final int CHART_HEIGHT = 470;
    /** At most this many features are drawn per SAE (the most used live ones, or the first ones in index order). */
    public static final int MAX_FEATURES = 64;
    /** Tiles per row of a feature grid. */
    public static final int FEATURE_COLUMNS = 16;
    /** Upscaling of a feature image (each data pixel becomes SCALE×SCALE image pixels). */
    public static final int FEATURE_SCALE = 2;

    private SweepReport() {
    }

    /**
     * Writes the report of a sweep to {@code htmlFile}, atomically: the whole page is rendered in memory,
     * written to a temporary file in the same directory and moved over {@code htmlFile}. If anything fails
     * (including {@code decoders}), no partial report and no temporary file is left behind, and an existing
     * report at {@code htmlFile} is untouched. Missing parent directories are created.
     *
     * @param htmlFile the report to (over)write
     * @param results  the sweep's {@code results.json}
     * @param decoders loads the weights of a run (typically from {@code sweepDir.resolve(run.dir())}); called
     *                 only when d is a perfect square, for at most three runs (the selected, the narrowest
     *                 and the widest admissible). It may return {@code null} (weights unavailable: the page
     *                 says so); {@code decoders} itself may be {@code null} to skip feature images.
     * @throws IOException              when the file cannot be written
     * @throws IllegalArgumentException when a loaded SAE's input dimension differs from {@code results.dIn()}
     */
    public static void write(Path htmlFile, SweepResults results, Function<SweepRun, SaeWeights> decoders)
            throws IOException {
        write(htmlFile, results, Extras.of(results, decoders));
    }

    /**
     * Writes the report with what the caller knows beyond the results (see {@link Extras}); atomically, as
     * {@link #write(Path, SweepResults, Function)}.
     *
     * @param htmlFile the report to (over)write
     * @param results  the sweep's {@code results.json}
     * @param extras   weights, whether the rows are images, feature usage, token dashboards
     * @throws IOException when the file cannot be written
     */
    public static void write(Path htmlFile, SweepResults results, Extras extras) throws IOException {
        Objects.requireNonNull(htmlFile, "htmlFile");
        String page = render(results, extras); // everything that can fail in rendering fails before the disk
        AtomicFiles.writeString(htmlFile, page);
    }

    /**
     * Renders the report page (see {@link #write}) as a string, e.g. for a notebook's HTML output cell.
     *
     * @param results  the sweep's results
     * @param decoders loads a run's weights, or {@code null}; see {@link #write}
     * @return a complete, self-contained HTML document
     */
    public static String html(SweepResults results, Function<SweepRun, SaeWeights> decoders) {
        return render(results, Extras.of(results, decoders));
    }

    /**
     * Renders the report page with extras.
     *
     * @param results the sweep's results
     * @param extras  see {@link Extras}
     * @return a complete, self-contained HTML document
     */
    public static String render(SweepResults results, Extras extras) {
        Objects.requireNonNull(results, "results");
        return new Page(results, extras == null ? Extras.of(results, null) : extras).render();
    }

    /**
     * What a report shows beyond results.json (docs/design.md §12).
     *
     * @param decoders  loads a run's weights (null: no feature pictures)
     * @param images    the rows are images (mnist, IDX, or declared so): decoder rows are drawn as pictures, when d is
     *                  a perfect square; other data get no pictures
     * @param usage     measures a run's features on its training rows ({@code sweep.Sweep#features}; null: pictures in
     *                  index order); pictures then go by decreasing usage, dead latents left out and counted
     * @param dashboard token dashboards of the selected SAE (null: none)
     * @param dashboardTitle what the dashboards are of, e.g. "D = 768, k = 24"
     */
    public record Extras(Function<SweepRun, SaeWeights> decoders, boolean images, Function<SweepRun, FeatureCharacter> usage,
                         TokenDashboard dashboard, String dashboardTitle) {
        /**
         * The extras of a caller that only has the weights: pictures whenever d is a perfect square, in index order
         * (the behaviour of {@link #write(Path, SweepResults, Function)}).
         *
         * @param results  the results
         * @param decoders the weights, or null
         * @return the extras
         */
        public static Extras of(SweepResults results, Function<SweepRun, SaeWeights> decoders) {
            int side = (int) Math.round(Math.sqrt(Math.max(results.dIn(), 0)));
            return new Extras(decoders, side * side == results.dIn(), null, null, null);
        }
    }

    // ---------------------------------------------------------------------------------------------------

    /** One rendering of one sweep. */
    private static final class Page {
        private final ReportView v;
        private final SweepResults r;
        private final Function<SweepRun, SaeWeights> decoders;
        private final Extras extras;
        private final List<SweepRun> runs;
        private final TreeSet<Integer> widths;
        private final TreeMap<Integer, SweepRun> selected;
        private final SweepRun best;
        private final StringBuilder out = new StringBuilder(1 << 16);

        Page(SweepResults r, Extras extras) {
            this.v = new ReportView(r);
            this.r = r;
            this.extras = extras;
            this.decoders = extras.decoders();
            this.runs = v.runs;
            this.widths = v.widths;
            this.selected = v.selected;
            this.best = v.best;
        }

        String render() {
            out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                    .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                    .append("<title>MDL-SAE sweep: ").append(esc(nz(r.data()))).append("</title>\n")
                    .append("<style>\n").append(CSS).append(DashboardSection.CSS).append("</style>\n</head>\n<body>\n");
            header();
            selection();
            dlChart();
            out.append(RegimeSection.html(v));
            rdChart();
            precisionChart();
            codec();
            tables();
            out.append(FeatureGrids.html(v, extras));
            if (extras.dashboard() != null) out.append(DashboardSection.html(extras.dashboard(), extras.dashboardTitle()));
            out.append("<footer>Generated by the MDL-SAE engine (org.mdlsae.report.SweepReport).</footer>\n")
                    .append("</body>\n</html>\n");
            return out.toString();
        }

        // ------------------------------------------------------------------ header and selection

        private void header() {
            out.append("<h1>MDL-SAE sweep report: ").append(esc(nz(r.data()))).append("</h1>\n");
            out.append("<table class=\"facts\">\n");
            fact("Data", esc(nz(r.data())));
            fact("Input dimension d", Integer.toString(r.dIn()));
            fact("Tolerance ε (MSE)", num(r.eps()) + " &nbsp;(FVU " + fmt("%.4f", r.epsFvu()) + ")");
            fact("Architecture", esc(nz(r.arch())));
            fact("Widths D", widths.isEmpty() ? "–" : join(widths));
            fact("Runs", runs.size() + " (" + selected.size() + " of " + widths.size() + " widths admissible)");
            fact("Sweep time", duration(r.seconds()));
            out.append("</table>\n");
            out.append("<p class=\"explain\"><b>What MDL selection means.</b> An SAE is read as a lossy code for the "
                    + "activations: each input is sent as its few non-zero latent values, quantised to B bits each. "
                    + "Fix a reconstruction tolerance ε (mean squared error). Among all SAEs that reconstruct within ε "
                    + "(the <i>admissible</i> ones), MDL selection picks the one whose codes take the fewest bits per "
                    + "sample, its description length (DL). For each width D the sweep finds its k — by bisection for the "
                    + "smallest k that meets ε (--search bisect, the default), or (--search anneal) in one training "
                    + "whose k is lowered while the SAE meets ε on rows held out of the training rows —; for every "
                    + "admissible SAE it finds the smallest precision B* that still meets ε after quantisation and "
                    + "measures the entropy of the quantised codes; each width is represented by its admissible SAE of "
                    + "least DL (the smallest k often leaves so little headroom that B* must be large). Narrow SAEs "
                    + "need many active latents per input, so their DL "
                    + "grows with L0; very wide ones need fewer, but every index costs more (log<sub>2</sub> D) and "
                    + "their features drift toward memorising whole inputs. The ε-MDL-optimal SAE sits in between.</p>\n");
        }

        private void fact(String k, String v) {
            out.append("<tr><th>").append(k).append("</th><td>").append(v).append("</td></tr>\n");
        }

        private void selection() {
            out.append("<h2 id=\"selected\">Selected SAE</h2>\n<p class=\"selected\">");
            if (best == null || best.bits() == null || best.dlBits() == null) {
                out.append("No SAE in this sweep reconstructs within ε = ").append(num(r.eps()))
                        .append(", so none was selected. Wider dictionaries or larger k may be needed.</p>\n");
                return;
            }
            double dense = v.dense(best);
            out.append("The ε-MDL-optimal SAE has width <b>D = ").append(best.width()).append("</b> and <b>k = ")
                    .append(best.k()).append("</b> (L0 = ").append(fmt("%.2f", best.l0())).append(", MSE ")
                    .append(fmt("%.5f", best.mse())).append("): at precision <b>B* = ").append(best.bits())
                    .append(" bits</b> its codes take <b>").append(fmt("%.1f", best.dlBits()))
                    .append(" bits per sample</b> (entropy DL; bound ")
                    .append(best.dlBoundBits() == null ? "–" : fmt("%.1f", best.dlBoundBits()))
                    .append("), versus ").append(fmt("%.0f", dense)).append(" bits for the dense code d·B* = ")
                    .append(r.dIn()).append("·").append(best.bits());
            if (dense > 0) {
                out.append(" (").append(fmt("%.1f", 100.0 * (dense - best.dlBits()) / dense)).append("% fewer)");
            }
            out.append(".</p>\n");
        }

        // ------------------------------------------------------------------ charts

        private void dlChart() {
            out.append("<h2 id=\"dl\">Description length vs width</h2>\n");
            if (selected.isEmpty()) {
                out.append("<p>No width is admissible at this ε, so there is no DL curve.</p>\n");
            } else {
                image("chart-dl", "DL vs width", DlChart.render(v));
            }
            List<String> bad = new ArrayList<>();
            for (int w : widths) {
                if (selected.containsKey(w)) continue;
                List<SweepRun> ofW = runs.stream().filter(x -> x.width() == w).toList();
                if (ofW.isEmpty()) {
                    bad.add("D = " + w + ": not trained yet");
                } else {
                    SweepRun m = ofW.stream().min(Comparator.comparingDouble(SweepRun::mse)).orElseThrow();
                    bad.add("D = " + w + ": best MSE " + fmt("%.5f", m.mse()) + " (k = " + m.k() + ", L0 = "
                            + fmt("%.1f", m.l0()) + ") misses ε by " + fmt("%.5f", m.mse() - r.eps()));
                }
            }
            if (bad.isEmpty()) {
                out.append("<p class=\"note\">Every width of the grid is admissible.</p>\n");
            } else {
                out.append("<p class=\"note\">Inadmissible widths (no k reconstructs within ε; not plotted):</p>\n<ul class=\"inadmissible\">\n");
                for (String b : bad) out.append("<li>").append(esc(b)).append("</li>\n");
                out.append("</ul>\n");
            }
        }

        private void rdChart() {
            out.append("<h2 id=\"rd\">Rate–distortion: MSE vs L0</h2>\n");
            if (runs.isEmpty()) {
                out.append("<p>No runs yet.</p>\n");
                return;
            }
            image("chart-rd", "MSE vs L0", RdChart.render(v));
            out.append("<p class=\"note\">Points below the dashed line meet ε. For each width the sweep keeps the "
                    + "run below the line whose quantised code is shortest.</p>\n");
        }

        private void precisionChart() {
            out.append("<h2 id=\"precision\">Precision B* and headroom per width</h2>\n");
            if (selected.isEmpty()) {
                out.append("<p>No width is admissible, so there is no precision to show.</p>\n");
                return;
            }
            image("chart-precision", "B* and headroom per width", PrecisionChart.render(v));
            out.append("<p class=\"note\">Headroom is how far below ε the selected run's unquantised MSE lands; "
                    + "quantising to B* bits spends part of it.</p>\n");
        }

        /** The codec's curves and tables (docs/design.md §13), when the results carry them. */
        private void codec() {
            CodecSummary c = r.codec();
            if (c == null) return;
            out.append("<h2 id=\"rd-dl\">Rate–distortion: DL vs quantised MSE</h2>\n");
            if (!c.rateDistortion().isEmpty()) {
                image("chart-rd-dl", "DL vs quantised MSE", RateDistortionChart.render(c.rateDistortion(), r.eps()));
            }
            out.append(CodecSections.html(c));
        }

        // ------------------------------------------------------------------ tables

        private void tables() {
            out.append("<h2 id=\"table\">Selected run of each admissible width</h2>\n");
            if (selected.isEmpty()) {
                out.append("<p>None.</p>\n");
            } else {
                out.append("<table class=\"runs\" id=\"selected-runs\">\n<thead><tr><th>width D</th><th>k</th><th>L0</th>"
                        + "<th title=\"mse: mean over samples × d elements\">MSE /elem</th><th>headroom</th><th>B*</th><th>DL (bits)</th><th>bound (bits)</th>"
                        + "<th>dense d·B*</th><th>bits saved</th></tr></thead>\n<tbody>\n");
                for (SweepRun s : selected.values()) {
                    boolean isBest = v.isBest(s);
                    double dense = v.dense(s);
                    out.append(isBest ? "<tr class=\"best\">" : "<tr>")
                            .append(td(s.width() + (isBest ? " ★" : ""))).append(td(s.k()))
                            .append(td(fmt("%.2f", s.l0()))).append(td(fmt("%.5f", s.mse())))
                            .append(td(fmt("%+.5f", s.headroom()))).append(td(opt(s.bits())))
                            .append(td(opt(s.dlBits(), "%.1f"))).append(td(opt(s.dlBoundBits(), "%.1f")))
                            .append(td(Double.isNaN(dense) ? "–" : fmt("%.0f", dense)))
                            .append(td(Double.isNaN(dense) || s.dlBits() == null ? "–"
                                    : fmt("%.1f", dense - s.dlBits())))
                            .append("</tr>\n");
                }
                out.append("</tbody>\n</table>\n<p class=\"note\">★ the ε-MDL optimum. Bits are per sample; bits saved = "
                        + "dense − DL.</p>\n");
            }
            out.append("<details id=\"all-runs\">\n<summary>All ").append(runs.size())
                    .append(" runs (search runs included)</summary>\n");
            out.append("<div class=\"scroll\"><table class=\"runs all\">\n<thead><tr><th>width D</th><th>k</th><th>epochs</th><th>train s</th>"
                    + "<th title=\"l0\">L0</th><th title=\"mse: mean over samples × d elements\">MSE /elem</th>"
                    + "<th title=\"mse_per_token: mean over samples of the sum over d\">MSE /token</th><th>FVU</th>"
                    + "<th title=\"explained_variance = 1 − FVU\">expl. var.</th><th title=\"cossim\">cos sim</th>"
                    + "<th title=\"l2_ratio\">‖x̂‖/‖x‖</th><th title=\"dead_fraction\">dead</th><th>headroom</th><th title=\"admissible: meets ε\">adm.</th>"
                    + "<th title=\"selected: admissible run of least DL of its width\">sel.</th><th>B*</th><th>MSE at B*</th><th>DL (bits)</th><th>bound (bits)</th>"
                    + "<th>dense d·B*</th><th>dir</th></tr></thead>\n<tbody>\n");
            for (SweepRun s : runs) {
                out.append(v.isBest(s) ? "<tr class=\"best\">" : s.admissible() ? "<tr>" : "<tr class=\"miss\">")
                        .append(td(s.width())).append(td(s.k())).append(td(s.epochs()))
                        .append(td(fmt("%.1f", s.trainSeconds()))).append(td(fmt("%.2f", s.l0())))
                        .append(td(fmt("%.5f", s.mse()))).append(td(opt(s.msePerToken(), "%.4g")))
                        .append(td(fmt("%.4f", s.fvu()))).append(td(opt(s.explainedVariance(), "%.4f")))
                        .append(td(opt(s.cossim(), "%.4f"))).append(td(opt(s.l2Ratio(), "%.4f")))
                        .append(td(fmt("%.1f%%", 100 * s.deadFraction()))).append(td(fmt("%+.5f", s.headroom())))
                        .append(td(s.admissible() ? "yes" : "no")).append(td(s.selected() ? "yes" : ""))
                        .append(td(opt(s.bits()))).append(td(opt(s.mseQuantized(), "%.5f")))
                        .append(td(opt(s.dlBits(), "%.1f"))).append(td(opt(s.dlBoundBits(), "%.1f")))
                        .append(td(opt(s.denseBits(), "%.0f")))
                        .append("<td class=\"dir\">").append(esc(nz(s.dir()))).append("</td></tr>\n");
            }
            out.append("</tbody>\n</table></div>\n</details>\n");
        }

        // ------------------------------------------------------------------ helpers

        private void image(String id, String alt, byte[] png) {
            out.append("<figure class=\"chart\"><img id=\"").append(id).append("\" alt=\"").append(esc(alt))
                    .append("\" width=\"").append(CHART_WIDTH).append("\" height=\"").append(CHART_HEIGHT)
                    .append("\" src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(png))
                    .append("\"></figure>\n");
        }

    }

    private static final String CSS = """
            body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
                   max-width: 960px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
            h1 { font-size: 1.6em; margin-bottom: .4em; }
            h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
            table { border-collapse: collapse; font-size: .9em; }
            table.facts th { text-align: left; font-weight: 600; padding: .15em 1.2em .15em 0; }
            table.facts td { padding: .15em 0; }
            table.runs { width: 100%; margin: .5em 0; }
            table.runs th, table.runs td { border: 1px solid #ddd; padding: .25em .5em; text-align: right; }
            table.runs th { background: #f4f4f4; }
            table.runs.all { font-size: .8em; }
            table.runs.all th, table.runs.all td { padding: .2em .35em; }
            div.scroll { overflow-x: auto; }
            table.runs td.dir { text-align: left; font-family: monospace; }
            tr.best td { background: #fde8e8; font-weight: 600; }
            tr.miss td { color: #888; }
            p.explain { background: #f7f9fc; border-left: 4px solid #1f77b4; padding: .6em .9em; }
            p.selected { font-size: 1.05em; }
            p.note, figcaption { color: #555; font-size: .9em; }
            figure { margin: 1em 0; }
            figure.chart img { max-width: 100%; height: auto; }
            figure.features img { max-width: 100%; image-rendering: pixelated; }
            ul.inadmissible { font-size: .9em; color: #555; }
            details { margin: 1em 0; }
            summary { cursor: pointer; font-weight: 600; }
            footer { margin-top: 3em; color: #999; font-size: .8em; }
            """;
}
