package org.mdlsae.train;

import java.util.SplittableRandom;
import org.mdlsae.InputException;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.data.Dataset;
import org.mdlsae.math.Rows;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;

/**
 * The one training loop of the engine (docs/design.md §2.2): unit-norm decoder rows, tied init, b_dec at the data
 * mean, Adam with warm-up and linear decay, decoder renormalisation with the parallel gradient component removed,
 * and AuxK on dead latents. The activation rule is a part ({@link ActivationRule}: TopK and BatchTopK from the
 * config's architecture, or another rule such as the tree SAE's through {@link #activation}); batches come from a
 * {@link BatchSource}. Every step is written against {@link Backend} ops ({@link TrainStep}) and costs one dense
 * encoder product plus O(nnz·d) sparse work: the backward pass touches only active latents. On a device back end
 * the step stays there (docs/design.md §9): in-memory data is resident and each batch is gathered on the device, the
 * dead-latent bookkeeping runs there, and a step allocates nothing after the first steps and reads back a few numbers.
 * Deterministic for a seed on the CPU back end.
 *
 * <p>A run can be snapshotted ({@link #checkpoints}) and continued from a snapshot ({@link #resume}); the continued
 * run ends bit-identical to an uninterrupted one on the CPU back end. A {@link PhaseListener} sees every phase of
 * every step (the benchmark's phase timing uses it). Configure before {@link #train}; one run per instance at a time.
 */
public final class Trainer {
    private final Backend be;
    private final TrainConfig cfg;
    private final TrainListener listener;
    private ActivationRule rule;
    private PhaseListener phases = PhaseListener.NONE;
    private Checkpoints checkpoints;
    private KSchedule kSchedule;

    /**
     * @param backend  where to train
     * @param cfg      the run's settings
     * @param listener progress after each step (may be null)
     */
    public Trainer(Backend backend, TrainConfig cfg, TrainListener listener) {
        this.be = backend;
        this.cfg = cfg;
        this.listener = listener == null ? TrainListener.NONE : listener;
        this.rule = ActivationRule.of(cfg.arch(), cfg.k());
    }

    /**
     * Replaces the architecture's activation rule (e.g. with the tree SAE's). A rule without AuxK support needs
     * {@code auxAlpha = 0} in the config.
     *
     * @param r the rule
     * @return this trainer
     */
    public Trainer activation(ActivationRule r) {
        this.rule = r;
        return this;
    }

    /**
     * Reports the phases of every step (for timing).
     *
     * @param p the listener
     * @return this trainer
     */
    public Trainer phases(PhaseListener p) {
        this.phases = p == null ? PhaseListener.NONE : p;
        return this;
    }

    /**
     * Offers snapshots of the run's state while it trains.
     *
     * @param c asked after every step whether a snapshot is due
     * @return this trainer
     */
    public Trainer checkpoints(Checkpoints c) {
        this.checkpoints = c;
        return this;
    }

    /**
     * Lets {@code s} change k while the run trains (docs/design.md §10); the config's k is the largest k it may use
     * (buffers are sized for it) and the result's weights carry the schedule's final k.
     *
     * @param s the schedule, or null for a fixed k
     * @return this trainer
     */
    public Trainer kSchedule(KSchedule s) {
        this.kSchedule = s;
        return this;
    }

    /**
     * Statistics of a finished run.
     *
     * @param weights       trained parameters (BatchTopK: θ is the running mean of the kept minima)
     * @param seconds       wall time of training (over all sessions of a resumed run)
     * @param samplesPerSec throughput
     * @param steps         optimiser steps
     * @param initialMse    MSE per element of the first step's batch (before any update)
     * @param finalMse      MSE per element of the last step's batch
     * @param finalL0       mean active latents per sample in the last step
     * @param deadFraction  fraction of latents dead at the end (no firing within the dead-sample window)
     */
    public record Result(SaeWeights weights, double seconds, double samplesPerSec, long steps, double initialMse,
                         double finalMse, double finalL0, double deadFraction) {
    }

    /**
     * Where to put snapshots of a running training ({@link State}); the trainer asks after every step.
     */
    public interface Checkpoints {
        /**
         * Whether a snapshot is wanted now.
         *
         * @param step    steps done
         * @param seconds seconds trained so far
         * @return true to receive a {@link State} through {@link #save}
         */
        boolean due(long step, double seconds);

        /**
         * Receives a snapshot. Its arrays are copies that the trainer never touches again.
         *
         * @param state the state after {@code state.step()} steps
         */
        void save(State state);
    }

