package org.mdlsae.mdl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mdlsae.backend.BinCounts;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.backend.Quantise;

class DescriptionLengthTest {
    private static final CpuBackend CPU = Fakes.CPU;

    /** DESIGN §2.6: [0,0,0,0,0.3,0.3,0.7,0.7], one feature, max 1, B = 1 → H = 1.5 bits, x̂ = [0,0,0,0,.25,.25,.75,.75]. */
    @Test
    void designVectorOneFeatureOneBit() {
        float[] v = {0, 0, 0, 0, 0.3f, 0.3f, 0.7f, 0.7f};
        int n = v.length;
        int[] rp = new int[n + 1], idx = new int[n];
        for (int i = 0; i <= n; i++) rp[i] = i;
        SparseCode z = Fakes.code(n, 1, rp, idx, v.clone());
        FloatBuf max = CpuBackend.wrap(new float[] {1.0f});
        BinCounts bc = CPU.binCounts(z, max, 1);
        assertArrayEquals(new long[] {0, 1}, bc.keys());
        assertArrayEquals(new long[] {2, 2}, bc.counts());
        assertEquals(1.5, DescriptionLength.entropyBits(bc, n, 1), 1e-12);

        // Reconstruction through the real quantised-error path: decoder = [1], no bias, target = expected x̂ → error 0.
        float[] expected = {0, 0, 0, 0, 0.25f, 0.25f, 0.75f, 0.75f};
        FloatBuf dec = CpuBackend.wrap(new float[] {1f});
        assertEquals(0.0, CPU.quantisedSqError(z, max, 1, dec, null, CpuBackend.wrap(expected), 1), 0.0);
        // and against the original values the error is 4 × 0.05².
        assertEquals(4 * 0.0025, CPU.quantisedSqError(z, max, 1, dec, null, CpuBackend.wrap(v), 1), 1e-7);
        for (int i = 0; i < n; i++) assertEquals(expected[i], Quantise.centre(v[i], 1f, 1), 0f);
    }

    /** DESIGN §2.6: D = 25000, p = 0.0026, uniform over 2^7 bins → 1106.83 < bound 1404.63. */
    @Test
    void gpt2ScaleUniformBins() {
        int width = 25000, bits = 7, bins = 1 << bits;
        long samples = 640_000; // 0.0026·N = 1664 = 13·128 actives per feature
        long[] keys = new long[width * bins], counts = new long[width * bins];
        for (int f = 0, o = 0; f < width; f++) {
            for (int b = 0; b < bins; b++, o++) {
                keys[o] = ((long) f << bits) | b;
                counts[o] = 13;
            }
        }
        double dl = DescriptionLength.entropyBits(new BinCounts(bits, keys, counts), samples, width);
        assertEquals(1106.83, dl, 0.005);
        double bound = DescriptionLength.upperBoundBits(0.0026 * width, width, bits);
        assertEquals(1404.63, bound, 0.005);
        assertTrue(dl < bound);
        assertEquals(1404.63, DescriptionLength.upperBoundBits(65, 25000, 7), 0.005);
        assertEquals(5376, DescriptionLength.denseBits(768, 7));
    }

    /** DESIGN §2.6: exactly one of 4 features active, uniform over 2^5 bins → 8.2451 bits, above the bound 7. */
    @Test
    void oneOfFourIsAboveTheBound() {
        int n = 128, width = 4, bits = 5;
        int[] rp = new int[n + 1], idx = new int[n];
        float[] val = new float[n];
        for (int i = 0; i < n; i++) {
            rp[i + 1] = i + 1;
            idx[i] = i % 4;
            val[i] = ((i / 4) % 32 + 0.5f) / 32f;
        }
        SparseCode z = Fakes.code(n, width, rp, idx, val);
        FloatBuf max = CpuBackend.wrap(new float[] {1f, 1f, 1f, 1f});
        // Split into two chunks and merge, as evaluation does.
        BinCounts a = CPU.binCounts(Fakes.code(64, width, java.util.Arrays.copyOf(rp, 65), idx, val), max, bits);
        int[] rp2 = new int[65];
        for (int i = 0; i <= 64; i++) rp2[i] = i;
        BinCounts b = CPU.binCounts(Fakes.code(64, width, rp2, java.util.Arrays.copyOfRange(idx, 64, 128),
                java.util.Arrays.copyOfRange(val, 64, 128)), max, bits);
        double merged = DescriptionLength.entropyBits(a.merge(b), n, width);
        double whole = DescriptionLength.entropyBits(CPU.binCounts(z, max, bits), n, width);
        assertEquals(8.2451, whole, 5e-5);
        assertEquals(whole, merged, 1e-12);
        assertEquals(7.0, DescriptionLength.upperBoundBits(1, width, bits), 1e-12);
        assertTrue(whole > 7.0);
    }

    @Test
    void deadAndCalibrationDeadFeaturesCostNothing() {
        // feature 1 is active but has max 0 (dead on calibration): dropped; feature 2 never active.
        int[] rp = {0, 2, 4};
        int[] idx = {0, 1, 0, 1};
        float[] val = {0.5f, 0.4f, 0f, 0.2f};
        SparseCode z = Fakes.code(2, 3, rp, idx, val);
        BinCounts bc = CPU.binCounts(z, CpuBackend.wrap(new float[] {1f, 0f, 1f}), 3);
        double[] per = DescriptionLength.perFeatureBits(bc, 2, 3);
        assertEquals(1.0, per[0], 1e-12); // p = 1/2, one bin
        assertEquals(0.0, per[1]);
        assertEquals(0.0, per[2]);
    }

