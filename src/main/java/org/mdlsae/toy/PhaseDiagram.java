package org.mdlsae.toy;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The feature-splitting phase diagram (paper §7): over a grid of p = P(A) = P(B) and correlation ρ,
 * which code MDL prefers (split into {A∧¬B, ¬A∧B, A∧B} or not), with the boundary ρ*(p).
 * Writes {@code phase_diagram.csv} and {@code phase_diagram.png}, each atomically (temp file + rename).
 */
public final class PhaseDiagram {
    /** CSV file name written by {@link #write}. */
    public static final String CSV = "phase_diagram.csv";
    /** PNG file name written by {@link #write}. */
    public static final String PNG = "phase_diagram.png";

    private final double pMin, pMax;
    private final int pSteps, rhoSteps;
    private final List<FeatureSplitting.Point> points = new ArrayList<>();
    private final double[] ps, rhoStars;

    /**
     * Computes the grid: {@code pSteps} values of p evenly over [pMin, pMax] and {@code rhoSteps} values of ρ
     * evenly over [0, 1].
     *
     * @throws IllegalArgumentException if 0 &lt; pMin ≤ pMax &lt; 1 does not hold or a step count is below 2
     *                                  (1 allowed for p when pMin = pMax)
     * @param pMin     smallest p
     * @param pMax     largest p
     * @param pSteps   number of p values
     * @param rhoSteps number of ρ values
     */
    public PhaseDiagram(double pMin, double pMax, int pSteps, int rhoSteps) {
        if (!(pMin > 0 && pMax < 1 && pMin <= pMax)) {
            throw new IllegalArgumentException("need 0 < pMin <= pMax < 1, got pMin = " + pMin + ", pMax = " + pMax);
        }
        if (pSteps < 1 || (pSteps == 1 && pMin != pMax) || rhoSteps < 2) {
            throw new IllegalArgumentException("need at least 2 grid steps for p (1 if pMin = pMax) and for rho, got "
                    + pSteps + " and " + rhoSteps);
        }
        if ((long) pSteps * rhoSteps > 4_000_000L) {
            throw new IllegalArgumentException("grid of " + pSteps + " x " + rhoSteps + " points is too large (max 4e6)");
        }
        this.pMin = pMin;
        this.pMax = pMax;
        this.pSteps = pSteps;
        this.rhoSteps = rhoSteps;
        ps = new double[pSteps];
        rhoStars = new double[pSteps];
        for (int i = 0; i < pSteps; i++) {
            double p = pSteps == 1 ? pMin : pMin + (pMax - pMin) * i / (pSteps - 1);
            ps[i] = p;
            rhoStars[i] = FeatureSplitting.rhoStar(p);
            for (int j = 0; j < rhoSteps; j++) {
                double rho = (double) j / (rhoSteps - 1);
                points.add(FeatureSplitting.point(p, p, rho));
            }
        }
    }

    /**
     * The default diagram: p from 0.005 to 0.5 (100 steps), ρ from 0 to 1 (101 steps).
     *
     * @return the computed diagram
     */
    public static PhaseDiagram standard() {
        return new PhaseDiagram(0.005, 0.5, 100, 101);
    }

    /**
     * Grid points, p-major.
     *
     * @return pSteps × rhoSteps points
     */
    public List<FeatureSplitting.Point> points() {
        return points;
    }

    /**
     * The p values of the grid.
     *
     * @return a copy of the p grid
     */
    public double[] ps() {
        return ps.clone();
    }

    /**
     * ρ*(p) at each grid p (NaN where there is no boundary).
     *
     * @return a copy of ρ*(p) over the p grid
     */
    public double[] rhoStars() {
        return rhoStars.clone();
    }

