package org.mdlsae.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import org.mdlsae.InputException;
import org.mdlsae.api.Cluster;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.choice.Backends;
import org.mdlsae.data.DataSpec;
import org.mdlsae.codec.Zstd;
import org.mdlsae.data.DataSources;
import org.mdlsae.data.HoldOut;
import org.mdlsae.data.text.TokenTable;
import org.mdlsae.features.FeatureStats;
import org.mdlsae.features.TokenDashboard;
import org.mdlsae.io.OutputKind;
import org.mdlsae.io.OutputTarget;
import org.mdlsae.io.Ownership;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.math.Rows;
import org.mdlsae.mdl.Mdl;
import org.mdlsae.report.SweepReport;
import org.mdlsae.sae.FeatureCharacter;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.sweep.Sweep;
import org.mdlsae.sweep.SweepConfig;
import org.mdlsae.sweep.SweepResults;
import org.mdlsae.sweep.SweepRun;
import org.mdlsae.train.TrainConfig;
import org.mdlsae.train.TrainListener;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mdlsae sweep}: the ε-MDL selection over a width grid. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"For each width, find the k of least description length whose SAE meets the tolerance (--search "
                + "anneal: one training per width lowers k while the SAE meets it on control rows held out from training; "
                + "bisect: a training per k tried, bisecting for the smallest k meeting it on the evaluation split), "
                + "measure B* and the entropy DL on the evaluation split, and select the minimum-DL SAE. Writes "
                + "results.json, results.csv, every SAE, and report.html into --out. Re-running with the same settings "
                + "resumes: finished runs are reused.",
                "The selection never measures rows it trained on: mnist trains on its train split and measures on its test "
                        + "split; a file or directory measures on --eval when given, else on its last 10% of rows, held out "
                        + "from training (the log and results.json say which). ε and MSE are in the data's raw units."})
public final class SweepCommand implements Callable<Integer> {
    private static final Logger LOG = Logger.getLogger(SweepCommand.class.getName());

    @Mixin
    DataOptions data;

    @Option(names = "--eval", paramLabel = "SOURCE",
            description = "Evaluation data (file or directory) for a file sweep (default: the last 10% of the rows of --data, "
                    + "held out from training).")
    String evalSource;

    @Option(names = "--widths", split = ",", paramLabel = "D,D,...", defaultValue = SweepConfig.DEFAULT_WIDTHS_TEXT,
            description = "Width grid (default: ${DEFAULT-VALUE}).")
    List<Integer> widths;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Tol tol = new Tol();

    @Option(names = "--k-max", defaultValue = "" + SweepConfig.DEFAULT_K_MAX, description = "Largest k tried (default: ${DEFAULT-VALUE}).")
    int kMax;

    @Option(names = "--seeds", defaultValue = "1", paramLabel = "N",
            description = "Train each (width, k) N times, with seeds --seed, --seed + 1, …; the selected width has the least "
                    + "mean DL among the widths admissible for every seed, and the report shows the spread and whether each "
                    + "seed alone would select the same width (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--search", paramLabel = "anneal|bisect", defaultValue = SweepConfig.DEFAULT_SEARCH_TEXT,
            description = "How each width finds its k (default: ${DEFAULT-VALUE}; docs/design.md §10).")
    String search;

    @Mixin
    TrainOptions train;

    @Mixin
    CheckpointOption checkpoint;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Sweep directory: new, or a sweep this engine wrote with the same settings (resumed).")
    Path out;

    @Option(names = "--force", description = "Start afresh: delete the runs of the sweep already in --out (only ever "
            + "output this engine wrote).")
    boolean force;

    @Mixin
    OriginOptions origin;

    @Mixin
    BackendOption backend;

    @Mixin
    SparkOption spark;

    @ArgGroup(exclusive = true)
    ProgressOptions progress = new ProgressOptions();

    @Option(names = "--json", description = "Print results.json's content on standard output at the end.")
    boolean json;

    @Option(names = "--images", description = "The rows are images (d a perfect square, e.g. 28×28): the report draws "
            + "decoder rows as pictures, most used first, dead ones left out and counted (mnist and IDX files are images anyway).")
    boolean images;

