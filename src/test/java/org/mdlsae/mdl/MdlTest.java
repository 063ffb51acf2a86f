package org.mdlsae.mdl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mdlsae.InputException;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.data.Dataset;
import org.mdlsae.math.Entropy;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;

class MdlTest {
    private static final float[] VECTOR = {0, 0, 0, 0, 0.3f, 0.3f, 0.7f, 0.7f};

    /** The docs/design.md §2.6 vector end to end: identity "SAE", max 1, ε admits B = 1 → DL 1.5 bits. */
    @Test
    void designVectorEndToEnd() {
        DlReport r = Mdl.of(new Fakes.Identity(1), VECTOR, 8).calibrationMaxima(new float[] {1f}).tolerance(0.002).evaluate();
        assertEquals(1, r.bits());
        assertTrue(r.admissible());
        assertEquals(0.0, r.mse(), 0.0);
        assertEquals(4 * 0.0025 / 8, r.mseQuantized(), 1e-8); // x̂ = [0,0,0,0,.25,.25,.75,.75]
        assertEquals(1.5, r.dlBits(), 1e-12);
        assertEquals(0.5, r.l0(), 0.0);
        assertEquals(0.5 * (1 + 0), r.dlBoundBits(), 1e-12); // L0·(B + log2 1)
        assertEquals(1L, r.denseBits());
        assertEquals(1 - 1.5, r.bitsSavedVsDense(), 1e-12);
        assertEquals(0.0, r.deadFraction());
        assertEquals(0.002, r.eps());
        assertEquals(1, r.d());
        assertEquals(1, r.width());
        assertEquals(8, r.samples());
    }

    /** A tighter ε skips B = 1 and B = 2 (whose MSE is worse than B = 1's) and lands on B = 3. */
    @Test
    void smallestAdmissibleBitsEndToEnd() {
        DlReport r = Mdl.of(new Fakes.Identity(1), VECTOR, 8).calibrationMaxima(new float[] {1f}).tolerance(0.001).evaluate();
        assertEquals(3, r.bits());
        assertEquals(4 * 0.075 * 0.075 / 8, r.mseByBits()[1], 1e-8); // B = 2 is worse than B = 1
        assertEquals(4 * 0.0125 * 0.0125 / 8, r.mseQuantized(), 1e-8);
        assertEquals(1.5, r.dlBits(), 1e-12);
        // δ mode: unquantised MSE is 0, so δ = 0.0013 admits B = 1
        DlReport d = Mdl.of(new Fakes.Identity(1), VECTOR, 8).calibrationMaxima(new float[] {1f}).delta(0.0013).evaluate();
        assertEquals(1, d.bits());
        assertNull(d.eps());
        assertEquals(0.0013, d.delta());
    }

    @Test
    void inadmissibleWhenUnquantisedMseExceedsEps() {
        float[] x = {-1f, 0.5f, -1f, 0.5f}; // identity keeps only the positive part: MSE = 0.5
        DlReport r = Mdl.of(new Fakes.Identity(1), x, 4).tolerance(0.1).evaluate();
        assertFalse(r.admissible());
        assertNull(r.bits());
        assertNull(r.dlBits());
        assertNull(r.mseQuantized());
        assertNull(r.dlBoundBits());
        assertNull(r.denseBits());
        assertEquals(0.5, r.mse(), 1e-12);
        Map<String, Object> json = r.toJson();
        assertTrue(json.containsKey("bits"));
        assertNull(json.get("bits"));
        assertEquals(false, json.get("admissible"));
    }

    @Test
    void fvuToleranceConvertsOnceAndReportsBoth() {
        Fakes.TopK sae = new Fakes.TopK(10, 30, 3, 11);
        int n = 400;
        float[] x = Fakes.gaussian(n, 10, 12);
        double ss = org.mdlsae.math.Stats.sumSqDeviation(x, n, 10);
        DlReport r = Mdl.of(sae, x, n).toleranceFvu(0.9).evaluate();
        assertEquals(0.9 * ss / (n * 10.0), r.eps(), 1e-12);
        assertEquals(0.9, r.epsFvu(), 0.0);
        assertEquals(r.mse() * n * 10 / ss, r.fvu(), 1e-9);
        DlReport e = Mdl.of(sae, x, n).tolerance(r.eps()).evaluate();
        assertEquals(0.9, e.epsFvu(), 1e-9);
        assertEquals(r.bits(), e.bits());
    }

