package org.mdlsae.train;

import java.util.SplittableRandom;
import org.mdlsae.InputException;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;

/**
 * Trains TopK and BatchTopK SAEs with the recipe of DESIGN §2.2: unit-norm decoder rows, tied init, b_dec at
 * the data mean, Adam with warm-up and linear decay, decoder renormalisation with the parallel gradient
 * component removed, and AuxK on dead latents. Every step is written against {@link Backend} ops and costs
 * one dense encoder product plus O(nnz·d) sparse work: the backward pass touches only active latents.
 * Deterministic for a seed on the CPU back end.
 */
public final class Trainer {
    private final Backend be;
    private final TrainConfig cfg;
    private final TrainListener listener;

    public Trainer(Backend backend, TrainConfig cfg, TrainListener listener) {
        this.be = backend;
        this.cfg = cfg;
        this.listener = listener == null ? TrainListener.NONE : listener;
    }

    /** Statistics of a finished run. */
    public record Result(SaeWeights weights, double seconds, double samplesPerSec, long steps, double finalMse,
                         double finalL0, double deadFraction) {
    }

    /** Initial weights for data x (n×d): random unit decoder rows, tied encoder, b_dec = mean of a first sample. */
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
        int m = Math.min(n, 8192);
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

    /** Trains on n×d row-major data from the initial weights of {@link #init}. */
    public Result train(float[] x, int n, int d) {
        if (n < 1) throw new InputException("training data is empty");
        return train(init(cfg, x, n, d), x, n, d);
    }

    /** Trains on n×d row-major data starting from {@code start}. */
    public Result train(SaeWeights start, float[] x, int n, int d) {
        if (start.dIn() != d) throw new InputException("SAE d_in " + start.dIn() + " does not match data dimension " + d);
        int width = cfg.width(), b = Math.min(cfg.batch(), n);
        long stepsPerEpoch = (n + b - 1) / b;
        long steps = stepsPerEpoch * cfg.epochs();
        int kAux = cfg.effectiveAuxK(d);
        long deadAfter = cfg.effectiveDeadSamples(n);
        double peakLr = cfg.effectiveLr();
        LrSchedule schedule = new LrSchedule(peakLr, steps, cfg.warmupFraction(), cfg.decayFraction());
        SplittableRandom shuffleRnd = new SplittableRandom(cfg.seed() ^ 0x5DEECE66DL);

        long wd = (long) width * d;
        // samples since a latent last fired are an int on the back end, saturating at deadAfter: a dead-samples
        // setting above 2^31 − 1 acts as 2^31 − 1
        int deadAfterSamples = (int) Math.min(deadAfter, Integer.MAX_VALUE);
        try (Sae sae = Sae.upload(be, start);
             TrainStep stepper = new TrainStep(be, cfg.arch(), d, width, cfg.k(), kAux, cfg.auxAlpha(), b);
             BatchSource source = BatchSource.of(be, x, n, d, b);
             FloatBuf xb = be.floats((long) b * d);
             Adam adEnc = new Adam(be, wd); Adam adBEnc = new Adam(be, width);
             Adam adDec = new Adam(be, wd); Adam adBDec = new Adam(be, d);
             IntBuf counts = be.ints(width);
             IntBuf sinceFired = be.ints(width);
             IntBuf deadMask = be.ints(width)) {

            int deadCount = 0;
            float theta = Float.NaN;
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) perm[i] = i;

            long t0 = System.nanoTime();
            long step = 0;
            long samples = 0;
            double lastMse = Double.NaN, lastL0 = Double.NaN;
            for (int epoch = 1; epoch <= cfg.epochs(); epoch++) {
                shuffle(perm, shuffleRnd);
                source.epoch(perm);
                for (int s0 = 0; s0 < n; s0 += b) {
                    int rows = Math.min(b, n - s0);
                    source.load(perm, s0, rows, xb);

                    TrainStep.Out out = stepper.run(sae, xb, rows, deadMask, deadCount > 0);
                    float m = out.keptMin();
                    if (Float.isFinite(m)) theta = Float.isNaN(theta) ? m : 0.99f * theta + 0.01f * m;

                    // dead-latent bookkeeping, on the back end: two numbers come back
                    be.fill(counts, 0);
                    be.countActive(out.code(), counts);
                    long[] tally = be.updateDead(counts, sinceFired, deadMask, width, rows, deadAfterSamples);
                    long active = tally[0];
                    deadCount = (int) tally[1];

                    // optimiser: Adam, then unit-norm decoder rows
                    step++;
                    float lr = (float) schedule.at(step);
                    int t = (int) Math.min(step, Integer.MAX_VALUE);
                    be.removeParallelGrad(sae.dec(), stepper.gDec, width, d);
                    adEnc.step(sae.enc(), stepper.gEnc, lr, cfg, t);
                    adBEnc.step(sae.bEnc(), stepper.gBEnc, lr, cfg, t);
                    adDec.step(sae.dec(), stepper.gDec, lr, cfg, t);
                    adBDec.step(sae.bDec(), stepper.gBDec, lr, cfg, t);
                    be.normaliseRows(sae.dec(), width, d);

                    samples += rows;
                    double sse = out.sse();
                    lastMse = sse / ((double) rows * d);
                    lastL0 = (double) active / rows;
                    if (!Double.isFinite(sse)) {
                        throw new DivergedException("training diverged at step " + step + " (loss " + sse
                                + "); lower --lr");
                    }
                    double secs = (System.nanoTime() - t0) / 1e9;
                    listener.onStep(new TrainListener.Progress(epoch, cfg.epochs(), step, steps, sse / rows, lastMse,
                            lastL0, (double) deadCount / width, samples / Math.max(secs, 1e-9)));
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            if (cfg.arch() == Arch.BATCHTOPK) sae.setThreshold(Float.isNaN(theta) ? 0f : theta);
            return new Result(sae.download(), secs, samples / Math.max(secs, 1e-9), step, lastMse, lastL0,
                    (double) deadCount / width);
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

    /** Adam moments for one parameter tensor. */
    private static final class Adam implements AutoCloseable {
        private final Backend be;
        private final FloatBuf m;
        private final FloatBuf v;
        private final long count;

        Adam(Backend be, long count) {
            this.be = be;
            this.count = count;
            this.m = be.floats(count);
            this.v = be.floats(count);
        }

        void step(FloatBuf p, FloatBuf grad, float lr, TrainConfig c, int t) {
            be.adamStep(p, grad, m, v, count, lr, (float) c.beta1(), (float) c.beta2(), (float) c.adamEps(), t);
        }

        @Override
        public void close() {
            m.close();
            v.close();
        }
    }
}
