package org.mdlsae.report;

import static org.mdlsae.report.Html.num;

import java.awt.Color;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.mdlsae.sweep.SweepRun;

/** Rate–distortion: MSE against L0 of every trained SAE, one series per width, with the ε line. */
final class RdChart {
    private RdChart() {
    }

    /** The chart as PNG; the view has at least one run. */
    static byte[] render(ReportView v) {
        XYChart c = Charts.chart("Every trained SAE, one series per width", "L0 (mean active latents per sample)",
                "MSE (unquantised, evaluation split)");
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        Map<Integer, List<SweepRun>> byW = new TreeMap<>();
        for (SweepRun run : v.runs) byW.computeIfAbsent(run.width(), w -> new ArrayList<>()).add(run);
        if (byW.size() > 5) { // a horizontal legend below the plot would run off the image
            c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE).setLegendLayout(Styler.LegendLayout.Vertical);
        }
        for (Map.Entry<Integer, List<SweepRun>> e : byW.entrySet()) {
            List<SweepRun> rs = new ArrayList<>(e.getValue());
            rs.sort(Comparator.comparingDouble(SweepRun::l0));
            double[] x = rs.stream().mapToDouble(SweepRun::l0).toArray();
            double[] y = rs.stream().mapToDouble(SweepRun::mse).toArray();
            for (double xv : x) {
                lo = Math.min(lo, xv);
                hi = Math.max(hi, xv);
            }
            c.addSeries("D = " + e.getKey() + (v.selected.containsKey(e.getKey()) ? "" : " (inadmissible)"), x, y)
                    .setMarker(SeriesMarkers.CIRCLE);
        }
        if (!(hi > lo)) {
            lo -= 1;
            hi += 1;
        }
        XYSeries eps = c.addSeries("ε = " + num(v.r.eps()), new double[] {lo, hi}, new double[] {v.r.eps(), v.r.eps()});
        eps.setMarker(SeriesMarkers.NONE).setLineColor(Color.BLACK).setLineStyle(SeriesLines.DASH_DASH);
        c.getStyler().setYAxisMin(0.0).setYAxisDecimalPattern("0.000##");
        return Charts.png(c);
    }
}
