package org.mdlsae.toy;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.mdlsae.InputException;
import org.mdlsae.backend.Backend;
import org.mdlsae.mdl.DlReport;
import org.mdlsae.math.Entropy;
import org.mdlsae.mdl.Mdl;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Metrics;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.train.TrainConfig;
import org.mdlsae.train.Trainer;

/**
 * The feature-splitting toy, empirically (paper §7, DESIGN §2.5). For each ρ on a grid: generate activations
 * x = a·f_A + b·f_B (+ noise) with P(A) = P(B) = p and correlation ρ ({@link SyntheticData#pair}); train, with
 * the normal {@link Trainer}, a 2-latent TopK SAE (k = 2: it can code A and B separately) and a 3-latent TopK
 * SAE (k = 1: an A∧B row must be one latent, so it learns A∧¬B, ¬A∧B, A∧B); measure both with the normal
 * entropy DL ({@link Mdl}, calibrated on the training rows, evaluated on fresh rows, at the same FVU tolerance
 * ε); and compare with DL₂ = 2h(p) and DL₃ = 2h(p − q) + h(q). The measured boundary is where the measured
 * DL₃ − DL₂ changes sign (linear interpolation between grid points), set beside ρ*(p).
 *
 * <p>Method notes (what makes it work, and what it costs):
 * <ul>
 *   <li>Start weights: {@link ToyInit#farthestPoint} (data-driven rows, least-squares encoder, a small firing
 *       margin, b_dec = 0). From DESIGN §2.2's default init ({@code --default-init}) the trainer converges to
 *       equally exact but dense codes whose DL says nothing about the codes the toy compares; see
 *       {@link ToyInit} for why, and the experiment report for the numbers.</li>
 *   <li>Restarts: each SAE is trained {@code restarts} times (trainer seeds differ), and the ε-admissible run
 *       with the least DL is kept — the MDL selection rule of DESIGN §2.4 applied to restarts.</li>
 *   <li>Value bins: boolean magnitudes put every active value of a latent in one bin at the B* the tolerance
 *       picks (B* = 3 at FVU 0.01), so the value part H(bins | active) is ~0. It is measured, not assumed: the
 *       report splits each DL into its activity part Σ h(p̂_i) and the rest (the value part).</li>
 *   <li>Sampling: {@link SyntheticData.Sampling#EXACT} (default) puts exactly round(n·π) rows in each pattern, so
 *       the empirical joint distribution is the requested one and any gap between measured and analytic DL is
 *       the SAE's. With IID sampling the plug-in entropies carry sampling error (reported as the DL of the
 *       true pattern on the evaluation rows, {@code dl2_data}, {@code dl3_data}).</li>
 *   <li>Boundary: the measured ρ* interpolates linearly between grid points, so even a perfect measurement is
 *       off by the interpolation error of the grid (reported as {@code rho_star_grid}: the analytic curve
 *       interpolated the same way).</li>
 * </ul>
 */
public final class SplitExperiment {
    /** CSV file written by {@link Result#write}. */
    public static final String CSV = "split_experiment.csv";
    /** PNG file written by {@link Result#write}. */
    public static final String PNG = "split_experiment.png";

    private SplitExperiment() {
    }

