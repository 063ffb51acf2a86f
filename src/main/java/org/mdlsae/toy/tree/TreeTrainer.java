package org.mdlsae.toy.tree;

import java.util.SplittableRandom;
import org.mdlsae.InputException;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.train.LrSchedule;
import org.mdlsae.train.TrainConfig;
import org.mdlsae.train.TrainListener;
import org.mdlsae.train.Trainer;

/**
 * Trains a {@link TreeSae} end to end with the recipe of DESIGN §2.2, composed from {@link Backend} ops: the
 * dense encoder product ({@code encode}), sparse decode, {@code residual} (loss Σ‖x − x̂‖²/batch), the sparse
 * backward ({@code decodeBackward}, {@code encodeBackward}), parallel-gradient removal, Adam with linear
 * warm-up and decay ({@link LrSchedule}), and decoder renormalisation. The only difference from the flat
 * trainer is the activation rule: after the encoder product the pre-activations come to the host, where
 * {@link TreeStructure}'s rule keeps a child only when its parent is active (a hard mask: a masked child gets
 * no gradient in that row, an active one gets the usual ReLU gradient; the mask itself passes no gradient to
 * the parent), and the resulting sparse code goes back to the backend for decode and backward.
 *
 * <p>Used fields of {@link TrainConfig}: epochs, batch, lr (NaN: the width-scaled default), seed (shuffling),
 * warm-up and decay fractions, Adam β1, β2, ε. Not implemented: AuxK (a child that never fires gets no
 * gradient; the result reports the dead fraction). Deterministic for a seed on the CPU back end.
 */
public final class TreeTrainer {
    private final Backend be;
    private final TrainConfig cfg;
    private final TreeStructure tree;
    private final TrainListener listener;

    /**
     * @param backend  where to train
     * @param cfg      optimiser settings (see the class comment); its width must equal the tree's
     * @param tree     the structure
     * @param listener progress (may be null)
     */
    public TreeTrainer(Backend backend, TrainConfig cfg, TreeStructure tree, TrainListener listener) {
        if (cfg.width() != tree.width()) {
            throw new InputException("config width " + cfg.width() + " differs from the tree's " + tree.width() + " latents");
        }
        this.be = backend;
        this.cfg = cfg;
        this.tree = tree;
        this.listener = listener == null ? TrainListener.NONE : listener;
    }

    /**
     * Statistics of a finished run.
     *
     * @param weights      trained parameters
     * @param steps        optimiser steps
     * @param initialMse   MSE per element of the first step (before any update)
     * @param finalMse     MSE per element of the last step
     * @param finalL0      mean active latents per sample in the last step
     * @param deadFraction fraction of latents that did not fire in the last epoch
     */
    public record Result(SaeWeights weights, long steps, double initialMse, double finalMse, double finalL0,
                         double deadFraction) {
    }

    /**
     * Trains from DESIGN §2.2's initial weights ({@link Trainer#init}).
     *
     * @param x n×d data
     * @param n rows
     * @param d dimension
     * @return the result
     */
    public Result train(float[] x, int n, int d) {
        return train(Trainer.init(cfg, x, n, d), x, n, d);
    }

