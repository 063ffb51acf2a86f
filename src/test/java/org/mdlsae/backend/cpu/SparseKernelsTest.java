package org.mdlsae.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The register-blocked sparse kernels give exactly the floats of the one-entry-at-a-time loops they replace. */
class SparseKernelsTest {
    static final int[] DIMS = {1, 7, 8, 9, 31, 33, 64, 100, 784, 787};
    static final int[] GROUPS = {0, 1, 3, 4, 5, 16, 17};

    static float[] rand(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @Test
    void axpyManyMatchesRepeatedAxpy() {
        SplittableRandom r = new SplittableRandom(3);
        for (int d : DIMS) {
            for (int m : GROUPS) {
                float[] x = rand(r, 20 * d), base = rand(r, d), alpha = rand(r, Math.max(1, m));
                int[] xo = new int[Math.max(1, m)];
                for (int q = 0; q < m; q++) xo[q] = r.nextInt(20) * d;
                for (int mode = 0; mode < 3; mode++) { // base, zero, accumulate
                    float[] want = rand(r, 3 * d);
                    float[] got = want.clone();
                    if (mode == 0) System.arraycopy(base, 0, want, d, d);
                    if (mode == 1) java.util.Arrays.fill(want, d, 2 * d, 0f);
                    for (int q = 0; q < m; q++) Simd.axpy(alpha[q], x, xo[q], want, d, d);
                    Sparse.axpyMany(got, d, mode == 0 ? base : null, mode == 1, x, xo, alpha, m, d);
                    assertArrayEquals(want, got, "d " + d + " m " + m + " mode " + mode);
                }
            }
        }
    }

    @Test
    void axpySubManyMatchesRepeatedAxpySub() {
        SplittableRandom r = new SplittableRandom(5);
        for (int d : DIMS) {
            for (int m : GROUPS) {
                float[] x = rand(r, 20 * d), sub = rand(r, d), alpha = rand(r, Math.max(1, m));
                int[] xo = new int[Math.max(1, m)];
                for (int q = 0; q < m; q++) xo[q] = r.nextInt(20) * d;
                float[] want = rand(r, 2 * d);
                float[] got = want.clone();
                for (int q = 0; q < m; q++) Simd.axpySub(alpha[q], x, xo[q], sub, want, d, d);
                Sparse.axpySubMany(got, d, x, xo, sub, alpha, m, d);
                assertArrayEquals(want, got, "d " + d + " m " + m);
            }
        }
    }

    @Test
    void dotManyMatchesDot() {
        SplittableRandom r = new SplittableRandom(7);
        for (int d : DIMS) {
            for (int m : GROUPS) {
                float[] a = rand(r, 3 * d), b = rand(r, 20 * d);
                int[] bo = new int[Math.max(1, m)];
                for (int q = 0; q < m; q++) bo[q] = r.nextInt(20) * d;
                float[] got = new float[Math.max(1, m)];
                Sparse.dotMany(a, d, b, bo, got, m, d);
                for (int q = 0; q < m; q++) {
                    assertEquals(Float.floatToRawIntBits(Simd.dot(a, d, b, bo[q], d)), Float.floatToRawIntBits(got[q]),
                            "d " + d + " m " + m + " q " + q);
                }
            }
        }
    }
}
