package org.mdlsae.mdl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mdlsae.backend.BinCounts;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.backend.cpu.CpuBackend;

/**
 * The CPU twin of the device entropy ops gives the numbers of the BinCounts path bit for bit: binHistogram counts
 * what binCounts counts, and entropyBits is DescriptionLength.perFeatureBits on those counts.
 */
class BackendEntropyTest {
    @Test
    void cpuEntropyBitsAreThoseOfPerFeatureBits() {
        CpuBackend be = new CpuBackend();
        Random r = new Random(5);
        int n = 900, width = 150, perRow = 12;
        int[] rp = new int[n + 1];
        int[] idx = new int[n * perRow];
        float[] val = new float[n * perRow];
        for (int i = 0; i < n; i++) {
            rp[i + 1] = (i + 1) * perRow;
            for (int q = 0; q < perRow; q++) {
                // skewed latents and values: some features fire often, some rarely, some never
                idx[i * perRow + q] = (int) Math.min(width - 1, Math.abs(r.nextGaussian()) * width / 3);
                val[i * perRow + q] = r.nextInt(8) == 0 ? 0f : (float) Math.abs(r.nextGaussian());
            }
        }
        float[] max = new float[width];
        for (int j = 0; j < width; j++) max[j] = j % 17 == 0 ? 0f : 0.5f + r.nextFloat();
        SparseCode z = new SparseCode(n, width, idx.length, CpuBackend.wrap(rp), CpuBackend.wrap(idx), CpuBackend.wrap(val));
        FloatBuf mx = CpuBackend.wrap(max);
        for (int bits : new int[] {1, 3, 7, 12}) {
            BinCounts bc = be.binCounts(z, mx, bits);
            IntBuf hist = be.ints((long) width << bits);
            be.binHistogram(z, mx, bits, hist);
            int[] h = be.download(hist);
            long[] dense = new long[h.length];
            for (int q = 0; q < bc.keys().length; q++) dense[(int) bc.keys()[q]] = bc.counts()[q];
            for (int q = 0; q < h.length; q++) assertEquals(dense[q], h[q], "bits " + bits + ", cell " + q);
            // N above any feature's count (a feature may appear twice in a row here)
            long samples = 2L * n;
            assertArrayEquals(DescriptionLength.perFeatureBits(bc, samples, width), be.entropyBits(hist, width, bits, samples),
                    "bits " + bits + ": must be identical, not close");
        }
    }
}
