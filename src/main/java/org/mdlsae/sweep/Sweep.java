package org.mdlsae.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.logging.Logger;
import org.mdlsae.InputException;
import org.mdlsae.backend.Backend;
import org.mdlsae.codec.CodecSummary;
import org.mdlsae.codec.Zstd;
import org.mdlsae.data.HoldOut;
import org.mdlsae.io.AtomicFiles;
import org.mdlsae.io.OutputKind;
import org.mdlsae.io.OutputLock;
import org.mdlsae.io.Ownership;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.math.Rows;
import org.mdlsae.math.Stats;
import org.mdlsae.mdl.Mdl;
import org.mdlsae.sae.FeatureCharacter;
import org.mdlsae.sae.Metrics;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.train.CheckpointDir;
import org.mdlsae.train.Convergence;
import org.mdlsae.train.Normalization;
import org.mdlsae.train.Provenance;
import org.mdlsae.train.TrainConfig;
import org.mdlsae.train.TrainListener;
import org.mdlsae.train.Trainer;

/**
 * The MDL selection of docs/design.md §2.4 and §10: for each width find its k, measure B* and the entropy DL of every
 * SAE trained on the evaluation split, represent each width by its least-DL admissible run, and select the minimum-DL
 * one. Two search modes ({@link SweepConfig.Search}): {@code anneal} trains each width once while an
 * {@link Anneal} schedule lowers k on control rows held out from training ({@link WidthSearch}, one self-contained
 * unit per width, named {@code runs/w{D}-anneal}); {@code bisect} (the default) finds by bisection the smallest
 * integer k whose SAE meets ε on the evaluation split, warm-started from the narrower neighbour: a wider dictionary
 * needs at most the k of a narrower one for the same MSE, so that k bounds the bisection from above (if the bound
 * fails through training noise, the bound doubles until it passes or reaches the cap).
 *
 * <p>Every trained SAE is saved under {@code DIR/runs/w{D}-k{k}} with a {@code run.json}; a re-run with the same
 * settings reuses finished runs (never retrains them), so a killed sweep resumes where it stopped with the same
 * results. {@code results.json} and {@code results.csv} are rewritten atomically after every run; until the search
 * is complete they say {@code "complete": false}, list the widths still {@code missing}, and name the best run so
 * far only as {@code provisional_best}. One process at a time writes a sweep directory (docs/design.md §6).
 *
 * <p>Training and evaluation rows may be in memory or streamed from shard files (docs/design.md §8); the caller decides
 * which rows are held out for selection and says so in {@link SweepResults.Evaluation}.
 */
