package org.mdlsae.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mdlsae.InputException;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.choice.Backends;
import org.mdlsae.io.OutputKind;
import org.mdlsae.io.OutputTarget;
import org.mdlsae.toy.FeatureSplitting;
import org.mdlsae.toy.Hierarchy;
import org.mdlsae.toy.PhaseDiagram;
import org.mdlsae.toy.SplitExperiment;
import org.mdlsae.toy.SyntheticData;
import org.mdlsae.toy.TreeExperiment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code mdlsae toy}: the paper's §7 theory toys. Analytically: {@code toy split} tabulates the
 * feature-splitting description lengths over ρ and finds the boundary ρ*; {@code toy hierarchy} compares
 * the flat and tree codes of a parent feature with exclusive children. Empirically: {@code toy experiment split}
 * trains 2- and 3-latent SAEs on synthetic data across ρ and overlays their measured entropy DL on the analytic
 * curves; {@code toy experiment tree} trains a flat SAE and a tree SAE on hierarchical data and compares their
 * measured DLs with the analytic codes.
 */
@Command(name = "toy", mixinStandardHelpOptions = true,
        description = "Theory toys of the MDL-SAE paper (section 7): feature splitting and hierarchical codes.",
        subcommands = {ToyCommand.Split.class, ToyCommand.HierarchyCmd.class, ToyCommand.Experiment.class})
