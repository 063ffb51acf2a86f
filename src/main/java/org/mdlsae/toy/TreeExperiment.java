package org.mdlsae.toy;

import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.mdlsae.InputException;
import org.mdlsae.backend.Backend;
import org.mdlsae.mdl.Calibration;
import org.mdlsae.mdl.DlReport;
import org.mdlsae.math.Entropy;
import org.mdlsae.mdl.Mdl;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.train.TrainConfig;
import org.mdlsae.train.Trainer;
import org.mdlsae.toy.tree.TreeCoding;
import org.mdlsae.toy.tree.TreeSae;
import org.mdlsae.toy.tree.TreeStructure;
import org.mdlsae.toy.tree.TreeRule;

/**
 * The hierarchy toy, empirically (paper §7, DESIGN §2.5): a parent P with P(P) = p and N mutually exclusive
 * children with P(C_i | P) = r_i, x = f_P (+ f_{C_i}) ({@link SyntheticData#hierarchy}). Trains
 * <ul>
 *   <li>a flat TopK SAE, D = N + 1, k = 1 — the conventional SAE, which must code "generic parent" and
 *       "parent + child i" as separate exclusive latents — measured with the normal entropy DL ({@link Mdl});</li>
 *   <li>a {@link TreeSae} with one parent and N children (a child fires only with its parent; at most one child,
 *       kChildren = 1), trained end to end by the engine's {@link Trainer} with the {@link TreeRule}, whose codes are measured three ways: with the
 *       normal flat entropy code (parent and child both sent: the co-active code), with the per-child tree code
 *       and with the sibling-joint tree code ({@link TreeCoding}, at the B* the flat evaluation picked).</li>
 * </ul>
 * Both SAEs are evaluated at the same FVU tolerance on fresh rows and compared with {@link Hierarchy}'s analytic
 * co-active, exclusive and tree codes, plus the per-child tree code h(p) + p·Σ h(r_i) that DESIGN §2.5's
 * per-latent conditional coding gives. Starts: {@link ToyInit#farthestPoint} / {@link ToyInit#tree}; each SAE
 * is trained {@code restarts} times and the admissible run with the least DL (per-child tree DL for the tree
 * SAE) is kept. Directions are orthonormal by default: with merely nearly orthogonal ones the tree SAE's parent
 * value carries 1 + cos(f_P, f_C), which depends on the child, so its value bins add entropy the analytic
 * boolean code does not have (measured, e.g. 2.59 vs 1.94 bits at p = 0.5, N = 4, r = 0.1, d = 32).
 */
public final class TreeExperiment {
    /** CSV file written by {@link Result#write}. */
    public static final String CSV = "tree_experiment.csv";
    /** PNG file written by {@link Result#write}. */
    public static final String PNG = "tree_experiment.png";

    private TreeExperiment() {
    }

    /**
     * Everything that determines a run.
     *
     * @param p          P(parent)
     * @param r          P(child i | parent), Σ ≤ 1
     * @param samples    training rows (the evaluation set has as many, drawn separately)
     * @param d          input dimension
     * @param noise      Gaussian noise σ
     * @param sampling   EXACT or IID
     * @param orthogonal orthonormal feature directions (default) or independent random ones
     * @param fvu        tolerance as FVU
     * @param epochs     training epochs
     * @param restarts   training runs per SAE
     * @param seed       master seed
     */
    public record Config(double p, double[] r, int samples, int d, double noise, SyntheticData.Sampling sampling,
                         boolean orthogonal, double fvu, int epochs, int restarts, long seed) {
        public Config {
            if (!(p > 0 && p < 1)) throw new InputException("--p must be a probability in (0, 1), got " + p);
            if (r == null || r.length < 1 || r.length > 256) throw new InputException("--children must be in [1, 256]");
            double s = 0;
            for (double v : r) {
                if (!(v > 0 && v <= 1)) throw new InputException("--r must be in (0, 1], got " + v);
                s += v;
            }
            if (s > 1 + 1e-12) throw new InputException("--children times --r exceeds 1: exclusive children's probabilities must sum to at most 1");
            r = r.clone();
            if (samples < 100 || samples > 2_000_000) throw new InputException("--samples must be in [100, 2000000], got " + samples);
            if (d < 2 || d > 4096) throw new InputException("--d must be in [2, 4096], got " + d);
            if (orthogonal && r.length + 1 > d) throw new InputException("orthogonal directions need d >= children + 1, got d = " + d);
            if (!(noise >= 0 && noise <= 10)) throw new InputException("--noise must be in [0, 10], got " + noise);
            if (sampling == null) throw new InputException("--sampling must be exact or iid");
            if (!(fvu > 0 && fvu < 1)) throw new InputException("--fvu must be in (0, 1), got " + fvu);
            if (epochs < 1 || epochs > 10_000) throw new InputException("--epochs must be in [1, 10000], got " + epochs);
            if (restarts < 1 || restarts > 100) throw new InputException("--restarts must be in [1, 100], got " + restarts);
        }

        /**
         * Defaults: N children with r each, 20 000 rows, d = 32, no noise, exact counts, orthonormal directions,
         * FVU 0.01, 10 epochs, 2 restarts, seed 0.
         *
         * @param p        P(parent)
         * @param children N
         * @param r        P(child | parent) each
         * @return the config
         */
        public static Config defaults(double p, int children, double r) {
            if (children < 1 || children > 256) throw new InputException("--children must be in [1, 256], got " + children);
            double[] rs = new double[children];
            Arrays.fill(rs, r);
            return new Config(p, rs, 20_000, 32, 0, SyntheticData.Sampling.EXACT, true, 0.01, 10, 2, 0);
        }

        /**
         * Number of children N.
         *
         * @return N
         */
        public int children() {
            return r.length;
        }
    }

