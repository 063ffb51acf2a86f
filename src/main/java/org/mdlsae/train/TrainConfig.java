package org.mdlsae.train;

import org.mdlsae.InputException;
import org.mdlsae.sae.Arch;

/**
 * Everything that determines a training run (DESIGN §2.2). Immutable; saved next to the weights in
 * {@code cfg.json} under {@code mdlsae_train}. Start from {@link #defaults(Arch, int, int)} and override with
 * the {@code with…} methods; the CLI flags map one to one onto the components.
 *
 * @param arch           TopK or BatchTopK
 * @param width          dictionary width D
 * @param k              active latents per sample (TopK) or on average (BatchTopK)
 * @param epochs         passes over the training data (default 30); 0 when the budget is {@code samples}
 * @param samples        training budget in samples (rows, e.g. tokens) instead of epochs; 0 (the default) means
 *                       {@code epochs} decides. Exactly one of the two is positive; the LR schedule spans the steps
 *                       either gives ({@link #steps})
 * @param batch          samples per step (default 256)
 * @param lr             peak Adam learning rate; NaN means the default 2e-4·sqrt(2^14/D) clamped to [1e-4, 2e-3]
 * @param seed           seed of initialisation and shuffling (default 0)
 * @param warmupFraction fraction of steps with linear warm-up from 0 (default 0.05)
 * @param decayFraction  fraction of final steps with linear decay to 0 (default 0.2; 0 disables)
 * @param auxAlpha       AuxK loss weight α (default 1/32; 0 disables AuxK)
 * @param auxK           AuxK k_aux; 0 means d/2 capped at D
 * @param deadSamples    a latent is dead after this many samples without firing; 0 means
 *                       min(10 epochs, 10M samples)
 * @param beta1          Adam β1 (0.9)
 * @param beta2          Adam β2 (0.999)
 * @param adamEps        Adam ε (1e-8)
 * @param normalize      activation normalisation (default none; docs/design.md §8)
 */