    @Option(names = "--compare", description = "Also compare the selected SAE's code with the dense code (gzip, xz, "
            + "zstd) and PCA at ε (results.json 'codec.comparison' and the report).")
    boolean compare;

    @Option(names = "--zstd-jar", paramLabel = "JAR", description = "zstd-jni jar for --compare's zstd row "
            + "(default: $MDLSAE_ZSTD_JAR, or the class path; else zstd is left out).")
    Path zstdJar;

    /** --eps or --fvu. */
    static final class Tol {
        @Option(names = "--eps", paramLabel = "MSE", description = "MSE tolerance ε (default " + Mdl.DEFAULT_EPS + ").")
        Double eps;

        @Option(names = "--fvu", paramLabel = "FVU", description = "Tolerance as FVU on the evaluation split.")
        Double fvu;
    }

    @Override
    public Integer call() throws Exception {
        OutputTarget target = OutputTarget.check("--out", out, OutputKind.SWEEP, OutputTarget.Mode.RESUME, force);
        long every = checkpoint.steps();
        if (data.split != null) throw new InputException("--split: a sweep trains on mnist train and selects on test; drop --split");
        if (evalSource != null && data.isMnist()) {
            throw new InputException("--eval: a sweep on mnist selects on its test split; drop --eval, or pass --data FILE "
                    + "to sweep a file with its own evaluation data");
        }
        SweepConfig.checkWidths(widths);
        Double eps = tol.eps == null && tol.fvu == null ? Double.valueOf(Mdl.DEFAULT_EPS) : tol.eps;
        SweepConfig cfg = new SweepConfig(widths, eps, tol.fvu, kMax, train.toConfig(widths.get(0), 1), seeds,
                search(search));
        Zstd zstd = compare ? Zstd.find(zstdJar) : null;
        if (spark.on()) Sweep.requireIndependentWidths(cfg);
        try (DataOptions opened = data; Cluster cluster = spark.on() ? spark.connect() : null) {
            Rows all = opened.open("train", evalSource);
            Rows trainSet = all, evalSet;
            SweepResults.Evaluation ev;
            if (opened.isMnist()) {
                evalSet = opened.openOther("mnist", "test");
                ev = SweepResults.Evaluation.mnist(trainSet.rowCount(), evalSet.rowCount());
            } else {
                String rule;
                if (evalSource != null) {
                    evalSet = opened.openOther(evalSource, "test");
                    rule = "given with --eval " + evalSource + "; trained and calibrated on all of --data " + opened.source();
                } else {
                    HoldOut h = HoldOut.lastPercent(all);
                    trainSet = h.train();
                    evalSet = h.eval();
                    rule = h.rule();
                }
                ev = new SweepResults.Evaluation(evalSource != null ? evalSource : opened.source(), rule,
                        trainSet.rowCount(), evalSet.rowCount(), "raw");
            }
            Sweep.Remote remote = null;
            if (cluster != null) {
                // the executors reopen the same rows: the held-out split is a row range of --data
                DataSpec allSpec = opened.spec(all);
                long cut = trainSet.rowCount();
                DataSpec trainSpec = trainSet == all ? allSpec : allSpec.range(0, cut);
                DataSpec evalSpec = trainSet == all ? opened.spec(evalSet) : allSpec.range(cut, all.rowCount());
                remote = cluster.sweepWidths(trainSpec, evalSpec, backend.backend, backend.precision);
            }
            Sweep.Remote r0 = remote;
            // on a cluster the driver trains nothing: its own work (normalisation, codec section, report) runs on the CPU
            ReportData rd = ReportData.of(opened.source(), all, images || opened.isMnist() || isIdx(opened.source()));
            SweepResults r = run(cfg, trainSet, evalSet, ev, opened.source(), target,
                    remote != null ? Backends.create("cpu") : backend.create(), progress.mode(),
                    origin.origin(opened.source()), remote == null, s -> s.compare(compare, zstd).checkpointEvery(every).remote(r0), rd);
            if (json) Json.print(r);
        }
        return 0;
    }