    @Test
    void rejectsInconsistentCounts() {
        BinCounts bc = new BinCounts(1, new long[] {0, 1}, new long[] {3, 3});
        assertThrows(IllegalArgumentException.class, () -> DescriptionLength.entropyBits(bc, 5, 1));
        assertThrows(IllegalArgumentException.class, () -> DescriptionLength.entropyBits(bc, 0, 1));
        BinCounts far = new BinCounts(1, new long[] {10}, new long[] {1});
        assertThrows(IllegalArgumentException.class, () -> DescriptionLength.entropyBits(far, 5, 2));
        assertThrows(IllegalArgumentException.class, () -> DescriptionLength.upperBoundBits(-1, 10, 3));
        assertThrows(IllegalArgumentException.class, () -> DescriptionLength.upperBoundBits(1, 0, 3));
    }

    private static SparseCode randomCode(int n, int width, int perRow, long seed) {
        Random rnd = new Random(seed);
        int[] rp = new int[n + 1], idx = new int[n * perRow];
        float[] val = new float[n * perRow];
        for (int r = 0; r < n; r++) {
            rp[r + 1] = (r + 1) * perRow;
            for (int q = 0; q < perRow; q++) {
                idx[r * perRow + q] = rnd.nextInt(width);
                // heavy-tailed positive values, some exact zeros (inactive)
                val[r * perRow + q] = rnd.nextInt(7) == 0 ? 0f : (float) Math.exp(rnd.nextGaussian());
            }
        }
        return Fakes.code(n, width, rp, idx, val);
    }

    /** Bins at B + 1 refine those at B (float32 bin arithmetic included), so the entropy DL never decreases. */
    @Test
    void dlIsNonDecreasingInBits() {
        for (long seed = 1; seed <= 3; seed++) {
            SparseCode z = randomCode(700, 37, 5, seed);
            FloatBuf max = CPU.floats(37);
            CPU.featureMax(z, max);
            double prev = -1;
            for (int b = 1; b <= 16; b++) {
                BinCounts bc = CPU.binCounts(z, max, b);
                double dl = DescriptionLength.entropyBits(bc, z.n(), z.width());
                assertTrue(dl >= prev - 1e-12, "DL fell from " + prev + " to " + dl + " at B = " + b);
                if (b > 1) {
                    // refinement: each bin at B is the union of bins 2j, 2j+1 at B+1
                    BinCounts coarse = CPU.binCounts(z, max, b - 1);
                    long[] folded = new long[bc.keys().length];
                    for (int i = 0; i < folded.length; i++) folded[i] = ((long) bc.feature(i) << (b - 1)) | (bc.bin(i) >> 1);
                    BinCounts refolded = BinCounts.ofKeys(b - 1, expand(folded, bc.counts()), (int) sum(bc.counts()));
                    assertArrayEquals(coarse.keys(), refolded.keys());
                    assertArrayEquals(coarse.counts(), refolded.counts());
                }
                prev = dl;
            }
        }
    }

    private static long sum(long[] a) {
        long s = 0;
        for (long v : a) s += v;
        return s;
    }

    private static long[] expand(long[] keys, long[] counts) {
        long[] out = new long[(int) sum(counts)];
        int o = 0;
        for (int i = 0; i < keys.length; i++) for (long c = 0; c < counts[i]; c++) out[o++] = keys[i];
        return out;
    }

    @Test
    void quantiserRoundTrip() {
        Random rnd = new Random(7);
        for (int t = 0; t < 20000; t++) {
            int bits = 1 + rnd.nextInt(16);
            float max = (float) Math.exp(rnd.nextGaussian() * 3);
            float v = rnd.nextFloat() * max;
            if (v == 0f) continue;
            int b = Quantise.bin(v, max, bits);
            assertTrue(b >= 0 && b < (1 << bits));
            float c = Quantise.centreOfBin(b, max, bits);
            double delta = (double) max / (1 << bits);
            assertTrue(Math.abs(v - c) <= delta / 2 * (1 + 1e-5) + Math.ulp(max), "v=" + v + " c=" + c + " Δ=" + delta);
            assertEquals(b, Quantise.bin(c, max, bits), "centre must map back to its own bin");
            assertEquals(c, Quantise.centre(c, max, bits), 0f);
        }
        // zero stays zero, values above max clip to the top bin, dead features decode to 0
        assertEquals(0f, Quantise.centre(0f, 1f, 4));
        assertEquals(15, Quantise.bin(3f, 1f, 4));
        assertEquals(0f, Quantise.centre(0.5f, 0f, 4));
    }

    /** Quantised MSE approaches the unquantised MSE as B grows. */
    @Test
    void quantisedMseConvergesToUnquantised() {
        Fakes.TopK sae = new Fakes.TopK(12, 40, 4, 3);
        int n = 300;
        float[] x = Fakes.gaussian(n, 12, 4);
        FloatBuf xb = CPU.upload(x);
        try (SparseCode z = sae.encode(xb, n)) {
            FloatBuf max = CPU.floats(40);
            CPU.featureMax(z, max);
            double exact = CPU.quantisedSqError(z, max, 0, sae.dec(), sae.bDec(), xb, 12);
            double[] gap = new double[17];
            for (int b = 1; b <= 16; b++) {
                gap[b] = Math.abs(CPU.quantisedSqError(z, max, b, sae.dec(), sae.bDec(), xb, 12) - exact);
            }
            assertTrue(gap[16] < 1e-4 * exact, "gap at 16 bits " + gap[16]);
            for (int b = 1; b + 3 <= 16; b += 3) assertTrue(gap[b + 3] < gap[b], "gap not shrinking at B = " + b);
        }
    }
}
