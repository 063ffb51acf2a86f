package org.mdlsae.train;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;

/**
 * The running side of {@link Convergence}: the learning rate of each step, the held-out MSE after each epoch, the
 * patience counter, the plateau and the best weights so far. Everything it decides from is in its {@link State}, which
 * a checkpoint keeps, so a resumed run stops where the uninterrupted one stops, with the same weights.
 */
public final class EarlyStop {
    /** Held-out rows per evaluation chunk. */
    private static final int CHUNK = 4096;

    private final double minImprovement;
    private final int patience;
    private final int maxEpochs;
    private final double decayFraction;
    private final long stepsPerEpoch;
    private final long warm;
    private final double peak;
    private final float[] heldOut;
    private final int heldRows;
    private final int d;
    private final long trainedRows;
    private final String rule;

    private int epoch;
    private int since;
    private double ref = Double.NaN;
    private double best = Double.POSITIVE_INFINITY;
    private int bestEpoch;
    private double last = Double.NaN;
    private long decayStart = -1;
    /** The end of the decay (valid once {@code decayStart} ≥ 0). */
    private long end;
    /** Steps before the rule's cycle (a k schedule's descent), set by the trainer. */
    private long offset;
    private int plateauEpoch;
    private String reason;
    private SaeWeights bestWeights;

    /**
     * Everything the rule has decided so far (part of a checkpoint).
     *
     * @param epoch        epochs evaluated
     * @param since        epochs in a row without improvement
     * @param ref          held-out MSE of the last improving epoch (NaN before the first)
     * @param best         least held-out MSE so far (+∞ before the first)
     * @param bestEpoch    its epoch (0 before the first)
     * @param last         the last held-out MSE (NaN before the first)
     * @param decayStart   the step after which the learning rate decays (−1 while constant)
     * @param end          the step at which training ends (meaningful once the decay has started)
     * @param plateauEpoch the epoch at which the constant phase ended (0 while constant)
     * @param reason       why it ended ({@code plateau} or {@code cap}; null while constant)
     * @param bestWeights  weights of the best epoch, θ set (null before the first)
     */
    public record State(int epoch, int since, double ref, double best, int bestEpoch, double last, long decayStart, long end,
                 int plateauEpoch, String reason, SaeWeights bestWeights) {
    }

    /**
     * @param cfg      the run's config (its convergence rule, warm-up, decay and peak learning rate)
     * @param n        rows trained on per epoch
     * @param batch    the batch size used (≤ n)
     * @param heldOut  the held-out rows, row-major, in the units training sees
     * @param d        values per row
     * @param rule     which rows were held out, in words
     * @param from     the state to continue from, or null
     */
    EarlyStop(TrainConfig cfg, long n, int batch, float[] heldOut, int d, String rule, State from) {
        Convergence c = cfg.convergence();
        this.minImprovement = c.effectiveMinImprovement();
        this.patience = c.effectivePatience();
        this.maxEpochs = c.effectiveMaxEpochs();
        this.decayFraction = cfg.decayFraction();
        this.stepsPerEpoch = (n + batch - 1) / batch;
        // the warm-up of a default fixed run (or of a fixed run of the cap, if shorter)
        this.warm = (long) Math.ceil(cfg.warmupFraction() * Math.min(TrainConfig.DEFAULT_EPOCHS, maxEpochs) * stepsPerEpoch);
        this.peak = cfg.effectiveLr();
        this.heldOut = heldOut;
        this.d = d;
        this.heldRows = heldOut.length / d;
        this.trainedRows = n;
        this.rule = rule;
        if (from != null) {
            epoch = from.epoch();
            since = from.since();
            ref = from.ref();
            best = from.best();
            bestEpoch = from.bestEpoch();
            last = from.last();
            decayStart = from.decayStart();
            end = from.end();
            plateauEpoch = from.plateauEpoch();
            reason = from.reason();
            bestWeights = from.bestWeights();
        }
    }

    /**
     * Starts the rule's cycle after {@code steps} steps of another (a k schedule's descent, docs/design.md §11): its
     * warm-up, epochs and cap count from there.
     */
    void offset(long steps) {
        this.offset = steps;
    }