    /**
     * Everything a run needs to continue exactly where it stopped: the parameters, the optimiser, the data cursor and
     * the dead-latent counters. The learning-rate schedule's position is {@code step}. Arrays are owned by the record
     * (copies); its {@code equals} compares them by reference.
     *
     * @param config     the run's config (a resume must use an equal one)
     * @param rule       the activation rule's name
     * @param step       optimiser steps done (also Adam's t)
     * @param data       where the batch source stood after the step
     * @param weights    parameters after the step (θ not yet set: see {@code theta})
     * @param moments    Adam's m and v of W_enc, b_enc, W_dec, b_dec, in that order (8 arrays)
     * @param sinceFired per latent, samples since it last fired (counts stop at the dead-sample window)
     * @param theta      running mean of BatchTopK's kept minima (NaN before the first, and for other rules)
     * @param samples    samples trained on
     * @param seconds    seconds trained so far
     * @param firstMse   MSE of the first step
     * @param lastMse    MSE of the last step
     * @param lastL0     L0 of the last step
     * @param schedule   the {@link KSchedule}'s state (null for runs at a fixed k)
     */
    public record State(TrainConfig config, String rule, long step, BatchSource.Cursor data, SaeWeights weights,
                        float[][] moments, long[] sinceFired, float theta, long samples, double seconds, double firstMse,
                        double lastMse, double lastL0, String schedule) {
        /** The state of a run at a fixed k. */
        public State(TrainConfig config, String rule, long step, BatchSource.Cursor data, SaeWeights weights,
                     float[][] moments, long[] sinceFired, float theta, long samples, double seconds, double firstMse,
                     double lastMse, double lastL0) {
            this(config, rule, step, data, weights, moments, sinceFired, theta, samples, seconds, firstMse, lastMse,
                    lastL0, null);
        }
    }

    /** Rows of the data whose mean initialises b_dec. */
    public static final int INIT_ROWS = 8192;

    /**
     * Initial weights for data x (n×d): random unit decoder rows, tied encoder, b_dec = the mean of the first
     * min(n, {@value #INIT_ROWS}) rows.
     */
    public static SaeWeights init(TrainConfig cfg, float[] x, int n, int d) {
        SplittableRandom rnd = new SplittableRandom(cfg.seed());
        int width = cfg.width();
        float[] dec = new float[width * d];
        for (int j = 0; j < width; j++) {
            double s = 0;
            for (int c = 0; c < d; c++) {
                float v = (float) gaussian(rnd);
                dec[j * d + c] = v;
                s += (double) v * v;
            }
            float inv = (float) (1 / Math.sqrt(s));
            for (int c = 0; c < d; c++) dec[j * d + c] *= inv;
        }
        float[] bDec = new float[d];
        int m = Math.min(n, INIT_ROWS);
        double[] mean = new double[d];
        for (int r = 0; r < m; r++) for (int c = 0; c < d; c++) mean[c] += x[r * d + c];
        for (int c = 0; c < d; c++) bDec[c] = (float) (mean[c] / m);
        return new SaeWeights(cfg.arch(), d, width, cfg.k(), Float.NaN, dec.clone(), new float[width], dec, bDec);
    }