    /**
     * Everything that determines a run.
     *
     * @param p          P(A) = P(B)
     * @param rhoMin     first ρ of the grid
     * @param rhoMax     last ρ of the grid
     * @param rhoSteps   grid points (≥ 2)
     * @param samples    training rows per ρ (the evaluation set has as many, drawn separately)
     * @param d          input dimension
     * @param noise      Gaussian noise σ per coordinate
     * @param sampling   EXACT or IID pattern counts
     * @param orthogonal whether f_A ⟂ f_B exactly (default: independent random unit directions)
     * @param fvu        tolerance ε as FVU (converted to MSE on each evaluation set)
     * @param epochs     training epochs
     * @param restarts   training runs per SAE (least admissible DL kept)
     * @param jitter     perturbation of the initial decoder rows ({@link ToyInit#farthestPoint(TrainConfig, float[], int, int, double)}; 0 = none)
     * @param defaultInit start from DESIGN §2.2's default init ({@link Trainer#init}) instead of {@link ToyInit}
     * @param seed       master seed (directions, data, trainer seeds)
     */
    public record Config(double p, double rhoMin, double rhoMax, int rhoSteps, int samples, int d, double noise,
                         SyntheticData.Sampling sampling, boolean orthogonal, double fvu, int epochs, int restarts,
                         double jitter, boolean defaultInit, long seed) {
        public Config {
            if (!(p > 0 && p < 1)) throw new InputException("--p must be a probability in (0, 1), got " + p);
            double hi = FeatureSplitting.rhoMax(p, p), lo = Math.max(0, FeatureSplitting.rhoMin(p, p));
            if (!(rhoMin >= lo - 1e-12 && rhoMax <= hi + 1e-12 && rhoMin < rhoMax)) {
                throw new InputException(String.format(Locale.ROOT, "--rho-min/--rho-max must satisfy %.4f <= rho-min < rho-max <= %.4f for p = %s, got %s and %s",
                        lo, hi, p, rhoMin, rhoMax));
            }
            if (rhoSteps < 2 || rhoSteps > 201) throw new InputException("--rho-steps must be in [2, 201], got " + rhoSteps);
            if (samples < 100 || samples > 2_000_000) throw new InputException("--samples must be in [100, 2000000], got " + samples);
            if (d < 2 || d > 4096) throw new InputException("--d must be in [2, 4096], got " + d);
            if (!(noise >= 0 && noise <= 10)) throw new InputException("--noise must be in [0, 10], got " + noise);
            if (sampling == null) throw new InputException("--sampling must be exact or iid");
            if (!(fvu > 0 && fvu < 1)) throw new InputException("--fvu must be in (0, 1), got " + fvu);
            if (epochs < 1 || epochs > 10_000) throw new InputException("--epochs must be in [1, 10000], got " + epochs);
            if (restarts < 1 || restarts > 100) throw new InputException("--restarts must be in [1, 100], got " + restarts);
            if (!(jitter >= 0 && jitter <= 10)) throw new InputException("--jitter must be in [0, 10], got " + jitter);
            if (orthogonal && d < 2) throw new InputException("--orthogonal needs d >= 2");
        }

        /**
         * Defaults for p: ρ from 0 to min(ρ_max, 0.5) in 11 steps, 20 000 rows, d = 32, no noise, exact counts,
         * random directions, FVU 0.01, 10 epochs, 3 restarts, seed 0.
         *
         * @param p P(A) = P(B)
         * @return the default config
         */
        public static Config defaults(double p) {
            if (!(p > 0 && p < 1)) throw new InputException("--p must be a probability in (0, 1), got " + p);
            return new Config(p, 0, Math.min(FeatureSplitting.rhoMax(p, p), 0.5), 11, 20_000, 32, 0,
                    SyntheticData.Sampling.EXACT, false, 0.01, 10, 3, 0, false, 0);
        }

        /**
         * Grid value i.
         *
         * @param i index in [0, rhoSteps)
         * @return ρ_i
         */
        public double rho(int i) {
            return i == rhoSteps - 1 ? rhoMax : rhoMin + (rhoMax - rhoMin) * i / (rhoSteps - 1);
        }
    }

    /**
     * One trained structure at one ρ: the least-DL admissible restart.
     *
     * @param width              latents
     * @param k                  TopK k
     * @param dlBits             entropy DL (null: no restart was ε-admissible)
     * @param bits               B*
     * @param mse                unquantised MSE on the evaluation rows
     * @param fvu                unquantised FVU
     * @param l0                 mean active latents
     * @param activityBits       Σ_i h(p̂_i), the on/off part of the DL
     * @param admissibleRestarts restarts that met ε
     * @param restarts           restarts trained
     * @param recovery           least over the true directions of the best |cos| with a decoder row
     * @param restartDl          DL of every restart (null where inadmissible)
     * @param trainMseFirst      training MSE of the first step (from the start weights)
     * @param trainMseLast       training MSE of the last step
     */
    public record Fit(int width, int k, Double dlBits, Integer bits, double mse, double fvu, double l0,
                      double activityBits, int admissibleRestarts, int restarts, double recovery, Double[] restartDl,
                      double trainMseFirst, double trainMseLast) {
        /**
         * The value-bin part DL − Σ h(p̂_i).
         *
         * @return bits, or null when inadmissible
         */
        public Double valueBits() {
            return dlBits == null ? null : dlBits - activityBits;
        }
    }