public record TrainConfig(Arch arch, int width, int k, int epochs, long samples, int batch, double lr, long seed,
                          double warmupFraction, double decayFraction, double auxAlpha, int auxK, long deadSamples,
                          double beta1, double beta2, double adamEps, Normalization.Method normalize) {

    public TrainConfig {
        if (arch == null) throw new InputException("--arch is required: topk or batchtopk");
        if (width < 1) throw new InputException("--width must be ≥ 1, got " + width);
        if (k < 1) throw new InputException("--k must be ≥ 1, got " + k);
        if (k > width) throw new InputException("--k " + k + " exceeds --width " + width + "; choose k ≤ width");
        if (epochs > 0 && samples > 0) {
            throw new InputException("--epochs and --samples are mutually exclusive; give one training budget");
        }
        if (samples < 0) throw new InputException("--samples must be ≥ 1, got " + samples);
        if (samples == 0 && epochs < 1) throw new InputException("--epochs must be ≥ 1, got " + epochs);
        if (normalize == null) throw new InputException("--normalize must be none or expected_average_only_in");
        if (batch < 1) throw new InputException("--batch must be ≥ 1, got " + batch);
        if (!Double.isNaN(lr) && !(lr > 0 && lr < 1)) throw new InputException("--lr must be in (0, 1), got " + lr);
        if (!(warmupFraction >= 0 && warmupFraction < 1)) throw new InputException("warm-up fraction must be in [0, 1)");
        if (!(decayFraction >= 0 && decayFraction <= 1)) throw new InputException("decay fraction must be in [0, 1]");
        if (warmupFraction + decayFraction > 1) throw new InputException("warm-up + decay fractions exceed 1");
        if (!(auxAlpha >= 0)) throw new InputException("--aux-alpha must be ≥ 0");
        if (auxK < 0) throw new InputException("--aux-k must be ≥ 0");
        if (deadSamples < 0) throw new InputException("--dead-samples must be ≥ 0");
    }

    /** The documented defaults for an architecture and size. */
    public static TrainConfig defaults(Arch arch, int width, int k) {
        return new TrainConfig(arch, width, k, 30, 0, 256, Double.NaN, 0, 0.05, 0.2, 1.0 / 32, 0, 0, 0.9, 0.999, 1e-8,
                Normalization.Method.NONE);
    }

    /** The learning rate actually used: {@link #lr} or the width-scaled default. */
    public double effectiveLr() {
        if (!Double.isNaN(lr)) return lr;
        double v = 2e-4 / Math.sqrt(width / 16384.0);
        return Math.max(1e-4, Math.min(2e-3, v));
    }

    /** k_aux actually used for input dimension d. */
    public int effectiveAuxK(int d) {
        int v = auxK > 0 ? auxK : Math.max(1, d / 2);
        return Math.min(v, width);
    }

    /**
     * Optimiser steps for a training set of n rows: ⌈n/b⌉ per epoch (b = min(batch, n)), or, with a sample budget
     * N, full epochs and then full batches until N samples are reached (the last batch is cut to hit N exactly).
     *
     * @param n rows per epoch, ≥ 1
     * @return the number of steps
     */
    public long steps(long n) {
        long b = Math.min(batch, n);
        long perEpoch = (n + b - 1) / b;
        if (samples == 0) return perEpoch * epochs;
        return samples / n * perEpoch + (samples % n + b - 1) / b;
    }

    /**
     * Samples a run over n rows trains on.
     *
     * @param n rows per epoch
     * @return {@code samples}, or n·epochs
     */
    public long totalSamples(long n) {
        return samples > 0 ? samples : n * epochs;
    }

    /**
     * Epochs a run over n rows starts (the last may be partial with a sample budget).
     *
     * @param n rows per epoch
     * @return ⌈samples/n⌉, or epochs
     */
    public int totalEpochs(long n) {
        return samples > 0 ? (int) Math.min(Integer.MAX_VALUE, (samples + n - 1) / n) : epochs;
    }

    /** Dead-latent window actually used for a training set of n samples. */
    public long effectiveDeadSamples(long n) {
        return deadSamples > 0 ? deadSamples : Math.max(1, Math.min(10 * n, 10_000_000L));
    }

    /** The budget as epochs (clears a sample budget). */
    public TrainConfig withEpochs(int v) {
        return new TrainConfig(arch, width, k, v, 0, batch, lr, seed, warmupFraction, decayFraction, auxAlpha, auxK, deadSamples, beta1, beta2, adamEps, normalize);
    }

    /** The budget as samples (clears the epochs). */
    public TrainConfig withSamples(long v) {
        return new TrainConfig(arch, width, k, 0, v, batch, lr, seed, warmupFraction, decayFraction, auxAlpha, auxK, deadSamples, beta1, beta2, adamEps, normalize);
    }

    public TrainConfig withNormalize(Normalization.Method v) {
        return new TrainConfig(arch, width, k, epochs, samples, batch, lr, seed, warmupFraction, decayFraction, auxAlpha, auxK, deadSamples, beta1, beta2, adamEps, v);
    }

    public TrainConfig withBatch(int v) {
        return new TrainConfig(arch, width, k, epochs, samples, v, lr, seed, warmupFraction, decayFraction, auxAlpha, auxK, deadSamples, beta1, beta2, adamEps, normalize);
    }

    public TrainConfig withLr(double v) {
        return new TrainConfig(arch, width, k, epochs, samples, batch, v, seed, warmupFraction, decayFraction, auxAlpha, auxK, deadSamples, beta1, beta2, adamEps, normalize);
    }

    public TrainConfig withSeed(long v) {
        return new TrainConfig(arch, width, k, epochs, samples, batch, lr, v, warmupFraction, decayFraction, auxAlpha, auxK, deadSamples, beta1, beta2, adamEps, normalize);
    }

    public TrainConfig withSchedule(double warmup, double decay) {
        return new TrainConfig(arch, width, k, epochs, samples, batch, lr, seed, warmup, decay, auxAlpha, auxK, deadSamples, beta1, beta2, adamEps, normalize);
    }

    public TrainConfig withAux(double alpha, int kAux, long dead) {
        return new TrainConfig(arch, width, k, epochs, samples, batch, lr, seed, warmupFraction, decayFraction, alpha, kAux, dead, beta1, beta2, adamEps, normalize);
    }

    public TrainConfig withShape(Arch a, int w, int kk) {
        return new TrainConfig(a, w, kk, epochs, samples, batch, lr, seed, warmupFraction, decayFraction, auxAlpha, auxK, deadSamples, beta1, beta2, adamEps, normalize);
    }
}