    /**
     * One trained SAE's measurements.
     *
     * @param name               what it is
     * @param width              latents
     * @param dlFlat             normal (flat) entropy DL, null if inadmissible
     * @param dlTreePerChild     per-child tree DL (tree SAE only)
     * @param dlTreeJoint        sibling-joint tree DL (tree SAE only)
     * @param bits               B*
     * @param mse                unquantised MSE on the evaluation rows
     * @param fvu                unquantised FVU
     * @param l0                 mean active latents
     * @param admissibleRestarts restarts that met ε
     * @param trainMseFirst      training MSE of the first step
     * @param trainMseLast       training MSE of the last step
     */
    public record Fit(String name, int width, Double dlFlat, Double dlTreePerChild, Double dlTreeJoint, Integer bits,
                      double mse, double fvu, double l0, int admissibleRestarts, double trainMseFirst, double trainMseLast) {
    }

    /**
     * One code: its analytic length and the measured one.
     *
     * @param code     the code's name
     * @param analytic bits/sample
     * @param measured bits/sample (null if the SAE was inadmissible)
     * @param source   which SAE and coding measured it
     */
    public record CodeRow(String code, double analytic, Double measured, String source) {
    }

    /**
     * A finished run.
     *
     * @param config    the config
     * @param flat      flat TopK k=1 SAE
     * @param tree      tree SAE from {@link ToyInit#tree}
     * @param treeDefaultInit tree SAE from DESIGN §2.2's default init (random rows, b_dec = mean), for comparison
     * @param codes     analytic vs measured per code
     * @param seconds   wall time
     */
    public record Result(Config config, Fit flat, Fit tree, Fit treeDefaultInit, List<CodeRow> codes, double seconds) {
        /**
         * Analytic co-active, exclusive and tree (sibling-joint) lengths.
         *
         * @return {@link Hierarchy#codes(double, double...)}
         */
        public Hierarchy.Codes analytic() {
            return Hierarchy.codes(config.p(), config.r());
        }

        /**
         * CSV: one line per code.
         *
         * @return CSV text with a header
         */
        public String csv() {
            StringBuilder sb = new StringBuilder("code,analytic_bits,measured_bits,source\n");
            for (CodeRow c : codes) {
                sb.append(String.format(Locale.ROOT, "%s,%.8f,%s,%s%n", c.code(), c.analytic(),
                        c.measured() == null ? "" : String.format(Locale.ROOT, "%.8f", c.measured()), c.source()));
            }
            return sb.toString();
        }

