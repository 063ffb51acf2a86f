package org.mdlsae.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The blocked Vector API GEMM computes every output as one FMA chain over t = 0..d−1 from 0, then adds the bias:
 * bit-identical to that scalar chain for awkward shapes (rows not a multiple of the tile, widths not a multiple of
 * the panel, reduction lengths around the block size), with and without centring and bias.
 */
class GemmTest {
    static float[] rand(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @Test
    void vectorGemmIsTheFmaChain() {
        assumeTrue(Gemm.vectorized(), "Vector API absent");
        SplittableRandom r = new SplittableRandom(13);
        int[][] shapes = {{1, 1, 1}, {7, 3, 17}, {5, 256, 16}, {13, 383, 33}, {81, 40, 5}, {166, 520, 47}, {3, 1000, 2}};
        for (int[] s : shapes) {
            int n = s[0], d = s[1], m = s[2];
            float[] a = rand(r, n * d), b = rand(r, m * d), sub = rand(r, d), bias = rand(r, m);
            for (int mode = 0; mode < 2; mode++) {
                float[] c = new float[n * m];
                if (mode == 0) Gemm.nt(a, n, d, b, m, null, c);
                else Gemm.ntCentred(a, sub, n, d, b, m, bias, c);
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < m; j++) {
                        float acc = 0f;
                        for (int t = 0; t < d; t++) {
                            float x = mode == 0 ? a[i * d + t] : a[i * d + t] - sub[t];
                            acc = Math.fma(x, b[j * d + t], acc);
                        }
                        float want = acc + (mode == 0 ? 0f : bias[j]);
                        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(c[i * m + j]),
                                "n " + n + " d " + d + " m " + m + " mode " + mode + " at " + i + "," + j);
                    }
                }
            }
        }
    }
}