    /**
     * CSV text: p,rho,q,dl2_bits,dl3_bits,split_preferred,rho_star (one line per grid point).
     *
     * @return the CSV text with a header line
     */
    public String csv() {
        StringBuilder sb = new StringBuilder("p,rho,q,dl2_bits,dl3_bits,split_preferred,rho_star\n");
        int i = 0;
        for (FeatureSplitting.Point pt : points) {
            double rs = rhoStars[i++ / rhoSteps];
            sb.append(String.format(Locale.ROOT, "%.6f,%.6f,%.8f,%.8f,%.8f,%b,%s%n",
                    pt.pA(), pt.rho(), pt.q(), pt.dl2(), pt.dl3(), pt.splitPreferred(),
                    Double.isNaN(rs) ? "" : String.format(Locale.ROOT, "%.6f", rs)));
        }
        return sb.toString();
    }

    /**
     * The chart: grid points coloured by the preferred code, and the ρ*(p) boundary line.
     *
     * @return an XChart scatter chart with the boundary line
     */
    public XYChart chart() {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(800).height(600)
                .title("Feature splitting: MDL phase diagram (P(A) = P(B) = p)")
                .xAxisTitle("p").yAxisTitle("correlation rho").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(4);
        chart.getStyler().setXAxisMin(pMin);
        chart.getStyler().setXAxisMax(pMax);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setXAxisDecimalPattern("0.00");
        chart.getStyler().setYAxisDecimalPattern("0.0");
        List<Double> sx = new ArrayList<>(), sy = new ArrayList<>(), nx = new ArrayList<>(), ny = new ArrayList<>();
        for (FeatureSplitting.Point pt : points) {
            if (pt.splitPreferred()) {
                sx.add(pt.pA());
                sy.add(pt.rho());
            } else {
                nx.add(pt.pA());
                ny.add(pt.rho());
            }
        }
        if (!sx.isEmpty()) {
            XYSeries s = chart.addSeries("split preferred (DL3 < DL2)", sx, sy);
            s.setMarker(SeriesMarkers.SQUARE);
            s.setMarkerColor(new Color(0x4C, 0x9A, 0xD8));
        }
        if (!nx.isEmpty()) {
            XYSeries s = chart.addSeries("no split (DL2 <= DL3)", nx, ny);
            s.setMarker(SeriesMarkers.SQUARE);
            s.setMarkerColor(new Color(0xF2, 0xB7, 0x6B));
        }
        List<Double> bx = new ArrayList<>(), by = new ArrayList<>();
        for (int i = 0; i < ps.length; i++) {
            if (!Double.isNaN(rhoStars[i])) {
                bx.add(ps[i]);
                by.add(rhoStars[i]);
            }
        }
        if (!bx.isEmpty()) {
            XYSeries line = chart.addSeries("boundary rho*(p)", bx, by);
            line.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            line.setMarker(SeriesMarkers.NONE);
            line.setLineColor(Color.BLACK);
            line.setLineStyle(new BasicStroke(2.5f));
        }
        return chart;
    }

    /**
     * Writes {@link #CSV} and {@link #PNG} into {@code dir} (created if missing), each via a temp file in the
     * same directory and an atomic rename, so no partial file is ever visible.
     *
     * @return the two paths written
     * @param dir output directory
     * @throws IOException if a file cannot be written (no partial file is left)
     */
    public List<Path> write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path csv = dir.resolve(CSV), png = dir.resolve(PNG);
        writeAtomically(csv, csv().getBytes(StandardCharsets.UTF_8));
        writeAtomically(png, BitmapEncoder.getBitmapBytes(chart(), BitmapEncoder.BitmapFormat.PNG));
        return List.of(csv, png);
    }

    /**
     * Writes bytes to a temp file next to {@code target}, then renames it over {@code target}.
     *
     * @param target the file to create or replace
     * @param bytes  its new content
     * @throws IOException if writing or renaming fails (the temp file is removed)
     */
    public static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            Files.write(tmp, bytes);
            try { // temp files are created owner-only; the result should be an ordinary readable file
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException notPosix) {
                // keep the platform default
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Convenience for callers that cannot throw checked exceptions.
     *
     * @param dir output directory
     * @return the two paths written
     */
    public List<Path> writeUnchecked(Path dir) {
        try {
            return write(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
