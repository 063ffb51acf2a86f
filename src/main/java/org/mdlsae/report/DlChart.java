package org.mdlsae.report;

import static org.mdlsae.report.Charts.BOUND_COLOR;
import static org.mdlsae.report.Charts.DL_COLOR;
import static org.mdlsae.report.Charts.OPTIMUM;
import static org.mdlsae.report.Charts.log2;
import static org.mdlsae.report.Html.fmt;

import java.awt.BasicStroke;
import java.awt.Font;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.mdlsae.sweep.SweepRun;
import org.mdlsae.sweep.WidthSummary;

/**
 * The report's main chart: entropy DL (and its bound) of each admissible width's selected run, the optimum marked; with
 * several seeds, the mean DL over the seeds with each seed's DL as a point (the spread, docs/design.md §11).
 */
final class DlChart {
    private DlChart() {
    }

    /** The chart as PNG; the view has at least one admissible width. */
    static byte[] render(ReportView v) {
        SweepRun best = v.best;
        XYChart c = Charts.chart("DL per sample of each admissible width (its least-DL admissible run)",
                "width D (log2 scale)", "bits per sample");
        double[] range = Charts.log2Axis(v, c);
        List<Double> x = new ArrayList<>();
        List<Double> dl = new ArrayList<>();
        List<Double> bx = new ArrayList<>();
        List<Double> bound = new ArrayList<>();
        for (SweepRun s : v.selected.values()) {
            if (s.dlBits() != null) {
                x.add(log2(s.width()));
                dl.add(s.dlBits());
            }
            if (s.dlBoundBits() != null) {
                bx.add(log2(s.width()));
                bound.add(s.dlBoundBits());
            }
        }
        List<Double> sx = new ArrayList<>();
        List<Double> sy = new ArrayList<>();
        if (v.seeds > 1) { // the mean over the seeds of the widths admissible for every seed, and each seed's DL
            x.clear();
            dl.clear();
            for (WidthSummary w : v.byWidth.values()) {
                if (w.admissible() && w.dlMean() != null) {
                    x.add(log2(w.width()));
                    dl.add(w.dlMean());
                }
                for (Double y : w.dlBySeed()) {
                    if (y == null) continue;
                    sx.add(log2(w.width()));
                    sy.add(y);
                }
            }
        }
        double top = 0;
        for (double y : dl) top = Math.max(top, y);
        for (double y : sy) top = Math.max(top, y);
        for (double y : bound) top = Math.max(top, y);
        if (!x.isEmpty()) {
            XYSeries s = c.addSeries(v.seeds > 1 ? "mean entropy DL over " + v.seeds + " seeds" : "entropy DL", x, dl);
            s.setMarker(SeriesMarkers.CIRCLE).setMarkerColor(DL_COLOR).setLineColor(DL_COLOR);
        }
        if (!sx.isEmpty()) {
            XYSeries s = c.addSeries("each seed's DL", sx, sy);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            s.setMarker(SeriesMarkers.CROSS).setMarkerColor(DL_COLOR);
        }
        if (!bx.isEmpty()) {
            XYSeries s = c.addSeries(v.seeds > 1 ? "bound L0·(B* + log2 D), first seed" : "bound L0·(B* + log2 D)", bx, bound);
            s.setMarker(SeriesMarkers.SQUARE).setMarkerColor(BOUND_COLOR).setLineColor(BOUND_COLOR);
            s.setLineStyle(SeriesLines.DASH_DASH);
        }
        if (best != null && best.dlBits() != null) {
            double bxv = log2(best.width());
            WidthSummary bw = v.byWidth.get(best.width());
            double by = v.seeds > 1 && bw != null && bw.dlMean() != null ? bw.dlMean() : best.dlBits();
            XYSeries s = c.addSeries("ε-MDL optimum", new double[] {bxv}, new double[] {by});
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            s.setMarker(SeriesMarkers.DIAMOND).setMarkerColor(OPTIMUM);
            c.addAnnotation(new AnnotationLine(bxv, true, false));
            c.getStyler().setAnnotationLineColor(OPTIMUM)
                    .setAnnotationLineStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
                            10f, new float[] {3f, 3f}, 0f));
            Font font = new Font(Font.SANS_SERIF, Font.BOLD, 13);
            c.getStyler().setAnnotationTextFontColor(OPTIMUM).setAnnotationTextFont(font);
            c.getStyler().setYAxisMin(0.0).setYAxisMax(top * 1.15);
            String label = "optimum: D = " + best.width() + ", k = " + best.k() + ", " + fmt("%.1f", by) + " bits"
                    + (v.seeds > 1 ? " (mean)" : "");
            // AnnotationText centres on x: shift it beside the dashed line, toward the roomier side
            double half = Charts.textWidth(label, font) / 2.0 + 8;
            double dataPerPx = (range[1] - range[0]) / (0.85 * SweepReport.CHART_WIDTH);
            double tx = bxv + (bxv <= (range[0] + range[1]) / 2 ? 1 : -1) * half * dataPerPx;
            c.addAnnotation(new AnnotationText(label, tx, top * 1.08, false));
        } else {
            c.getStyler().setYAxisMin(0.0);
        }
        return Charts.png(c);
    }
}