    /** Steps before the rule's cycle. */
    long offset() {
        return offset;
    }

    /** The step at which training ends: the cap until the plateau, then the end of the decay. */
    long end() {
        return decayStart < 0 ? offset + maxEpochs * stepsPerEpoch : end;
    }

    /** Whether the final decay has started (its steps are {@link #decayStart()} to {@link #end()}). */
    boolean decaying() {
        return decayStart >= 0;
    }

    /** The step after which the learning rate decays, or −1 while it is constant. */
    long decayStart() {
        return decayStart;
    }

    /** Forgets the best epoch so far (k changed: the weights kept must be of the final k). */
    void resetBest() {
        best = Double.POSITIVE_INFINITY;
        bestEpoch = 0;
        bestWeights = null;
    }

    /** The learning rate of step s (1-based, s &gt; offset): warm-up, constant, and after the plateau a linear decay to 0. */
    double lr(long s) {
        long t = s - offset;
        if (warm > 0 && t <= warm) return peak * t / warm;
        if (decayStart >= 0 && s > decayStart) return peak * Math.max(0, end - s + 1) / (double) (end - decayStart + 1);
        return peak;
    }

    /**
     * Measures the held-out MSE after an epoch and applies the rule; training ends when the steps reach {@link #end}.
     *
     * @param step    steps done (an epoch boundary)
     * @param current the weights as they would be saved now (k and θ set)
     * @param sae     the weights now on the back end, θ set
     */
    void epochEnd(long step, java.util.function.Supplier<SaeWeights> current, Sae sae) {
        epoch++;
        last = heldOutMse(sae);
        if (last < best) {
            best = last;
            bestEpoch = epoch;
            bestWeights = current.get();
        }
        if (Double.isNaN(ref) || last < ref * (1 - minImprovement)) {
            ref = last;
            since = 0;
        } else {
            since++;
        }
        if (decayStart < 0) {
            int lastConstant = Math.max(1, (int) Math.floor((1 - decayFraction) * maxEpochs));
            boolean plateau = since >= patience;
            if (plateau || epoch >= lastConstant) {
                reason = plateau ? "plateau" : "cap";
                plateauEpoch = epoch;
                decayStart = step;
                long decayEpochs = decayFraction >= 1 ? maxEpochs - epoch
                        : Math.min(maxEpochs - epoch, (long) Math.ceil(epoch * decayFraction / (1 - decayFraction)));
                end = step + Math.max(0, decayEpochs) * stepsPerEpoch;
            }
        }
    }

    private double heldOutMse(Sae sae) {
        Backend be = sae.backend();
        int chunk = Math.min(CHUNK, heldRows);
        double sse = 0;
        try (FloatBuf x = be.floats((long) chunk * d); FloatBuf xhat = be.floats((long) chunk * d);
             FloatBuf g = be.floats((long) chunk * d)) {
            for (int r0 = 0; r0 < heldRows; r0 += chunk) {
                int rows = Math.min(chunk, heldRows - r0);
                be.write(x, 0, heldOut, r0 * d, rows * d);
                try (SparseCode z = sae.encode(x, rows)) {
                    sae.decode(z, xhat);
                }
                sse += be.residual(x, xhat, (long) rows * d, 0f, g);
            }
        }
        return sse / ((double) heldRows * d);
    }

    /** The weights of the best epoch (null if no epoch ended). */
    SaeWeights bestWeights() {
        return bestWeights;
    }

    State state() {
        return new State(epoch, since, ref, best, bestEpoch, last, decayStart, end, plateauEpoch, reason, bestWeights);
    }

    /** What happened, in the units training saw; epochs count from the start of the run (a descent included). */
    Convergence.Outcome outcome(long steps) {
        int before = (int) (offset / stepsPerEpoch);
        return new Convergence.Outcome(reason == null ? "cap" : reason, before + epoch, steps, before + plateauEpoch,
                before + bestEpoch, best, last, heldRows, trainedRows, rule, before);
    }
}
