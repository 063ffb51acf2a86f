package org.mdlsae.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;

/**
 * The vectorised, prefiltered threshold ops (BatchTopK threshold, code extraction) against plain reference loops:
 * results must be identical, bit for bit, on awkward sizes, ties, zeros, negatives, NaN and infinities.
 */
class ThresholdOpsTest {
    private final CpuBackend be = new CpuBackend();

    /** The original single-threaded definition. */
    static float refKth(float[] a, int count, long keep) {
        float[] pos = new float[count];
        int m = 0;
        for (int q = 0; q < count; q++) if (a[q] > 0f) pos[m++] = a[q];
        if (m == 0) return Float.POSITIVE_INFINITY;
        Arrays.sort(pos, 0, m);
        if (m <= keep) return pos[0];
        return pos[(int) (m - keep)];
    }

    static float[] data(SplittableRandom r, int count, int kind) {
        float[] a = new float[count];
        for (int q = 0; q < count; q++) {
            double g = r.nextGaussian();
            a[q] = switch (kind) {
                case 0 -> (float) g;                                  // half positive
                case 1 -> (float) Math.floor(g * 4) / 4f;             // many ties
                case 2 -> r.nextInt(50) == 0 ? (float) Math.abs(g) : -1f; // few positives
                default -> q % 97 == 0 ? Float.NaN : q % 101 == 0 ? Float.POSITIVE_INFINITY : (float) g;
            };
        }
        return a;
    }

    @Test
    void kthLargestPositiveMatchesSortOnLargeAndSmallInputs() {
        SplittableRandom r = new SplittableRandom(7);
        int[] counts = {1, 31, 1000, RadixSelect.PREFILTER_MIN - 3, RadixSelect.PREFILTER_MIN + 1013, 600_011,
            RadixSelect.PARALLEL_RADIX_MIN + 77};
        for (int count : counts) {
            boolean big = count > 1_000_000;
            for (int kind = 0; kind < (big ? 2 : 4); kind++) {
                float[] a = data(r, count, kind);
                long[] keeps = big ? new long[] {7, count / 64}
                        : new long[] {1, 7, Math.max(1, count / 64), Math.max(1, count / 5), count / 2 + 1, count + 5L};
                for (long keep : keeps) {
                    float want = refKth(a, count, keep);
                    float got = be.kthLargestPositive(CpuBackend.wrap(a), count, keep);
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got),
                            "count " + count + " kind " + kind + " keep " + keep);
                }
            }
        }
    }

    @Test
    void prefilterFallsBackWhenTheSampleMisleads() {
        // the sample sees only the few large values at the front; the answer lies among many equal small ones
        int count = RadixSelect.PREFILTER_MIN * 2;
        float[] a = new float[count];
        Arrays.fill(a, 0.5f);
        for (int q = 0; q < 100; q++) a[q] = 10f + q;
        long keep = 5000;
        assertEquals(refKth(a, count, keep), be.kthLargestPositive(CpuBackend.wrap(a), count, keep));
    }

    @Test
    void countAndGatherMatchTheDefinition() {
        SplittableRandom r = new SplittableRandom(11);
        int n = 37, width = 203;
        for (int kind = 0; kind < 4; kind++) {
            float[] p = data(r, n * width, kind);
            for (float t : new float[] {0.7f, 0f, -0f, -1f, 1e-30f, Float.NaN, Float.POSITIVE_INFINITY, 0.25f}) {
                for (boolean strict : new boolean[] {false, true}) {
                    int[] wantPtr = new int[n + 1];
                    int[] wantIdx = new int[n * width];
                    float[] wantVal = new float[n * width];
                    int w = 0;
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < width; j++) {
                            float v = p[i * width + j];
                            if (v > 0 && (strict ? v > t : v >= t)) {
                                wantIdx[w] = j;
                                wantVal[w++] = v;
                            }
                        }
                        wantPtr[i + 1] = w;
                    }
                    FloatBuf pre = CpuBackend.wrap(p);
                    IntBuf rp = be.ints(n + 1);
                    int nnz = be.countAbove(pre, n, width, t, strict, rp);
                    String what = "kind " + kind + " t " + t + " strict " + strict;
                    assertEquals(w, nnz, what);
                    assertArrayEquals(wantPtr, be.download(rp), what);
                    IntBuf idx = be.ints(Math.max(1, nnz));
                    FloatBuf val = be.floats(Math.max(1, nnz));
                    be.gatherAbove(pre, n, width, t, strict, rp, idx, val);
                    assertArrayEquals(Arrays.copyOf(wantIdx, nnz), Arrays.copyOf(be.download(idx), nnz), what);
                    assertArrayEquals(Arrays.copyOf(wantVal, nnz), Arrays.copyOf(be.download(val), nnz), what);
                }
            }
        }
    }
}
