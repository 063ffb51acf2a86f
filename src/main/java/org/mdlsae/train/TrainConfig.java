package org.mdlsae.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.mdlsae.ConfigException;
import org.mdlsae.sae.Arch;

/**
 * Everything that determines a training run (docs/design.md §2.2). Immutable; recorded next to the weights in
 * {@code cfg.json} (by {@link Provenance}). Start from {@link #defaults(Arch, int, int)} and override with the
 * {@code with…} methods; the CLI flags map one to one onto the components. A component that is null is not set and
 * takes its documented default (see the {@code effective…} methods); a value that is set but out of range is refused
 * with a {@link ConfigException} naming the component.
 *
 * @param arch           TopK or BatchTopK
 * @param width          dictionary width D
 * @param k              active latents per sample (TopK) or on average (BatchTopK)
 * @param epochs         passes over the training data (default {@value #DEFAULT_EPOCHS}); 0 when the budget is
 *                       {@code samples} or the run trains to convergence
 * @param samples        training budget in samples (rows, e.g. tokens) instead of epochs, ≥ 1; null: {@code epochs}
 *                       decides. Exactly one budget is given; the LR schedule spans the steps it gives ({@link #steps})
 * @param batch          samples per step (default {@value #DEFAULT_BATCH})
 * @param lr             peak Adam learning rate in (0, 1); null: 2e-4·sqrt(2^14/D) clamped to [1e-4, 2e-3]
 * @param seed           seed of initialisation and shuffling (default 0)
 * @param warmupFraction fraction of steps with linear warm-up from 0 (default {@value #DEFAULT_WARMUP})
 * @param decayFraction  fraction of final steps with linear decay to 0 (default {@value #DEFAULT_DECAY}; 0 disables)
 * @param auxAlpha       AuxK loss weight α (default 1/32; 0 disables AuxK)
 * @param auxK           AuxK k_aux ≥ 1; null: d/2, capped at D
 * @param deadSamples    a latent is dead after this many samples (≥ 1) without firing; null: min(10 epochs, 10M)
 * @param beta1          Adam β1 (0.9)
 * @param beta2          Adam β2 (0.999)
 * @param adamEps        Adam ε (1e-8)
 * @param normalize      activation normalisation (default none; docs/design.md §8)
 * @param convergence    train until the held-out MSE stops improving ({@link Convergence}, docs/design.md §11) instead
 *                       of a fixed budget; null: the budget is {@code epochs} or {@code samples}. Its cap bounds
 *                       {@link #steps}
 */
