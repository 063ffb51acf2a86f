package org.mdlsae.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mdlsae.backend.BackendException;
import org.mdlsae.backend.BinCounts;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;

/** The CPU twin's ops against naive references in double. */
class CpuBackendTest {
    final CpuBackend be = new CpuBackend();

    static float[] rnd(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
        return a;
    }

    @ParameterizedTest
    @CsvSource({"1,1,1", "7,13,5", "37,53,91", "96,784,33", "101,17,200"})
    void gemmMatchesDoubleReferenceVectorAndScalar(int n, int d, int m) {
        SplittableRandom r = new SplittableRandom(n * 31L + d);
        float[] a = rnd(r, n * d), b = rnd(r, m * d), bias = rnd(r, m);
        float[] c1 = new float[n * m], c2 = new float[n * m];
        Gemm.nt(a, n, d, b, m, bias, c1);
        Gemm.scalarNt(a, n, d, b, m, bias, c2);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double s = bias[j];
                for (int t = 0; t < d; t++) s += (double) a[i * d + t] * b[j * d + t];
                double tol = 1e-5 * (1 + Math.sqrt(d));
                assertEquals(s, c1[i * m + j], tol, "gemm (" + (Gemm.vectorized() ? "vector" : "scalar") + ") at " + i + "," + j);
                assertEquals(s, c2[i * m + j], tol, "scalar gemm at " + i + "," + j);
            }
        }
    }

    @Test
    void topKKeepsLargestPositivesInOrderWithTiesToLowerIndex() {
        float[] pre = {0.5f, -1f, 0.9f, 0.5f, 0f, 0.2f, /* row 2 */ -1f, -2f, 0.3f, -0.1f, -5f, -4f};
        IntBuf idx = be.ints(6);
        FloatBuf val = be.floats(6);
        be.topK(CpuBackend.wrap(pre), null, 2, 6, 3, idx, val);
        assertArrayEquals(new int[] {2, 0, 3, 2, 0, 0}, be.download(idx));
        assertArrayEquals(new float[] {0.9f, 0.5f, 0.5f, 0.3f, 0f, 0f}, be.download(val));
        // with a mask only eligible latents compete
        be.topK(CpuBackend.wrap(pre), CpuBackend.wrap(new int[] {0, 1, 0, 1, 1, 1}), 2, 6, 3, idx, val);
        assertArrayEquals(new float[] {0.5f, 0.2f, 0f, 0f, 0f, 0f}, be.download(val));
        assertArrayEquals(new int[] {3, 5, 0, 0, 0, 0}, be.download(idx));
        assertThrows(BackendException.class, () -> be.topK(CpuBackend.wrap(pre), null, 2, 6, 7, be.ints(14), be.floats(14)));
    }

    @Test
    void topKMatchesSortOnRandomRows() {
        SplittableRandom r = new SplittableRandom(5);
        int n = 23, width = 71, k = 9;
        float[] pre = rnd(r, n * width);
        IntBuf idx = be.ints(n * k);
        FloatBuf val = be.floats(n * k);
        be.topK(CpuBackend.wrap(pre), null, n, width, k, idx, val);
        float[] v = be.download(val);
        int[] ix = be.download(idx);
        for (int i = 0; i < n; i++) {
            float[] row = Arrays.copyOfRange(pre, i * width, (i + 1) * width);
            float[] sorted = row.clone();
            Arrays.sort(sorted);
            for (int q = 0; q < k; q++) {
                float want = Math.max(0f, sorted[width - 1 - q]);
                assertEquals(want, v[i * k + q], "row " + i + " rank " + q);
                if (want > 0) assertEquals(want, row[ix[i * k + q]]);
            }
        }
    }

    @Test
    void kthLargestPositiveIsExact() {
        SplittableRandom r = new SplittableRandom(9);
        float[] a = rnd(r, 5000);
        float[] pos = new float[a.length];
        int np = 0;
        for (float v : a) if (v > 0) pos[np++] = v;
        float[] sorted = Arrays.copyOf(pos, np);
        Arrays.sort(sorted);
        for (int keep : new int[] {1, 2, 17, 1000, np}) {
            assertEquals(sorted[np - keep], be.kthLargestPositive(CpuBackend.wrap(a), a.length, keep), "keep " + keep);
        }
        assertEquals(sorted[0], be.kthLargestPositive(CpuBackend.wrap(a), a.length, np + 10));
        assertEquals(Float.POSITIVE_INFINITY, be.kthLargestPositive(CpuBackend.wrap(new float[] {-1f, 0f}), 2, 1));
    }

    @Test
    void thresholdExtractionCountsAndGathersInLatentOrder() {
        float[] pre = {0.5f, 0.1f, 0.7f, 0f, /* */ 0.2f, 0.6f, -1f, 0.5f};
        IntBuf rowPtr = be.ints(3);
        int nnz = be.countAbove(CpuBackend.wrap(pre), 2, 4, 0.5f, false, rowPtr);
        assertEquals(4, nnz);
        IntBuf idx = be.ints(nnz);
        FloatBuf val = be.floats(nnz);
        be.gatherAbove(CpuBackend.wrap(pre), 2, 4, 0.5f, false, rowPtr, idx, val);
        assertArrayEquals(new int[] {0, 2, 4}, be.download(rowPtr));
        assertArrayEquals(new int[] {0, 2, 1, 3}, be.download(idx));
        assertEquals(2, be.countAbove(CpuBackend.wrap(pre), 2, 4, 0.5f, true, rowPtr), "strict drops values equal to t");
    }

    @Test
    void adamNormaliseAndParallelRemovalFollowTheirFormulas() {
        float[] p = {1f, -2f}, g = {0.5f, 0.25f}, m = new float[2], v = new float[2];
        be.adamStep(CpuBackend.wrap(p), CpuBackend.wrap(g), CpuBackend.wrap(m), CpuBackend.wrap(v), 2, 0.1f, 0.9f, 0.999f, 1e-8f, 1);
        // first bias-corrected step moves each parameter by lr·sign(g)
        assertEquals(0.9f, p[0], 1e-6);
        assertEquals(-2.1f, p[1], 1e-6);
        float[] dec = {3f, 4f, 0f, 0f};
        be.normaliseRows(CpuBackend.wrap(dec), 2, 2);
        assertArrayEquals(new float[] {0.6f, 0.8f, 0f, 0f}, dec, 1e-6f);
        float[] grad = {1f, 1f, 1f, 1f};
        be.removeParallelGrad(CpuBackend.wrap(dec), CpuBackend.wrap(grad), 2, 2);
        assertEquals(0f, grad[0] * dec[0] + grad[1] * dec[1], 1e-6f, "no component along the row remains");
    }

    @Test
    void binCountsFollowTheFloat32BinRule() {
        float[] vals = {0f, 0.3f, 0.3f, 0.7f, 1.5f, 0.2f};
        int[] idx = {0, 0, 0, 0, 0, 1};
        SparseCode z = new SparseCode(6, 2, 6, CpuBackend.wrap(new int[] {0, 1, 2, 3, 4, 5, 6}), CpuBackend.wrap(idx),
                CpuBackend.wrap(vals));
        BinCounts c = be.binCounts(z, CpuBackend.wrap(new float[] {1f, 0f}), 1);
        // feature 0: 0.3, 0.3 → bin 0; 0.7 and the clipped 1.5 → bin 1; feature 1 has max 0: dropped; zero is not a bin
        assertArrayEquals(new long[] {0, 1}, c.keys());
        assertArrayEquals(new long[] {2, 2}, c.counts());
        double err = be.quantisedSqError(z, CpuBackend.wrap(new float[] {1f, 0f}), 1, CpuBackend.wrap(new float[] {1f, 1f}),
                null, CpuBackend.wrap(new float[6]), 1);
        // decoded: 0, .25, .25, .75, .75, 0 against x = 0
        assertEquals(2 * 0.0625 + 2 * 0.5625, err, 1e-6);
    }

    @Test
    void shapeErrorsNameTheOp() {
        BackendException e = assertThrows(BackendException.class,
                () -> be.encode(be.floats(5), be.floats(3), be.floats(6), be.floats(2), 2, 3, 2, be.floats(4)));
        assertEquals("encode", e.op());
        assertTrue(e.getMessage().contains("x"), e.getMessage());
    }

    @Test
    void nanIsNeverSelectedAndOutOfRangeCopiesFailByName() {
        IntBuf idx = be.ints(2);
        FloatBuf val = be.floats(2);
        be.topK(CpuBackend.wrap(new float[] {0.5f, Float.NaN, 0.2f}), null, 1, 3, 2, idx, val);
        assertArrayEquals(new float[] {0.5f, 0.2f}, be.download(val));
        BackendException e = assertThrows(BackendException.class, () -> be.write(be.floats(3), 1, new float[4], 0, 4));
        assertEquals("write", e.op());
        assertThrows(BackendException.class, () -> be.read(be.floats(3), 0, new float[2], 0, 3));
        assertThrows(BackendException.class, () -> be.copy(be.floats(3), 2, be.floats(3), 0, 2));
        e = assertThrows(BackendException.class,
                () -> be.encodeTopK(be.floats(5), be.floats(3), be.floats(6), be.floats(2), 2, 3, 2, 1, be.ints(2), be.floats(2)));
        assertEquals("encodeTopK", e.op());
    }

    /** updateDead is the trainer's former host loop (a long count per latent) in saturating int arithmetic. */
    @Test
    void updateDeadIsTheUnboundedCountSaturated() {
        SplittableRandom r = new SplittableRandom(3);
        int width = 200, deadAfter = 50;
        long[] since = new long[width];
        IntBuf s = be.ints(width), m = be.ints(width);
        for (int step = 0; step < 40; step++) {
            int rows = 1 + r.nextInt(20);
            int[] c = new int[width];
            for (int j = 0; j < width; j++) c[j] = r.nextInt(6) == 0 ? r.nextInt(3) : 0;
            long active = 0, dead = 0;
            int[] mask = new int[width];
            for (int j = 0; j < width; j++) {
                since[j] = c[j] > 0 ? 0 : since[j] + rows;
                mask[j] = since[j] >= deadAfter ? 1 : 0;
                active += c[j];
                dead += mask[j];
            }
            long[] got = be.updateDead(CpuBackend.wrap(c), s, m, width, rows, deadAfter);
            assertArrayEquals(new long[] {active, dead}, got, "step " + step);
            assertArrayEquals(mask, be.download(m), "mask, step " + step);
        }
    }
}