    /**
     * One grid point.
     *
     * @param rho        ρ
     * @param q          P(A∧B)
     * @param analytic2  DL₂ = 2h(p)
     * @param analytic3  DL₃ = 2h(p − q) + h(q)
     * @param data2      DL₂ of the true pattern on the evaluation rows (plug-in)
     * @param data3      DL₃ of the true pattern on the evaluation rows (plug-in)
     * @param two        the 2-latent SAE
     * @param three      the 3-latent SAE
     */
    public record Row(double rho, double q, double analytic2, double analytic3, double data2, double data3, Fit two,
                      Fit three) {
        /**
         * Measured DL₃ − DL₂.
         *
         * @return bits, or null when either SAE is inadmissible
         */
        public Double measuredGap() {
            return two.dlBits() == null || three.dlBits() == null ? null : three.dlBits() - two.dlBits();
        }
    }

    /**
     * A finished run.
     *
     * @param config          the config
     * @param rows            grid rows
     * @param rhoStar         analytic ρ*(p)
     * @param rhoStarGrid     analytic boundary by the same linear interpolation on the same grid (null if no sign change)
     * @param rhoStarMeasured measured boundary (null if the measured gap does not change sign on the grid)
     * @param signChanges     sign changes of the measured gap along the grid
     * @param seconds         wall time
     */
    public record Result(Config config, List<Row> rows, double rhoStar, Double rhoStarGrid, Double rhoStarMeasured,
                         int signChanges, double seconds) {
        /**
         * Largest |measured − analytic| over the grid, for either SAE.
         *
         * @return bits (NaN if nothing admissible)
         */
        public double maxAbsError() {
            double m = Double.NaN;
            for (Row r : rows) {
                if (r.two().dlBits() != null) m = Double.isNaN(m) ? Math.abs(r.two().dlBits() - r.analytic2()) : Math.max(m, Math.abs(r.two().dlBits() - r.analytic2()));
                if (r.three().dlBits() != null) m = Double.isNaN(m) ? Math.abs(r.three().dlBits() - r.analytic3()) : Math.max(m, Math.abs(r.three().dlBits() - r.analytic3()));
            }
            return m;
        }

        /**
         * CSV: one line per ρ.
         *
         * @return the CSV text with a header
         */
        public String csv() {
            StringBuilder sb = new StringBuilder("p,rho,q,dl2_analytic,dl3_analytic,dl2_data,dl3_data,dl2_measured,dl3_measured,"
                    + "bits2,bits3,mse2,mse3,l0_2,l0_3,activity2,activity3,recovery2,recovery3,admissible2,admissible3,restarts\n");
            for (Row r : rows) {
                sb.append(String.format(Locale.ROOT, "%s,%.6f,%.8f,%.8f,%.8f,%.8f,%.8f,%s,%s,%s,%s,%.6g,%.6g,%.6f,%.6f,%.8f,%.8f,%.6f,%.6f,%d,%d,%d%n",
                        num(config.p()), r.rho(), r.q(), r.analytic2(), r.analytic3(), r.data2(), r.data3(),
                        opt(r.two().dlBits()), opt(r.three().dlBits()), opt(r.two().bits()), opt(r.three().bits()),
                        r.two().mse(), r.three().mse(), r.two().l0(), r.three().l0(), r.two().activityBits(),
                        r.three().activityBits(), r.two().recovery(), r.three().recovery(), r.two().admissibleRestarts(),
                        r.three().admissibleRestarts(), config.restarts()));
            }
            return sb.toString();
        }

        /**
         * The chart: analytic DL₂ and DL₃ over ρ as lines, measured DLs as markers, both boundaries as vertical lines.
         *
         * @return an XChart XY chart
         */
        public XYChart chart() {
            if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
            double p = config.p();
            XYChart chart = new XYChartBuilder().width(900).height(600)
                    .title(String.format(Locale.ROOT, "Feature splitting, p = %s: measured entropy DL vs analytic", num(p)))
                    .xAxisTitle("correlation rho").yAxisTitle("bits per sample").build();
            chart.getStyler().setMarkerSize(9);
            int fine = 201;
            double[] xs = new double[fine], y2 = new double[fine], y3 = new double[fine];
            for (int i = 0; i < fine; i++) {
                double rho = config.rhoMin() + (config.rhoMax() - config.rhoMin()) * i / (fine - 1);
                xs[i] = rho;
                y2[i] = FeatureSplitting.dl2(p);
                y3[i] = FeatureSplitting.dl3(p, rho);
            }
            XYSeries a2 = chart.addSeries("analytic DL2 = 2h(p)", xs, y2);
            a2.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            a2.setMarker(SeriesMarkers.NONE);
            a2.setLineColor(new Color(0x1F, 0x77, 0xB4));
            a2.setLineStyle(new BasicStroke(2f));
            XYSeries a3 = chart.addSeries("analytic DL3 = 2h(p-q) + h(q)", xs, y3);
            a3.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            a3.setMarker(SeriesMarkers.NONE);
            a3.setLineColor(new Color(0xD6, 0x27, 0x28));
            a3.setLineStyle(new BasicStroke(2f));
            List<Double> m2x = new ArrayList<>(), m2y = new ArrayList<>(), m3x = new ArrayList<>(), m3y = new ArrayList<>();
            double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < fine; i++) {
                lo = Math.min(lo, Math.min(y2[i], y3[i]));
                hi = Math.max(hi, Math.max(y2[i], y3[i]));
            }
            for (Row r : rows) {
                if (r.two().dlBits() != null) {
                    m2x.add(r.rho());
                    m2y.add(r.two().dlBits());
                    lo = Math.min(lo, r.two().dlBits());
                    hi = Math.max(hi, r.two().dlBits());
                }
                if (r.three().dlBits() != null) {
                    m3x.add(r.rho());
                    m3y.add(r.three().dlBits());
                    lo = Math.min(lo, r.three().dlBits());
                    hi = Math.max(hi, r.three().dlBits());
                }
            }
            if (!m2x.isEmpty()) {
                XYSeries s = chart.addSeries("measured, 2-latent TopK k=2", m2x, m2y);
                s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                s.setMarker(SeriesMarkers.CIRCLE);
                s.setMarkerColor(new Color(0x1F, 0x77, 0xB4));
            }
            if (!m3x.isEmpty()) {
                XYSeries s = chart.addSeries("measured, 3-latent TopK k=1", m3x, m3y);
                s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                s.setMarker(SeriesMarkers.DIAMOND);
                s.setMarkerColor(new Color(0xD6, 0x27, 0x28));
            }
            double pad = Math.max(0.01, 0.05 * (hi - lo));
            vertical(chart, String.format(Locale.ROOT, "analytic rho* = %.4f", rhoStar), rhoStar, lo - pad, hi + pad, Color.BLACK, false);
            if (rhoStarMeasured != null) {
                vertical(chart, String.format(Locale.ROOT, "measured rho* = %.4f", rhoStarMeasured), rhoStarMeasured, lo - pad, hi + pad,
                        new Color(0x2C, 0xA0, 0x2C), true);
            }
            chart.getStyler().setYAxisMin(lo - pad);
            chart.getStyler().setYAxisMax(hi + pad);
            chart.getStyler().setXAxisDecimalPattern("0.00");
            chart.getStyler().setYAxisDecimalPattern("0.000");
            return chart;
        }