public record TrainConfig(Arch arch, int width, int k, int epochs, Long samples, int batch, Double lr, long seed,
                          double warmupFraction, double decayFraction, double auxAlpha, Integer auxK, Long deadSamples,
                          double beta1, double beta2, double adamEps, Normalization.Method normalize,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Convergence convergence) implements java.io.Serializable {

    /** Default epochs. */
    public static final int DEFAULT_EPOCHS = 30;
    /** Default batch size. */
    public static final int DEFAULT_BATCH = 256;
    /** Default warm-up fraction. */
    public static final double DEFAULT_WARMUP = 0.05;
    /** Default decay fraction. */
    public static final double DEFAULT_DECAY = 0.2;
    /** Default AuxK weight α = 1/32. */
    public static final double DEFAULT_AUX_ALPHA = 1.0 / 32;

    public TrainConfig {
        if (arch == null) throw bad("arch", "is required: topk or batchtopk");
        if (!arch.trainable()) throw bad("arch", "must be topk or batchtopk (" + arch.id() + " is loaded only, not trained)");
        if (width < 1) throw bad("width", "must be ≥ 1, got " + width);
        if (k < 1) throw bad("k", "must be ≥ 1, got " + k);
        if (k > width) throw bad("k", "must not exceed the width " + width + ", got " + k);
        if (convergence != null) {
            if (samples != null) throw bad("samples", "and training to convergence are mutually exclusive; give one training budget");
            if (epochs != 0) throw bad("epochs", "must be 0 when training to convergence (its cap is convergence.maxEpochs), got " + epochs);
        } else if (samples != null) {
            if (samples < 1) throw bad("samples", "must be ≥ 1 (leave it unset to train by epochs), got " + samples);
            if (epochs != 0) throw bad("samples", "and epochs are mutually exclusive; give one training budget");
        } else if (epochs < 1) {
            throw bad("epochs", "must be ≥ 1, got " + epochs);
        }
        if (normalize == null) throw bad("normalize", "is required: none or expected_average_only_in");
        if (batch < 1) throw bad("batch", "must be ≥ 1, got " + batch);
        if (lr != null && !(lr > 0 && lr < 1)) throw bad("lr", "must be a finite number in (0, 1), got " + lr);
        if (!(warmupFraction >= 0 && warmupFraction < 1)) throw bad("warmupFraction", "must be in [0, 1), got " + warmupFraction);
        if (!(decayFraction >= 0 && decayFraction <= 1)) throw bad("decayFraction", "must be in [0, 1], got " + decayFraction);
        if (warmupFraction + decayFraction > 1) {
            throw bad("decayFraction", "plus the warm-up fraction " + warmupFraction + " must not exceed 1, got " + decayFraction);
        }
        if (!(auxAlpha >= 0 && auxAlpha < Double.POSITIVE_INFINITY)) throw bad("auxAlpha", "must be a finite number ≥ 0, got " + auxAlpha);
        if (auxK != null && auxK < 1) throw bad("auxK", "must be ≥ 1 (leave it unset for d/2), got " + auxK);
        if (deadSamples != null && deadSamples < 1) {
            throw bad("deadSamples", "must be ≥ 1 (leave it unset for min(10 epochs, 10M)), got " + deadSamples);
        }
        if (!(beta1 >= 0 && beta1 < 1)) throw bad("beta1", "must be in [0, 1), got " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw bad("beta2", "must be in [0, 1), got " + beta2);
        if (!(adamEps > 0 && adamEps < Double.POSITIVE_INFINITY)) throw bad("adamEps", "must be a finite number > 0, got " + adamEps);
    }

    private static ConfigException bad(String component, String problem) {
        return new ConfigException("TrainConfig." + component, problem);
    }

    /** A config with a fixed budget (no convergence rule). */
    public TrainConfig(Arch arch, int width, int k, int epochs, Long samples, int batch, Double lr, long seed,
                       double warmupFraction, double decayFraction, double auxAlpha, Integer auxK, Long deadSamples,
                       double beta1, double beta2, double adamEps, Normalization.Method normalize) {
        this(arch, width, k, epochs, samples, batch, lr, seed, warmupFraction, decayFraction, auxAlpha, auxK, deadSamples,
                beta1, beta2, adamEps, normalize, null);
    }

    /** The documented defaults for an architecture and size. */
    public static TrainConfig defaults(Arch arch, int width, int k) {
        return new TrainConfig(arch, width, k, DEFAULT_EPOCHS, null, DEFAULT_BATCH, null, 0, DEFAULT_WARMUP, DEFAULT_DECAY,
                DEFAULT_AUX_ALPHA, null, null, 0.9, 0.999, 1e-8, Normalization.Method.NONE);
    }

    /** The learning rate actually used: {@link #lr} or the width-scaled default. */
    public double effectiveLr() {
        if (lr != null) return lr;
        double v = 2e-4 / Math.sqrt(width / 16384.0);
        return Math.max(1e-4, Math.min(2e-3, v));
    }

    /** k_aux actually used for input dimension d. */
    public int effectiveAuxK(int d) {
        int v = auxK != null ? auxK : Math.max(1, d / 2);
        return Math.min(v, width);
    }

    /**
     * Optimiser steps for a training set of n rows: ⌈n/b⌉ per epoch (b = min(batch, n)), or, with a sample budget
     * N, full epochs and then full batches until N samples are reached (the last batch is cut to hit N exactly). A run
     * to convergence takes at most the steps of its cap (n is then the rows trained on, without the held-out ones).
     *
     * @param n rows per epoch, ≥ 1
     * @return the number of steps
     */
    public long steps(long n) {
        long b = Math.min(batch, n);
        long perEpoch = (n + b - 1) / b;
        if (samples == null) return perEpoch * budgetEpochs();
        return samples / n * perEpoch + (samples % n + b - 1) / b;
    }

    /**
     * Samples a run over n rows trains on.
     *
     * @param n rows per epoch
     * @return {@code samples}, or n·epochs
     */
    public long totalSamples(long n) {
        return samples != null ? samples : n * budgetEpochs();
    }

    /** Epochs of the budget: {@code epochs}, or the cap of the convergence rule. */
    private int budgetEpochs() {
        return convergence != null ? convergence.effectiveMaxEpochs() : epochs;
    }

    /**
     * Epochs a run over n rows starts (the last may be partial with a sample budget).
     *
     * @param n rows per epoch
     * @return ⌈samples/n⌉, or epochs (the cap when training to convergence)
     */
    public int totalEpochs(long n) {
        return samples != null ? (int) Math.min(Integer.MAX_VALUE, (samples + n - 1) / n) : budgetEpochs();
    }

    /** Dead-latent window actually used for a training set of n samples. */
    public long effectiveDeadSamples(long n) {
        return deadSamples != null ? deadSamples : Math.max(1, Math.min(10 * n, 10_000_000L));
    }

    /** The budget as epochs (clears a sample budget and a convergence rule). */
    public TrainConfig withEpochs(int v) {
        return new TrainConfig(arch, width, k, v, null, batch, lr, seed, warmupFraction, decayFraction, auxAlpha, auxK, deadSamples, beta1, beta2, adamEps, normalize, null);
    }

    /** The budget as samples (clears the epochs and a convergence rule). */
    public TrainConfig withSamples(long v) {
        return new TrainConfig(arch, width, k, 0, v, batch, lr, seed, warmupFraction, decayFraction, auxAlpha, auxK, deadSamples, beta1, beta2, adamEps, normalize, null);
    }

    /** Trains to convergence under {@code c} (clears the epochs and a sample budget); null is refused. */
    public TrainConfig withConvergence(Convergence c) {
        if (c == null) throw bad("convergence", "is required here; use withEpochs or withSamples for a fixed budget");
        return new TrainConfig(arch, width, k, 0, null, batch, lr, seed, warmupFraction, decayFraction, auxAlpha, auxK, deadSamples, beta1, beta2, adamEps, normalize, c);
    }

    /** The activation normalisation. */
    public TrainConfig withNormalize(Normalization.Method v) {
        return new TrainConfig(arch, width, k, epochs, samples, batch, lr, seed, warmupFraction, decayFraction, auxAlpha, auxK, deadSamples, beta1, beta2, adamEps, v, convergence);
    }

    public TrainConfig withBatch(int v) {
        return new TrainConfig(arch, width, k, epochs, samples, v, lr, seed, warmupFraction, decayFraction, auxAlpha, auxK, deadSamples, beta1, beta2, adamEps, normalize, convergence);
    }

    /** The peak learning rate; null restores the width-scaled default. */
    public TrainConfig withLr(Double v) {
        return new TrainConfig(arch, width, k, epochs, samples, batch, v, seed, warmupFraction, decayFraction, auxAlpha, auxK, deadSamples, beta1, beta2, adamEps, normalize, convergence);
    }

    public TrainConfig withSeed(long v) {
        return new TrainConfig(arch, width, k, epochs, samples, batch, lr, v, warmupFraction, decayFraction, auxAlpha, auxK, deadSamples, beta1, beta2, adamEps, normalize, convergence);
    }

    public TrainConfig withSchedule(double warmup, double decay) {
        return new TrainConfig(arch, width, k, epochs, samples, batch, lr, seed, warmup, decay, auxAlpha, auxK, deadSamples, beta1, beta2, adamEps, normalize, convergence);
    }

    /** AuxK settings; a null k_aux or dead-sample window takes its default. */
    public TrainConfig withAux(double alpha, Integer kAux, Long dead) {
        return new TrainConfig(arch, width, k, epochs, samples, batch, lr, seed, warmupFraction, decayFraction, alpha, kAux, dead, beta1, beta2, adamEps, normalize, convergence);
    }

    /** AuxK weight α only (0 switches AuxK off). */
    public TrainConfig withAuxAlpha(double alpha) {
        return withAux(alpha, auxK, deadSamples);
    }

    public TrainConfig withShape(Arch a, int w, int kk) {
        return new TrainConfig(a, w, kk, epochs, samples, batch, lr, seed, warmupFraction, decayFraction, auxAlpha, auxK, deadSamples, beta1, beta2, adamEps, normalize, convergence);
    }
}