public final class Sweep {
    private static final Logger LOG = Logger.getLogger(Sweep.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** The single-writer lock file in the sweep directory. */
    public static final String LOCK = "sweep.lock";

    /** Receives progress events. */
    public interface Listener {
        /** A run starts (index counts runs of this sweep invocation, 1-based). */
        default void runStarted(int index, int width, int k) {
        }

        /** A run of one seed starts; by default {@link #runStarted(int, int, int)}. */
        default void runStarted(int index, int width, int k, long seed) {
            runStarted(index, width, k);
        }

        /** Training progress of the current run. */
        default void trainStep(TrainListener.Progress p) {
        }

        /** A run is finished (trained now or reused). */
        default void runFinished(int index, SweepRun run, boolean reused) {
        }
    }

    private final Backend be;
    private final SweepConfig cfg;
    private final Rows train;
    private final Rows eval;
    private final SweepResults.Evaluation evaluation;
    private final Path dir;
    private final Listener listener;
    private final String dataName;
    private final Map<String, SweepRun> runs = new TreeMap<>();
    private SaeFiles.Origin origin = SaeFiles.Origin.NONE;
    private final Set<Integer> settled = new HashSet<>();
    private boolean restart;
    private boolean compare;
    private Zstd zstd;
    private long checkpointEvery;
    private double epsMse;
    private double epsFvu;
    private Normalization norm;
    /**
     * The split of the training rows into the rows trained on and the control rows (docs/design.md §10, §11): the
     * annealing search's k decisions and the convergence rule both measure the control rows; null when neither is used.
     */
    private HoldOut control;
    /** The rows each run trains on (the training rows without the control rows, if any), for its features. */
    private Rows trainedOn;
    private Regimes.Criteria criteria;
    private Remote remote;
    private int index;
    private long started;

    /** A sweep whose evaluation rows the caller chose without further description (tests, notebooks). */
    public Sweep(Backend be, SweepConfig cfg, Rows train, Rows eval, String dataName, Path dir, Listener listener) {
        this(be, cfg, train, eval, new SweepResults.Evaluation(eval.name(), "evaluation rows given by the caller",
                train.rowCount(), eval.rowCount(), "raw"), dataName, dir, listener);
    }

    /**
     * @param be         the back end
     * @param cfg        the sweep
     * @param train      rows to train and calibrate on
     * @param eval       rows the selection measures (never rows of {@code train})
     * @param evaluation how {@code eval} was chosen, written to results.json
     * @param dataName   the data source, for results.json
     * @param dir        the sweep directory
     * @param listener   progress (may be null)
     */
    public Sweep(Backend be, SweepConfig cfg, Rows train, Rows eval, SweepResults.Evaluation evaluation, String dataName,
                 Path dir, Listener listener) {
        if (train.dim() != eval.dim()) {
            throw new InputException("training data has dimension " + train.dim() + " but evaluation data " + eval.dim());
        }
        this.be = be;
        this.cfg = cfg;
        this.train = train;
        this.eval = eval;
        this.evaluation = evaluation;
        this.dataName = dataName;
        this.dir = dir;
        this.listener = listener == null ? new Listener() { } : listener;
    }

    /** Records where the activations come from in every saved SAE's cfg.json (for SAELens); returns this sweep. */
    public Sweep origin(SaeFiles.Origin o) {
        this.origin = o == null ? SaeFiles.Origin.NONE : o;
        return this;
    }

    /** Runs (or resumes) the sweep and returns its results; {@code results.json}/{@code .csv} are written. */
    public SweepResults run() throws IOException {
        return run(r -> { });
    }

    /**
     * Starts afresh: the runs and results of an earlier sweep in this directory are deleted (under the lock) before
     * the sweep begins. The CLI's {@code --force}.
     *
     * @param fresh whether to start afresh
     * @return this sweep
     */
    public Sweep restart(boolean fresh) {
        this.restart = fresh;
        return this;
    }

    /**
     * Adds the codec's comparison table of the selected SAE to the results (docs/design.md §13). The CLI's
     * {@code --compare}.
     *
     * @param on   whether to run it
     * @param zstd zstd-jni for its zstd row, or null
     * @return this sweep
     */
    public Sweep compare(boolean on, Zstd zstd) {
        this.compare = on;
        this.zstd = zstd;
        return this;
    }

    /**
     * How often each run writes its checkpoint ({@link CheckpointDir}): every this many steps, 0 about every five
     * minutes of training (the default), negative never. A killed sweep resumes an unfinished run from it.
     *
     * @param steps the cadence
     * @return this sweep
     */
    public Sweep checkpointEvery(long steps) {
        this.checkpointEvery = steps;
        return this;
    }

    /**
     * Where the annealed widths of a sweep run when not here (a cluster, docs/design.md §14). The driver — this
     * sweep — keeps the output guard, the lock, sweep.json, results.json and the report; an implementation runs
     * {@link #annealWidth} for each width on its executors, which publish the run directories into the sweep directory
     * (a path every executor sees) exactly as a local sweep does.
     */
    public interface Remote {
        /**
         * Runs the annealed runs of (width, seed) points, in any order and concurrently, and hands each finished run to
         * {@code done} (from any thread; calls are serialised by the sweep) as it finishes.
         *
         * @param job    the settings every run needs
         * @param points the points to run (those without a finished run)
         * @param done   receives each finished run
         * @throws IOException if a run cannot be written
         */
        void anneal(RunJob job, List<Point> points, java.util.function.Consumer<SweepRun> done) throws IOException;
    }

    /**
     * One annealed run of a sweep: a width and the seed it trains with.
     *
     * @param width the width
     * @param seed  the seed
     */
    public record Point(int width, long seed) implements java.io.Serializable {
    }

    /**
     * Runs the annealed widths with {@code r} instead of one after another here (docs/design.md §14); only for
     * {@link SweepConfig.Search#ANNEAL}, whose widths are independent.
     *
     * @param r where the widths run
     * @return this sweep
     * @throws InputException for a bisection sweep, whose widths depend on each other
     */
    public Sweep remote(Remote r) {
        if (r != null) requireIndependentWidths(cfg);
        this.remote = r;
        return this;
    }

    /**
     * Refuses a sweep whose widths cannot run in parallel (bisection warm-starts each from the narrower one).
     *
     * @param cfg the sweep
     * @throws InputException unless its search is {@link SweepConfig.Search#ANNEAL}
     */
    public static void requireIndependentWidths(SweepConfig cfg) {
        if (cfg.search() != SweepConfig.Search.ANNEAL) {
            throw new InputException("--search " + cfg.search().id() + " warm-starts each width from the narrower one, so "
                    + "its widths cannot run in parallel; use --search anneal on a cluster");
        }
    }

    /**
     * What one width's run needs besides its rows and a back end: serializable, so that a cluster ships it to the
     * executor that runs the width ({@link #annealWidth}, docs/design.md §14).
     *
     * @param cfg             the sweep
     * @param eps             ε as MSE (raw units)
     * @param norm            the normalisation estimated on the sweep's training rows
     * @param dir             the sweep directory (absolute)
     * @param checkpointEvery the checkpoint cadence ({@link #checkpointEvery})
     * @param dataName        the data source, recorded in each run's cfg.json
     * @param origin          model and hook point, recorded for SAELens
     */
    public record RunJob(SweepConfig cfg, double eps, Normalization norm, String dir, long checkpointEvery,
                         String dataName, SaeFiles.Origin origin) implements java.io.Serializable {
    }

    private RunJob job() {
        return new RunJob(cfg, epsMse, norm, dir.toAbsolutePath().toString(), checkpointEvery, dataName, origin);
    }

    /**
     * Runs (or resumes) the sweep under the directory's single-writer lock ({@value #LOCK}; a second writer is
     * refused, docs/design.md §6), then hands the results to {@code finish} (e.g. to write the report) while the
     * lock is still held.
     *
     * @param finish called with the complete results before the lock is released
     * @return the results
     * @throws IOException if the directory cannot be written
     */
    public SweepResults run(AtomicFiles.IOConsumer<SweepResults> finish) throws IOException {
        started = System.nanoTime();
        double var = Stats.sumSqDeviation(eval, Metrics.CHUNK);
        double perElem = var / ((double) eval.rowCount() * eval.dim());
        epsMse = cfg.eps() != null ? cfg.eps() : cfg.fvu() * perElem;
        epsFvu = epsMse / perElem;
        if (perElem > 0) Mdl.requireBelowVariance(cfg.eps() != null ? "--eps" : "--fvu", epsMse, epsFvu, perElem);
        Ownership.createDirectory(dir, OutputKind.SWEEP);
        try (OutputLock lock = OutputLock.acquire(dir.resolve(LOCK), "sweep directory " + dir)) {
            if (restart) Ownership.clearDirectory(dir, Set.of(LOCK));
            Ownership.createDirectory(dir.resolve("runs"), OutputKind.SWEEP_RUNS);
            checkSettings();
            LOG.info("selection rows: " + evaluation.rule());
            norm = Normalization.estimate(cfg.train().normalize(), train);
            boolean anneal = cfg.search() == SweepConfig.Search.ANNEAL, auto = cfg.train().convergence() != null;
            if (anneal || auto) {
                control = HoldOut.control(train);
                LOG.info((anneal ? auto ? "k schedule and stopping rule" : "k schedule" : "stopping rule") + ": " + control.rule());
            }
            trainedOn = control == null ? train : control.train();
            criteria = Regimes.Criteria.of(FeatureCharacter.rowsExtent(trainedOn));
            loadFinished();
            search();
            SweepResults r = results(true);
            r = r.withCodec(codec(r));
            writeResults(r);
            finish.accept(r);
            return r;
        }
    }

    private void search() throws IOException {
        if (remote != null) {
            List<Point> todo = new ArrayList<>();
            for (int width : cfg.widths()) {
                for (long seed : cfg.seedList()) if (!runs.containsKey(annealName(cfg, width, seed))) todo.add(new Point(width, seed));
            }
            try {
                remote.anneal(job(), todo, run -> {
                    synchronized (this) {
                        index++;
                        try {
                            finished(annealName(cfg, run.width(), seedOf(run)), run);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                });
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            }
            for (int width : cfg.widths()) {
                for (long seed : cfg.seedList()) {
                    if (!runs.containsKey(annealName(cfg, width, seed))) {
                        throw new IllegalStateException("width " + width + " seed " + seed + " did not finish");
                    }
                }
                settled.add(width);
            }
            return;
        }
        if (cfg.search() == SweepConfig.Search.ANNEAL) {
            for (int width : cfg.widths()) {
                for (long seed : cfg.seedList()) {
                    SweepRun r = anneal(width, seed);
                    if (!r.admissible()) {
                        LOG.info(String.format(Locale.ROOT, "width %d%s: inadmissible (k = %d gives MSE %.5g > ε = %.5g)",
                                width, cfg.seeds() > 1 ? " seed " + seed : "", r.k(), r.mse(), epsMse));
                    }
                }
                settled.add(width);
            }
            return;
        }
        Integer prevK = null;
        for (int width : cfg.widths()) {
            int cap = Math.min(width, cfg.kMax());
            int hi = prevK == null ? cap : Math.min(cap, prevK);
            List<SweepRun> atHi = probe(width, hi);
            while (!admissible(atHi) && hi < cap) {
                hi = Math.min(cap, 2 * hi);
                atHi = probe(width, hi);
            }
            if (!admissible(atHi)) {
                LOG.info(String.format(Locale.ROOT, "width %d: inadmissible (k = %d gives MSE %.5g > ε = %.5g%s)", width, hi,
                        atHi.stream().mapToDouble(SweepRun::mse).max().orElse(Double.NaN), epsMse,
                        atHi.size() > 1 ? " for some seed" : ""));
                settled.add(width);
                continue;
            }
            int lo = 0; // k = 0 never meets ε
            while (hi - lo > 1) {
                int mid = (lo + hi) >>> 1;
                if (admissible(probe(width, mid))) hi = mid;
                else lo = mid;
            }
            prevK = hi;
            settled.add(width);
        }
    }

    /** A point is admissible when its SAE meets ε for every seed. */
    private static boolean admissible(List<SweepRun> point) {
        return point.stream().allMatch(SweepRun::admissible);
    }

    /**
     * The runs so far with the selection of {@link SeedSelection} (docs/design.md §2.4, §11). The best run is named only
     * when the search is complete; before that it is reported as provisional, with the widths whose search has not
     * finished.
     */
    SweepResults results(boolean complete) {
        List<Long> seeds = cfg.seedList();
        SeedSelection sel = SeedSelection.of(new ArrayList<>(runs.values()), seeds, cfg.train().seed(), criteria);
        Boolean stable = complete ? sel.stable() : null;
        double secs = (System.nanoTime() - started) / 1e9;
        List<Integer> missing = new ArrayList<>();
        for (int w : cfg.widths()) if (!settled.contains(w)) missing.add(w);
        return new SweepResults(dataName, train.dim(), epsMse, epsFvu, cfg.train().arch().id(), cfg.widths(), sel.runs(),
                complete ? sel.best() : null, secs, complete, missing, complete ? null : sel.best(), evaluation, null, seeds,
                SeedSelection.RULE, sel.byWidth(), sel.bySeed(), stable, criteria);
    }

    private long seedOf(SweepRun r) {
        return SeedSelection.seedOf(r, cfg.train().seed());
    }

    /** The codec's section: rate–distortion curves and two-part code of the selected runs, and the comparison. */
    private CodecSummary codec(SweepResults r) {
        List<SaeWeights> sel = new ArrayList<>();
        long first = cfg.train().seed(); // with several seeds, the first seed's runs
        for (SweepRun run : r.runs()) if (run.selected() && seedOf(run) == first) sel.add(weights(dir, run));
        SaeWeights best = compare && r.best() != null ? weights(dir, r.best()) : null;
        return CodecSummary.measure(be, sel, eval, train, epsMse, best, zstd);
    }

    /** Trains (or reuses) the SAEs of (width, k), one per seed, and measures them. */
    private List<SweepRun> probe(int width, int k) throws IOException {
        List<SweepRun> point = new ArrayList<>();
        for (long seed : cfg.seedList()) point.add(probe(width, k, seed));
        return point;
    }

    /** Trains (or reuses) the SAE of (width, k, seed) and measures it. */
    private SweepRun probe(int width, int k, long seed) throws IOException {
        String name = runName(cfg, width, k, seed);
        SweepRun done = runs.get(name);
        if (done != null) return done;
        listener.runStarted(++index, width, k, seed);
        TrainConfig tc = cfg.train().withShape(cfg.train().arch(), width, k).withSeed(seed);
        HoldOut stopping = control;
        Rows rows = trainedOn;
        return finished(name, trained(be, job(), name, width, seed, tc, rows, eval, train, (ckpt, from, used) -> {
            Trainer trainer = new Trainer(be, tc, listener::trainStep).checkpoints(ckpt);
            if (stopping != null) trainer.stoppingRows(stopping.eval(), stopping.rule());
            return new Trained(from == null ? trainer.train(rows, used) : trainer.resume(from, rows, used), null);
        }));
    }

    /** Trains (or reuses) the width's one annealed SAE of a seed ({@link WidthSearch#anneal}) and measures it. */
    private SweepRun anneal(int width, long seed) throws IOException {
        String name = annealName(cfg, width, seed);
        SweepRun done = runs.get(name);
        if (done != null) return done;
        listener.runStarted(++index, width, Math.min(width, cfg.kMax()), seed);
        return finished(name, annealWidth(be, job(), new Point(width, seed), control, train, eval, listener::trainStep));
    }

    /** Records a run trained now: results.json is rewritten with it. */
    private SweepRun finished(String name, SweepRun run) throws IOException {
        runs.put(name, run);
        listener.runFinished(index, run, false);
        writeResults(results(false));
        return run;
    }

    /**
     * One annealed run, the unit a sweep runs per (width, seed) — here, or on a cluster's executor (docs/design.md §14)
     * by this same code: splits the control rows off {@code train} ({@link HoldOut#control}), trains once under the
     * schedule ({@link WidthSearch#anneal}; continuing from the run's checkpoint if one is there), publishes
     * {@code runs/w{D}-anneal} into the sweep directory, measures it on {@code eval} and writes its run.json. A run whose
     * run.json is already there is returned as it is. The caller (the sweep's driver) holds the directory's lock.
     *
     * @param be       the back end
     * @param job      the sweep's settings
     * @param point    the width and seed
     * @param train    the sweep's training rows (control rows included; calibration rows of the measurement)
     * @param eval     the selection rows
     * @param progress training progress (null: none)
     * @return the run's row of results.json
     * @throws IOException if the run cannot be written
     */
    public static SweepRun annealWidth(Backend be, RunJob job, Point point, Rows train, Rows eval, TrainListener progress)
            throws IOException {
        Path rj = Path.of(job.dir()).resolve("runs").resolve(annealName(job.cfg(), point.width(), point.seed())).resolve("run.json");
        if (Files.isRegularFile(rj)) return JSON.readValue(rj.toFile(), SweepRun.class);
        return annealWidth(be, job, point, HoldOut.control(train), train, eval, progress);
    }

    private static SweepRun annealWidth(Backend be, RunJob job, Point point, HoldOut control, Rows train, Rows eval,
                                        TrainListener progress) throws IOException {
        int width = point.width();
        SweepConfig seeded = job.cfg().withTrain(job.cfg().train().withSeed(point.seed()));
        WidthSearch.Inputs in = new WidthSearch.Inputs(seeded, width, job.eps(), control.train(), control.eval(), job.norm());
        return trained(be, job, annealName(job.cfg(), width, point.seed()), width, point.seed(), in.config(), control.train(),
                eval, train, (ckpt, from, used) -> {
                    WidthSearch.Outcome o = WidthSearch.anneal(be, new WidthSearch.Inputs(seeded, width, job.eps(),
                            control.train(), control.eval(), used), ckpt, from, progress);
                    Map<String, Object> search = new LinkedHashMap<>();
                    search.put("mode", SweepConfig.Search.ANNEAL.id());
                    search.put("k_start", o.config().k());
                    search.put("control", control.rule());
                    search.put("levels", o.levels());
                    return new Trained(o.result(), search);
                });
    }

    /** A training's result and what the search records about it in cfg.json (null: nothing). */
    private record Trained(Trainer.Result result, Map<String, Object> search) {
    }

    /** How a run trains, given its checkpoint sink, the snapshot to continue from (or null) and the normalisation. */
    private interface Training {
        Trained run(CheckpointDir ckpt, Trainer.State from, Normalization used);
    }

    /**
     * Trains one run of the sweep, then saves and measures it: the run's directory, checkpoint and run.json.
     * {@code rows} are the rows it trains on (the checkpoint's job is keyed on them; its features are measured on
     * them), {@code eval} the selection rows, {@code calib} the rows the quantiser is calibrated on.
     */
    private static SweepRun trained(Backend be, RunJob job, String name, int width, long seed, TrainConfig tc, Rows rows,
                                    Rows eval, Rows calib, Training how) throws IOException {
        Path runs = Path.of(job.dir()).resolve("runs");
        Path runDir = runs.resolve(name);
        // an unfinished run's checkpoint sits beside its directory until the run is published
        Path ckpt = runs.resolve(name + ".checkpoint");
        String key = CheckpointDir.jobKey(tc, rows);
        CheckpointDir.Snapshot from;
        try {
            from = CheckpointDir.load(ckpt, key, tc);
        } catch (CheckpointDir.OtherJob stale) { // the sweep's settings are fixed by sweep.json: data or engine changed
            LOG.info(stale.getMessage() + "; starting that run afresh");
            CheckpointDir.delete(ckpt);
            from = null;
        }
        // a resumed run continues with the normalisation its checkpoint recorded
        Normalization used = from == null ? job.norm() : from.normalization();
        if (from != null) {
            LOG.info(String.format(Locale.ROOT, "%s: resuming from its checkpoint (step %d)", name, from.state().step()));
        }
        Trained t = how.run(new CheckpointDir(ckpt, key, job.checkpointEvery(), used), from == null ? null : from.state(), used);
        Trainer.Result tr = t.result();
        Map<String, Object> sweepEntry = new LinkedHashMap<>();
        sweepEntry.put("width", width);
        sweepEntry.put("k", tr.weights().k());
        sweepEntry.put("eps", job.eps());
        if (t.search() != null) sweepEntry.put("search", t.search());
        if (job.cfg().seeds() > 1) sweepEntry.put("seed", seed);
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("sweep", sweepEntry);
        extra.put("job", key);
        Provenance p = Provenance.of(tc, tr, Provenance.Data.of(job.dataName(), rows), be, used);
        Provenance.save(runDir, tr, p, extra, job.origin());
        int epochs = tr.stopping() != null ? tr.stopping().epochs() : tc.totalEpochs(rows.rowCount());
        SweepRun run = WidthSearch.measure(be, tr.weights(), tr, epochs, "runs/" + name, eval, calib, job.eps())
                .withTraining(seed, character(be, tr.weights(), rows), tr.stopping());
        AtomicFiles.writeString(runDir.resolve("run.json"), JSON.writeValueAsString(run) + "\n");
        CheckpointDir.delete(ckpt);
        return run;
    }

    /** The character of an SAE's features on the rows it trained on (docs/design.md §11), without the usage. */
    private static FeatureCharacter character(Backend be, SaeWeights w, Rows rows) {
        try (Sae sae = Sae.upload(be, w)) {
            return FeatureCharacter.measure(sae, rows).withoutUsage();
        }
    }

    /** The annealed run's directory name: {@code wDDDDD-anneal}, with {@code -sSEED} when the sweep has several seeds. */
    private static String annealName(SweepConfig cfg, int width, long seed) {
        String base = String.format(Locale.ROOT, "w%05d-anneal", width);
        return cfg.seeds() > 1 ? base + "-s" + seed : base;
    }

    /** A run's directory name: {@code wDDDDD-kKKKK}, with {@code -sSEED} when the sweep has several seeds. */
    private static String runName(SweepConfig cfg, int width, int k, long seed) {
        String base = String.format(Locale.ROOT, "w%05d-k%04d", width, k);
        return cfg.seeds() > 1 ? base + "-s" + seed : base;
    }

    /** The settings that make runs reusable; a directory holding other settings is refused. */
    private Map<String, Object> settings() {
        TrainConfig t = cfg.train();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("data", dataName);
        s.put("train_rows", train.rowCount());
        s.put("eval_rows", eval.rowCount());
        s.put("evaluation", evaluation.rule());
        s.put("d_in", train.dim());
        s.put("eps", epsMse);
        s.put("arch", t.arch().id());
        s.put("epochs", t.epochs());
        s.put("samples", t.samples());
        s.put("normalize", t.normalize().id());
        s.put("batch", t.batch());
        s.put("lr", t.lr() == null ? "auto" : t.lr());
        s.put("seed", t.seed());
        s.put("warmup", t.warmupFraction());
        s.put("decay", t.decayFraction());
        s.put("aux_alpha", t.auxAlpha());
        s.put("aux_k", t.auxK() == null ? "auto" : t.auxK());
        s.put("dead_samples", t.deadSamples() == null ? "auto" : t.deadSamples());
        // bisection's settings are those of sweeps made before the search modes, so those directories resume
        if (cfg.search() != SweepConfig.Search.BISECT) {
            s.put("search", cfg.search().id());
            s.put("k_max", cfg.kMax());
        }
        // written only when used, so that sweeps recorded before they existed still match
        if (t.convergence() != null) s.put("convergence", t.convergence().resolved());
        if (cfg.seeds() > 1) s.put("seeds", cfg.seeds());
        return s;
    }

    private void checkSettings() throws IOException {
        Path f = dir.resolve("sweep.json");
        String mine = JSON.writeValueAsString(settings());
        if (Files.exists(f)) {
            String theirs = Files.readString(f);
            if (!JSON.readTree(theirs).equals(JSON.readTree(mine))) {
                throw new InputException("--out " + dir + " holds a sweep with other settings (" + f
                        + "); use another --out directory or delete it");
            }
        } else {
            AtomicFiles.writeString(f, mine + "\n");
        }
    }

    private void loadFinished() throws IOException {
        Path runsDir = dir.resolve("runs");
        try (var list = Files.list(runsDir)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                Path rj = p.resolve("run.json");
                if (!Files.isRegularFile(rj)) continue;
                SweepRun r = JSON.readValue(rj.toFile(), SweepRun.class);
                // runs of widths outside this grid (an earlier sweep into the same directory) take no part
                String name = cfg.search() == SweepConfig.Search.ANNEAL ? annealName(cfg, r.width(), seedOf(r))
                        : runName(cfg, r.width(), r.k(), seedOf(r));
                if (p.getFileName().toString().equals(name) && cfg.widths().contains(r.width())) {
                    runs.put(name, r);
                    listener.runFinished(0, r, true);
                }
            }
        }
    }

    private void writeResults(SweepResults r) throws IOException {
        AtomicFiles.writeString(dir.resolve("results.json"), JSON.writeValueAsString(r) + "\n");
        StringBuilder csv = new StringBuilder(
                "width,k,epochs,train_seconds,headroom,selected,admissible,bits,dl_bits,dl_bound_bits,dense_bits,mse,mse_quantized,fvu,l0,dead_fraction,dir,"
                + "mse_per_token,explained_variance,cossim,l2_ratio,seed,features_live,features_dead_fraction,memorisation,extent,"
                + "stop_reason,best_epoch\n");
        for (SweepRun x : r.runs()) {
            FeatureCharacter f = x.features();
            Convergence.Outcome st = x.stopping();
            csv.append(String.join(",", String.valueOf(x.width()), String.valueOf(x.k()), String.valueOf(x.epochs()),
                    num(x.trainSeconds()), num(x.headroom()), String.valueOf(x.selected()), String.valueOf(x.admissible()),
                    x.bits() == null ? "" : x.bits().toString(), num(x.dlBits()), num(x.dlBoundBits()), num(x.denseBits()),
                    num(x.mse()), num(x.mseQuantized()), num(x.fvu()), num(x.l0()), num(x.deadFraction()), x.dir(),
                    num(x.msePerToken()), num(x.explainedVariance()), num(x.cossim()), num(x.l2Ratio()),
                    x.seed() == null ? "" : x.seed().toString(), f == null ? "" : String.valueOf(f.live()),
                    f == null ? "" : num(f.deadFraction()), f == null ? "" : num(f.memorisation()),
                    f == null ? "" : num(f.extent()), st == null ? "" : st.reason(),
                    st == null ? "" : String.valueOf(st.bestEpoch())))
                    .append('\n');
        }
        AtomicFiles.writeString(dir.resolve("results.csv"), csv.toString());
    }

    private static String num(Double v) {
        return v == null || !Double.isFinite(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
    }

    /**
     * The character of a run's features on the rows it trained on, with each latent's usage there (for the report's
     * pictures, docs/design.md §11). Valid while {@link #run} runs, e.g. in its {@code finish}.
     *
     * @param run a run of this sweep
     * @return the measurement
     */
    public FeatureCharacter features(SweepRun run) {
        try (Sae sae = Sae.upload(be, weights(dir, run))) {
            return FeatureCharacter.measure(sae, trainedOn);
        }
    }

    /** Loads the weights of a run of a finished sweep. */
    public static SaeWeights weights(Path sweepDir, SweepRun run) {
        return SaeFiles.load(sweepDir.resolve(run.dir())).weights();
    }
}
