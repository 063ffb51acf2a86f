package org.mdlsae.report;

import static org.mdlsae.report.Charts.DL_COLOR;
import static org.mdlsae.report.Charts.HEADROOM_COLOR;
import static org.mdlsae.report.Charts.log2;
import static org.mdlsae.report.Html.num;

import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.mdlsae.sweep.SweepRun;

/** Precision B* (left axis) and headroom ε − MSE (right axis) of each admissible width's selected run. */
final class PrecisionChart {
    private PrecisionChart() {
    }

    /** The chart as PNG; the view has at least one admissible width. */
    static byte[] render(ReportView v) {
        XYChart c = Charts.chart("B* (left) and headroom ε − MSE (right) of each width's selected run",
                "width D (log2 scale)", "B* (bits)");
        Charts.log2Axis(v, c);
        c.setYAxisGroupTitle(0, "B* (bits)");
        c.setYAxisGroupTitle(1, "headroom ε − MSE");
        c.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        List<Double> bx = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        List<Double> hx = new ArrayList<>();
        List<Double> h = new ArrayList<>();
        for (SweepRun s : v.selected.values()) {
            if (s.bits() != null) {
                bx.add(log2(s.width()));
                b.add((double) s.bits());
            }
            hx.add(log2(s.width()));
            h.add(s.headroom());
        }
        if (!bx.isEmpty()) {
            c.addSeries("B*", bx, b).setMarker(SeriesMarkers.SQUARE).setMarkerColor(DL_COLOR).setLineColor(DL_COLOR);
            c.getStyler().setYAxisMin(0, 0.0);
            c.getStyler().setYAxisMax(0, b.stream().mapToDouble(Double::doubleValue).max().orElse(8) + 1);
        }
        XYSeries hs = c.addSeries("headroom", hx, h);
        hs.setYAxisGroup(1);
        hs.setMarker(SeriesMarkers.CIRCLE).setMarkerColor(HEADROOM_COLOR).setLineColor(HEADROOM_COLOR);
        c.getStyler().setYAxisMin(1, 0.0);
        c.getStyler().setyAxisTickLabelsFormattingFunction(
                y -> y == Math.rint(y) ? Long.toString(Math.round(y)) : num(y)); // 6, not 6.0; 0.0002, not .0002
        return Charts.png(c);
    }
}
