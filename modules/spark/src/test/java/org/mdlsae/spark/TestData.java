package org.mdlsae.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.mdlsae.cli.Main;
import org.mdlsae.io.Npy;

/** Small sparse-feature activations written as shard files, and the engine's command line run in this JVM. */
final class TestData {
    static final int D = 16;

    private TestData() {
    }

    /**
     * Rows that are sums of 3 of 32 random directions with exponential magnitudes, plus a little noise.
     *
     * @param n    rows
     * @param seed seed
     * @return n×16 values
     */
    static float[] rows(int n, long seed) {
        SplittableRandom dirs = new SplittableRandom(7);
        float[][] f = new float[32][D];
        for (float[] v : f) for (int c = 0; c < D; c++) v[c] = (float) (dirs.nextDouble() * 2 - 1);
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * D];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < 3; a++) {
                float[] v = f[r.nextInt(32)];
                double m = -Math.log(1 - r.nextDouble());
                for (int c = 0; c < D; c++) x[i * D + c] += (float) (m * v[c]);
            }
            for (int c = 0; c < D; c++) x[i * D + c] += (float) (0.05 * (r.nextDouble() - 0.5));
        }
        return x;
    }

    /**
     * Writes rows as a directory of .npy shards of the given sizes.
     *
     * @param dir   the directory (created)
     * @param x     the rows
     * @param sizes rows per shard, summing to the rows
     * @return dir
     */
    static Path shards(Path dir, float[] x, int... sizes) throws IOException {
        Files.createDirectories(dir);
        int row = 0;
        for (int s = 0; s < sizes.length; s++) {
            float[] part = java.util.Arrays.copyOfRange(x, row * D, (row + sizes[s]) * D);
            Npy.write(dir.resolve(String.format("shard-%03d.npy", s)), part, sizes[s], D);
            row += sizes[s];
        }
        return dir;
    }

    /** A command's exit code, standard output and standard error. */
    record Run(int code, String out, String err) {
    }

    /** Runs the engine's command line in this JVM. */
    static Run cli(String... args) {
        Main.Captured c = Main.runCaptured(args);
        return new Run(c.code(), c.out(), c.err());
    }
}
