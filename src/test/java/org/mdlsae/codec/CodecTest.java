package org.mdlsae.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.InputException;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.data.Dataset;
import org.mdlsae.io.Fuzz;
import org.mdlsae.mdl.CanonicalCode;
import org.mdlsae.mdl.DlReport;
import org.mdlsae.mdl.Mdl;
import org.mdlsae.mdl.SparseEncoder;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;

class CodecTest {
    @TempDir
    Path tmp;

    /** Data with some all-zero rows (empty codes for a thresholded SAE without biases). */
    private static Dataset withZeroRows(Dataset ds, int every) {
        float[] x = ds.data().clone();
        for (int i = 0; i < ds.rows(); i += every) Arrays.fill(x, i * ds.dim(), (i + 1) * ds.dim(), 0f);
        return new Dataset(ds.name(), ds.rows(), ds.dim(), x);
    }

    /** Silences latent j: it never fires. */
    private static SaeWeights silence(SaeWeights w, int j) {
        SaeWeights c = w.copy();
        Arrays.fill(c.enc(), j * c.dIn(), (j + 1) * c.dIn(), 0f);
        c.bEnc()[j] = -1f;
        return c;
    }

    /** The reconstruction of a data set at per-feature precision, chunk by chunk, through the canonical code. */
    private static float[] expected(SparseEncoder m, Dataset ds, float[] max, byte[] bits) {
        float[] out = new float[ds.data().length];
        int d = ds.dim();
        try (FloatBuf x = m.backend().upload(ds.data()); FloatBuf xhat = m.backend().floats(ds.data().length)) {
            try (SparseCode raw = m.encode(x, ds.rows())) {
                CanonicalCode.Host h = CanonicalCode.download(m.backend(), raw);
                float[] all = new float[ds.rows() * d];
                Reconstruction.decode(m, Reconstruction.quantised(h, max, bits), xhat, all);
                System.arraycopy(all, 0, out, 0, all.length);
            }
        }
        return out;
    }

    private static double mse(float[] x, float[] xhat) {
        return Reconstruction.sqError(x, 0, xhat, x.length) / x.length;
    }