        /**
         * Writes {@link #CSV} and {@link #PNG} into {@code dir} (created if missing), each atomically.
         *
         * @param dir output directory
         * @return the paths written
         * @throws IOException if a file cannot be written (no partial file is left)
         */
        public List<Path> write(Path dir) throws IOException {
            Files.createDirectories(dir);
            Path csv = dir.resolve(CSV), png = dir.resolve(PNG);
            PhaseDiagram.writeAtomically(csv, csv().getBytes(StandardCharsets.UTF_8));
            PhaseDiagram.writeAtomically(png, BitmapEncoder.getBitmapBytes(chart(), BitmapEncoder.BitmapFormat.PNG));
            return List.of(csv, png);
        }
    }

    static void vertical(XYChart chart, String name, double x, double y0, double y1, Color c, boolean dashed) {
        XYSeries s = chart.addSeries(name, new double[] {x, x}, new double[] {y0, y1});
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(c);
        s.setLineStyle(dashed ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 6f}, 0f)
                : new BasicStroke(1.5f));
    }

    static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static String opt(Object v) {
        if (v == null) return "";
        if (v instanceof Double dv) return String.format(Locale.ROOT, "%.8f", dv);
        return v.toString();
    }

    /**
     * The boundary: the first grid interval where {@code gap} goes from &gt; 0 to ≤ 0, linearly interpolated.
     *
     * @param rho grid
     * @param gap DL₃ − DL₂ per grid point (null entries are skipped)
     * @return the crossing, or null when there is none
     */
    public static Double crossing(double[] rho, Double[] gap) {
        Integer prev = null;
        for (int i = 0; i < rho.length; i++) {
            if (gap[i] == null) continue;
            if (prev != null && gap[prev] > 0 && gap[i] <= 0) {
                double g0 = gap[prev], g1 = gap[i];
                return rho[prev] + (rho[i] - rho[prev]) * g0 / (g0 - g1);
            }
            prev = i;
        }
        return null;
    }

    static int signChanges(Double[] gap) {
        int c = 0;
        Double prev = null;
        for (Double g : gap) {
            if (g == null) continue;
            if (prev != null && (prev > 0) != (g > 0)) c++;
            prev = g;
        }
        return c;
    }

    /**
     * Runs the experiment.
     *
     * @param cfg      the config
     * @param be       backend to train and evaluate on
     * @param progress receives one line per grid point (may be null)
     * @return the result
     */
    public static Result run(Config cfg, Backend be, Consumer<String> progress) {
        long t0 = System.nanoTime();
        int d = cfg.d(), n = cfg.samples();
        float[] dirs = SyntheticData.randomDirections(2, d, cfg.seed() * 7919 + 17, cfg.orthogonal());
        float[][] targets = targets(dirs, d);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < cfg.rhoSteps(); i++) {
            double rho = cfg.rho(i);
            double[] probs = SyntheticData.pairProbabilities(cfg.p(), rho);
            long dataSeed = cfg.seed() * 1_000_003L + i * 2L;
            SyntheticData.Sample train = SyntheticData.generate(dirs, 2, d, SyntheticData.PAIR_PATTERNS, probs, n,
                    SyntheticData.Magnitudes.BOOLEAN, cfg.noise(), cfg.sampling(), dataSeed);
            SyntheticData.Sample eval = SyntheticData.generate(dirs, 2, d, SyntheticData.PAIR_PATTERNS, probs, n,
                    SyntheticData.Magnitudes.BOOLEAN, cfg.noise(), cfg.sampling(), dataSeed + 1);
            Fit two = fit(cfg, be, train, eval, 2, 2, new float[][] {targets[0], targets[1]}, i);
            Fit three = fit(cfg, be, train, eval, 3, 1, targets, i);
            double pa = eval.frequency(0), pb = eval.frequency(1), q = eval.jointFrequency(0, 1);
            double data2 = Entropy.h(pa) + Entropy.h(pb);
            double data3 = Entropy.h(Math.max(0, pa - q)) + Entropy.h(Math.max(0, pb - q)) + Entropy.h(q);
            Row row = new Row(rho, FeatureSplitting.q(cfg.p(), cfg.p(), rho), FeatureSplitting.dl2(cfg.p()),
                    FeatureSplitting.dl3(cfg.p(), rho), data2, data3, two, three);
            rows.add(row);
            if (progress != null) {
                progress.accept(String.format(Locale.ROOT, "rho %.4f (%d/%d): DL2 %s (analytic %.4f), DL3 %s (analytic %.4f)",
                        rho, i + 1, cfg.rhoSteps(), fmt(two.dlBits()), row.analytic2(), fmt(three.dlBits()), row.analytic3()));
            }
        }
        double[] grid = new double[rows.size()];
        Double[] measured = new Double[rows.size()], analytic = new Double[rows.size()];
        for (int i = 0; i < grid.length; i++) {
            grid[i] = rows.get(i).rho();
            measured[i] = rows.get(i).measuredGap();
            analytic[i] = rows.get(i).analytic3() - rows.get(i).analytic2();
        }
        return new Result(cfg, List.copyOf(rows), FeatureSplitting.rhoStar(cfg.p()), crossing(grid, analytic),
                crossing(grid, measured), signChanges(measured), (System.nanoTime() - t0) / 1e9);
    }

    private static String fmt(Double v) {
        return v == null ? "inadmissible" : String.format(Locale.ROOT, "%.4f", v);
    }

    /** f_A, f_B and (f_A + f_B)/‖f_A + f_B‖. */
    static float[][] targets(float[] dirs, int d) {
        float[] a = new float[d], b = new float[d], s = new float[d];
        double ns = 0;
        for (int c = 0; c < d; c++) {
            a[c] = dirs[c];
            b[c] = dirs[d + c];
            s[c] = a[c] + b[c];
            ns += (double) s[c] * s[c];
        }
        for (int c = 0; c < d; c++) s[c] = (float) (s[c] / Math.sqrt(ns));
        return new float[][] {a, b, s};
    }

    /** Least over targets of the best |cos| with a decoder row (rows are unit norm). */
    static double recovery(SaeWeights w, float[][] targets) {
        int d = w.dIn();
        double worst = 1;
        for (float[] t : targets) {
            double best = 0;
            for (int j = 0; j < w.width(); j++) {
                double dot = 0;
                for (int c = 0; c < d; c++) dot += (double) w.dec()[j * d + c] * t[c];
                best = Math.max(best, Math.abs(dot));
            }
            worst = Math.min(worst, best);
        }
        return worst;
    }

    private static Fit fit(Config cfg, Backend be, SyntheticData.Sample train, SyntheticData.Sample eval, int width,
                           int k, float[][] targets, int gridIndex) {
        int n = cfg.samples(), d = cfg.d();
        Fit best = null;
        int admissible = 0;
        Double[] restartDl = new Double[cfg.restarts()];
        Fit fallback = null;
        for (int r = 0; r < cfg.restarts(); r++) {
            TrainConfig tc = TrainConfig.defaults(Arch.TOPK, width, k).withEpochs(cfg.epochs())
                    .withSeed(cfg.seed() * 1000 + r);
            SaeWeights start = cfg.defaultInit() ? Trainer.init(tc, train.x(), n, d)
                    : ToyInit.farthestPoint(tc, train.x(), n, d, cfg.jitter());
            double[] first = {Double.NaN};
            Trainer.Result tr = new Trainer(be, tc, pr -> {
                if (pr.step() == 1) first[0] = pr.mse();
            }).train(start, train.x(), n, d);
            SaeWeights w = tr.weights();
            try (Sae sae = Sae.upload(be, w)) {
                DlReport rep = Mdl.of(sae, eval.x(), n).calibration(train.x(), n).toleranceFvu(cfg.fvu()).evaluate();
                Metrics m = Metrics.evaluate(sae, eval.x(), n);
                double act = 0;
                for (long c : m.fireCounts()) act += Entropy.h((double) c / n);
                Fit f = new Fit(width, k, rep.dlBits(), rep.bits(), rep.mse(), rep.fvu(), rep.l0(), act, 0, cfg.restarts(),
                        recovery(w, targets), restartDl, first[0], tr.finalMse());
                restartDl[r] = rep.dlBits();
                if (rep.dlBits() != null) {
                    admissible++;
                    if (best == null || rep.dlBits() < best.dlBits()) best = f;
                } else if (fallback == null || f.mse() < fallback.mse()) {
                    fallback = f;
                }
            }
        }
        Fit pick = best != null ? best : fallback;
        return new Fit(pick.width(), pick.k(), pick.dlBits(), pick.bits(), pick.mse(), pick.fvu(), pick.l0(),
                pick.activityBits(), admissible, cfg.restarts(), pick.recovery(), restartDl.clone(), pick.trainMseFirst(),
                pick.trainMseLast());
    }
}