    /**
     * Trains from given weights.
     *
     * @param start initial weights (width = tree width, d_in = d)
     * @param x     n×d data
     * @param n     rows
     * @param d     dimension
     * @return the result
     */
    public Result train(SaeWeights start, float[] x, int n, int d) {
        if (n < 1) throw new InputException("training data is empty");
        if (start.dIn() != d) throw new InputException("SAE d_in " + start.dIn() + " does not match data dimension " + d);
        if ((long) n * d != x.length) throw new InputException("training data: " + x.length + " values are not " + n + " rows of " + d);
        int width = tree.width(), b = Math.min(cfg.batch(), n);
        long steps = (long) ((n + b - 1) / b) * cfg.epochs();
        LrSchedule schedule = new LrSchedule(cfg.effectiveLr(), steps, cfg.warmupFraction(), cfg.decayFraction());
        SplittableRandom shuffleRnd = new SplittableRandom(cfg.seed() ^ 0x5DEECE66DL);
        long wd = (long) width * d;
        try (TreeSae ts = new TreeSae(be, start, tree);
             FloatBuf xb = be.floats((long) b * d);
             FloatBuf pre = be.floats((long) b * width);
             FloatBuf xhat = be.floats((long) b * d);
             FloatBuf g = be.floats((long) b * d);
             FloatBuf gEnc = be.floats(wd); FloatBuf gBEnc = be.floats(width);
             FloatBuf gDec = be.floats(wd); FloatBuf gBDec = be.floats(d);
             Moments mEnc = new Moments(be, wd); Moments mBEnc = new Moments(be, width);
             Moments mDec = new Moments(be, wd); Moments mBDec = new Moments(be, d);
             IntBuf counts = be.ints(width)) {
            Sae p = ts.params();
            float[] batch = new float[b * d];
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) perm[i] = i;
            long step = 0;
            double firstMse = Double.NaN, lastMse = Double.NaN, lastL0 = Double.NaN;
            long t0 = System.nanoTime(), samples = 0;
            int[] epochFires = new int[width];
            for (int epoch = 1; epoch <= cfg.epochs(); epoch++) {
                shuffle(perm, shuffleRnd);
                java.util.Arrays.fill(epochFires, 0);
                for (int s0 = 0; s0 < n; s0 += b) {
                    int rows = Math.min(b, n - s0);
                    for (int r = 0; r < rows; r++) System.arraycopy(x, perm[s0 + r] * d, batch, r * d, d);
                    be.write(xb, 0, batch, 0, rows * d);
                    be.encode(xb, p.bDec(), p.enc(), p.bEnc(), rows, d, width, pre);
                    float[] host = new float[rows * width];
                    be.read(pre, 0, host, 0, rows * width);
                    double sse;
                    long active;
                    try (SparseCode z = ts.select(be, host, rows)) {
                        p.decode(z, xhat);
                        sse = be.residual(xb, xhat, (long) rows * d, 2f / rows, g);
                        be.fill(gEnc, 0f);
                        be.fill(gBEnc, 0f);
                        be.fill(gDec, 0f);
                        be.fill(gBDec, 0f);
                        try (FloatBuf gz = be.floats(Math.max(1, z.nnz()))) {
                            be.decodeBackward(z, g, p.dec(), d, gDec, gz, gBDec);
                            be.encodeBackward(z, gz, xb, p.bDec(), p.enc(), d, gEnc, gBEnc, gBDec);
                        }
                        be.fill(counts, 0);
                        be.countActive(z, counts);
                        int[] c = be.download(counts);
                        active = 0;
                        for (int j = 0; j < width; j++) {
                            active += c[j];
                            epochFires[j] += c[j];
                        }
                    }
                    step++;
                    float lr = (float) schedule.at(step);
                    int t = (int) Math.min(step, Integer.MAX_VALUE);
                    be.removeParallelGrad(p.dec(), gDec, width, d);
                    mEnc.step(p.enc(), gEnc, lr, t);
                    mBEnc.step(p.bEnc(), gBEnc, lr, t);
                    mDec.step(p.dec(), gDec, lr, t);
                    mBDec.step(p.bDec(), gBDec, lr, t);
                    be.normaliseRows(p.dec(), width, d);

                    lastMse = sse / ((double) rows * d);
                    if (step == 1) firstMse = lastMse;
                    lastL0 = (double) active / rows;
                    samples += rows;
                    if (!Double.isFinite(sse)) throw new IllegalStateException("tree SAE training diverged at step " + step + "; lower the learning rate");
                    double secs = (System.nanoTime() - t0) / 1e9;
                    listener.onStep(new TrainListener.Progress(epoch, cfg.epochs(), step, steps, sse / rows, lastMse, lastL0,
                            Double.NaN, samples / Math.max(secs, 1e-9)));
                }
            }
            int dead = 0;
            for (int f : epochFires) if (f == 0) dead++;
            return new Result(ts.download(), step, firstMse, lastMse, lastL0, (double) dead / width);
        }
    }

    private static void shuffle(int[] a, SplittableRandom r) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** Adam moments of one tensor. */
    private final class Moments implements AutoCloseable {
        private final FloatBuf m;
        private final FloatBuf v;
        private final long count;

        Moments(Backend be, long count) {
            this.count = count;
            this.m = be.floats(count);
            this.v = be.floats(count);
        }

        void step(FloatBuf param, FloatBuf grad, float lr, int t) {
            be.adamStep(param, grad, m, v, count, lr, (float) cfg.beta1(), (float) cfg.beta2(), (float) cfg.adamEps(), t);
        }

        @Override
        public void close() {
            m.close();
            v.close();
        }
    }
}