    /**
     * Round trips are bit-exact for TopK and BatchTopK SAEs at several precisions, with empty rows, full rows (every
     * latent active, so activity costs nothing), and a latent that never fires; the decompressed MSE is exactly the
     * {@code mse_quantized} of the DL evaluation, and B* and the DL agree with it to the last bit.
     */
    @Test
    void roundTripsAreBitExactAndMatchTheDlEvaluation() {
        record Case(String name, SaeWeights w, Dataset data) {
        }
        Dataset base = TestSaes.sparseData("sparse", 300, 12, 20, 3, 0.01, 1);
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("topk", silence(TestSaes.random(Arch.TOPK, 12, 30, 4, 0f, 2), 5), base));
        cases.add(new Case("batchtopk+empty rows", silence(TestSaes.random(Arch.BATCHTOPK, 12, 40, 4, 0f, 3), 0),
                withZeroRows(base, 7)));
        cases.add(new Case("full rows", TestSaes.random(Arch.TOPK, 12, 8, 8, 10f, 4), base));
        int checked = 0;
        for (Case c : cases) {
            try (Sae sae = Sae.upload(TestSaes.CPU, c.w())) {
                SparseEncoder m = SparseEncoder.of(sae);
                float[] max = CodeStats.maxima(m, c.data());
                CodeStats s = CodeStats.measure(m, c.data(), max);
                double[] byBits = s.mseByBits();
                for (int b : new int[] {1, 3, 6, 11, 16}) {
                    double eps = Math.max(byBits[b - 1], s.mse()) * (1 + 1e-12);
                    CompressReport[] rep = new CompressReport[1];
                    byte[] file = TestSaes.compress(sae, c.data(), c.data(), eps, Compressor.Precision.UNIFORM, rep);
                    float[] back = TestSaes.decompress(tmp, file, sae);
                    int bStar = rep[0].bStar();
                    byte[] bits = new byte[m.width()];
                    Arrays.fill(bits, (byte) bStar);
                    String what = c.name() + " at B " + b + " (B* " + bStar + ")";
                    assertArrayEquals(expected(m, c.data(), max, bits), back, what + ": reconstruction");
                    // random SAEs at a few bits: the tolerance may be above the data's variance
                    DlReport dl = Mdl.of(sae, c.data().data(), c.data().rows()).calibrationMaxima(max).tolerance(eps)
                            .allowToleranceAboveVariance().evaluate();
                    assertEquals(dl.bits(), bStar, what);
                    assertEquals(dl.mseQuantized(), mse(c.data().data(), back), 0.0, what + ": MSE is mse_quantized exactly");
                    assertEquals(dl.mseQuantized(), rep[0].mseQuantized(), 0.0, what);
                    assertEquals(dl.dlBits(), rep[0].uniformDlBits(), 0.0, what);
                    assertEquals(dl.dlBits(), rep[0].dlBits(), 1e-9 * dl.dlBits(), what + ": the models are the DL's");
                    assertTrue(rep[0].mseQuantized() <= eps, what);
                    checked++;
                }
                if (c.name().equals("full rows")) {
                    assertEquals(0.0, s.activityBits(), 0.0, "every latent active: activity costs nothing");
                    assertEquals(8.0, s.l0(), 0.0);
                }
                if (c.name().startsWith("batchtopk")) {
                    assertTrue(s.l0Histogram[0] >= 300 / 7, "the zero rows code to empty rows");
                    assertEquals(0f, max[0], "the silenced latent is never active");
                }
            }
        }
        assertEquals(15, checked);
    }

    /** The 1% rule on a trained SAE: payload within 1% of entropy DL × N, for uniform and per-feature precision. */
    @Test
    void payloadWithinOnePercentOfDlOnATrainedSae() {
        Dataset train = TestSaes.sparseData("train", 3000, 24, 48, 3, 0.02, 10);
        Dataset test = TestSaes.sparseData("test", 1500, 24, 48, 3, 0.02, 11);
        SaeWeights w = TestSaes.trained(train, Arch.TOPK, 64, 4, 4);
        try (Sae sae = Sae.upload(TestSaes.CPU, w)) {
            SparseEncoder m = SparseEncoder.of(sae);
            float[] max = CodeStats.maxima(m, train);
            CodeStats s = CodeStats.measure(m, test, max);
            double eps = s.mse() + 0.5 * (s.mseByBits()[2] - s.mse()); // between B = 3 and the unquantised MSE
            CompressReport[] u = new CompressReport[1];
            byte[] fu = TestSaes.compress(sae, test, train, eps, Compressor.Precision.UNIFORM, u);
            CompressReport[] p = new CompressReport[1];
            byte[] fp = TestSaes.compress(sae, test, train, eps, Compressor.Precision.PER_FEATURE, p);
            for (CompressReport r : new CompressReport[] {u[0], p[0]}) {
                assertTrue(r.payloadOverDl() <= 1.01, r.precision() + ": payload " + r.payloadBytes() + " vs DL·N "
                        + r.dlBits() * r.samples() / 8);
                assertTrue(r.payloadOverDl() >= 0.999, r.precision() + ": below the entropy? " + r.payloadOverDl());
                assertTrue(r.mseQuantized() <= eps, r.precision());
            }
            assertTrue(p[0].dlBits() <= u[0].dlBits(), "per-feature precision never costs more than uniform B*");
            float[] back = TestSaes.decompress(tmp, fp, sae);
            assertEquals(p[0].mseQuantized(), mse(test.data(), back), 0.0, "per-feature file decodes to what was scored");
            assertEquals(u[0].bStar(), p[0].bStar());
            assertTrue(fu.length > 0);
        }
    }

    /**
     * The 1% rule on MNIST (when it is in the cache; it is on the project's machines): a BatchTopK SAE trained here
     * for 3 epochs, calibrated on train, its test-split code compressed at an ε it meets.
     */
    @Test
    void payloadWithinOnePercentOnMnist() {
        Path cache = org.mdlsae.data.Cache.dir();
        assumeTrue(Files.isRegularFile(cache.resolve(org.mdlsae.data.Mnist.TARBALL)), "MNIST is not in the cache");
        Dataset train = org.mdlsae.data.DataSources.load("mnist", null, "train", cache);
        Dataset test = org.mdlsae.data.DataSources.load("mnist", null, "test", cache);
        SaeWeights w = TestSaes.trained(train, Arch.BATCHTOPK, 64, 8, 3);
        try (Sae sae = Sae.upload(TestSaes.CPU, w)) {
            SparseEncoder m = SparseEncoder.of(sae);
            CodeStats s = CodeStats.measure(m, test, CodeStats.maxima(m, train));
            double eps = s.mse() + 0.5 * (s.mseByBits()[1] - s.mse());
            for (Compressor.Precision p : Compressor.Precision.values()) {
                CompressReport[] r = new CompressReport[1];
                TestSaes.compress(sae, test, train, eps, p, r);
                assertTrue(r[0].payloadOverDl() <= 1.01 && r[0].payloadOverDl() >= 0.999, p + ": " + r[0].payloadOverDl());
                assertTrue(r[0].headerBytes() <= 64 * 1024, p + ": header " + r[0].headerBytes());
                assertTrue(r[0].mseQuantized() <= eps, p.toString());
            }
        }
    }

    /** A D = 256 dictionary's header stays within 64 KiB even at a fine precision. */
    @Test
    void headerBoundForD256() {
        Dataset data = TestSaes.sparseData("wide", 3000, 32, 300, 4, 0.01, 5);
        try (Sae sae = Sae.upload(TestSaes.CPU, TestSaes.random(Arch.TOPK, 32, 256, 8, 0f, 6))) {
            SparseEncoder m = SparseEncoder.of(sae);
            CodeStats s = CodeStats.measure(m, data, CodeStats.maxima(m, data));
            for (int b : new int[] {4, 8}) {
                CompressReport[] r = new CompressReport[1];
                TestSaes.compress(sae, data, data, Math.max(s.mseByBits()[b - 1], s.mse()) * (1 + 1e-12),
                        Compressor.Precision.UNIFORM, r);
                assertTrue(r[0].bStar() <= b);
                assertTrue(r[0].headerBytes() <= 64 * 1024, "B* " + r[0].bStar() + ": header " + r[0].headerBytes());
            }
        }
    }

    private byte[] smallFile(Sae sae, Dataset ds) {
        return TestSaes.compress(sae, ds, ds, 1.0, Compressor.Precision.UNIFORM, null);
    }

    /** Every truncation and every single-bit flip is refused with one line; random multi-bit flips never crash. */
    @Test
    void corruptAndTruncatedFilesRefused() throws Exception {
        Dataset ds = TestSaes.sparseData("tiny", 40, 6, 8, 2, 0.01, 8);
        try (Sae sae = Sae.upload(TestSaes.CPU, TestSaes.random(Arch.TOPK, 6, 10, 2, 0f, 9))) {
            byte[] valid = smallFile(sae, ds);
            assertTrue(valid.length < 1500, "a small file: " + valid.length);
            java.util.function.Consumer<Path> parser = f -> TestSaes.decompress(f, sae);
            parser.accept(write("ok.mdlz", valid)); // the valid file decodes
            Fuzz.truncations(tmp, valid, parser);
            Fuzz.bitFlips(tmp, valid, 300, 42, parser);
            Path f = tmp.resolve("flip1.bin");
            for (int bit = 0; bit < valid.length * 8; bit++) {
                byte[] b = valid.clone();
                b[bit / 8] ^= (byte) (1 << (bit % 8));
                Fuzz.expectOnlyInputException(f, b, parser, "bit " + bit, true);
            }
            byte[] longer = Arrays.copyOf(valid, valid.length + 1);
            Fuzz.expectOnlyInputException(f, longer, parser, "one byte appended", true);
        }
    }

    /** A file is bound to its SAE: another SAE (even one differing in one weight) is refused. */
    @Test
    void otherSaeRefused() throws Exception {
        Dataset ds = TestSaes.sparseData("tiny", 40, 6, 8, 2, 0.01, 8);
        SaeWeights w = TestSaes.random(Arch.TOPK, 6, 10, 2, 0f, 9);
        try (Sae sae = Sae.upload(TestSaes.CPU, w)) {
            Path f = write("a.mdlz", smallFile(sae, ds));
            SaeWeights other = w.copy();
            other.enc()[3] += 1e-6f;
            try (Sae o = Sae.upload(TestSaes.CPU, other)) {
                InputException e = assertThrows(InputException.class, () -> TestSaes.decompress(f, o));
                assertTrue(e.getMessage().contains("another SAE"), e.getMessage());
            }
            SaeWeights wider = TestSaes.random(Arch.TOPK, 6, 12, 2, 0f, 9);
            try (Sae o = Sae.upload(TestSaes.CPU, wider)) {
                assertThrows(InputException.class, () -> TestSaes.decompress(f, o));
            }
            InputException notOurs = assertThrows(InputException.class, () -> Decompressor.open(write("n.npy", new byte[64])));
            assertTrue(notOurs.getMessage().contains("not a compressed file"), notOurs.getMessage());
            assertNotNull(Decompressor.open(f));
        }
    }

    private Path write(String name, byte[] b) throws Exception {
        Path f = tmp.resolve(name);
        Files.write(f, b);
        return f;
    }
}