public final class ToyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "toy needs a subcommand: 'toy split --p 0.1', 'toy hierarchy --p 0.1 --r 0.5' "
                + "or 'toy experiment split|tree'");
    }

    static String json(Object o) throws IOException {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(o);
    }

    static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** {@code toy split}: DL₂ vs DL₃ over ρ, the boundary ρ*, and optionally the phase diagram. */
    @Command(name = "split", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Feature splitting: is it cheaper to code A, B (DL2 = h(pA) + h(pB)) or A&!B, !A&B, A&B "
                    + "(DL3 = h(pA - q) + h(pB - q) + h(q)), with q = pA pB + rho sqrt(pA(1-pA) pB(1-pB))?"})
    public static final class Split implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--p", required = true, paramLabel = "P", description = "P(A) (and P(B) unless --pb is given), in (0, 1).")
        double p;

        @Option(names = "--pb", paramLabel = "P", description = "P(B), in (0, 1); default: equal to --p.")
        Double pb;

        @Option(names = "--rho-steps", paramLabel = "N", defaultValue = "11",
                description = "Rows of the table: rho evenly from 0 to its largest feasible value (default: ${DEFAULT-VALUE}).")
        int rhoSteps;

        @Option(names = "--out", paramLabel = "DIR",
                description = "Also write the phase diagram (equal p from 0.005 to 0.5, rho from 0 to 1) as DIR/phase_diagram.csv and DIR/phase_diagram.png.")
        Path out;

        @Option(names = "--force", description = "Replace a toy output this engine wrote at --out.")
        boolean force;

        @Option(names = "--json", description = "Print only a JSON object on stdout.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            OutputTarget target = target(out, force);
            double pB = pb == null ? p : pb;
            if (!(p > 0 && p < 1)) throw bad("--p must be a probability in (0, 1), got " + p);
            if (!(pB > 0 && pB < 1)) throw bad("--pb must be a probability in (0, 1), got " + pB);
            if (rhoSteps < 2 || rhoSteps > 100_001) throw bad("--rho-steps must be in [2, 100001], got " + rhoSteps);
            double rhoMax = FeatureSplitting.rhoMax(p, pB);
            double rhoStar = FeatureSplitting.rhoStar(p, pB);
            List<FeatureSplitting.Point> rows = new ArrayList<>();
            for (int i = 0; i < rhoSteps; i++) {
                double rho = i == rhoSteps - 1 ? rhoMax : rhoMax * i / (rhoSteps - 1);
                rows.add(FeatureSplitting.point(p, pB, rho));
            }
            List<Path> written = writeOut(target, "phase diagram", dir -> PhaseDiagram.standard().write(dir));
            PrintWriter w = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("p_a", p);
                m.put("p_b", pB);
                m.put("dl2_bits", FeatureSplitting.dl2(p, pB));
                m.put("rho_star", finite(rhoStar));
                m.put("rho_max", rhoMax);
                List<Map<String, Object>> table = new ArrayList<>();
                for (FeatureSplitting.Point pt : rows) {
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("rho", pt.rho());
                    r.put("q", pt.q());
                    r.put("dl2_bits", pt.dl2());
                    r.put("dl3_bits", pt.dl3());
                    r.put("l0_unsplit", pt.l0Unsplit());
                    r.put("l0_split", pt.l0Split());
                    r.put("split_preferred", pt.splitPreferred());
                    table.add(r);
                }
                m.put("rows", table);
                List<String> files = new ArrayList<>();
                for (Path f : written) files.add(f.toString());
                m.put("files", files);
                w.println(json(m));
                w.flush();
                return 0;
            }
            w.printf(Locale.ROOT, "Feature splitting: P(A) = %s, P(B) = %s; DL2 = h(pA) + h(pB) = %.6f bits%n",
                    BoundCommand.num(p), BoundCommand.num(pB), FeatureSplitting.dl2(p, pB));
            w.printf(Locale.ROOT, "%8s %10s %10s %10s %9s  %s%n", "rho", "q", "DL2", "DL3", "L0 split", "preferred by MDL");
            for (FeatureSplitting.Point pt : rows) {
                w.printf(Locale.ROOT, "%8.4f %10.6f %10.6f %10.6f %9.4f  %s%n", pt.rho(), pt.q(), pt.dl2(), pt.dl3(),
                        pt.l0Split(), pt.splitPreferred() ? "split (3 latents)" : "no split (2 latents)");
            }
            if (Double.isNaN(rhoStar)) {
                w.printf(Locale.ROOT, "rho* = none: DL3 - DL2 keeps one sign for rho in [0, %.4f]%n", rhoMax);
            } else {
                w.printf(Locale.ROOT, "rho* = %.4f  (MDL prefers the split only above it; L0 always prefers it)%n", rhoStar);
            }
            for (Path f : written) w.println("wrote " + f);
            w.flush();
            return 0;
        }

        private ParameterException bad(String msg) {
            return new ParameterException(spec.commandLine(), msg);
        }
    }

    /** {@code toy hierarchy}: co-active flat, exclusive flat and tree codes of a parent with exclusive children. */
    @Command(name = "hierarchy", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Hierarchical features: parent P with P(P) = p, N exclusive children each with P(C|P) = r. "
                    + "Compares the co-active flat, exclusive flat and tree codes."})
    public static final class HierarchyCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--p", required = true, paramLabel = "P", description = "P(parent), in [0, 1].")
        double p;

        @Option(names = "--r", required = true, paramLabel = "R", description = "P(child | parent) for each child, in [0, 1].")
        double r;

        @Option(names = "--children", paramLabel = "N", defaultValue = "1",
                description = "Number N of mutually exclusive children (N * r <= 1; default: ${DEFAULT-VALUE}).")
        int children;

        @Option(names = "--json", description = "Print only a JSON object on stdout.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (!(p >= 0 && p <= 1)) throw bad("--p must be a probability in [0, 1], got " + p);
            if (!(r >= 0 && r <= 1)) throw bad("--r must be a probability in [0, 1], got " + r);
            if (children < 1 || children > 1_000_000) throw bad("--children must be in [1, 1000000], got " + children);
            if (children * r > 1 + 1e-12) {
                throw bad("--children " + children + " times --r " + BoundCommand.num(r) + " exceeds 1: exclusive children's "
                        + "probabilities must sum to at most 1");
            }
            Hierarchy.Codes c = Hierarchy.codes(p, r, children);
            PrintWriter w = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("p", p);
                m.put("r", r);
                m.put("children", children);
                m.put("coactive_flat_bits", c.coactiveFlat());
                m.put("exclusive_flat_bits", c.exclusiveFlat());
                m.put("tree_bits", c.tree());
                m.put("tree_saving_vs_coactive_bits", c.treeSavingVsCoactive());
                m.put("tree_saving_vs_exclusive_bits", c.treeSavingVsExclusive());
                w.println(json(m));
                w.flush();
                return 0;
            }
            w.printf(Locale.ROOT, "Hierarchy: P(parent) = %s, %d exclusive child%s, P(child | parent) = %s each%n",
                    BoundCommand.num(p), children, children == 1 ? "" : "ren", BoundCommand.num(r));
            w.printf(Locale.ROOT, "  co-active flat   h(p) + sum h(p r_i)                 %.6f bits%n", c.coactiveFlat());
            w.printf(Locale.ROOT, "  exclusive flat   sum h(p r_i) + h(p (1 - sum r_i))   %.6f bits%n", c.exclusiveFlat());
            w.printf(Locale.ROOT, "  tree             h(p) + p H(r_1..r_N, 1 - sum r_i)   %.6f bits%n", c.tree());
            w.printf(Locale.ROOT, "The tree saves %.6f bits vs the co-active flat code and %.6f bits vs the exclusive flat code%n",
                    c.treeSavingVsCoactive(), c.treeSavingVsExclusive());
            w.flush();
            return 0;
        }

        private ParameterException bad(String msg) {
            return new ParameterException(spec.commandLine(), msg);
        }
    }

    /** Shared options of the empirical experiments. */
    static final class ExperimentOptions {
        @Option(names = "--samples", paramLabel = "N", defaultValue = "20000",
                description = "Training rows (the evaluation set has as many, drawn separately; default: ${DEFAULT-VALUE}).")
        int samples;

        @Option(names = "--d", paramLabel = "D", description = "Input dimension (default: 32).", defaultValue = "32")
        int d;

        @Option(names = "--noise", paramLabel = "SIGMA", defaultValue = "0",
                description = "Gaussian noise per coordinate added to every row (default: ${DEFAULT-VALUE}).")
        double noise;

        @Option(names = "--sampling", paramLabel = "MODE", defaultValue = "exact",
                description = "exact: exactly round(N*P) rows per activity pattern; iid: independent draws (default: ${DEFAULT-VALUE}).")
        String sampling;

        @Option(names = "--fvu", paramLabel = "F", defaultValue = "0.01",
                description = "Tolerance as FVU, the same for every SAE compared (default: ${DEFAULT-VALUE}).")
        double fvu;

        @Option(names = "--epochs", paramLabel = "E", defaultValue = "10", description = "Training epochs (default: ${DEFAULT-VALUE}).")
        int epochs;

        @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Master seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--backend", paramLabel = "NAME", defaultValue = "cpu",
                description = "cpu (default: deterministic, and the toys are tiny), opencl, cuda or auto.")
        String backend;

        @Option(names = "--out", paramLabel = "DIR", description = "Also write a CSV and a PNG chart into DIR (a new directory, written atomically).")
        Path out;

        @Option(names = "--force", description = "Replace a toy output this engine wrote at --out.")
        boolean force;

        @Option(names = "--json", description = "Print only a JSON object on stdout (progress goes to stderr).")
        boolean json;

        @Option(names = "--quiet", description = "No progress lines on stderr.")
        boolean quiet;

        /** Refuses data that would not fit one Java array or the heap (training and evaluation sets, and a copy). */
        void checkMemory() {
            long values = (long) samples * d;
            if (values > Resources.MAX_ARRAY) {
                throw new InputException("--samples " + samples + " with --d " + d + ": the data would hold " + values
                        + " values, more than one Java array holds (" + Resources.MAX_ARRAY + "); use fewer --samples or a smaller --d");
            }
            Resources.require(new Resources.Need(3 * 4 * values, 0, 4 * values), null, "fewer --samples or a smaller --d");
        }

        SyntheticData.Sampling sampling(CommandSpec spec) {
            return switch (sampling.trim().toLowerCase(Locale.ROOT)) {
                case "exact" -> SyntheticData.Sampling.EXACT;
                case "iid" -> SyntheticData.Sampling.IID;
                default -> throw new ParameterException(spec.commandLine(), "--sampling must be exact or iid, got '" + sampling + "'");
            };
        }
    }

    static java.util.function.Consumer<String> progress(CommandSpec spec, boolean quiet) {
        if (quiet) return null;
        PrintWriter err = spec.commandLine().getErr();
        return line -> {
            err.println("mdlsae: " + line);
            err.flush();
        };
    }

    static Double nul(Double v) {
        return v == null || !Double.isFinite(v) ? null : v;
    }

    /** Checks {@code --out} before any work (null when it is absent). */
    static OutputTarget target(Path out, boolean force) {
        return out == null ? null : OutputTarget.check("--out", out, OutputKind.TOY, OutputTarget.Mode.REPLACE, force);
    }

    /** Publishes what {@code w} writes as the directory {@code t} (atomically); returns the final paths. */
    static List<Path> writeOut(OutputTarget t, String what, IoWriter w) {
        if (t == null) return List.of();
        List<Path> written = new ArrayList<>();
        try {
            t.publish(tmp -> {
                for (Path p : w.write(tmp)) written.add(t.path().resolve(tmp.relativize(p)));
            });
        } catch (IOException e) {
            throw t.refusal("cannot write the " + what + " (" + e.getMessage() + "); give a writable directory");
        }
        return written;
    }

    /** A writer that may fail with an IOException. */
    interface IoWriter {
        List<Path> write(Path dir) throws IOException;
    }

    /** {@code toy experiment}: the toys measured on trained SAEs. */
    @Command(name = "experiment", mixinStandardHelpOptions = true,
            description = "Empirical toys: train SAEs on synthetic data with known features and measure their description length.",
            subcommands = {ExperimentSplit.class, ExperimentTree.class})
    public static final class Experiment implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            throw new ParameterException(spec.commandLine(), "toy experiment needs a subcommand: 'split --p 0.1' or 'tree --p 0.5 --children 4'");
        }
    }

    /** {@code toy experiment split}: measured DL₂, DL₃ over ρ against the analytic curves. */
    @Command(name = "split", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Feature splitting, measured: for each rho, train a 2-latent TopK SAE (k=2) and a 3-latent TopK SAE (k=1) "
                    + "on x = a f_A + b f_B with P(A)=P(B)=p and correlation rho, measure their entropy DL at the same tolerance, "
                    + "and compare with DL2 = 2h(p), DL3 = 2h(p-q) + h(q) and the boundary rho*."})
    public static final class ExperimentSplit implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--p", required = true, paramLabel = "P", description = "P(A) = P(B), in (0, 1).")
        double p;

        @Option(names = "--rho-steps", paramLabel = "N", defaultValue = "11", description = "Grid points of rho (default: ${DEFAULT-VALUE}).")
        int rhoSteps;

        @Option(names = "--rho-min", paramLabel = "R", defaultValue = "0", description = "First rho (default: ${DEFAULT-VALUE}).")
        double rhoMin;

        @Option(names = "--rho-max", paramLabel = "R", description = "Last rho (default: min(0.5, largest feasible rho)).")
        Double rhoMax;

        @Option(names = "--restarts", paramLabel = "R", defaultValue = "3",
                description = "Training runs per SAE; the admissible one with the least DL is kept (default: ${DEFAULT-VALUE}).")
        int restarts;

        @Option(names = "--orthogonal", description = "Make f_A and f_B exactly orthogonal (default: independent random unit directions).")
        boolean orthogonal;

        @Option(names = "--jitter", paramLabel = "J", defaultValue = "0",
                description = "Perturb the initial decoder rows by a random vector of this norm (0.2 ~ 11 degrees; default: ${DEFAULT-VALUE}).")
        double jitter;

        @Option(names = "--default-init", description = "Start from the trainer's default init (random rows, b_dec = data mean) "
                + "instead of the toy's farthest-point init, to see what the trainer finds on its own.")
        boolean defaultInit;

        @picocli.CommandLine.Mixin
        ExperimentOptions opt;

        @Override
        public Integer call() throws Exception {
            OutputTarget target = target(opt.out, opt.force);
            if (!(p > 0 && p < 1)) throw new ParameterException(spec.commandLine(), "--p must be a probability in (0, 1), got " + p);
            SyntheticData.Sampling sampling = opt.sampling(spec);
            double hi = rhoMax != null ? rhoMax : Math.min(0.5, FeatureSplitting.rhoMax(p, p));
            SplitExperiment.Config cfg;
            try {
                cfg = new SplitExperiment.Config(p, rhoMin, hi, rhoSteps, opt.samples, opt.d, opt.noise, sampling, orthogonal,
                        opt.fvu, opt.epochs, restarts, jitter, defaultInit, opt.seed);
            } catch (InputException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            opt.checkMemory();
            Backend be = Backends.create(opt.backend);
            SplitExperiment.Result res;
            try {
                res = SplitExperiment.run(cfg, be, progress(spec, opt.quiet || false));
            } finally {
                be.close();
            }
            List<Path> written = writeOut(target, "experiment's CSV and chart", res::write);
            PrintWriter w = spec.commandLine().getOut();
            if (opt.json) {
                w.println(json(splitJson(res, written)));
                w.flush();
                return 0;
            }
            w.printf(Locale.ROOT, "Feature splitting, measured: p = %s, %d rows (%s), d = %d, %s directions, noise %s, FVU tolerance %s, "
                            + "%d restarts, %s init%s%n",
                    BoundCommand.num(p), cfg.samples(), sampling.name().toLowerCase(Locale.ROOT), cfg.d(), orthogonal ? "orthogonal" : "random",
                    BoundCommand.num(cfg.noise()), BoundCommand.num(cfg.fvu()), cfg.restarts(), defaultInit ? "default" : "farthest-point",
                    jitter > 0 ? " (jitter " + BoundCommand.num(jitter) + ")" : "");
            w.printf(Locale.ROOT, "%7s %8s | %8s %8s | %8s %8s | %6s %6s | %5s %5s | %7s %7s%n", "rho", "q", "DL2 an", "DL3 an",
                    "DL2 meas", "DL3 meas", "B*2", "B*3", "L0 2", "L0 3", "value2", "value3");
            for (SplitExperiment.Row r : res.rows()) {
                w.printf(Locale.ROOT, "%7.4f %8.5f | %8.5f %8.5f | %8s %8s | %6s %6s | %5.3f %5.3f | %7s %7s%n", r.rho(), r.q(), r.analytic2(),
                        r.analytic3(), f5(r.two().dlBits()), f5(r.three().dlBits()), i(r.two().bits()), i(r.three().bits()),
                        r.two().l0(), r.three().l0(), f5(r.two().valueBits()), f5(r.three().valueBits()));
            }
            w.printf(Locale.ROOT, "analytic rho* = %.4f (linear interpolation on this grid: %s)%n", res.rhoStar(), f4(res.rhoStarGrid()));
            if (res.rhoStarMeasured() == null) {
                w.println("measured rho* = none: the measured DL3 - DL2 does not change sign from + to - on this grid");
            } else {
                w.printf(Locale.ROOT, "measured rho* = %.4f  (|measured - analytic| = %.4f; %d sign change%s)%n", res.rhoStarMeasured(),
                        Math.abs(res.rhoStarMeasured() - res.rhoStar()), res.signChanges(), res.signChanges() == 1 ? "" : "s");
            }
            w.printf(Locale.ROOT, "largest |measured - analytic| DL over the grid: %.5f bits; %.1f s%n", res.maxAbsError(), res.seconds());
            for (Path f : written) w.println("wrote " + f);
            w.flush();
            return 0;
        }
    }

    static String f5(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.5f", v);
    }

    static String f4(Double v) {
        return v == null ? "none" : String.format(Locale.ROOT, "%.4f", v);
    }

    static String i(Integer v) {
        return v == null ? "-" : v.toString();
    }

    static Map<String, Object> splitJson(SplitExperiment.Result res, List<Path> written) {
        SplitExperiment.Config c = res.config();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p", c.p());
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("rho_min", c.rhoMin());
        cfg.put("rho_max", c.rhoMax());
        cfg.put("rho_steps", c.rhoSteps());
        cfg.put("samples", c.samples());
        cfg.put("d", c.d());
        cfg.put("noise", c.noise());
        cfg.put("sampling", c.sampling().name().toLowerCase(Locale.ROOT));
        cfg.put("orthogonal", c.orthogonal());
        cfg.put("fvu", c.fvu());
        cfg.put("epochs", c.epochs());
        cfg.put("restarts", c.restarts());
        cfg.put("jitter", c.jitter());
        cfg.put("default_init", c.defaultInit());
        cfg.put("seed", c.seed());
        m.put("config", cfg);
        m.put("rho_star", res.rhoStar());
        m.put("rho_star_grid", res.rhoStarGrid());
        m.put("rho_star_measured", res.rhoStarMeasured());
        m.put("rho_star_error", res.rhoStarMeasured() == null ? null : Math.abs(res.rhoStarMeasured() - res.rhoStar()));
        m.put("sign_changes", res.signChanges());
        m.put("max_abs_dl_error_bits", finite(res.maxAbsError()));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (SplitExperiment.Row r : res.rows()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("rho", r.rho());
            o.put("q", r.q());
            o.put("dl2_analytic", r.analytic2());
            o.put("dl3_analytic", r.analytic3());
            o.put("dl2_data", r.data2());
            o.put("dl3_data", r.data3());
            o.put("dl2_measured", r.two().dlBits());
            o.put("dl3_measured", r.three().dlBits());
            o.put("two", fitJson(r.two()));
            o.put("three", fitJson(r.three()));
            rows.add(o);
        }
        m.put("rows", rows);
        List<String> files = new ArrayList<>();
        for (Path f : written) files.add(f.toString());
        m.put("files", files);
        m.put("seconds", res.seconds());
        return m;
    }

    static Map<String, Object> fitJson(SplitExperiment.Fit f) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("width", f.width());
        o.put("k", f.k());
        o.put("dl_bits", f.dlBits());
        o.put("bits", f.bits());
        o.put("activity_bits", f.activityBits());
        o.put("value_bits", f.valueBits());
        o.put("mse", f.mse());
        o.put("fvu", finite(f.fvu()));
        o.put("l0", f.l0());
        o.put("recovery_cos", f.recovery());
        o.put("admissible_restarts", f.admissibleRestarts());
        o.put("restart_dl_bits", java.util.Arrays.asList(f.restartDl()));
        o.put("train_mse_first_step", finite(f.trainMseFirst()));
        o.put("train_mse_last_step", finite(f.trainMseLast()));
        return o;
    }

    /** {@code toy experiment tree}: flat SAE vs tree SAE on hierarchical data. */
    @Command(name = "tree", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Hierarchy, measured: a parent with P(P)=p and N exclusive children with P(C|P)=r. Trains a flat TopK "
                    + "SAE (k=1, the conventional exclusive code) and a tree SAE (children fire only with their parent), measures "
                    + "the flat SAE with the normal entropy DL and the tree SAE's codes with the flat, per-child tree and "
                    + "sibling-joint tree codes, beside the analytic numbers."})
    public static final class ExperimentTree implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--p", paramLabel = "P", defaultValue = "0.5", description = "P(parent), in (0, 1) (default: ${DEFAULT-VALUE}).")
        double p;

        @Option(names = "--children", paramLabel = "N", defaultValue = "4", description = "Exclusive children (default: ${DEFAULT-VALUE}).")
        int children;

        @Option(names = "--r", paramLabel = "R", defaultValue = "0.1",
                description = "P(child | parent) for each child; N * r <= 1 (default: ${DEFAULT-VALUE}).")
        double r;

        @Option(names = "--restarts", paramLabel = "R", defaultValue = "2",
                description = "Training runs per SAE; the admissible one with the least DL is kept (default: ${DEFAULT-VALUE}).")
        int restarts;

        @Option(names = "--random-directions", description = "Independent random unit directions instead of orthonormal ones.")
        boolean randomDirections;

        @picocli.CommandLine.Mixin
        ExperimentOptions opt;

        @Override
        public Integer call() throws Exception {
            OutputTarget target = target(opt.out, opt.force);
            if (!(p > 0 && p < 1)) throw new ParameterException(spec.commandLine(), "--p must be a probability in (0, 1), got " + p);
            if (children < 1 || children > 256) throw new ParameterException(spec.commandLine(), "--children must be in [1, 256], got " + children);
            if (!(r > 0 && r <= 1)) throw new ParameterException(spec.commandLine(), "--r must be in (0, 1], got " + r);
            if (children * r > 1 + 1e-12) {
                throw new ParameterException(spec.commandLine(), "--children " + children + " times --r " + BoundCommand.num(r)
                        + " exceeds 1: exclusive children's probabilities must sum to at most 1");
            }
            SyntheticData.Sampling sampling = opt.sampling(spec);
            TreeExperiment.Config cfg;
            try {
                TreeExperiment.Config base = TreeExperiment.Config.defaults(p, children, r);
                cfg = new TreeExperiment.Config(p, base.r(), opt.samples, opt.d, opt.noise, sampling, !randomDirections, opt.fvu,
                        opt.epochs, restarts, opt.seed);
            } catch (InputException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            opt.checkMemory();
            Backend be = Backends.create(opt.backend);
            TreeExperiment.Result res;
            try {
                res = TreeExperiment.run(cfg, be, progress(spec, opt.quiet));
            } finally {
                be.close();
            }
            List<Path> written = writeOut(target, "experiment's CSV and chart", res::write);
            PrintWriter w = spec.commandLine().getOut();
            if (opt.json) {
                w.println(json(treeJson(res, written)));
                w.flush();
                return 0;
            }
            w.printf(Locale.ROOT, "Hierarchy, measured: P(parent) = %s, %d exclusive children, P(child | parent) = %s; %d rows (%s), d = %d, "
                            + "%s directions, noise %s, FVU tolerance %s%n", BoundCommand.num(p), children, BoundCommand.num(r), cfg.samples(),
                    sampling.name().toLowerCase(Locale.ROOT), cfg.d(), cfg.orthogonal() ? "orthonormal" : "random", BoundCommand.num(cfg.noise()),
                    BoundCommand.num(cfg.fvu()));
            w.printf(Locale.ROOT, "%-20s %10s %10s %9s  %s%n", "code", "analytic", "measured", "diff", "measured on");
            for (TreeExperiment.CodeRow c : res.codes()) {
                w.printf(Locale.ROOT, "%-20s %10.5f %10s %9s  %s%n", c.code(), c.analytic(), f5(c.measured()),
                        c.measured() == null ? "-" : String.format(Locale.ROOT, "%+.5f", c.measured() - c.analytic()), c.source());
            }
            for (TreeExperiment.Fit f : new TreeExperiment.Fit[] {res.flat(), res.tree(), res.treeDefaultInit()}) {
                w.printf(Locale.ROOT, "  %-26s D = %d, B* = %s, L0 = %.3f, FVU = %.2g, admissible restarts %d/%d, train MSE %.3g -> %.3g%n",
                        f.name(), f.width(), i(f.bits()), f.l0(), f.fvu(), f.admissibleRestarts(), cfg.restarts(), f.trainMseFirst(),
                        f.trainMseLast());
            }
            Double ex = res.flat().dlFlat(), pc = res.tree().dlTreePerChild(), jt = res.tree().dlTreeJoint();
            Hierarchy.Codes an = res.analytic();
            double anPc = TreeExperiment.treePerChild(p, cfg.r());
            w.printf(Locale.ROOT, "tree SAE (per-child code) vs flat SAE: %s bits/sample saved (analytic %.5f)%n",
                    ex == null || pc == null ? "-" : String.format(Locale.ROOT, "%.5f", ex - pc), an.exclusiveFlat() - anPc);
            w.printf(Locale.ROOT, "tree SAE (sibling-joint code) vs flat SAE: %s bits/sample saved (analytic %.5f)%n",
                    ex == null || jt == null ? "-" : String.format(Locale.ROOT, "%.5f", ex - jt), an.treeSavingVsExclusive());
            w.printf(Locale.ROOT, "%.1f s%n", res.seconds());
            for (Path f : written) w.println("wrote " + f);
            w.flush();
            return 0;
        }
    }

    static Map<String, Object> treeJson(TreeExperiment.Result res, List<Path> written) {
        TreeExperiment.Config c = res.config();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p", c.p());
        m.put("r", c.r());
        m.put("children", c.children());
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("samples", c.samples());
        cfg.put("d", c.d());
        cfg.put("noise", c.noise());
        cfg.put("sampling", c.sampling().name().toLowerCase(Locale.ROOT));
        cfg.put("orthogonal", c.orthogonal());
        cfg.put("fvu", c.fvu());
        cfg.put("epochs", c.epochs());
        cfg.put("restarts", c.restarts());
        cfg.put("seed", c.seed());
        m.put("config", cfg);
        List<Map<String, Object>> codes = new ArrayList<>();
        for (TreeExperiment.CodeRow r : res.codes()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("code", r.code());
            o.put("analytic_bits", r.analytic());
            o.put("measured_bits", r.measured());
            o.put("source", r.source());
            codes.add(o);
        }
        m.put("codes", codes);
        List<Map<String, Object>> fits = new ArrayList<>();
        for (TreeExperiment.Fit f : new TreeExperiment.Fit[] {res.flat(), res.tree(), res.treeDefaultInit()}) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("name", f.name());
            o.put("width", f.width());
            o.put("dl_flat_bits", f.dlFlat());
            o.put("dl_tree_per_child_bits", f.dlTreePerChild());
            o.put("dl_tree_sibling_joint_bits", f.dlTreeJoint());
            o.put("bits", f.bits());
            o.put("mse", f.mse());
            o.put("fvu", finite(f.fvu()));
            o.put("l0", f.l0());
            o.put("admissible_restarts", f.admissibleRestarts());
            o.put("train_mse_first_step", finite(f.trainMseFirst()));
            o.put("train_mse_last_step", finite(f.trainMseLast()));
            fits.add(o);
        }
        m.put("saes", fits);
        List<String> files = new ArrayList<>();
        for (Path f : written) files.add(f.toString());
        m.put("files", files);
        m.put("seconds", res.seconds());
        return m;
    }
}