        /**
         * Bar chart: analytic and measured bits per code.
         *
         * @return an XChart category chart
         */
        public CategoryChart chart() {
            if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
            CategoryChart chart = new CategoryChartBuilder().width(900).height(600)
                    .title(String.format(Locale.ROOT, "Hierarchy: p = %s, %d exclusive children, r = %s",
                            SplitExperiment.num(config.p()), config.children(), rString(config.r())))
                    .xAxisTitle("code").yAxisTitle("bits per sample").build();
            List<String> names = new ArrayList<>();
            List<Double> an = new ArrayList<>(), me = new ArrayList<>();
            for (CodeRow c : codes) {
                names.add(c.code());
                an.add(c.analytic());
                me.add(c.measured() == null ? 0.0 : c.measured());
            }
            CategorySeries a = chart.addSeries("analytic", names, an);
            a.setFillColor(new Color(0x9E, 0xC5, 0xE8));
            CategorySeries m = chart.addSeries("measured (trained SAEs)", names, me);
            m.setFillColor(new Color(0x1F, 0x77, 0xB4));
            double lo = Double.POSITIVE_INFINITY;
            for (double v : an) lo = Math.min(lo, v);
            chart.getStyler().setYAxisMin(Math.max(0, Math.floor(lo * 10 - 1) / 10));
            chart.getStyler().setYAxisDecimalPattern("0.00");
            return chart;
        }

        /**
         * Writes {@link #CSV} and {@link #PNG} into {@code dir}, atomically.
         *
         * @param dir output directory (created if missing)
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

    static String rString(double[] r) {
        boolean same = true;
        for (double v : r) same &= v == r[0];
        if (same) return SplitExperiment.num(r[0]);
        StringBuilder sb = new StringBuilder();
        for (double v : r) sb.append(sb.length() == 0 ? "" : ",").append(SplitExperiment.num(v));
        return sb.toString();
    }

    /**
     * Per-child tree code, analytic: h(p) + p·Σ h(r_i).
     *
     * @param p P(parent)
     * @param r P(child i | parent)
     * @return bits/sample
     */
    public static double treePerChild(double p, double... r) {
        Hierarchy.codes(p, r); // validates
        double s = Entropy.h(p);
        for (double v : r) s += p * Entropy.h(v);
        return s;
    }

    /**
     * Runs the experiment.
     *
     * @param cfg      config
     * @param be       backend
     * @param progress one line per trained SAE (may be null)
     * @return the result
     */
    public static Result run(Config cfg, Backend be, Consumer<String> progress) {
        long t0 = System.nanoTime();
        int n = cfg.samples(), d = cfg.d(), m = cfg.children() + 1;
        float[] dirs = SyntheticData.randomDirections(m, d, cfg.seed() * 7919 + 29, cfg.orthogonal());
        List<int[]> pats = SyntheticData.hierarchyPatterns(cfg.children());
        double[] probs = SyntheticData.hierarchyProbabilities(cfg.p(), cfg.r());
        SyntheticData.Sample train = SyntheticData.generate(dirs, m, d, pats, probs, n, SyntheticData.Magnitudes.BOOLEAN,
                cfg.noise(), cfg.sampling(), cfg.seed() * 1_000_003L + 101);
        SyntheticData.Sample eval = SyntheticData.generate(dirs, m, d, pats, probs, n, SyntheticData.Magnitudes.BOOLEAN,
                cfg.noise(), cfg.sampling(), cfg.seed() * 1_000_003L + 102);

        Fit flat = flat(cfg, be, train, eval);
        if (progress != null) progress.accept(String.format(Locale.ROOT, "flat TopK k=1 SAE: DL %s", fmt(flat.dlFlat())));
        TreeStructure ts = TreeStructure.groups(1, cfg.children(), 0, 1);
        Fit tree = tree(cfg, be, ts, train, eval, true);
        if (progress != null) {
            progress.accept(String.format(Locale.ROOT, "tree SAE: flat code %s, per-child tree code %s, sibling-joint %s",
                    fmt(tree.dlFlat()), fmt(tree.dlTreePerChild()), fmt(tree.dlTreeJoint())));
        }
        Fit treeDefault = tree(cfg, be, ts, train, eval, false);
        if (progress != null) {
            progress.accept(String.format(Locale.ROOT, "tree SAE from the default init: per-child tree code %s, MSE %.3g -> %.3g",
                    fmt(treeDefault.dlTreePerChild()), treeDefault.trainMseFirst(), treeDefault.trainMseLast()));
        }
        Hierarchy.Codes an = Hierarchy.codes(cfg.p(), cfg.r());
        List<CodeRow> codes = List.of(
                new CodeRow("exclusive flat", an.exclusiveFlat(), flat.dlFlat(), "flat TopK k=1 SAE, normal entropy DL"),
                new CodeRow("co-active flat", an.coactiveFlat(), tree.dlFlat(), "tree SAE codes, normal (flat) entropy DL"),
                new CodeRow("tree per-child", treePerChild(cfg.p(), cfg.r()), tree.dlTreePerChild(), "tree SAE codes, per-child tree code"),
                new CodeRow("tree sibling-joint", an.tree(), tree.dlTreeJoint(), "tree SAE codes, sibling-joint tree code"));
        return new Result(cfg, flat, tree, treeDefault, codes, (System.nanoTime() - t0) / 1e9);
    }

