package org.mdlsae.report;

import static org.mdlsae.report.Charts.DL_COLOR;
import static org.mdlsae.report.Charts.HEADROOM_COLOR;
import static org.mdlsae.report.Charts.OPTIMUM;
import static org.mdlsae.report.Charts.log2;

import java.awt.BasicStroke;
import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.mdlsae.sweep.WidthSummary;

/**
 * The regimes beside the DL curve (docs/design.md §11): memorisation, extent and the fraction of dead latents of each
 * width's features (means over its seeds' representative runs, measured on the training rows), with the thresholds of
 * the regime labels and the optimum marked.
 */
final class RegimeChart {
    private static final Color DEAD_COLOR = new Color(0x7f, 0x7f, 0x7f);

    private RegimeChart() {
    }

    /** The chart as PNG; the view has a width with measured features. */
    static byte[] render(ReportView v) {
        XYChart c = Charts.chart("Feature character per width (training rows)", "width D (log2 scale)", "fraction");
        Charts.log2Axis(v, c);
        add(c, v, "memorisation", WidthSummary::memorisation, SeriesMarkers.CIRCLE, OPTIMUM);
        add(c, v, "extent", WidthSummary::extent, SeriesMarkers.SQUARE, DL_COLOR);
        add(c, v, "dead fraction", WidthSummary::featuresDeadFraction, SeriesMarkers.TRIANGLE_UP, DEAD_COLOR);
        if (v.r.regimeCriteria() != null) {
            double a = v.r.regimeCriteria().wholeInputCosine(), e = v.r.regimeCriteria().rowsExtent();
            double[] xs = {log2(v.widths.first()), log2(v.widths.last())};
            dashed(c.addSeries("A: memorisation ≥ this", xs, new double[] {a, a}), OPTIMUM);
            if (Double.isFinite(e)) dashed(c.addSeries("D: extent ≥ this", xs, new double[] {e, e}), DL_COLOR);
        }
        if (v.best != null) {
            c.addAnnotation(new AnnotationLine(log2(v.best.width()), true, false));
            c.getStyler().setAnnotationLineColor(HEADROOM_COLOR).setAnnotationLineStroke(new BasicStroke(1f,
                    BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {3f, 3f}, 0f));
        }
        c.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        return Charts.png(c);
    }

    private static void add(XYChart c, ReportView v, String name, Function<WidthSummary, Double> f, Marker m, Color color) {
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (WidthSummary w : v.byWidth.values()) {
            Double val = f.apply(w);
            if (val == null || !Double.isFinite(val)) continue;
            x.add(log2(w.width()));
            y.add(val);
        }
        if (x.isEmpty()) return;
        c.addSeries(name, x, y).setMarker(m).setMarkerColor(color).setLineColor(color);
    }

    private static void dashed(XYSeries s, Color color) {
        s.setMarker(SeriesMarkers.NONE).setLineColor(color).setLineStyle(SeriesLines.DOT_DOT);
    }
}
