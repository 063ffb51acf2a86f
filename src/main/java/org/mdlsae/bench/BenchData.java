package org.mdlsae.bench;

import java.util.SplittableRandom;
import org.mdlsae.data.DataSources;
import org.mdlsae.data.Dataset;

/** The data every benchmark and peer uses: MNIST rows, and synthetic LLM-like activations. */
public final class BenchData {
    private BenchData() {
    }

    /** The first {@code rows} rows of the MNIST train split (8 000 rows; repeated cyclically beyond that). */
    public static float[] mnist(int rows) {
        Dataset ds = DataSources.load("mnist", null, "train", null);
        return cyclic(ds.data(), ds.rows(), ds.dim(), rows);
    }

    /** The MNIST train split (8 000 × 784). */
    public static Dataset mnistTrain() {
        return DataSources.load("mnist", null, "train", null);
    }

    static float[] cyclic(float[] data, int n, int d, int rows) {
        float[] out = new float[rows * d];
        for (int r = 0; r < rows; r++) System.arraycopy(data, (r % n) * d, out, r * d, d);
        return out;
    }

    /**
     * Synthetic residual-stream-like activations, {@code rows × d}: a common offset, plus 32 features per row drawn
     * from a dictionary of 8 192 random unit directions with exponential magnitudes, plus small Gaussian noise.
     * Deterministic for a seed.
     */
    public static float[] synthetic(int rows, int d, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int features = 8192, active = 32;
        float[] dict = new float[features * d];
        for (int f = 0; f < features; f++) {
            double s = 0;
            for (int c = 0; c < d; c++) {
                float v = (float) gaussian(rnd);
                dict[f * d + c] = v;
                s += (double) v * v;
            }
            float inv = (float) (1 / Math.sqrt(s));
            for (int c = 0; c < d; c++) dict[f * d + c] *= inv;
        }
        float[] offset = new float[d];
        for (int c = 0; c < d; c++) offset[c] = (float) (0.5 * gaussian(rnd));
        float[] x = new float[rows * d];
        for (int r = 0; r < rows; r++) {
            int o = r * d;
            for (int c = 0; c < d; c++) x[o + c] = offset[c] + (float) (0.05 * gaussian(rnd));
            for (int a = 0; a < active; a++) {
                int f = rnd.nextInt(features);
                float mag = (float) -Math.log(1.0 - rnd.nextDouble());
                for (int c = 0; c < d; c++) x[o + c] += mag * dict[f * d + c];
            }
        }
        return x;
    }

    private static double gaussian(SplittableRandom r) {
        double u = 1.0 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
