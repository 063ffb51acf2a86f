package org.mdlsae.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.mdlsae.codec.CodecSummary;
import org.mdlsae.io.AtomicFiles;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.sweep.SweepResults;
import org.mdlsae.sweep.SweepRun;

/**
 * The HTML report of a width × k sweep (DESIGN §2.3–§2.4): one self-contained file with the ε-MDL-optimal
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

    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** Width in pixels of every chart image. */
    public static final int CHART_WIDTH = 860;
    /** Height in pixels of every chart image. */
    public static final int CHART_HEIGHT = 470;
    /** At most this many features are drawn per SAE (the first ones, in index order). */
    public static final int MAX_FEATURES = 64;
    /** Tiles per row of a feature grid. */
    public static final int FEATURE_COLUMNS = 16;
    /** Upscaling of a feature image (each data pixel becomes SCALE×SCALE image pixels). */
    public static final int FEATURE_SCALE = 2;

    private static final Color OPTIMUM = new Color(0xd6, 0x27, 0x28);
    private static final Color DL_COLOR = new Color(0x1f, 0x77, 0xb4);
    private static final Color BOUND_COLOR = new Color(0x7f, 0x7f, 0x7f);
    private static final Color HEADROOM_COLOR = new Color(0x2c, 0xa0, 0x2c);

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
        Objects.requireNonNull(htmlFile, "htmlFile");
        String page = html(results, decoders); // everything that can fail in rendering fails before the disk
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
        Objects.requireNonNull(results, "results");
        return new Page(results, decoders).render();
    }

    // ---------------------------------------------------------------------------------------------------

    /** One rendering of one sweep. */
    private static final class Page {
        private final SweepResults r;
        private final Function<SweepRun, SaeWeights> decoders;
        private final List<SweepRun> runs;
        /** All widths (grid and trained), ascending. */
        private final TreeSet<Integer> widths = new TreeSet<>();
        /** The representative (selected) run of each admissible width, by width. */
        private final TreeMap<Integer, SweepRun> selected = new TreeMap<>();
        private final SweepRun best;
        private final StringBuilder out = new StringBuilder(1 << 16);

        Page(SweepResults r, Function<SweepRun, SaeWeights> decoders) {
            this.r = r;
            this.decoders = decoders;
            this.runs = r.runs() == null ? List.of() : r.runs().stream().filter(Objects::nonNull).toList();
            if (r.widths() != null) r.widths().stream().filter(Objects::nonNull).forEach(widths::add);
            for (SweepRun run : runs) widths.add(run.width());
            for (SweepRun run : runs) {
                if (run.selected() && run.admissible()) selected.putIfAbsent(run.width(), run);
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

        String render() {
            out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                    .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                    .append("<title>MDL-SAE sweep: ").append(esc(nz(r.data()))).append("</title>\n")
                    .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
            header();
            selection();
            dlChart();
            rdChart();
            precisionChart();
            codec();
            tables();
            features();
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
                    + "sample, its description length (DL). For each width D the sweep bisects for the smallest k that "
                    + "meets ε; for every admissible SAE it finds the smallest precision B* that still meets ε after "
                    + "quantisation and measures the entropy of the quantised codes; each width is represented by its "
                    + "admissible SAE of least DL (the smallest k often leaves so little headroom that B* must be large). Narrow SAEs need many active latents per input, so their DL "
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
            double dense = dense(best);
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
                XYChart c = chart("DL per sample of each admissible width (its least-DL admissible run)",
                        "width D (log2 scale)", "bits per sample");
                double[] range = log2Axis(c);
                List<Double> x = new ArrayList<>();
                List<Double> dl = new ArrayList<>();
                List<Double> bx = new ArrayList<>();
                List<Double> bound = new ArrayList<>();
                for (SweepRun s : selected.values()) {
                    if (s.dlBits() != null) {
                        x.add(log2(s.width()));
                        dl.add(s.dlBits());
                    }
                    if (s.dlBoundBits() != null) {
                        bx.add(log2(s.width()));
                        bound.add(s.dlBoundBits());
                    }
                }
                double top = 0;
                for (double v : dl) top = Math.max(top, v);
                for (double v : bound) top = Math.max(top, v);
                if (!x.isEmpty()) {
                    XYSeries s = c.addSeries("entropy DL", x, dl);
                    s.setMarker(SeriesMarkers.CIRCLE).setMarkerColor(DL_COLOR).setLineColor(DL_COLOR);
                }
                if (!bx.isEmpty()) {
                    XYSeries s = c.addSeries("bound L0·(B* + log2 D)", bx, bound);
                    s.setMarker(SeriesMarkers.SQUARE).setMarkerColor(BOUND_COLOR).setLineColor(BOUND_COLOR);
                    s.setLineStyle(SeriesLines.DASH_DASH);
                }
                if (best != null && best.dlBits() != null) {
                    double bxv = log2(best.width());
                    XYSeries s = c.addSeries("ε-MDL optimum", new double[] {bxv}, new double[] {best.dlBits()});
                    s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                    s.setMarker(SeriesMarkers.DIAMOND).setMarkerColor(OPTIMUM);
                    c.addAnnotation(new AnnotationLine(bxv, true, false));
                    c.getStyler().setAnnotationLineColor(OPTIMUM)
                            .setAnnotationLineStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
                                    10f, new float[] {3f, 3f}, 0f));
                    Font font = new Font(Font.SANS_SERIF, Font.BOLD, 13);
                    c.getStyler().setAnnotationTextFontColor(OPTIMUM).setAnnotationTextFont(font);
                    c.getStyler().setYAxisMin(0.0).setYAxisMax(top * 1.15);
                    String label = "optimum: D = " + best.width() + ", k = " + best.k() + ", "
                            + fmt("%.1f", best.dlBits()) + " bits";
                    // AnnotationText centres on x: shift it beside the dashed line, toward the roomier side
                    double half = textWidth(label, font) / 2.0 + 8;
                    double dataPerPx = (range[1] - range[0]) / (0.85 * CHART_WIDTH);
                    double tx = bxv + (bxv <= (range[0] + range[1]) / 2 ? 1 : -1) * half * dataPerPx;
                    c.addAnnotation(new AnnotationText(label, tx, top * 1.08, false));
                } else {
                    c.getStyler().setYAxisMin(0.0);
                }
                image("chart-dl", "DL vs width", png(c));
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
            XYChart c = chart("Every trained SAE, one series per width", "L0 (mean active latents per sample)",
                    "MSE (unquantised, evaluation split)");
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            Map<Integer, List<SweepRun>> byW = new TreeMap<>();
            for (SweepRun run : runs) byW.computeIfAbsent(run.width(), w -> new ArrayList<>()).add(run);
            if (byW.size() > 5) { // a horizontal legend below the plot would run off the image
                c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE)
                        .setLegendLayout(Styler.LegendLayout.Vertical);
            }
            for (Map.Entry<Integer, List<SweepRun>> e : byW.entrySet()) {
                List<SweepRun> rs = new ArrayList<>(e.getValue());
                rs.sort(Comparator.comparingDouble(SweepRun::l0));
                double[] x = rs.stream().mapToDouble(SweepRun::l0).toArray();
                double[] y = rs.stream().mapToDouble(SweepRun::mse).toArray();
                for (double v : x) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
                c.addSeries("D = " + e.getKey() + (selected.containsKey(e.getKey()) ? "" : " (inadmissible)"), x, y)
                        .setMarker(SeriesMarkers.CIRCLE);
            }
            if (!(hi > lo)) {
                lo -= 1;
                hi += 1;
            }
            XYSeries eps = c.addSeries("ε = " + num(r.eps()), new double[] {lo, hi},
                    new double[] {r.eps(), r.eps()});
            eps.setMarker(SeriesMarkers.NONE).setLineColor(Color.BLACK).setLineStyle(SeriesLines.DASH_DASH);
            c.getStyler().setYAxisMin(0.0).setYAxisDecimalPattern("0.000##");
            image("chart-rd", "MSE vs L0", png(c));
            out.append("<p class=\"note\">Points below the dashed line meet ε. For each width the sweep keeps the "
                    + "run below the line whose quantised code is shortest.</p>\n");
        }

        private void precisionChart() {
            out.append("<h2 id=\"precision\">Precision B* and headroom per width</h2>\n");
            if (selected.isEmpty()) {
                out.append("<p>No width is admissible, so there is no precision to show.</p>\n");
                return;
            }
            XYChart c = chart("B* (left) and headroom ε − MSE (right) of each width's selected run",
                    "width D (log2 scale)", "B* (bits)");
            log2Axis(c);
            c.setYAxisGroupTitle(0, "B* (bits)");
            c.setYAxisGroupTitle(1, "headroom ε − MSE");
            c.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
            List<Double> bx = new ArrayList<>();
            List<Double> b = new ArrayList<>();
            List<Double> hx = new ArrayList<>();
            List<Double> h = new ArrayList<>();
            for (SweepRun s : selected.values()) {
                if (s.bits() != null) {
                    bx.add(log2(s.width()));
                    b.add((double) s.bits());
                }
                hx.add(log2(s.width()));
                h.add(s.headroom());
            }
            if (!bx.isEmpty()) {
                c.addSeries("B*", bx, b).setMarker(SeriesMarkers.SQUARE).setMarkerColor(DL_COLOR)
                        .setLineColor(DL_COLOR);
                c.getStyler().setYAxisMin(0, 0.0);
                c.getStyler().setYAxisMax(0, b.stream().mapToDouble(Double::doubleValue).max().orElse(8) + 1);
            }
            XYSeries hs = c.addSeries("headroom", hx, h);
            hs.setYAxisGroup(1);
            hs.setMarker(SeriesMarkers.CIRCLE).setMarkerColor(HEADROOM_COLOR).setLineColor(HEADROOM_COLOR);
            c.getStyler().setYAxisMin(1, 0.0);
            c.getStyler().setyAxisTickLabelsFormattingFunction(
                    v -> v == Math.rint(v) ? Long.toString(Math.round(v)) : num(v)); // 6, not 6.0; 0.0002, not .0002
            image("chart-precision", "B* and headroom per width", png(c));
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
                        + "<th>MSE</th><th>headroom</th><th>B*</th><th>DL (bits)</th><th>bound (bits)</th>"
                        + "<th>dense d·B*</th><th>bits saved</th></tr></thead>\n<tbody>\n");
                for (SweepRun s : selected.values()) {
                    boolean isBest = isBest(s);
                    double dense = dense(s);
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
                    + "<th>L0</th><th>MSE</th><th>FVU</th><th>dead</th><th>headroom</th><th title=\"admissible: meets ε\">adm.</th>"
                    + "<th title=\"selected: admissible run of least DL of its width\">sel.</th><th>B*</th><th>MSE at B*</th><th>DL (bits)</th><th>bound (bits)</th>"
                    + "<th>dense d·B*</th><th>dir</th></tr></thead>\n<tbody>\n");
            for (SweepRun s : runs) {
                out.append(isBest(s) ? "<tr class=\"best\">" : s.admissible() ? "<tr>" : "<tr class=\"miss\">")
                        .append(td(s.width())).append(td(s.k())).append(td(s.epochs()))
                        .append(td(fmt("%.1f", s.trainSeconds()))).append(td(fmt("%.2f", s.l0())))
                        .append(td(fmt("%.5f", s.mse()))).append(td(fmt("%.4f", s.fvu())))
                        .append(td(fmt("%.1f%%", 100 * s.deadFraction()))).append(td(fmt("%+.5f", s.headroom())))
                        .append(td(s.admissible() ? "yes" : "no")).append(td(s.selected() ? "yes" : ""))
                        .append(td(opt(s.bits()))).append(td(opt(s.mseQuantized(), "%.5f")))
                        .append(td(opt(s.dlBits(), "%.1f"))).append(td(opt(s.dlBoundBits(), "%.1f")))
                        .append(td(opt(s.denseBits(), "%.0f")))
                        .append("<td class=\"dir\">").append(esc(nz(s.dir()))).append("</td></tr>\n");
            }
            out.append("</tbody>\n</table></div>\n</details>\n");
        }

        // ------------------------------------------------------------------ feature images

        private void features() {
            out.append("<h2 id=\"features\">Learned features</h2>\n");
            int d = r.dIn();
            int side = (int) Math.round(Math.sqrt(Math.max(d, 0)));
            if (d <= 0 || side * side != d) {
                out.append("<p>Feature images are drawn only for image-shaped data; d = ").append(d)
                        .append(" is not a perfect square, so the decoder rows cannot be laid out as pictures.</p>\n");
                return;
            }
            if (decoders == null) {
                out.append("<p>No SAE weights were supplied to the report, so no features are shown.</p>\n");
                return;
            }
            List<Shown> shown = new ArrayList<>(); // deduplicated by run
            if (best != null) shown.add(new Shown("ε-MDL optimum", best));
            if (!selected.isEmpty()) {
                addShown(shown, "narrowest admissible", selected.firstEntry().getValue());
                addShown(shown, "widest admissible", selected.lastEntry().getValue());
            }
            if (shown.isEmpty()) {
                out.append("<p>No admissible SAE, so no features are shown.</p>\n");
                return;
            }
            out.append("<p class=\"note\">Each tile is one feature's decoder row (its dictionary vector) drawn as a "
                    + side + "×" + side + " image: red positive, blue negative, white zero, scaled per feature by its "
                    + "largest |w|. The first features in index order are shown (at most " + MAX_FEATURES
                    + "), without sorting: the report has the weights only, no usage statistics.</p>\n");
            for (Shown e : shown) {
                SweepRun run = e.run();
                String title = cap(e.label()) + ": D = " + run.width() + ", k = " + run.k();
                out.append("<figure class=\"features\">\n");
                SaeWeights w = decoders.apply(run);
                if (w == null) {
                    out.append("<figcaption>").append(esc(title)).append(": weights not available (")
                            .append(esc(nz(run.dir()))).append(").</figcaption>\n</figure>\n");
                    continue;
                }
                if (w.dIn() != d) {
                    throw new IllegalArgumentException("SAE " + run.dir() + " has d_in = " + w.dIn()
                            + " but the sweep has d = " + d);
                }
                int n = Math.min(MAX_FEATURES, w.width());
                byte[] png = FeatureImages.grid(w.dec(), n, d, side, FEATURE_COLUMNS, FEATURE_SCALE);
                out.append("<img class=\"grid\" id=\"features-").append(run.width()).append("-").append(run.k())
                        .append("\" alt=\"")
                        .append(esc(title)).append("\" src=\"data:image/png;base64,")
                        .append(Base64.getEncoder().encodeToString(png)).append("\">\n");
                out.append("<figcaption>").append(esc(title)).append(" (features 0–").append(n - 1).append(" of ")
                        .append(w.width()).append(", ×").append(FEATURE_SCALE).append(")</figcaption>\n</figure>\n");
            }
        }

        private static void addShown(List<Shown> shown, String label, SweepRun run) {
            for (int i = 0; i < shown.size(); i++) {
                if (sameRun(shown.get(i).run(), run)) {
                    shown.set(i, new Shown(shown.get(i).label() + ", also the " + label, run));
                    return;
                }
            }
            shown.add(new Shown(label, run));
        }

        // ------------------------------------------------------------------ helpers

        private boolean isBest(SweepRun s) {
            return best != null && sameRun(best, s);
        }

        private static boolean sameRun(SweepRun a, SweepRun b) {
            return a.width() == b.width() && a.k() == b.k() && Objects.equals(a.dir(), b.dir());
        }

        private double dense(SweepRun s) {
            if (s.denseBits() != null) return s.denseBits();
            return s.bits() == null ? Double.NaN : (double) r.dIn() * s.bits();
        }

        private void image(String id, String alt, byte[] png) {
            out.append("<figure class=\"chart\"><img id=\"").append(id).append("\" alt=\"").append(esc(alt))
                    .append("\" width=\"").append(CHART_WIDTH).append("\" height=\"").append(CHART_HEIGHT)
                    .append("\" src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(png))
                    .append("\"></figure>\n");
        }

        /** Puts x = log2 D on a linear axis labelled with D; returns the axis range {min, max}. */
        private double[] log2Axis(XYChart c) {
            double lo = log2(widths.first());
            double hi = log2(widths.last());
            // integer bounds keep XChart's ticks on powers of two; its plot margin keeps end points visible
            double min = Math.floor(lo);
            double max = Math.ceil(hi);
            if (max - min < 2) {
                min -= 1;
                max += 1;
            }
            c.getStyler().setXAxisMin(min).setXAxisMax(max);
            c.getStyler().setxAxisTickLabelsFormattingFunction(v -> {
                double rv = Math.rint(v);
                if (Math.abs(v - rv) > 1e-6) return "";
                return Long.toString(Math.round(Math.pow(2, rv)));
            });
            return new double[] {min, max};
        }
    }

    // ------------------------------------------------------------------------------------- static helpers

    /** A run whose features are drawn, with why. */
    private record Shown(String label, SweepRun run) {
    }

    static XYChart chart(String title, String xTitle, String yTitle) {
        XYChart c = new XYChartBuilder().width(CHART_WIDTH).height(CHART_HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).theme(Styler.ChartTheme.XChart).build();
        Styler s = c.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setLegendBorderColor(Color.WHITE);
        s.setMarkerSize(9);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setPlotBorderVisible(false);
        c.getStyler().setPlotGridLinesColor(new Color(0xe4, 0xe4, 0xe4));
        c.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        c.getStyler().setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        return c;
    }

    private static int textWidth(String text, Font font) {
        Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        try {
            return g.getFontMetrics(font).stringWidth(text);
        } finally {
            g.dispose();
        }
    }

    static byte[] png(XYChart c) {
        try {
            return BitmapEncoder.getBitmapBytes(c, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory: does not happen
        }
    }

    private static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }

    /** A short decimal: 5 significant digits, trailing zeros dropped (0.015, not 0.015000). */
    static String num(double v) {
        if (!Double.isFinite(v)) return Double.toString(v);
        return new BigDecimal(fmt("%.5g", v)).stripTrailingZeros().toPlainString();
    }

    static String fmt(String f, double v) {
        return String.format(Locale.ROOT, f, v);
    }

    private static String opt(Integer v) {
        return v == null ? "–" : v.toString();
    }

    private static String opt(Double v, String f) {
        return v == null ? "–" : fmt(f, v);
    }

    private static String td(Object v) {
        return "<td>" + v + "</td>";
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static String cap(String s) {
        // ASCII only: "ε-MDL optimum" must not become "Ε-MDL optimum"
        return s.isEmpty() || s.charAt(0) < 'a' || s.charAt(0) > 'z' ? s : (char) (s.charAt(0) - 32) + s.substring(1);
    }

    private static String join(Iterable<Integer> xs) {
        StringBuilder b = new StringBuilder();
        for (Integer x : xs) b.append(b.length() == 0 ? "" : ", ").append(x);
        return b.toString();
    }

    /** Human-readable wall time: {@code 42.0 s}, {@code 3 min 07 s}, {@code 2 h 05 min}. */
    static String duration(double seconds) {
        if (!(seconds >= 0) || Double.isInfinite(seconds)) return "–";
        if (seconds < 60) return fmt("%.1f s", seconds);
        long s = Math.round(seconds);
        if (s < 3600) return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }

    /** Escapes text for HTML element content and double-quoted attributes. */
    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(ch);
            }
        }
        return b.toString();
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