    private static double gaussian(SplittableRandom r) {
        // Box–Muller: SplittableRandom has no nextGaussian on Java 17.
        double u = 1.0 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /**
     * Trains on rows in memory or streamed from shards (docs/design.md §8), from the initial weights of
     * {@link #init}: a {@code data.Dataset} is shuffled exactly every epoch ({@link InMemoryBatches}, the same run as
     * {@link #train(float[], int, int)}), a {@code data.ShardSet} is mixed by chunks and read ahead
     * ({@link StreamedBatches}). The config's normalisation is estimated on the rows, applied to every batch and
     * folded into the returned weights, so they take raw activations and the result's MSEs are in raw units.
     *
     * @param data the training rows
     * @return the result
     */
    public Result train(Rows data) {
        return train(data, Normalization.estimate(cfg.normalize(), data));
    }

    /**
     * As {@link #train(Rows)} with the normalisation already estimated (e.g. to record its factor).
     *
     * @param data the training rows
     * @param norm {@code Normalization.estimate(cfg.normalize(), data)}
     * @return the result, in raw units
     */
    public Result train(Rows data, Normalization norm) {
        if (norm.method() != cfg.normalize()) {
            throw new IllegalArgumentException("normalisation " + norm.method().id() + " differs from the config's "
                    + cfg.normalize().id());
        }
        if (data.rowCount() < 1) throw new InputException("training data " + data.name() + " is empty");
        SaeWeights start = init(cfg, initRows(data, norm), (int) Math.min(data.rowCount(), INIT_ROWS), data.dim());
        try (BatchSource src = norm.apply(BatchSources.of(data, cfg))) {
            return norm.fold(train(start, src));
        }
    }

    /** Rows that fix b_dec: the first {@value #INIT_ROWS} of in-memory data, else that many spread evenly. */
    private static float[] initRows(Rows data, Normalization norm) {
        float[] x;
        if (data instanceof Dataset ds) {
            if (!norm.active()) return ds.data();
            x = java.util.Arrays.copyOf(ds.data(), (int) Math.min(ds.rows(), INIT_ROWS) * ds.dim());
        } else {
            x = data.sampleEvenly(INIT_ROWS);
        }
        norm.scale(x, x.length);
        return x;
    }

    /** Trains on n×d row-major data from the initial weights of {@link #init}. */
    public Result train(float[] x, int n, int d) {
        if (n < 1) throw new InputException("training data is empty");
        return train(init(cfg, x, n, d), x, n, d);
    }

    /** Trains on n×d row-major data, shuffled every epoch ({@link InMemoryBatches}), starting from {@code start}. */
    public Result train(SaeWeights start, float[] x, int n, int d) {
        return train(start, new InMemoryBatches(x, n, d, cfg.seed()));
    }

    /**
     * Trains on the batches of {@code data}, starting from {@code start}.
     *
     * @param start initial weights (width and d_in must match)
     * @param data  a fresh source
     * @return the result
     */
    public Result train(SaeWeights start, BatchSource data) {
        return run(start, null, data);
    }

    /**
     * Continues a run from a snapshot; the result is bit-identical (CPU back end) to the run that was never stopped.
     * A snapshot of a finished run returns at once.
     *
     * @param from a snapshot made by a trainer with an equal config and rule
     * @param data a source over the same data as the original run (it is moved to the snapshot's cursor)
     * @return the result
     */
    public Result resume(State from, BatchSource data) {
        if (!from.config().equals(cfg)) {
            throw new InputException("the checkpoint was made with other training settings (" + from.config() + "); "
                    + "resume with the same settings or start afresh");
        }
        if (!from.rule().equals(rule.name())) {
            throw new InputException("the checkpoint was made with activation rule " + from.rule() + ", not " + rule.name());
        }
        if (from.moments().length != 8 || from.sinceFired().length != cfg.width()) {
            throw new InputException("the checkpoint's optimiser state does not fit a width-" + cfg.width() + " SAE");
        }
        if ((from.schedule() == null) != (kSchedule == null)) {
            throw new InputException("the checkpoint was made " + (kSchedule == null ? "with" : "without")
                    + " a k schedule; resume it with the same search mode or start afresh");
        }
        return run(from.weights(), from, data);
    }

    /**
     * Continues a run of {@link #train(Rows, Normalization)} from a snapshot: the snapshot's weights are in the units
     * training sees (normalised when the config normalises), and the result is folded like the uninterrupted run's.
     *
     * @param from a snapshot of a run over the same rows with an equal config
     * @param data the same rows
     * @param norm the same normalisation ({@code Normalization.estimate} gives the same factor again)
     * @return the result, in raw units
     */
    public Result resume(State from, Rows data, Normalization norm) {
        if (norm.method() != cfg.normalize()) {
            throw new IllegalArgumentException("normalisation " + norm.method().id() + " differs from the config's "
                    + cfg.normalize().id());
        }
        try (BatchSource src = norm.apply(BatchSources.of(data, cfg))) {
            return norm.fold(resume(from, src));
        }
    }

    /** The weights as an SAE of k latents with threshold θ (BatchTopK; NaN θ stays NaN, as before the first step). */
    private static SaeWeights withK(SaeWeights w, int k, float theta) {
        return new SaeWeights(w.arch(), w.dIn(), w.width(), k, theta, w.enc(), w.bEnc(), w.dec(), w.bDec(), w.thresholds());
    }

    private Result run(SaeWeights start, State from, BatchSource data) {
        int d = data.dim();
        long n = data.rows();
        if (start.dIn() != d) throw new InputException("SAE d_in " + start.dIn() + " does not match data dimension " + d);
        if (start.width() != cfg.width()) {
            throw new InputException("SAE width " + start.width() + " does not match the config's width " + cfg.width());
        }
        if (cfg.auxAlpha() > 0 && !rule.supportsAuxK()) {
            throw new InputException("auxAlpha must be 0 for the " + rule.name() + " activation rule (it has no AuxK), got "
                    + cfg.auxAlpha());
        }
        int width = cfg.width();
        int b = (int) Math.min(cfg.batch(), n);
        long configSteps = cfg.steps(n);
        long deadAfter = cfg.effectiveDeadSamples(n);
        LrSchedule schedule = new LrSchedule(cfg.effectiveLr(), configSteps, cfg.warmupFraction(), cfg.decayFraction());
        // a k schedule may add steps of full batches before the config's (its descent)
        long steps = kSchedule == null ? configSteps : kSchedule.steps(configSteps);
        long budget = cfg.totalSamples(n) + (steps - configSteps) * b;

        try (Sae sae = Sae.upload(be, start);
             TrainStep stepper = new TrainStep(be, rule, d, cfg, cfg.effectiveAuxK(d), b, deadAfter, phases);
             FloatBuf xb = be.floats((long) b * d);
             BatchSource.Loader batches = data.onto(be, b)) {
            int deadCount = 0;
            float theta = Float.NaN;
            long step = 0, samples = 0;
            double priorSeconds = 0, firstMse = Double.NaN, lastMse = Double.NaN, lastL0 = Double.NaN;
            if (from != null) {
                data.restore(from.data());
                if (kSchedule != null) kSchedule.restore(from.schedule());
                for (int i = 0; i < 8; i++) be.write(stepper.moments[i], 0, from.moments()[i], 0, from.moments()[i].length);
                deadCount = stepper.restoreDead(from.sinceFired());
                theta = from.theta();
                step = from.step();
                samples = from.samples();
                priorSeconds = from.seconds();
                firstMse = from.firstMse();
                lastMse = from.lastMse();
                lastL0 = from.lastL0();
            }
            int kNow = kSchedule == null ? cfg.k() : kSchedule.k();
            if (kNow != cfg.k()) stepper.k(kNow);
            long t0 = System.nanoTime();
            while (step < steps) {
                phases.stepStarted(step + 1);
                // a sample budget cuts the last batch so that exactly that many samples are seen
                int want = (int) Math.min(b, budget - samples);
                int rows = batches.next(xb, want);
                if (rows == 0) {
                    data.startEpoch();
                    rows = batches.next(xb, want);
                    if (rows == 0) throw new IllegalStateException("batch source " + data + " started an epoch without rows");
                }
                phases.phaseEnded("load_batch");

                TrainStep.Out out = stepper.run(sae, xb, rows, deadCount > 0);
                float m = out.keptMin();
                if (Float.isFinite(m)) theta = Float.isNaN(theta) ? m : 0.99f * theta + 0.01f * m;
                // dead-latent bookkeeping on the back end: AuxK of the next step works on the latents dead now
                long[] tally = stepper.count(out, rows);
                long active = tally[0];
                deadCount = (int) tally[1];
                step++;
                double lr = kSchedule == null ? schedule.at(step) : kSchedule.lr(step, schedule);
                stepper.update(sae, (float) lr, (int) Math.min(step, Integer.MAX_VALUE));

                samples += rows;
                double sse = out.sse();
                lastMse = sse / ((double) rows * d);
                if (step == 1) firstMse = lastMse;
                lastL0 = (double) active / rows;
                if (!Double.isFinite(sse)) {
                    throw new DivergedException("training diverged at step " + step + " (loss " + sse + "); lower the learning rate");
                }
                if (kSchedule != null) {
                    float th = theta;
                    int kk = kNow;
                    if (kSchedule.afterStep(step, steps, () -> withK(sae.download(), kk, th))) {
                        kNow = kSchedule.k();
                        stepper.k(kNow);
                        theta = Float.NaN; // θ restarts: at the end it is the mean over steps at the final k
                    }
                }
                double secs = priorSeconds + (System.nanoTime() - t0) / 1e9;
                listener.onStep(new TrainListener.Progress(data.epoch(), cfg.totalEpochs(n), step, steps, sse / rows, lastMse,
                        lastL0, (double) deadCount / width, samples / Math.max(secs, 1e-9)));
                if (checkpoints != null && checkpoints.due(step, secs)) {
                    float[][] mo = new float[8][];
                    for (int i = 0; i < 8; i++) mo[i] = be.download(stepper.moments[i]);
                    checkpoints.save(new State(cfg, rule.name(), step, data.cursor(), sae.download(), mo, stepper.sinceFired(),
                            theta, samples, secs, firstMse, lastMse, lastL0, kSchedule == null ? null : kSchedule.state()));
                }
            }
            double secs = priorSeconds + (System.nanoTime() - t0) / 1e9;
            if (cfg.arch() == Arch.BATCHTOPK) sae.setThreshold(Float.isNaN(theta) ? 0f : theta);
            return new Result(withK(sae.download(), kNow, sae.threshold()), secs, samples / Math.max(secs, 1e-9), step, firstMse, lastMse, lastL0,
                    (double) deadCount / width);
        }
    }
}