    /** Chunking and the re-encode path give the same report as one chunk with cached codes. */
    @Test
    void chunkingAndCacheDoNotChangeTheAnswer() {
        Fakes.TopK sae = new Fakes.TopK(12, 40, 4, 5);
        int n = 1000;
        float[] x = Fakes.gaussian(n, 12, 6);
        float[] calib = Fakes.gaussian(700, 12, 7);
        DlReport a = Mdl.of(sae, x, n).calibration(calib, 700).delta(1e-3).evaluate();
        DlReport b = Mdl.of(sae, x, n).calibration(calib, 700).delta(1e-3).chunkRows(97).cacheEntries(0).evaluate();
        DlReport c = Mdl.of(sae, x, n).calibration(calib, 700).delta(1e-3).chunkRows(300).cacheEntries(2000).evaluate();
        assertTrue(a.admissible());
        for (DlReport o : List.of(b, c)) {
            assertEquals(a.bits(), o.bits());
            assertEquals(a.dlBits(), o.dlBits(), 1e-12);
            assertEquals(a.l0(), o.l0(), 0.0);
            assertEquals(a.mse(), o.mse(), 1e-9 * a.mse());
            assertEquals(a.deadFraction(), o.deadFraction(), 0.0);
            assertArrayEquals(a.mseByBits(), o.mseByBits(), 1e-9 * a.mse());
        }
        assertEquals(4.0, a.l0(), 0.0);
        assertEquals(a.l0() * (a.bits() + Entropy.log2(40)), a.dlBoundBits(), 1e-9);
        assertEquals(12L * a.bits(), a.denseBits());
    }

    @Test
    void deadFractionL0AndCalibration() {
        // column 2 is never positive: dead; column 1 positive in half the rows
        float[] x = {0.5f, 0.9f, -1f, 0.25f, -0.3f, 0f, 1.0f, 0.2f, -2f, 0.75f, -0.1f, 0f};
        Fakes.Identity id = new Fakes.Identity(3);
        float[] max = Calibration.maxima(id, x, 4);
        assertArrayEquals(new float[] {1.0f, 0.9f, 0f}, max);
        DlReport r = Mdl.of(id, x, 4).delta(1.0).evaluate();
        assertEquals(1.0 / 3, r.deadFraction(), 1e-12);
        assertEquals(6.0 / 4, r.l0(), 1e-12);
        // calibrated on a set with smaller maxima: values above max clip to the top bin, still admissible in δ mode
        float[] small = {0.1f, 0.1f, 0.1f};
        DlReport s = Mdl.of(id, x, 4).calibration(small, 1).delta(10).evaluate();
        assertEquals(1, s.bits());
        assertTrue(s.mseByBits()[0] > r.mse());
    }

    @Test
    void badInputIsAnInputException() {
        Fakes.Identity id = new Fakes.Identity(3);
        assertThrows(InputException.class, () -> Mdl.of(id, new float[7], 2));
        assertThrows(InputException.class, () -> Mdl.of(id, new float[6], 3));
        assertThrows(InputException.class, () -> Mdl.of(id, new float[0], 0));
        assertThrows(InputException.class, () -> Mdl.of(id, new float[6], 2).evaluate()); // no tolerance
        assertThrows(InputException.class, () -> Mdl.of(id, new float[6], 2).tolerance(0));
        assertThrows(InputException.class, () -> Mdl.of(id, new float[6], 2).tolerance(Double.NaN));
        assertThrows(InputException.class, () -> Mdl.of(id, new float[6], 2).toleranceFvu(-1));
        assertThrows(InputException.class, () -> Mdl.of(id, new float[6], 2).delta(-1));
        assertThrows(InputException.class, () -> Mdl.of(id, new float[6], 2).toleranceFvu(0.2).evaluate()); // no variance
        assertThrows(InputException.class, () -> Mdl.of(id, new float[6], 2).calibration(new float[4], 2));
        assertThrows(InputException.class, () -> Mdl.of(id, new float[6], 2).calibrationMaxima(new float[2]));
        float[] nan = new float[6];
        nan[4] = Float.NaN;
        InputException e = assertThrows(InputException.class, () -> Mdl.of(id, nan, 2).tolerance(0.1).evaluate());
        assertTrue(e.getMessage().contains("row 1"), e.getMessage());
    }

