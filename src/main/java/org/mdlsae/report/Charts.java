package org.mdlsae.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/** What the report's charts share: the look, the log2 width axis, PNG rendering. */
final class Charts {
    static final Color OPTIMUM = new Color(0xd6, 0x27, 0x28);
    static final Color DL_COLOR = new Color(0x1f, 0x77, 0xb4);
    static final Color BOUND_COLOR = new Color(0x7f, 0x7f, 0x7f);
    static final Color HEADROOM_COLOR = new Color(0x2c, 0xa0, 0x2c);

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {
    }

    static XYChart chart(String title, String xTitle, String yTitle) {
        XYChart c = new XYChartBuilder().width(SweepReport.CHART_WIDTH).height(SweepReport.CHART_HEIGHT).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).theme(Styler.ChartTheme.XChart).build();
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

    static int textWidth(String text, Font font) {
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

    static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }

    /** Puts x = log2 D on a linear axis labelled with D; returns the axis range {min, max}. */
    static double[] log2Axis(ReportView v, XYChart c) {
        double lo = log2(v.widths.first());
        double hi = log2(v.widths.last());
        // integer bounds keep XChart's ticks on powers of two; its plot margin keeps end points visible
        double min = Math.floor(lo);
        double max = Math.ceil(hi);
        if (max - min < 2) {
            min -= 1;
            max += 1;
        }
        c.getStyler().setXAxisMin(min).setXAxisMax(max);
        c.getStyler().setxAxisTickLabelsFormattingFunction(x -> {
            double rv = Math.rint(x);
            if (Math.abs(x - rv) > 1e-6) return "";
            return Long.toString(Math.round(Math.pow(2, rv)));
        });
        return new double[] {min, max};
    }
}