    /** The search mode named by {@code --search}. */
    static SweepConfig.Search search(String s) {
        for (SweepConfig.Search m : SweepConfig.Search.values()) if (m.id().equals(s)) return m;
        throw new InputException("--search must be anneal or bisect, got '" + s + "'");
    }

    /** True if {@code source} is an existing IDX file (images). */
    static boolean isIdx(String source) {
        Path p = Path.of(source);
        return Files.isRegularFile(p) && DataSources.detect(p) == DataSources.Format.IDX;
    }

    /**
     * What the report needs beyond the sweep (docs/design.md §12).
     *
     * @param images    the rows are images: feature pictures, by usage on the training rows
     * @param tokenRows all rows of an activation directory (null for other data)
     * @param tokens    its tokens.tsv (null for other data): token dashboards of the selected SAE
     */
    record ReportData(boolean images, Rows tokenRows, TokenTable tokens) {
        /**
         * Reads tokens.tsv when {@code source} is a directory that has one. An activation directory this engine wrote
         * must have a line per row (refused otherwise, before any training); another directory's tokens.tsv is used
         * only if it is in that format and has a line per row, else the report goes without dashboards (logged).
         */
        static ReportData of(String source, Rows all, boolean images) {
            Path dir = Path.of(source);
            if (!Files.isRegularFile(dir.resolve(TokenTable.FILE))) return new ReportData(images, null, null);
            boolean ours = Ownership.kindOf(dir) == OutputKind.ACTIVATIONS;
            try {
                TokenTable t = TokenTable.read(dir);
                if (t.rows() != all.rowCount()) {
                    throw new InputException("--data " + source + ": " + all.rowCount() + " activation rows but "
                            + TokenTable.FILE + " has " + t.rows() + " lines; use the directory 'mdlsae activations' wrote, unchanged");
                }
                return new ReportData(images, all, t);
            } catch (InputException e) {
                if (ours) throw e;
                LOG.info("no token dashboards in the report: " + e.getMessage());
                return new ReportData(images, null, null);
            }
        }
    }

    /** Runs a sweep with progress on standard error, writes the report, and prints a one-line summary. */
    static SweepResults run(SweepConfig cfg, Rows trainSet, Rows evalSet, SweepResults.Evaluation ev, String source,
                            OutputTarget target, Backend be, Boolean mode, SaeFiles.Origin origin, ReportData rd)
            throws Exception {
        return run(cfg, trainSet, evalSet, ev, source, target, be, mode, origin, true, s -> { }, rd);
    }