    private static String fmt(Double v) {
        return v == null ? "inadmissible" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static Fit flat(Config cfg, Backend be, SyntheticData.Sample train, SyntheticData.Sample eval) {
        int n = cfg.samples(), d = cfg.d(), width = cfg.children() + 1;
        Fit best = null, fallback = null;
        int admissible = 0;
        for (int r = 0; r < cfg.restarts(); r++) {
            TrainConfig tc = TrainConfig.defaults(Arch.TOPK, width, 1).withEpochs(cfg.epochs()).withSeed(cfg.seed() * 1000 + r);
            double[] first = {Double.NaN};
            Trainer.Result res = new Trainer(be, tc, pr -> {
                if (pr.step() == 1) first[0] = pr.mse();
            }).train(ToyInit.farthestPoint(tc, train.x(), n, d), train.x(), n, d);
            try (Sae sae = Sae.upload(be, res.weights())) {
                DlReport rep = Mdl.of(sae, eval.x(), n).calibration(train.x(), n).toleranceFvu(cfg.fvu()).evaluate();
                Fit f = new Fit("flat TopK k=1", width, rep.dlBits(), null, null, rep.bits(), rep.mse(), rep.fvu(), rep.l0(), 0,
                        first[0], res.finalMse());
                if (rep.dlBits() != null) {
                    admissible++;
                    if (best == null || rep.dlBits() < best.dlFlat()) best = f;
                } else if (fallback == null || f.mse() < fallback.mse()) {
                    fallback = f;
                }
            }
        }
        Fit p = best != null ? best : fallback;
        return new Fit(p.name(), p.width(), p.dlFlat(), null, null, p.bits(), p.mse(), p.fvu(), p.l0(), admissible,
                p.trainMseFirst(), p.trainMseLast());
    }

    private static Fit tree(Config cfg, Backend be, TreeStructure ts, SyntheticData.Sample train, SyntheticData.Sample eval,
                            boolean toyInit) {
        int n = cfg.samples(), d = cfg.d(), width = ts.width();
        Fit best = null, fallback = null;
        int admissible = 0;
        for (int r = 0; r < cfg.restarts(); r++) {
            // a tree SAE trains without AuxK (TreeRule)
            TrainConfig tc = TrainConfig.defaults(Arch.TOPK, width, Math.max(1, Math.min(width, ts.maxActive())))
                    .withEpochs(cfg.epochs()).withSeed(cfg.seed() * 1000 + r).withAux(0, 0, 0);
            SaeWeights start = toyInit ? ToyInit.tree(tc, ts, train.x(), n, d) : Trainer.init(tc, train.x(), n, d);
            Trainer.Result res = new Trainer(be, tc, null).activation(new TreeRule(ts)).train(start, train.x(), n, d);
            try (TreeSae sae = new TreeSae(be, res.weights(), ts)) {
                DlReport rep = Mdl.of(sae, eval.x(), n).calibration(train.x(), n).toleranceFvu(cfg.fvu()).evaluate();
                Double perChild = null, joint = null;
                if (rep.bits() != null) {
                    float[] max = Calibration.maxima(sae, train.x(), n);
                    TreeCoding.Result tc2 = TreeCoding.evaluate(ts, sae.encodeHost(eval.x(), n), max, rep.bits());
                    perChild = tc2.perChildBits();
                    joint = tc2.siblingJointBits();
                }
                Fit f = new Fit(toyInit ? "tree SAE" : "tree SAE (default init)", width, rep.dlBits(), perChild, joint,
                        rep.bits(), rep.mse(), rep.fvu(), rep.l0(), 0, res.initialMse(), res.finalMse());
                if (perChild != null) {
                    admissible++;
                    if (best == null || perChild < best.dlTreePerChild()) best = f;
                } else if (fallback == null || f.mse() < fallback.mse()) {
                    fallback = f;
                }
            }
        }
        Fit p = best != null ? best : fallback;
        return new Fit(p.name(), p.width(), p.dlFlat(), p.dlTreePerChild(), p.dlTreeJoint(), p.bits(), p.mse(), p.fvu(),
                p.l0(), admissible, p.trainMseFirst(), p.trainMseLast());
    }
}