    @Test
    void jsonHasTheContractKeys() throws Exception {
        DlReport r = Mdl.of(new Fakes.Identity(1), VECTOR, 8).calibrationMaxima(new float[] {1f}).tolerance(0.002).evaluate();
        JsonNode j = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(r.toJson()));
        for (String key : List.of("bits", "dl_bits", "dl_bound_bits", "dense_bits", "mse", "mse_quantized", "fvu", "l0", "d_sae",
                "admissible", "d_in", "k", "dead_fraction", "eps", "eps_fvu", "bits_saved_vs_dense")) {
            assertTrue(j.has(key), "missing " + key);
        }
        assertTrue(j.get("bits").isInt());
        assertEquals(1, j.get("bits").asInt());
        assertEquals(1.5, j.get("dl_bits").asDouble(), 1e-12);
        assertEquals(1, j.get("d_sae").asInt());
        assertTrue(j.get("admissible").asBoolean());
        assertEquals(16, j.get("mse_by_bits").size());
        assertTrue(r.describe().contains("B* = 1"));
    }

    /** The real Sae (TopK and BatchTopK θ) through the facade; TopK agrees with the fake built from the same weights. */
    @Test
    void realSae() {
        Fakes.TopK fake = new Fakes.TopK(9, 25, 3, 21);
        float[] w = Fakes.CPU.download(fake.dec());
        int n = 500;
        float[] x = Fakes.gaussian(n, 9, 22);
        try (Sae topk = Sae.upload(Fakes.CPU, new SaeWeights(Arch.TOPK, 9, 25, 3, Float.NaN, w.clone(), new float[25], w.clone(),
                new float[9]))) {
            DlReport a = Mdl.of(topk, x, n).delta(1e-4).evaluate();
            DlReport b = Mdl.of(fake, x, n).delta(1e-4).evaluate();
            assertEquals(b.bits(), a.bits());
            assertEquals(b.dlBits(), a.dlBits(), 1e-12);
            assertEquals(b.mse(), a.mse(), 1e-12);
            assertEquals(3.0, a.l0(), 0.0);
            assertArrayEquals(Calibration.maxima(fake, x, n), Calibration.maxima(topk, x, n));
        }
        try (Sae btk = Sae.upload(Fakes.CPU, new SaeWeights(Arch.BATCHTOPK, 9, 25, 3, 0.4f, w.clone(), new float[25], w.clone(),
                new float[9]))) {
            long active = 0;
            try (SparseCode z = btk.encode(Fakes.CPU.upload(x), n)) {
                float[] v = Fakes.CPU.download(z.val());
                for (int q = 0; q < z.nnz(); q++) if (v[q] > 0) active++;
            }
            DlReport r = Mdl.of(btk, x, n).chunkRows(64).delta(1e-2).evaluate();
            assertEquals((double) active / n, r.l0(), 1e-12);
            assertTrue(r.admissible());
            assertTrue(r.dlBits() > 0);
        }
    }

    @Test
    void datasetOverloads() {
        Fakes.TopK fake = new Fakes.TopK(6, 15, 2, 31);
        float[] w = Fakes.CPU.download(fake.dec());
        Dataset test = new Dataset("test", 200, 6, Fakes.gaussian(200, 6, 32));
        Dataset train = new Dataset("train", 300, 6, Fakes.gaussian(300, 6, 33));
        try (Sae sae = Sae.upload(Fakes.CPU, new SaeWeights(Arch.TOPK, 6, 15, 2, Float.NaN, w.clone(), new float[15], w.clone(),
                new float[6]))) {
            DlReport a = Mdl.of(sae, test).calibration(train).delta(1e-3).evaluate();
            DlReport b = Mdl.of(fake, test.data(), 200).calibration(train.data(), 300).delta(1e-3).evaluate();
            assertEquals(b.dlBits(), a.dlBits(), 1e-12);
            assertArrayEquals(Calibration.maxima(fake, train.data(), 300), Calibration.maxima(sae, train));
            Dataset wrong = new Dataset("wrong.npy", 10, 7, new float[70]);
            InputException e = assertThrows(InputException.class, () -> Mdl.of(sae, wrong));
            assertTrue(e.getMessage().contains("wrong.npy") && e.getMessage().contains("d_in = 6"), e.getMessage());
            assertThrows(InputException.class, () -> Mdl.of(sae, test).calibration(wrong));
            assertThrows(InputException.class, () -> Mdl.of(sae, new Dataset("empty", 0, 6, new float[0])));
        }
    }

    @Test
    void selectionOverReports() {
        DlReport good = Mdl.of(new Fakes.Identity(1), VECTOR, 8).calibrationMaxima(new float[] {1f}).tolerance(0.002).evaluate();
        DlReport bad = Mdl.of(new Fakes.Identity(1), new float[] {-1f, 0.5f}, 2).tolerance(0.1).evaluate();
        assertSame(good, Selection.best(List.of(bad, good)).orElseThrow());
        assertTrue(Selection.best(List.of(bad)).isEmpty());
    }

    /** Codes kept between the passes are bounded by the heap (at 8 bytes per entry, 1/8 of it) and by 2^24 entries. */
    @Test
    void theCodeCacheIsBoundedByTheHeap() {
        long max = Runtime.getRuntime().maxMemory();
        assertEquals(Math.min(1L << 24, max / 64), Mdl.defaultCacheEntries());
    }
}