    /**
     * As above, with {@code setup} applied to the sweep before it runs (e.g. {@code --compare}); {@code trainsHere} is
     * false when the widths train on a cluster (docs/design.md §14).
     */
    static SweepResults run(SweepConfig cfg, Rows trainSet, Rows evalSet, SweepResults.Evaluation ev, String source,
                            OutputTarget target, Backend be, Boolean mode, SaeFiles.Origin origin, boolean trainsHere,
                            java.util.function.Consumer<Sweep> setup, ReportData rd)
            throws Exception {
        Path out = target.path();
        try (be) {
            // the widest width decides: checked before the narrow ones are trained
            int widest = cfg.widths().get(cfg.widths().size() - 1);
            TrainConfig tc = cfg.train().withShape(cfg.train().arch(), widest, Math.min(widest, cfg.kMax()));
            // widths trained on a cluster's executors count against their memory (Spark's), not the driver's
            Resources.Need training = trainsHere ? Resources.training(tc, trainSet, be, "--widths") : null;
            Resources.Need evaluation = Resources.evaluation(widest, trainSet.dim(), tc.k(), evalSet.rowCount(), be);
            Resources.require(training != null ? training.max(evaluation) : evaluation, be,
                    "a narrower --widths grid or a smaller --batch");
            ProgressBar[] bar = new ProgressBar[1];
            Sweep.Listener l = new Sweep.Listener() {
                @Override
                public void runStarted(int index, int width, int k, long seed) {
                    // the sweep's own progress (which width of the grid) leads the current run's bar
                    int pos = cfg.widths().indexOf(width) + 1;
                    bar[0] = new ProgressBar(String.format(Locale.ROOT, "sweep width %d/%d | run %d: D=%d k=%d%s", pos,
                            cfg.widths().size(), index, width, k, cfg.seeds() > 1 ? " seed " + seed : ""), mode);
                }

                @Override
                public void trainStep(TrainListener.Progress p) {
                    bar[0].update((double) p.step() / p.steps(), String.format(Locale.ROOT, "epoch %d/%d  mse %.4f  %.0f samples/s",
                            p.epoch(), p.epochs(), p.mse(), p.samplesPerSec()));
                }

                @Override
                public void runFinished(int index, SweepRun r, boolean reused) {
                    if (bar[0] != null) bar[0].finish(String.format(Locale.ROOT, "%.1f s", r.trainSeconds()));
                    bar[0] = null;
                    LOG.info(String.format(Locale.ROOT, "%s D=%d k=%d%s: mse %.5f (headroom %+.5f) L0 %.1f %s%s",
                            reused ? "reused" : "trained", r.width(), r.k(),
                            cfg.seeds() > 1 && r.seed() != null ? " seed " + r.seed() : "", r.mse(), r.headroom(), r.l0(),
                            r.admissible() ? String.format(Locale.ROOT, "B*=%d DL=%.1f bits", r.bits(), r.dlBits()) : "inadmissible",
                            r.stopping() == null ? "" : String.format(Locale.ROOT, "; %d epochs (%s, best epoch %d)",
                                    r.stopping().epochs(), r.stopping().reason(), r.stopping().bestEpoch())));
                }
            };
            Sweep sweep = new Sweep(be, cfg, trainSet, evalSet, ev, source, out, l).origin(origin).restart(target.force());
            setup.accept(sweep);
            Path html = out.resolve("report.html");
            SweepResults r = sweep.run(res -> SweepReport.write(html, res, extras(res, out, be, sweep, rd)));
            SweepRun b = r.best();
            if (b == null) {
                System.err.printf(Locale.ROOT, "mdlsae: no width meets ε = %.5g; report: %s%n", r.eps(), html);
            } else {
                System.err.printf(Locale.ROOT, "mdlsae: ε-MDL-optimal SAE: D=%d k=%d L0=%.1f B*=%d DL=%.1f bits/sample "
                        + "(dense %d·%d = %.0f bits) → %s; report: %s%n", b.width(), b.k(), b.l0(), b.bits(), b.dlBits(),
                        r.dIn(), b.bits(), b.denseBits(), out.resolve(b.dir()), html);
            }
            return r;
        }
    }

    /** Contexts shown per feature in the report's token dashboards. */
    static final int REPORT_CONTEXTS = 5;
    /** Most used, and sampled, features shown in the report's token dashboards. */
    static final int REPORT_MOST_USED = 12;
    static final int REPORT_SAMPLE = 12;

    /** The report's weights, feature usage (images) and token dashboards of the selected SAE (activation directories). */
    static SweepReport.Extras extras(SweepResults res, Path out, Backend be, Sweep sweep, ReportData rd) {
        Function<SweepRun, SaeWeights> dec = run -> Sweep.weights(out, run);
        Function<SweepRun, FeatureCharacter> usage = rd.images() ? sweep::features : null;
        TokenDashboard dash = null;
        String title = null;
        SweepRun b = res.best();
        if (rd.tokens() != null && b != null) {
            LOG.info("token dashboards of D=" + b.width() + " k=" + b.k() + " over " + rd.tokenRows().rowCount() + " rows");
            try (Sae s = Sae.upload(be, dec.apply(b))) {
                FeatureStats st = FeatureStats.measure(s, rd.tokenRows(), FeatureStats.DEFAULT_TOP, FeatureStats.DEFAULT_BINS);
                dash = TokenDashboard.build(s, rd.tokenRows(), rd.tokens(), st,
                        TokenDashboard.select(st, REPORT_MOST_USED, REPORT_SAMPLE, 0), REPORT_CONTEXTS);
            }
            title = "the ε-MDL-optimal SAE, D = " + b.width() + ", k = " + b.k();
        }
        return new SweepReport.Extras(dec, rd.images(), usage, dash, title);
    }
}
