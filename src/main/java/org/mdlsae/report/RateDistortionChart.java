package org.mdlsae.report;

import static org.mdlsae.report.Charts.chart;
import static org.mdlsae.report.Charts.png;
import static org.mdlsae.report.Html.fmt;
import static org.mdlsae.report.Html.num;

import java.awt.Color;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.mdlsae.codec.RateDistortion;

/**
 * Rate–distortion curves (docs/design.md §13): entropy DL against quantised MSE as the precision B runs over 1..16,
 * one series per SAE (each width's selected run), MSE on a log axis, with the tolerance ε as a vertical line.
 */
final class RateDistortionChart {
    private RateDistortionChart() {
    }

    /**
     * The chart as PNG.
     *
     * @param curves at least one curve
     * @param eps    ε (MSE)
     * @return PNG bytes
     */
    static byte[] render(List<RateDistortion.Curve> curves, double eps) {
        XYChart c = chart("Entropy DL vs quantised MSE as precision B varies (one curve per width)",
                "quantised MSE (log10)", "DL, bits per sample");
        if (curves.size() > 5) {
            c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE).setLegendLayout(Styler.LegendLayout.Vertical);
        }
        double top = 0;
        double lo = Math.log10(eps), hi = Math.log10(eps);
        for (RateDistortion.Curve curve : curves) {
            // the Pareto frontier: past the unquantised MSE more bits buy nothing and the curve would turn back
            double[][] p = RateDistortion.frontier(curve);
            double[] x = new double[p.length], y = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                x[i] = p[i][0];
                y[i] = p[i][1];
                lo = Math.min(lo, x[i]);
                hi = Math.max(hi, x[i]);
                top = Math.max(top, y[i]);
            }
            c.addSeries(curve.label(), x, y).setMarker(SeriesMarkers.CIRCLE);
        }
        XYSeries e = c.addSeries("ε = " + num(eps), new double[] {Math.log10(eps), Math.log10(eps)}, new double[] {0, top});
        e.setMarker(SeriesMarkers.NONE).setLineColor(Color.BLACK).setLineStyle(SeriesLines.DASH_DASH);
        c.getStyler().setYAxisMin(0.0).setXAxisMin(lo - 0.05).setXAxisMax(hi + 0.05);
        c.getStyler().setxAxisTickLabelsFormattingFunction(v -> fmt("%.3g", Math.pow(10, v)));
        return png(c);
    }
}
