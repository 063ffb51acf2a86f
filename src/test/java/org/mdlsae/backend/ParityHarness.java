package org.mdlsae.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.backend.gpu.KernelBackend;

/**
 * Op-by-op parity of a GPU back end with the CPU twin on seeded random inputs. Subclasses supply the back
 * end (skipping or failing when it is absent); every {@link Backend} op is covered, forward and backward,
 * on awkward sizes (n = 37, d = 53, D = 91, k = 7: no powers of two, no multiples of the 64-wide GEMM tile)
 * and on a larger case.
 *
 * <p>Tolerances are {@code |gpu − cpu| ≤ atol + rtol·|cpu|}, stated per op:
 * <ul>
 *   <li>exact (bit-identical): topK, kthLargestPositive, countAbove/gatherAbove, countActive, featureMax,
 *       binCounts, and the index part of every sparse result — selection involves no arithmetic;</li>
 *   <li>elementwise float ops (axpby, residual gradient, adamStep): atol 1e-6, rtol 1e-5 (an FMA or a
 *       division rounding differs by an ulp or two);</li>
 *   <li>dot products and sums over d or over rows (encode, decode, backward, row normalisation):
 *       atol 2e-5, rtol 2e-5 (summation order and FMA contraction differ);</li>
 *   <li>double-returning reductions (residual, sumSqDeviation, quantisedSqError): rtol 1e-5.</li>
 * </ul>
 * Failures list the first mismatches as {@code [index] cpu=… gpu=…}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ParityHarness {
    static final double SUM_ATOL = 2e-5, SUM_RTOL = 2e-5;
    static final double ELEM_ATOL = 1e-6, ELEM_RTOL = 1e-5;
    static final double RED_RTOL = 1e-5;

    /** The small awkward shape. */
    static final int N = 37, DIM = 53, WIDTH = 91, K = 7;

    protected Backend cpu;
    protected Backend gpu;
    private final List<AutoCloseable> open = new ArrayList<>();

    private Availability availability;

    /** Whether the back end under test is there (probed once per JVM by its entry point). */
    protected abstract Availability probe();

    /** Creates the back end under test; called only when {@link #probe()} says it is available. */
    protected abstract Backend createGpu();

    /** When true a missing back end fails every test instead of skipping it. */
    protected boolean required() {
        return false;
    }

    @BeforeAll
    void setUp() {
        availability = probe();
        if (availability.available()) gpu = createGpu();
        cpu = new CpuBackend();
    }

    /** Skips (assumption) each test without the back end, or fails it when the back end is required. */
    @BeforeEach
    void needBackend() {
        if (availability.available()) return;
        if (required()) fail(getClass().getSimpleName() + ": back end required but not available: " + availability.detail());
        assumeTrue(false, "back end not available: " + availability.detail());
    }

    @AfterAll
    void tearDown() throws Exception {
        for (AutoCloseable c : open) c.close();
        open.clear();
        if (gpu != null) gpu.close();
        if (cpu != null) cpu.close();
    }

    // ================================================================ paired buffers

    /** The same float data on both back ends. */
    record F(FloatBuf c, FloatBuf g) {
    }

    /** The same int data on both back ends. */
    record I(IntBuf c, IntBuf g) {
    }

    /** The same sparse code on both back ends, with its host arrays. */
    record Code(SparseCode c, SparseCode g, int[] rowPtr, int[] idx, float[] val) {
    }

    F f(float[] host) {
        F p = new F(cpu.upload(host), gpu.upload(host));
        open.add(p.g);
        return p;
    }

    F zeros(long n) {
        return f(new float[Math.toIntExact(n)]);
    }

    I i(int[] host) {
        I p = new I(cpu.upload(host), gpu.upload(host));
        open.add(p.g);
        return p;
    }

    Code code(int n, int width, int[] rowPtr, int[] idx, float[] val) {
        I rp = i(rowPtr), ix = i(idx);
        F v = f(val);
        return new Code(new SparseCode(n, width, rowPtr[n], rp.c, ix.c, v.c),
                new SparseCode(n, width, rowPtr[n], rp.g, ix.g, v.g), rowPtr, idx, val);
    }

    static float[] random(Random r, int n, float lo, float hi) {
        float[] a = new float[n];
        for (int q = 0; q < n; q++) a[q] = lo + (hi - lo) * r.nextFloat();
        return a;
    }

    static float[] gaussian(Random r, int n, float sd) {
        float[] a = new float[n];
        for (int q = 0; q < n; q++) a[q] = (float) (sd * r.nextGaussian());
        return a;
    }

    /**
     * A TopK-shaped code: k distinct latents per row with values in (0.05, 2], rows padded with
     * (0, 0) entries with probability padProb per slot from the end.
     */
    static Code topKCode(ParityHarness h, Random r, int n, int width, int k, double padProb) {
        int[] rp = new int[n + 1];
        int[] idx = new int[n * k];
        float[] val = new float[n * k];
        int[] perm = new int[width];
        for (int i = 0; i < n; i++) {
            rp[i + 1] = (i + 1) * k;
            for (int j = 0; j < width; j++) perm[j] = j;
            int active = k;
            while (active > 0 && r.nextDouble() < padProb) active--;
            for (int q = 0; q < k; q++) {
                int s = q + r.nextInt(width - q);
                int t = perm[q];
                perm[q] = perm[s];
                perm[s] = t;
                if (q < active) {
                    idx[i * k + q] = perm[q];
                    val[i * k + q] = 0.05f + 1.95f * r.nextFloat();
                }
            }
        }
        return h.code(n, width, rp, idx, val);
    }

    /** A CSR code with 0..maxPerRow entries per row (distinct latents, increasing), some of value 0. */
    static Code csrCode(ParityHarness h, Random r, int n, int width, int maxPerRow) {
        int[] rp = new int[n + 1];
        List<Integer> ix = new ArrayList<>();
        List<Float> vs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int cnt = r.nextInt(maxPerRow + 1);
            boolean[] used = new boolean[width];
            int[] chosen = new int[cnt];
            for (int q = 0; q < cnt; q++) {
                int j;
                do {
                    j = r.nextInt(width);
                } while (used[j]);
                used[j] = true;
                chosen[q] = j;
            }
            Arrays.sort(chosen);
            for (int j : chosen) {
                ix.add(j);
                vs.add(r.nextInt(10) == 0 ? 0f : 0.01f + 3f * r.nextFloat());
            }
            rp[i + 1] = ix.size();
        }
        int[] idx = ix.stream().mapToInt(Integer::intValue).toArray();
        float[] val = new float[vs.size()];
        for (int q = 0; q < val.length; q++) val[q] = vs.get(q);
        return h.code(n, width, rp, idx, val);
    }

    // ================================================================ comparisons

    float[] down(FloatBuf b, Backend be) {
        return be.download(b);
    }

    void assertClose(String what, F p, double atol, double rtol) {
        assertClose(what, cpu.download(p.c), gpu.download(p.g), atol, rtol);
    }

    static void assertClose(String what, float[] expected, float[] actual, double atol, double rtol) {
        assertEquals(expected.length, actual.length, what + ": lengths differ");
        int bad = 0;
        StringBuilder sb = new StringBuilder();
        for (int q = 0; q < expected.length; q++) {
            float e = expected[q], a = actual[q];
            boolean ok = (Float.isNaN(e) && Float.isNaN(a)) || e == a || Math.abs(a - e) <= atol + rtol * Math.abs(e);
            if (!ok) {
                if (bad < 8) sb.append(String.format(" [%d] cpu=%s gpu=%s;", q, e, a));
                bad++;
            }
        }
        if (bad > 0) {
            fail(what + ": " + bad + " of " + expected.length + " elements differ beyond atol=" + atol + ", rtol=" + rtol
                    + ", first:" + sb);
        }
    }

    static void assertClose(String what, double expected, double actual, double atol, double rtol) {
        if (!(Math.abs(actual - expected) <= atol + rtol * Math.abs(expected))) {
            fail(what + ": cpu=" + expected + " gpu=" + actual + " beyond atol=" + atol + ", rtol=" + rtol);
        }
    }

    void assertSameInts(String what, I p) {
        assertSameInts(what, cpu.download(p.c), gpu.download(p.g));
    }

    static void assertSameInts(String what, int[] expected, int[] actual) {
        assertEquals(expected.length, actual.length, what + ": lengths differ");
        int bad = 0;
        StringBuilder sb = new StringBuilder();
        for (int q = 0; q < expected.length; q++) {
            if (expected[q] != actual[q]) {
                if (bad < 8) sb.append(String.format(" [%d] cpu=%d gpu=%d;", q, expected[q], actual[q]));
                bad++;
            }
        }
        if (bad > 0) fail(what + ": " + bad + " of " + expected.length + " ints differ, first:" + sb);
    }

    void assertSameFloats(String what, F p) {
        assertClose(what, cpu.download(p.c), gpu.download(p.g), 0, 0);
    }

    // ================================================================ memory

    @Test
    void memoryOps() {
        Random r = new Random(1);
        FloatBuf z = gpu.floats(13);
        open.add(z);
        assertArrayEquals(new float[13], gpu.download(z), "floats() is zero-filled");
        IntBuf zi = gpu.ints(11);
        open.add(zi);
        assertArrayEquals(new int[11], gpu.download(zi), "ints() is zero-filled");

        float[] a = random(r, 50, -1, 1);
        FloatBuf b = gpu.floats(50);
        open.add(b);
        gpu.write(b, 5, a, 3, 40);
        float[] back = new float[45];
        gpu.read(b, 2, back, 1, 44);
        for (int q = 0; q < 44; q++) {
            int src = q + 2;
            float want = src >= 5 && src < 45 ? a[src - 5 + 3] : 0f;
            assertEquals(want, back[q + 1], "read/write with offsets at " + q);
        }
        // copy within one buffer, overlapping forwards and backwards, against the CPU (System.arraycopy)
        F p = f(a);
        cpu.copy(p.c, 0, p.c, 7, 30);
        gpu.copy(p.g, 0, p.g, 7, 30);
        cpu.copy(p.c, 10, p.c, 4, 30);
        gpu.copy(p.g, 10, p.g, 4, 30);
        F q = zeros(60);
        cpu.copy(p.c, 3, q.c, 11, 40);
        gpu.copy(p.g, 3, q.g, 11, 40);
        assertSameFloats("copy (overlapping)", p);
        assertSameFloats("copy", q);
        cpu.fill(q.c, -2.5f);
        gpu.fill(q.g, -2.5f);
        assertSameFloats("fill floats", q);
        int[] ih = new int[33];
        for (int k = 0; k < ih.length; k++) ih[k] = r.nextInt();
        I ip = i(ih);
        assertSameInts("int upload", ip);
        int[] part = new int[5];
        gpu.read(ip.g, 20, part, 0, 5);
        assertArrayEquals(Arrays.copyOfRange(ih, 20, 25), part, "int read with offset");
        gpu.write(ip.g, 30, new int[] {7, 8, 9}, 0, 3);
        assertEquals(9, gpu.download(ip.g)[32]);
        cpu.fill(ip.c, 42);
        gpu.fill(ip.g, 42);
        assertSameInts("fill ints", ip);
        FloatBuf empty = gpu.floats(0);
        open.add(empty);
        assertEquals(0, empty.length());
        assertEquals(0, gpu.download(empty).length);

        BackendException e = assertThrows(BackendException.class, () -> gpu.write(b, 45, a, 0, 10));
        assertEquals("write", e.op());
        assertThrows(BackendException.class, () -> gpu.read(b, -1, back, 0, 1));
        assertThrows(BackendException.class, () -> gpu.copy(p.c, 0, p.g, 0, 1), "a CPU buffer is refused");
        FloatBuf closed = gpu.floats(4);
        closed.close();
        closed.close(); // idempotent
        assertThrows(BackendException.class, () -> gpu.fill(closed, 1f));
    }

    // ================================================================ forward

    void checkEncode(long seed, int n, int d, int width) {
        Random r = new Random(seed);
        F x = f(random(r, n * d, -1, 1));
        F bDec = f(random(r, d, -0.3f, 0.3f));
        F enc = f(gaussian(r, width * d, 0.2f));
        F bEnc = f(random(r, width, -0.5f, 0.5f));
        F pre = zeros((long) n * width);
        cpu.encode(x.c, bDec.c, enc.c, bEnc.c, n, d, width, pre.c);
        gpu.encode(x.g, bDec.g, enc.g, bEnc.g, n, d, width, pre.g);
        assertClose("encode " + n + "x" + d + "x" + width, pre, SUM_ATOL, SUM_RTOL);
        if (gpu instanceof KernelBackend kb) {
            // the portable (GPU-shaped) kernel too, where the device has its own variant (pocl)
            gpu.fill(pre.g, Float.NaN);
            kb.setPortableOnly(true);
            try {
                gpu.encode(x.g, bDec.g, enc.g, bEnc.g, n, d, width, pre.g);
            } finally {
                kb.setPortableOnly(false);
            }
            assertClose("encode (portable kernel) " + n + "x" + d + "x" + width, pre, SUM_ATOL, SUM_RTOL);
        }
    }

    @Test
    void encodeSmall() {
        checkEncode(2, N, DIM, WIDTH);
        checkEncode(3, 1, 1, 1);
        checkEncode(4, 65, 17, 129); // one past the tile in every dimension
    }

    @Test
    void encodeLarge() {
        checkEncode(5, 517, 300, 1100);
    }

    /** Each row: a shuffled mix of negatives and distinct positives; `positives` per row varies. */
    static float[] preRows(Random r, int n, int width, double posProb) {
        float[] a = new float[n * width];
        for (int q = 0; q < a.length; q++) {
            a[q] = r.nextDouble() < posProb ? 0.001f + r.nextFloat() * 3f : -r.nextFloat();
        }
        return a;
    }

    void checkTopK(String what, float[] preHost, int[] maskHost, int n, int width, int k) {
        F pre = f(preHost);
        I mask = maskHost == null ? null : i(maskHost);
        I idx = i(new int[n * k]);
        F val = zeros((long) n * k);
        cpu.topK(pre.c, mask == null ? null : mask.c, n, width, k, idx.c, val.c);
        gpu.topK(pre.g, mask == null ? null : mask.g, n, width, k, idx.g, val.g);
        assertSameInts(what + " indices", idx);
        assertSameFloats(what + " values", val);
    }

    @Test
    void topK() {
        Random r = new Random(6);
        checkTopK("topK", preRows(r, N, WIDTH, 0.5), null, N, WIDTH, K);
        // few positives per row: padding with (0, 0)
        checkTopK("topK sparse rows", preRows(r, N, WIDTH, 0.05), null, N, WIDTH, K);
        checkTopK("topK k = width", preRows(r, 5, WIDTH, 0.7), null, 5, WIDTH, WIDTH);
        int[] mask = new int[WIDTH];
        for (int j = 0; j < WIDTH; j++) mask[j] = r.nextInt(3) == 0 ? 1 : 0;
        checkTopK("topK masked", preRows(r, N, WIDTH, 0.6), mask, N, WIDTH, K);
        checkTopK("topK masked, k above eligible count", preRows(r, N, WIDTH, 0.6), mask, N, WIDTH, 40);
        // ties: few distinct values, so the lower-index-first rule decides
        float[] tied = preRows(r, N, WIDTH, 0.8);
        for (int q = 0; q < tied.length; q++) tied[q] = Math.round(tied[q] * 2) / 2f;
        checkTopK("topK ties", tied, null, N, WIDTH, K);
        checkTopK("topK ties, k = 30", tied, null, N, WIDTH, 30);
        // wide rows (several histogram strides) and k beyond local memory (global scratch path)
        checkTopK("topK wide", preRows(r, 9, 5000, 0.4), null, 9, 5000, 33);
        checkTopK("topK k > 1024", preRows(r, 3, 1500, 0.9), null, 3, 1500, 1100);
        float[] special = preRows(r, 2, WIDTH, 0.5);
        special[3] = Float.POSITIVE_INFINITY;
        special[10] = Float.MIN_VALUE;
        special[11] = -0f;
        special[WIDTH + 4] = Float.MAX_VALUE;
        checkTopK("topK inf/subnormal", special, null, 2, WIDTH, K);
    }

    /**
     * encodeTopK: values are GEMM results, so they differ by rounding; sorted values must agree within the
     * tolerance (order statistics move no more than the inputs) and any index that differs must sit on a
     * near-tie of the CPU's pre-activations.
     */
    void checkEncodeTopK(long seed, int n, int d, int width, int k, long blockFloats) {
        Random r = new Random(seed);
        F x = f(random(r, n * d, -1, 1));
        F bDec = f(random(r, d, -0.3f, 0.3f));
        F enc = f(gaussian(r, width * d, 0.2f));
        F bEnc = f(random(r, width, -0.5f, 0.5f));
        I idx = i(new int[n * k]);
        F val = zeros((long) n * k);
        if (blockFloats > 0) {
            if (!(gpu instanceof KernelBackend kb)) return;
            kb.setBlockFloats(blockFloats);
        }
        try {
            cpu.encodeTopK(x.c, bDec.c, enc.c, bEnc.c, n, d, width, k, idx.c, val.c);
            gpu.encodeTopK(x.g, bDec.g, enc.g, bEnc.g, n, d, width, k, idx.g, val.g);
        } finally {
            if (gpu instanceof KernelBackend kb) kb.setBlockFloats(1L << 22);
        }
        float[] vc = cpu.download(val.c), vg = gpu.download(val.g);
        assertClose("encodeTopK values", vc, vg, SUM_ATOL, SUM_RTOL);
        F pre = zeros((long) n * width);
        cpu.encode(x.c, bDec.c, enc.c, bEnc.c, n, d, width, pre.c);
        float[] p = cpu.download(pre.c);
        int[] ic = cpu.download(idx.c), ig = gpu.download(idx.g);
        for (int q = 0; q < ic.length; q++) {
            if (ic[q] == ig[q]) continue;
            int row = q / k;
            float other = Math.max(p[row * width + ig[q]], 0f);
            assertTrue(Math.abs(other - vc[q]) <= 2 * (SUM_ATOL + SUM_RTOL * Math.abs(vc[q])),
                    "encodeTopK index differs at " + q + " (cpu " + ic[q] + "=" + vc[q] + ", gpu " + ig[q] + " has cpu pre "
                            + other + "): not a near-tie");
        }
    }

    @Test
    void encodeTopK() {
        checkEncodeTopK(7, N, DIM, WIDTH, K, 0);
        checkEncodeTopK(8, N, DIM, WIDTH, K, 5L * WIDTH + 3); // 5-row blocks, last one short
        checkEncodeTopK(9, 300, 120, 700, 33, 0);
        // the same through the portable kernels: the fused encode_topk where k ≤ 128 (pocl otherwise runs its
        // CPU-shaped GEMM and topk_rows)
        portable(() -> {
            checkEncodeTopK(7, N, DIM, WIDTH, K, 0);
            checkEncodeTopK(8, N, DIM, WIDTH, K, 5L * WIDTH + 3);
            checkEncodeTopK(9, 300, 120, 700, 33, 0);
            checkEncodeTopK(10, 130, 64, 5000, 16, 0); // 79 latent tiles: 64 splits of one or two tiles
            checkEncodeTopK(11, N, DIM, WIDTH, WIDTH, 0); // k = width
            checkEncodeTopK(12, 65, 17, 300, 129, 0); // k above the fused limit: GEMM + topk_rows
        });
    }

    /** Runs {@code body} with the portable (GPU-shaped) kernels forced on a kernel back end. */
    void portable(Runnable body) {
        if (!(gpu instanceof KernelBackend kb)) {
            body.run();
            return;
        }
        kb.setPortableOnly(true);
        try {
            body.run();
        } finally {
            kb.setPortableOnly(false);
        }
    }

    /**
     * The fused encoder's selection is exact: with the product kept, its indices and values equal topK over that
     * product (the same floats), including ties (duplicated encoder rows give equal products) and rows with fewer
     * positive values than k (padding); the kept product matches the CPU's encode and every element is written.
     */
    void checkFusedSelection(String what, long seed, int n, int d, int width, int k, int duplicates, float biasShift) {
        Random r = new Random(seed);
        F x = f(random(r, n * d, -1, 1));
        F bDec = f(random(r, d, -0.3f, 0.3f));
        float[] e = gaussian(r, width * d, 0.2f);
        float[] be = random(r, width, -0.5f + biasShift, 0.5f + biasShift);
        for (int q = 0; q < duplicates; q++) { // latent b copies latent a: equal products, ties by index
            int a = r.nextInt(width), b = r.nextInt(width);
            System.arraycopy(e, a * d, e, b * d, d);
            be[b] = be[a];
        }
        F enc = f(e), bEnc = f(be);
        F pre = f(new float[n * width]);
        gpu.fill(pre.g, Float.NaN);
        I idx = i(new int[n * k]), idx2 = i(new int[n * k]), idx3 = i(new int[n * k]);
        F val = zeros((long) n * k), val2 = zeros((long) n * k), val3 = zeros((long) n * k);
        portable(() -> {
            gpu.encodeTopK(x.g, bDec.g, enc.g, bEnc.g, n, d, width, k, idx.g, val.g, pre.g);
            gpu.encodeTopK(x.g, bDec.g, enc.g, bEnc.g, n, d, width, k, idx3.g, val3.g);
        });
        cpu.encode(x.c, bDec.c, enc.c, bEnc.c, n, d, width, pre.c);
        assertClose(what + ": kept product", pre, SUM_ATOL, SUM_RTOL);
        gpu.topK(pre.g, null, n, width, k, idx2.g, val2.g);
        assertSameInts(what + ": indices = topK of the kept product", gpu.download(idx2.g), gpu.download(idx.g));
        assertClose(what + ": values = topK of the kept product", gpu.download(val2.g), gpu.download(val.g), 0, 0);
        assertSameInts(what + ": same selection without keeping the product", gpu.download(idx.g), gpu.download(idx3.g));
        assertClose(what + ": same values without keeping the product", gpu.download(val.g), gpu.download(val3.g), 0, 0);
    }

    @Test
    void fusedEncodeTopKSelection() {
        checkFusedSelection("fused", 40, N, DIM, WIDTH, K, 0, 0f);
        checkFusedSelection("fused ties", 41, N, DIM, WIDTH, K, 40, 0f);
        checkFusedSelection("fused few positives", 42, 70, DIM, 200, 20, 10, -0.9f);
        checkFusedSelection("fused k = 1", 43, 66, 20, 1000, 1, 100, 0f);
        checkFusedSelection("fused k = 128, many splits", 44, 40, 33, 4100, 128, 500, 0f);
        checkFusedSelection("fused nothing positive", 45, 9, 8, 130, 5, 0, -50f);
        if (gpu instanceof KernelBackend kb) {
            kb.setBlockFloats(7L * 300);
            try {
                checkFusedSelection("fused, 7-row blocks", 46, 30, 19, 300, 9, 30, 0f);
            } finally {
                kb.setBlockFloats(1L << 22);
            }
        }
    }

    /**
     * encodeBatchThreshold: the threshold is exactly the keep-th largest positive of the product the back end
     * stored (checked with the CPU's RadixSelect on the downloaded product), and the product matches the CPU's.
     */
    void checkBatchThreshold(String what, long seed, int n, int d, int width, long keep, float biasShift) {
        Random r = new Random(seed);
        F x = f(random(r, n * d, -1, 1));
        F bDec = f(random(r, d, -0.3f, 0.3f));
        F enc = f(gaussian(r, width * d, 0.2f));
        F bEnc = f(random(r, width, -0.5f + biasShift, 0.5f + biasShift));
        F pre = zeros((long) n * width);
        float tc = cpu.encodeBatchThreshold(x.c, bDec.c, enc.c, bEnc.c, n, d, width, pre.c, keep);
        float tg = gpu.encodeBatchThreshold(x.g, bDec.g, enc.g, bEnc.g, n, d, width, pre.g, keep);
        assertClose(what + ": product", pre, SUM_ATOL, SUM_RTOL);
        float[] mine = gpu.download(pre.g);
        assertEquals(cpu.kthLargestPositive(cpu.upload(mine), mine.length, keep), tg,
                what + ": the keep-th largest positive of the device's own product");
        if (Float.isInfinite(tc)) assertEquals(tc, tg, what);
        else assertClose(what + ": threshold", tc, tg, SUM_ATOL, SUM_RTOL);
    }

    @Test
    void encodeBatchThreshold() {
        for (int pass = 0; pass < 2; pass++) {
            Runnable cases = () -> {
                checkBatchThreshold("batch threshold", 50, N, DIM, WIDTH, (long) K * N, 0f);
                checkBatchThreshold("batch threshold 300x120x700", 51, 300, 120, 700, 32L * 300, 0f);
                checkBatchThreshold("keep above the positives", 52, N, DIM, WIDTH, (long) N * WIDTH, -0.4f);
                checkBatchThreshold("nothing positive", 53, 11, 9, 77, 20, -50f);
            };
            if (pass == 0) cases.run();
            else portable(cases); // encode_gemm_hist on pocl too
        }
    }

    @Test
    void kthLargestPositive() {
        checkKthLargestPositive();
    }

    /** The same search with the candidate collection disabled: every pass reads the whole input. */
    @Test
    void kthLargestPositiveFullPasses() {
        if (!(gpu instanceof KernelBackend kb)) return;
        kb.setRadixCandidates(1);
        try {
            checkKthLargestPositive();
            checkBatchThreshold("batch threshold, full passes", 54, 300, 120, 700, 32L * 300, 0f);
        } finally {
            kb.setRadixCandidates(1 << 22);
        }
    }

    void checkKthLargestPositive() {
        Random r = new Random(10);
        float[] a = preRows(r, 1, 5000, 0.3);
        for (int q = 0; q < 200; q++) a[r.nextInt(a.length)] = a[r.nextInt(a.length)]; // duplicates
        F p = f(a);
        int positives = 0;
        for (float v : a) if (v > 0) positives++;
        for (long keep : new long[] {1, 2, 7, 100, positives - 1, positives, positives + 5, 4999}) {
            assertEquals(cpu.kthLargestPositive(p.c, a.length, keep), gpu.kthLargestPositive(p.g, a.length, keep),
                    "keep = " + keep);
        }
        assertEquals(cpu.kthLargestPositive(p.c, 1234, 50), gpu.kthLargestPositive(p.g, 1234, 50), "prefix count");
        F neg = f(random(r, 300, -2, 0));
        assertEquals(Float.POSITIVE_INFINITY, gpu.kthLargestPositive(neg.g, 300, 5));
        assertEquals(Float.POSITIVE_INFINITY, gpu.kthLargestPositive(neg.g, 0, 5));
        // one histogram bucket holds everything: all values share their top 16 bits
        float[] close = new float[3000];
        for (int q = 0; q < close.length; q++) close[q] = Float.intBitsToFloat(0x3f800000 + r.nextInt(1 << 12));
        F c = f(close);
        for (long keep : new long[] {1, 10, 1500, 2999}) {
            assertEquals(cpu.kthLargestPositive(c.c, close.length, keep), gpu.kthLargestPositive(c.g, close.length, keep),
                    "narrow range, keep = " + keep);
        }
    }

    void checkThreshold(String what, float[] preHost, int n, int width, float t, boolean strict) {
        F pre = f(preHost);
        I rpc = i(new int[n + 1]);
        int nc = cpu.countAbove(pre.c, n, width, t, strict, rpc.c);
        int ng = gpu.countAbove(pre.g, n, width, t, strict, rpc.g);
        assertEquals(nc, ng, what + " nnz");
        assertSameInts(what + " rowPtr", rpc);
        I idx = i(new int[Math.max(1, nc)]);
        F val = zeros(Math.max(1, nc));
        cpu.gatherAbove(pre.c, n, width, t, strict, rpc.c, idx.c, val.c);
        gpu.gatherAbove(pre.g, n, width, t, strict, rpc.g, idx.g, val.g);
        assertSameInts(what + " idx", idx);
        assertSameFloats(what + " val", val);
    }

    @Test
    void gatherAboveAfterAnotherCount() {
        // gatherAbove must not take the total of a later countAbove on other offsets
        Random r = new Random(55);
        F a = f(preRows(r, N, WIDTH, 0.5)), b = f(preRows(r, N, WIDTH, 0.1));
        I ra = i(new int[N + 1]), rb = i(new int[N + 1]);
        int na = gpu.countAbove(a.g, N, WIDTH, 0.5f, false, ra.g);
        int nb = gpu.countAbove(b.g, N, WIDTH, 0.5f, false, rb.g);
        assertTrue(na != nb, "test data: the two counts should differ");
        I idx = i(new int[na]);
        F val = zeros(na);
        gpu.gatherAbove(a.g, N, WIDTH, 0.5f, false, ra.g, idx.g, val.g);
        int nc = cpu.countAbove(a.c, N, WIDTH, 0.5f, false, ra.c);
        cpu.gatherAbove(a.c, N, WIDTH, 0.5f, false, ra.c, idx.c, val.c);
        assertEquals(nc, na);
        assertSameInts("gather after another count", idx);
        assertSameFloats("gather after another count", val);
    }

    @Test
    void countAndGatherAbove() {
        Random r = new Random(11);
        float[] a = preRows(r, N, WIDTH, 0.5);
        for (int q = 0; q < a.length; q += 7) a[q] = 1.5f; // values equal to the threshold
        checkThreshold("inclusive", a, N, WIDTH, 1.5f, false);
        checkThreshold("strict", a, N, WIDTH, 1.5f, true);
        checkThreshold("all positives", a, N, WIDTH, -1f, true);
        checkThreshold("none", a, N, WIDTH, Float.POSITIVE_INFINITY, false);
        // > 1024 rows: the prefix sum runs on two levels
        checkThreshold("many rows", preRows(r, 2100, 37, 0.2), 2100, 37, 0.7f, false);
        checkThreshold("wide rows", preRows(r, 5, 3000, 0.3), 5, 3000, 1.1f, true);
    }

    @Test
    void decode() {
        Random r = new Random(12);
        Code z = topKCode(this, r, N, WIDTH, K, 0.3);
        F dec = f(gaussian(r, WIDTH * DIM, 0.3f));
        F bDec = f(random(r, DIM, -1, 1));
        F xc = zeros((long) N * DIM);
        cpu.decode(z.c, dec.c, bDec.c, DIM, xc.c);
        gpu.decode(z.g, dec.g, bDec.g, DIM, xc.g);
        assertClose("decode", xc, SUM_ATOL, SUM_RTOL);
        cpu.decode(z.c, dec.c, null, DIM, xc.c);
        gpu.decode(z.g, dec.g, null, DIM, xc.g);
        assertClose("decode without bias", xc, SUM_ATOL, SUM_RTOL);
        Code v = csrCode(this, r, 50, 300, 20);
        F dec2 = f(gaussian(r, 300 * 301, 0.3f));
        F x2 = zeros(50L * 301);
        cpu.decode(v.c, dec2.c, null, 301, x2.c);
        gpu.decode(v.g, dec2.g, null, 301, x2.g);
        assertClose("decode CSR, d > work-group", x2, SUM_ATOL, SUM_RTOL);
    }

    // ================================================================ losses and backward

    @Test
    void residualAndReductions() {
        Random r = new Random(13);
        int count = 12345;
        F t = f(random(r, count, -1, 1));
        F h = f(random(r, count, -1, 1));
        F gc = zeros(count);
        double sc = cpu.residual(t.c, h.c, count, 0.37f, gc.c);
        double sg = gpu.residual(t.g, h.g, count, 0.37f, gc.g);
        assertClose("residual sum", sc, sg, 0, RED_RTOL);
        assertClose("residual grad", gc, ELEM_ATOL, ELEM_RTOL);
        assertEquals(0.0, gpu.residual(t.g, h.g, 0, 1f, gc.g));

        float[] a = random(r, N * DIM, 2, 3); // large mean, small spread: the two-pass form matters
        F ap = f(a);
        assertClose("sumSqDeviation", cpu.sumSqDeviation(ap.c, N, DIM), gpu.sumSqDeviation(ap.g, N, DIM), 0, RED_RTOL);
        F big = f(gaussian(r, 3000 * 17, 1f));
        assertClose("sumSqDeviation 3000x17", cpu.sumSqDeviation(big.c, 3000, 17), gpu.sumSqDeviation(big.g, 3000, 17),
                0, RED_RTOL);

        F x = f(random(r, 1000, -1, 1));
        F y = f(random(r, 1000, -1, 1));
        cpu.axpby(1.7f, x.c, -0.3f, y.c, 999);
        gpu.axpby(1.7f, x.g, -0.3f, y.g, 999);
        assertClose("axpby", y, ELEM_ATOL, ELEM_RTOL);
    }

    void checkDecodeBackward(String what, Code z, int n, int width, int d, boolean withBias, long seed) {
        Random r = new Random(seed);
        F g = f(gaussian(r, n * d, 1f));
        F dec = f(gaussian(r, width * d, 0.3f));
        F gradDec = f(gaussian(r, width * d, 0.1f)); // accumulates
        F gz = f(random(r, Math.max(1, z.c.nnz()), 5, 6)); // overwritten
        F gb = withBias ? f(gaussian(r, d, 0.1f)) : null;
        cpu.decodeBackward(z.c, g.c, dec.c, d, gradDec.c, gz.c, gb == null ? null : gb.c);
        gpu.decodeBackward(z.g, g.g, dec.g, d, gradDec.g, gz.g, gb == null ? null : gb.g);
        assertClose(what + " gz", gz, SUM_ATOL, SUM_RTOL);
        assertClose(what + " gradDec", gradDec, SUM_ATOL, SUM_RTOL);
        if (gb != null) assertClose(what + " gradBDec", gb, SUM_ATOL, SUM_RTOL);
    }

    @Test
    void decodeBackward() {
        Random r = new Random(14);
        checkDecodeBackward("decodeBackward", topKCode(this, r, N, WIDTH, K, 0.3), N, WIDTH, DIM, true, 15);
        checkDecodeBackward("decodeBackward no bias", topKCode(this, r, N, WIDTH, K, 0.3), N, WIDTH, DIM, false, 16);
        checkDecodeBackward("decodeBackward CSR", csrCode(this, r, 300, 700, 30), 300, 700, 301, true, 17);
        checkDecodeBackward("decodeBackward empty", csrCode(this, r, 4, 9, 0), 4, 9, 5, true, 18);
    }

    void checkEncodeBackward(String what, Code z, int n, int width, int d, boolean withBias, long seed) {
        Random r = new Random(seed);
        F gz = f(gaussian(r, Math.max(1, z.c.nnz()), 1f));
        F x = f(random(r, n * d, -1, 1));
        F bDec = f(random(r, d, -0.3f, 0.3f));
        F enc = f(gaussian(r, width * d, 0.3f));
        F gradEnc = f(gaussian(r, width * d, 0.1f));
        F gradBEnc = f(gaussian(r, width, 0.1f));
        F gb = withBias ? f(gaussian(r, d, 0.1f)) : null;
        cpu.encodeBackward(z.c, gz.c, x.c, bDec.c, enc.c, d, gradEnc.c, gradBEnc.c, gb == null ? null : gb.c);
        gpu.encodeBackward(z.g, gz.g, x.g, bDec.g, enc.g, d, gradEnc.g, gradBEnc.g, gb == null ? null : gb.g);
        assertClose(what + " gradEnc", gradEnc, SUM_ATOL, SUM_RTOL);
        assertClose(what + " gradBEnc", gradBEnc, SUM_ATOL, SUM_RTOL);
        if (gb != null) assertClose(what + " gradBDec", gb, SUM_ATOL, SUM_RTOL);
    }

    @Test
    void encodeBackward() {
        Random r = new Random(19);
        checkEncodeBackward("encodeBackward", topKCode(this, r, N, WIDTH, K, 0.3), N, WIDTH, DIM, true, 20);
        checkEncodeBackward("encodeBackward no bias", topKCode(this, r, N, WIDTH, K, 0.3), N, WIDTH, DIM, false, 21);
        checkEncodeBackward("encodeBackward CSR", csrCode(this, r, 300, 700, 30), 300, 700, 301, true, 22);
        // one latent active in every row: a long column
        int n = 500;
        int[] rp = new int[n + 1];
        int[] idx = new int[2 * n];
        float[] val = new float[2 * n];
        for (int q = 0; q < n; q++) {
            rp[q + 1] = 2 * q + 2;
            idx[2 * q] = 3;
            idx[2 * q + 1] = 4 + r.nextInt(40);
            val[2 * q] = 1f + r.nextFloat();
            val[2 * q + 1] = r.nextFloat();
        }
        checkEncodeBackward("encodeBackward hot latent", code(n, 50, rp, idx, val), n, 50, 29, true, 23);
        checkDecodeBackward("decodeBackward hot latent", code(n, 50, rp, idx, val), n, 50, 29, true, 24);
    }

    void checkFusedSparseStep(String what, Code z, int n, int width, int d, long seed) {
        Random r = new Random(seed);
        F x = f(random(r, n * d, -1, 1));
        F dec = f(gaussian(r, width * d, 0.3f));
        F bDec = f(random(r, d, -0.3f, 0.3f));
        F enc = f(gaussian(r, width * d, 0.3f));
        // stale outputs: the op overwrites every one
        F xhat = f(random(r, n * d, 5, 6)), g = f(random(r, n * d, 5, 6)), gz = f(random(r, Math.max(1, z.c.nnz()), 5, 6));
        F gradDec = f(gaussian(r, width * d, 1f)), gradEnc = f(gaussian(r, width * d, 1f));
        F gradBEnc = f(gaussian(r, width, 1f)), gradBDec = f(gaussian(r, d, 1f));
        double c = cpu.fusedSparseStep(z.c, x.c, dec.c, bDec.c, enc.c, d, 2f / n, xhat.c, g.c, gz.c, gradDec.c, gradEnc.c,
                gradBEnc.c, gradBDec.c);
        double gg = gpu.fusedSparseStep(z.g, x.g, dec.g, bDec.g, enc.g, d, 2f / n, xhat.g, g.g, gz.g, gradDec.g, gradEnc.g,
                gradBEnc.g, gradBDec.g);
        assertClose(what + " loss", c, gg, SUM_ATOL, SUM_RTOL);
        assertClose(what + " xhat", xhat, SUM_ATOL, SUM_RTOL);
        assertClose(what + " g", g, SUM_ATOL, SUM_RTOL);
        float[] gzc = Arrays.copyOf(down(gz.c, cpu), z.c.nnz()), gzg = Arrays.copyOf(down(gz.g, gpu), z.c.nnz());
        assertClose(what + " gz", gzc, gzg, SUM_ATOL, SUM_RTOL);
        assertClose(what + " gradDec", gradDec, SUM_ATOL, SUM_RTOL);
        assertClose(what + " gradEnc", gradEnc, SUM_ATOL, SUM_RTOL);
        assertClose(what + " gradBEnc", gradBEnc, SUM_ATOL, SUM_RTOL);
        assertClose(what + " gradBDec", gradBDec, SUM_ATOL, SUM_RTOL);
    }

    /** The CPU's fused step against the back end's (by default the unfused composition of its own ops). */
    @Test
    void fusedSparseStep() {
        Random r = new Random(61);
        checkFusedSparseStep("fusedSparseStep", topKCode(this, r, N, WIDTH, K, 0.3), N, WIDTH, DIM, 62);
        checkFusedSparseStep("fusedSparseStep CSR", csrCode(this, r, 300, 700, 30), 300, 700, 301, 63);
        checkFusedSparseStep("fusedSparseStep empty", csrCode(this, r, 4, 9, 0), 4, 9, 5, 64);
        F small = zeros(1);
        Code z = topKCode(this, r, N, WIDTH, K, 0);
        F x = zeros((long) N * DIM), w = zeros((long) WIDTH * DIM), b = zeros(DIM), gz = zeros((long) N * K);
        F wb = zeros(WIDTH);
        // the same refusal on both back ends
        BackendException ce = assertThrows(BackendException.class, () -> cpu.fusedSparseStep(z.c, x.c, w.c, b.c, w.c, DIM,
                1f, x.c, small.c, gz.c, w.c, w.c, wb.c, b.c));
        BackendException ge = assertThrows(BackendException.class, () -> gpu.fusedSparseStep(z.g, x.g, w.g, b.g, w.g, DIM,
                1f, x.g, small.g, gz.g, w.g, w.g, wb.g, b.g));
        assertEquals(ce.getMessage(), ge.getMessage());
    }

    /** The grouping built by decodeBackward is not reused after the code changed (here: some values set to 0). */
    @Test
    void backwardAfterTheCodeChanged() {
        Random r = new Random(56);
        Code z = topKCode(this, r, N, WIDTH, K, 0);
        F g = f(gaussian(r, N * DIM, 1f));
        F dec = f(gaussian(r, WIDTH * DIM, 0.3f));
        F gradDec = zeros((long) WIDTH * DIM);
        F gz = zeros((long) N * K);
        cpu.decodeBackward(z.c, g.c, dec.c, DIM, gradDec.c, gz.c, null);
        gpu.decodeBackward(z.g, g.g, dec.g, DIM, gradDec.g, gz.g, null);
        float[] v = z.val().clone();
        for (int q = 0; q < v.length; q += 3) v[q] = 0f;
        cpu.write(z.c.val(), 0, v, 0, v.length);
        gpu.write(z.g.val(), 0, v, 0, v.length);
        F gzAll = f(gaussian(r, N * K, 1f)); // non-zero everywhere: a stale grouping would use the zeroed entries
        F x = f(random(r, N * DIM, -1, 1)), bDec = f(random(r, DIM, -0.3f, 0.3f));
        F gradEnc = zeros((long) WIDTH * DIM), gradBEnc = zeros(WIDTH), gradBDec = zeros(DIM);
        cpu.encodeBackward(z.c, gzAll.c, x.c, bDec.c, dec.c, DIM, gradEnc.c, gradBEnc.c, gradBDec.c);
        gpu.encodeBackward(z.g, gzAll.g, x.g, bDec.g, dec.g, DIM, gradEnc.g, gradBEnc.g, gradBDec.g);
        assertClose("gradEnc after the code changed", gradEnc, SUM_ATOL, SUM_RTOL);
        assertClose("gradBEnc after the code changed", gradBEnc, SUM_ATOL, SUM_RTOL);
        assertClose("gradBDec after the code changed", gradBDec, SUM_ATOL, SUM_RTOL);
    }

    @Test
    void gatherRows() {
        Random r = new Random(57);
        int rowsAll = 50, d = 13;
        F data = f(random(r, rowsAll * d, -1, 1));
        int[] perm = new int[rowsAll];
        for (int q = 0; q < rowsAll; q++) perm[q] = q;
        for (int q = rowsAll - 1; q > 0; q--) {
            int t = r.nextInt(q + 1), u = perm[q];
            perm[q] = perm[t];
            perm[t] = u;
        }
        I order = i(perm);
        F out = f(new float[21 * d]);
        cpu.gatherRows(data.c, order.c, 7, 20, d, out.c);
        gpu.gatherRows(data.g, order.g, 7, 20, d, out.g);
        assertSameFloats("gatherRows", out);
        sameFailure("gatherRows past the order", c -> (c ? cpu : gpu).gatherRows(c ? data.c : data.g, c ? order.c : order.g,
                40, 20, d, c ? out.c : out.g));
    }

    @Test
    void updateDead() {
        Random r = new Random(58);
        int width = 300;
        int[] since0 = new int[width];
        for (int j = 0; j < width; j++) since0[j] = r.nextInt(40);
        I since = i(since0), mask = i(new int[width]);
        for (int step = 0; step < 6; step++) {
            int[] c = new int[width];
            for (int j = 0; j < width; j++) c[j] = r.nextInt(4) == 0 ? 1 + r.nextInt(5) : 0;
            I counts = i(c);
            int rows = 1 + r.nextInt(9), deadAfter = step < 3 ? 30 : 7; // saturation: since stops at deadAfter
            long[] tc = cpu.updateDead(counts.c, since.c, mask.c, width, rows, deadAfter);
            long[] tg = gpu.updateDead(counts.g, since.g, mask.g, width, rows, deadAfter);
            assertArrayEquals(tc, tg, "totals, step " + step);
            assertSameInts("since, step " + step, since);
            assertSameInts("mask, step " + step, mask);
        }
        assertTrue(Arrays.stream(cpu.download(mask.c)).sum() > 0, "test data: some latent should be dead");
    }

    @Test
    void entropyOnTheDevice() {
        Random r = new Random(59);
        Code z1 = csrCode(this, r, 400, WIDTH, 10), z2 = csrCode(this, r, 250, WIDTH, 14);
        F max = zeros(WIDTH);
        cpu.featureMax(z1.c, max.c);
        float[] mx = cpu.download(max.c);
        for (int j = 0; j < WIDTH; j += 13) mx[j] = 0f; // dead at calibration: not counted
        for (int j = 1; j < WIDTH; j += 7) mx[j] *= 0.5f; // values above the maximum: top bin
        F m = f(mx);
        for (int bits : new int[] {1, 4, 8, 13}) { // 13: wider than the local bins (global atomics)
            I hist = i(new int[WIDTH << bits]);
            for (Code z : new Code[] {z1, z2}) {
                cpu.binHistogram(z.c, m.c, bits, hist.c);
                gpu.binHistogram(z.g, m.g, bits, hist.g);
            }
            assertSameInts("binHistogram, bits " + bits, hist);
            double[] bc = cpu.entropyBits(hist.c, WIDTH, bits, 650);
            double[] bg = gpu.entropyBits(hist.g, WIDTH, bits, 650);
            float[] fc = new float[WIDTH], fg = new float[WIDTH];
            for (int j = 0; j < WIDTH; j++) {
                fc[j] = (float) bc[j];
                fg[j] = (float) bg[j];
            }
            assertClose("entropyBits, bits " + bits, fc, fg, 1e-7, 1e-6);
            sameFailure("entropyBits, counts above the samples", c -> (c ? cpu : gpu).entropyBits(c ? hist.c : hist.g,
                    WIDTH, bits, 10));
        }
    }

    @Test
    void countActive() {
        Random r = new Random(25);
        Code z = csrCode(this, r, 200, WIDTH, 12);
        I counts = i(new int[WIDTH]);
        cpu.countActive(z.c, counts.c);
        gpu.countActive(z.g, counts.g);
        cpu.countActive(z.c, counts.c); // accumulates
        gpu.countActive(z.g, counts.g);
        assertSameInts("countActive", counts);
    }

    @Test
    void addPerLatent() {
        Random r = new Random(27);
        Code z = csrCode(this, r, 200, WIDTH, 12); // some entries are 0: they must stay 0
        F add = f(random(r, WIDTH, 0f, 2f));
        cpu.addPerLatent(z.c, add.c);
        gpu.addPerLatent(z.g, add.g);
        assertClose("addPerLatent", cpu.download(z.c.val()), gpu.download(z.g.val()), 0, 0);
        float[] expect = z.val.clone();
        for (int e = 0; e < expect.length; e++) if (expect[e] > 0f) expect[e] += cpu.download(add.c)[z.idx[e]];
        assertClose("addPerLatent vs host", expect, cpu.download(z.c.val()), 0, 0);
    }

    // ================================================================ optimiser

    @Test
    void optimiser() {
        Random r = new Random(26);
        float[] w = gaussian(r, WIDTH * DIM, 0.3f);
        for (int c = 0; c < DIM; c++) w[5 * DIM + c] = 0f; // a zero row stays zero
        F dec = f(w);
        cpu.normaliseRows(dec.c, WIDTH, DIM);
        gpu.normaliseRows(dec.g, WIDTH, DIM);
        assertClose("normaliseRows", dec, SUM_ATOL, SUM_RTOL);
        F grad = f(gaussian(r, WIDTH * DIM, 1f));
        cpu.removeParallelGrad(dec.c, grad.c, WIDTH, DIM);
        gpu.removeParallelGrad(dec.g, grad.g, WIDTH, DIM);
        assertClose("removeParallelGrad", grad, SUM_ATOL, SUM_RTOL);
        F wide = f(gaussian(r, 3 * 700, 2f));
        cpu.normaliseRows(wide.c, 3, 700);
        gpu.normaliseRows(wide.g, 3, 700);
        assertClose("normaliseRows d > work-group", wide, SUM_ATOL, SUM_RTOL);

        int count = 4099;
        F p = f(gaussian(r, count, 1f));
        F m = zeros(count);
        F v = zeros(count);
        for (int t = 1; t <= 7; t++) {
            F g = f(gaussian(r, count, 1f));
            cpu.adamStep(p.c, g.c, m.c, v.c, count, 1e-3f, 0.9f, 0.999f, 1e-8f, t);
            gpu.adamStep(p.g, g.g, m.g, v.g, count, 1e-3f, 0.9f, 0.999f, 1e-8f, t);
        }
        assertClose("adam m", m, ELEM_ATOL, ELEM_RTOL);
        assertClose("adam v", v, ELEM_ATOL, ELEM_RTOL);
        assertClose("adam param", p, ELEM_ATOL, ELEM_RTOL);
    }

    // ================================================================ description length

    @Test
    void featureMaxAndBins() {
        Random r = new Random(27);
        Code calib = csrCode(this, r, 400, WIDTH, 10);
        F max = f(random(r, WIDTH, 0, 0.5f)); // accumulates onto existing maxima
        cpu.featureMax(calib.c, max.c);
        gpu.featureMax(calib.g, max.g);
        assertSameFloats("featureMax", max);

        float[] mx = cpu.download(max.c);
        for (int j = 0; j < WIDTH; j += 13) mx[j] = 0f; // dead at calibration: dropped
        F maxp = f(mx);
        Code eval = csrCode(this, r, 300, WIDTH, 12);
        for (int bits : new int[] {1, 3, 7, 16}) {
            BinCounts bc = cpu.binCounts(eval.c, maxp.c, bits);
            BinCounts bg = gpu.binCounts(eval.g, maxp.g, bits);
            assertArrayEquals(bc.keys(), bg.keys(), "binCounts keys, bits " + bits);
            assertArrayEquals(bc.counts(), bg.counts(), "binCounts counts, bits " + bits);
        }
        // values exactly on bin edges and above the maximum (clipped to the top bin)
        float[] edge = {0.25f, 0.5f, 0.75f, 1f, 1.5f, 1e30f, 0.1f, 0.3f};
        int[] eidx = {0, 0, 0, 0, 0, 0, 1, 2};
        Code ez = code(1, 3, new int[] {0, 8}, eidx, edge);
        F emax = f(new float[] {1f, 0.3f, 0.3f});
        for (int bits : new int[] {1, 2, 16}) {
            BinCounts bc = cpu.binCounts(ez.c, emax.c, bits);
            BinCounts bg = gpu.binCounts(ez.g, emax.g, bits);
            assertArrayEquals(bc.keys(), bg.keys(), "edge keys, bits " + bits);
            assertArrayEquals(bc.counts(), bg.counts(), "edge counts, bits " + bits);
        }
        Code empty = csrCode(this, r, 3, WIDTH, 0);
        assertEquals(0, gpu.binCounts(empty.g, maxp.g, 4).keys().length);
    }

    @Test
    void quantisedSqError() {
        Random r = new Random(28);
        Code z = topKCode(this, r, N, WIDTH, K, 0.3);
        F dec = f(gaussian(r, WIDTH * DIM, 0.3f));
        F bDec = f(random(r, DIM, -1, 1));
        F x = f(random(r, N * DIM, -1, 1));
        F max = zeros(WIDTH);
        cpu.featureMax(z.c, max.c);
        gpu.featureMax(z.g, max.g);
        float[] mx = cpu.download(max.c);
        for (int j = 0; j < WIDTH; j += 11) mx[j] = 0f;
        for (int j = 1; j < WIDTH; j += 7) mx[j] *= 0.6f; // some values clip to the top bin
        F mp = f(mx);
        for (int bits : new int[] {0, 1, 3, 8, 16}) {
            assertClose("quantisedSqError bits " + bits, cpu.quantisedSqError(z.c, mp.c, bits, dec.c, bDec.c, x.c, DIM),
                    gpu.quantisedSqError(z.g, mp.g, bits, dec.g, bDec.g, x.g, DIM), 1e-9, RED_RTOL);
        }
        assertClose("quantisedSqError no bias", cpu.quantisedSqError(z.c, mp.c, 4, dec.c, null, x.c, DIM),
                gpu.quantisedSqError(z.g, mp.g, 4, dec.g, null, x.g, DIM), 1e-9, RED_RTOL);
    }

    // ================================================================ validation

    /** Both back ends reject the call with the same op and message. */
    void sameFailure(String what, java.util.function.Consumer<Boolean> call) {
        BackendException ec = assertThrows(BackendException.class, () -> call.accept(true), what + " (cpu)");
        BackendException eg = assertThrows(BackendException.class, () -> call.accept(false), what + " (gpu)");
        assertEquals(ec.getMessage(), eg.getMessage(), what);
    }

    @Test
    void validation() {
        Random r = new Random(29);
        F x = f(random(r, N * DIM, -1, 1));
        F bDec = f(new float[DIM]);
        F enc = f(new float[WIDTH * DIM]);
        F bEnc = f(new float[WIDTH]);
        F small = f(new float[10]);
        I idx = i(new int[N * K]);
        F val = f(new float[N * K]);
        sameFailure("encode pre too small", c -> (c ? cpu : gpu).encode(c ? x.c : x.g, c ? bDec.c : bDec.g,
                c ? enc.c : enc.g, c ? bEnc.c : bEnc.g, N, DIM, WIDTH, c ? small.c : small.g));
        sameFailure("encode non-positive dims", c -> (c ? cpu : gpu).encode(c ? x.c : x.g, c ? bDec.c : bDec.g,
                c ? enc.c : enc.g, c ? bEnc.c : bEnc.g, 0, DIM, WIDTH, c ? small.c : small.g));
        sameFailure("topK k > width", c -> (c ? cpu : gpu).topK(c ? x.c : x.g, null, 1, 5, 6,
                c ? idx.c : idx.g, c ? val.c : val.g));
        sameFailure("topK idx too small", c -> (c ? cpu : gpu).topK(c ? x.c : x.g, null, N, DIM, 20,
                c ? idx.c : idx.g, c ? val.c : val.g));
        sameFailure("kthLargestPositive keep 0", c -> (c ? cpu : gpu).kthLargestPositive(c ? x.c : x.g, 10, 0));
        sameFailure("adam t = 0", c -> (c ? cpu : gpu).adamStep(c ? x.c : x.g, c ? x.c : x.g, c ? x.c : x.g,
                c ? x.c : x.g, 5, 1f, 0.9f, 0.99f, 1e-8f, 0));
        Code z = topKCode(this, r, N, WIDTH, K, 0);
        sameFailure("binCounts bits 17", c -> (c ? cpu : gpu).binCounts(c ? z.c : z.g, c ? bEnc.c : bEnc.g, 17));
        sameFailure("decode xhat too small", c -> (c ? cpu : gpu).decode(c ? z.c : z.g, c ? enc.c : enc.g, null, DIM,
                c ? small.c : small.g));
        sameFailure("decodeBackward gz too small", c -> (c ? cpu : gpu).decodeBackward(c ? z.c : z.g, c ? x.c : x.g,
                c ? enc.c : enc.g, DIM, c ? enc.c : enc.g, c ? small.c : small.g, null));
        sameFailure("countActive counts too small", c -> (c ? cpu : gpu).countActive(c ? z.c : z.g,
                c ? i(new int[3]).c : i(new int[3]).g));
        sameFailure("addPerLatent perLatent too small", c -> (c ? cpu : gpu).addPerLatent(c ? z.c : z.g,
                c ? small.c : small.g));
        sameFailure("normaliseRows dec too small", c -> (c ? cpu : gpu).normaliseRows(c ? small.c : small.g, 3, 4));
        assertThrows(BackendException.class, () -> gpu.encode(x.c, bDec.g, enc.g, bEnc.g, N, DIM, WIDTH, small.g),
                "a buffer of another back end");
    }

    /**
     * The MNIST-sized step of docs/design.md §5 (n = 4096, d = 784, D = 1024, k = 32): encode, then top-k, decode and
     * the sparse backward on the CPU's code, so large grids, multi-level scans and long columns are covered.
     */
    @Test
    void mnistSizedStep() {
        int n = 4096, d = 784, width = 1024, k = 32;
        Random r = new Random(31);
        F x = f(random(r, n * d, 0, 1));
        F bDec = f(random(r, d, 0.1f, 0.2f));
        F enc = f(gaussian(r, width * d, 0.036f));
        F bEnc = f(random(r, width, -0.1f, 0.1f));
        F pre = zeros((long) n * width);
        cpu.encode(x.c, bDec.c, enc.c, bEnc.c, n, d, width, pre.c);
        gpu.encode(x.g, bDec.g, enc.g, bEnc.g, n, d, width, pre.g);
        assertClose("encode 4096x784x1024", pre, SUM_ATOL, SUM_RTOL);
        gpu.copy(f(cpu.download(pre.c)).g, 0, pre.g, 0, (long) n * width); // same input for the exact ops
        I idx = i(new int[n * k]);
        F val = zeros((long) n * k);
        cpu.topK(pre.c, null, n, width, k, idx.c, val.c);
        gpu.topK(pre.g, null, n, width, k, idx.g, val.g);
        assertSameInts("topK 4096x1024, k = 32", idx);
        assertSameFloats("topK values", val);
        long keep = (long) n * k;
        assertEquals(cpu.kthLargestPositive(pre.c, (long) n * width, keep), gpu.kthLargestPositive(pre.g, (long) n * width, keep),
                "BatchTopK threshold");
        int[] rowPtr = new int[n + 1];
        for (int q = 0; q <= n; q++) rowPtr[q] = q * k;
        I rp = i(rowPtr);
        SparseCode zc = new SparseCode(n, width, n * k, rp.c, idx.c, val.c);
        SparseCode zg = new SparseCode(n, width, n * k, rp.g, idx.g, val.g);
        F xhat = zeros((long) n * d);
        cpu.decode(zc, enc.c, bDec.c, d, xhat.c);
        gpu.decode(zg, enc.g, bDec.g, d, xhat.g);
        assertClose("decode 4096x784", xhat, SUM_ATOL, SUM_RTOL);
        F g = zeros((long) n * d);
        assertClose("residual", cpu.residual(x.c, xhat.c, (long) n * d, 2f / n, g.c),
                gpu.residual(x.g, xhat.g, (long) n * d, 2f / n, g.g), 0, RED_RTOL);
        F gDec = zeros((long) width * d), gEnc = zeros((long) width * d), gBEnc = zeros(width), gBDec = zeros(d);
        F gz = zeros((long) n * k);
        cpu.decodeBackward(zc, g.c, enc.c, d, gDec.c, gz.c, gBDec.c);
        gpu.decodeBackward(zg, g.g, enc.g, d, gDec.g, gz.g, gBDec.g);
        cpu.encodeBackward(zc, gz.c, x.c, bDec.c, enc.c, d, gEnc.c, gBEnc.c, gBDec.c);
        gpu.encodeBackward(zg, gz.g, x.g, bDec.g, enc.g, d, gEnc.g, gBEnc.g, gBDec.g);
        assertClose("gz", gz, SUM_ATOL, SUM_RTOL);
        assertClose("gradDec", gDec, SUM_ATOL, SUM_RTOL);
        assertClose("gradEnc", gEnc, SUM_ATOL, SUM_RTOL);
        assertClose("gradBEnc", gBEnc, SUM_ATOL, SUM_RTOL);
        assertClose("gradBDec", gBDec, SUM_ATOL, SUM_RTOL);
    }

    /** Degenerate sizes (1×1×1, k = 1): every op still agrees. */
    @Test
    void unitShapes() {
        F x = f(new float[] {0.75f}), bDec = f(new float[] {0.25f}), enc = f(new float[] {2f}), bEnc = f(new float[] {0.5f});
        F pre = zeros(1);
        cpu.encode(x.c, bDec.c, enc.c, bEnc.c, 1, 1, 1, pre.c);
        gpu.encode(x.g, bDec.g, enc.g, bEnc.g, 1, 1, 1, pre.g);
        assertSameFloats("encode 1x1x1", pre);
        I idx = i(new int[1]);
        F val = zeros(1);
        cpu.encodeTopK(x.c, bDec.c, enc.c, bEnc.c, 1, 1, 1, 1, idx.c, val.c);
        gpu.encodeTopK(x.g, bDec.g, enc.g, bEnc.g, 1, 1, 1, 1, idx.g, val.g);
        assertSameFloats("encodeTopK 1x1x1", val);
        assertEquals(1.5f, gpu.kthLargestPositive(pre.g, 1, 1));
        I rp = i(new int[2]);
        assertEquals(1, gpu.countAbove(pre.g, 1, 1, 1.5f, false, rp.g));
        assertEquals(0, gpu.countAbove(pre.g, 1, 1, 1.5f, true, rp.g));
        Code z = code(1, 1, new int[] {0, 1}, new int[] {0}, new float[] {1.5f});
        F xh = zeros(1), g = zeros(1), gz = zeros(1), gd = zeros(1), ge = zeros(1), gbe = zeros(1), gbd = zeros(1);
        cpu.decode(z.c, enc.c, bDec.c, 1, xh.c);
        gpu.decode(z.g, enc.g, bDec.g, 1, xh.g);
        assertSameFloats("decode 1x1", xh);
        assertClose("residual 1", cpu.residual(x.c, xh.c, 1, 2f, g.c), gpu.residual(x.g, xh.g, 1, 2f, g.g), 0, RED_RTOL);
        cpu.decodeBackward(z.c, g.c, enc.c, 1, gd.c, gz.c, gbd.c);
        gpu.decodeBackward(z.g, g.g, enc.g, 1, gd.g, gz.g, gbd.g);
        cpu.encodeBackward(z.c, gz.c, x.c, bDec.c, enc.c, 1, ge.c, gbe.c, gbd.c);
        gpu.encodeBackward(z.g, gz.g, x.g, bDec.g, enc.g, 1, ge.g, gbe.g, gbd.g);
        for (F p : new F[] {gz, gd, ge, gbe, gbd}) assertClose("backward 1x1", p, ELEM_ATOL, ELEM_RTOL);
        assertEquals(0.0, gpu.sumSqDeviation(x.g, 1, 1));
        cpu.normaliseRows(enc.c, 1, 1);
        gpu.normaliseRows(enc.g, 1, 1);
        assertSameFloats("normaliseRows 1x1", enc);
        F mx = zeros(1);
        gpu.featureMax(z.g, mx.g);
        assertEquals(1.5f, gpu.download(mx.g)[0]);
        assertArrayEquals(cpu.binCounts(z.c, f(new float[] {1.5f}).c, 1).keys(),
                gpu.binCounts(z.g, mx.g, 1).keys(), "binCounts: the maximum itself lands in the top bin");
    }

    // ================================================================ TF32 tensor cores (CUDA only)

    /**
     * The TF32 bound of every product: operands rounded to nearest TF32 (relative error ≤ 2^-11 each) and fp32
     * accumulation give |tf32 − exact| ≤ 2^-9·Σ_c |x_c − b_c|·|e_jc| with room to spare for d ≤ 2^13.
     */
    static final double TF32_REL_BOUND = 0x1p-9;

    /**
     * Runs {@code body} with the encoder in TF32, skipping (not failing) where the back end has no tensor-core
     * kernels: everywhere but CUDA.
     */
    void tf32(Runnable body) {
        assumeTrue(gpu instanceof KernelBackend, "not a kernel back end");
        KernelBackend kb = (KernelBackend) gpu;
        try {
            kb.setPrecision(Precision.TF32);
        } catch (BackendException e) {
            assumeTrue(false, "no TF32 tensor cores here: " + e.getMessage());
        }
        try {
            body.run();
        } finally {
            kb.setPrecision(Precision.FP32);
        }
    }

    void checkTf32Encode(long seed, int n, int d, int width) {
        Random r = new Random(seed);
        float[] xh = random(r, n * d, -1, 1), bd = random(r, d, -0.3f, 0.3f), eh = gaussian(r, width * d, 0.2f);
        float[] bh = random(r, width, -0.5f, 0.5f);
        F x = f(xh), bDec = f(bd), enc = f(eh), bEnc = f(bh);
        F pre = f(new float[n * width]);
        gpu.fill(pre.g, Float.NaN);
        gpu.encode(x.g, bDec.g, enc.g, bEnc.g, n, d, width, pre.g);
        float[] got = gpu.download(pre.g);
        double errSq = 0, refSq = 0;
        int bad = 0;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < width; j++) {
                double exact = bh[j], mag = 0;
                for (int c = 0; c < d; c++) {
                    double a = (double) xh[i * d + c] - bd[c];
                    exact += a * eh[j * d + c];
                    mag += Math.abs(a * eh[j * d + c]);
                }
                double g = got[i * width + j], err = Math.abs(g - exact);
                errSq += err * err;
                refSq += exact * exact;
                if (!(err <= TF32_REL_BOUND * mag + 1e-6 + 1e-6 * Math.abs(exact))) {
                    if (bad++ < 8) sb.append(String.format(" [%d,%d] exact=%s tf32=%s bound=%s;", i, j, exact, g, TF32_REL_BOUND * mag));
                }
            }
        }
        if (bad > 0) fail("tf32 encode " + n + "x" + d + "x" + width + ": " + bad + " products outside the bound:" + sb);
        double rel = Math.sqrt(errSq / refSq);
        assertTrue(rel < 1e-3, "tf32 encode " + n + "x" + d + "x" + width + ": relative RMS error " + rel);
    }

    @Test
    void tf32Encoder() {
        tf32(() -> {
            checkTf32Encode(60, N, DIM, WIDTH); // d odd: 4-byte asynchronous copies
            checkTf32Encode(61, 517, 300, 1100); // d % 4 = 0: 16-byte copies; partial 128-tiles
            checkTf32Encode(62, 1, 1, 1);
            checkTf32Encode(63, 300, 768, 2048);
            // the selection on TF32 products: exact on the device's own product
            Random r = new Random(64);
            int n = 200, d = 96, width = 700, k = 32;
            F x = f(random(r, n * d, -1, 1)), bDec = f(random(r, d, -0.3f, 0.3f));
            F enc = f(gaussian(r, width * d, 0.2f)), bEnc = f(random(r, width, -0.5f, 0.5f));
            F pre = zeros((long) n * width);
            I idx = i(new int[n * k]), idx2 = i(new int[n * k]);
            F val = zeros((long) n * k), val2 = zeros((long) n * k);
            gpu.encodeTopK(x.g, bDec.g, enc.g, bEnc.g, n, d, width, k, idx.g, val.g, pre.g);
            gpu.topK(pre.g, null, n, width, k, idx2.g, val2.g);
            assertSameInts("tf32 encodeTopK = topK of its product", gpu.download(idx2.g), gpu.download(idx.g));
            float t = gpu.encodeBatchThreshold(x.g, bDec.g, enc.g, bEnc.g, n, d, width, pre.g, (long) k * n);
            float[] mine = gpu.download(pre.g);
            assertEquals(cpu.kthLargestPositive(cpu.upload(mine), mine.length, (long) k * n), t, "tf32 batch threshold");
        });
    }

    // ================================================================ end to end

    /**
     * Three TopK training steps composed from the ops (as the trainer composes them), on both back ends from
     * the same start: the loss and every parameter agree after each step. Adam's eps is large enough that a
     * near-zero gradient element cannot flip the update's sign on rounding noise.
     */
    @Test
    void trainingSteps() {
        Random r = new Random(30);
        int n = 64, d = DIM, width = WIDTH, k = K;
        float[] w = gaussian(r, width * d, 1f);
        F dec = f(w);
        cpu.normaliseRows(dec.c, width, d);
        gpu.normaliseRows(dec.g, width, d);
        F enc = f(cpu.download(dec.c));
        F bEnc = zeros(width);
        F x = f(random(r, n * d, 0, 1));
        F bDec = f(random(r, d, 0.4f, 0.6f));
        F[] params = {enc, bEnc, dec, bDec};
        F gEnc = zeros(width * d), gBEnc = zeros(width), gDec = zeros(width * d), gBDec = zeros(d);
        F[] grads = {gEnc, gBEnc, gDec, gBDec};
        F[] ms = new F[4], vs = new F[4];
        for (int q = 0; q < 4; q++) {
            ms[q] = zeros(params[q].c.length());
            vs[q] = zeros(params[q].c.length());
        }
        F pre = zeros((long) n * width), xhat = zeros((long) n * d), g = zeros((long) n * d), gz = zeros((long) n * k);
        I idx = i(new int[n * k]);
        F val = zeros((long) n * k);
        int[] rowPtr = new int[n + 1];
        for (int q = 0; q <= n; q++) rowPtr[q] = q * k;
        I rp = i(rowPtr);
        SparseCode zc = new SparseCode(n, width, n * k, rp.c, idx.c, val.c);
        SparseCode zg = new SparseCode(n, width, n * k, rp.g, idx.g, val.g);
        for (int t = 1; t <= 3; t++) {
            double[] loss = new double[2];
            for (int side = 0; side < 2; side++) {
                boolean c = side == 0;
                Backend be = c ? cpu : gpu;
                SparseCode z = c ? zc : zg;
                be.encode(pick(x, c), pick(bDec, c), pick(enc, c), pick(bEnc, c), n, d, width, pick(pre, c));
                be.topK(pick(pre, c), null, n, width, k, c ? idx.c : idx.g, pick(val, c));
                be.decode(z, pick(dec, c), pick(bDec, c), d, pick(xhat, c));
                loss[side] = be.residual(pick(x, c), pick(xhat, c), (long) n * d, 2f / n, pick(g, c));
                for (F gr : grads) be.fill(pick(gr, c), 0f);
                be.decodeBackward(z, pick(g, c), pick(dec, c), d, pick(gDec, c), pick(gz, c), pick(gBDec, c));
                be.encodeBackward(z, pick(gz, c), pick(x, c), pick(bDec, c), pick(enc, c), d, pick(gEnc, c),
                        pick(gBEnc, c), pick(gBDec, c));
                be.removeParallelGrad(pick(dec, c), pick(gDec, c), width, d);
                for (int q = 0; q < 4; q++) {
                    be.adamStep(pick(params[q], c), pick(grads[q], c), pick(ms[q], c), pick(vs[q], c),
                            params[q].c.length(), 1e-3f, 0.9f, 0.999f, 1e-3f, t);
                }
                be.normaliseRows(pick(dec, c), width, d);
            }
            assertClose("step " + t + " loss", loss[0], loss[1], 0, 1e-4);
            assertSameInts("step " + t + " active latents", idx);
            String[] names = {"enc", "bEnc", "dec", "bDec"};
            for (int q = 0; q < 4; q++) assertClose("step " + t + " " + names[q], params[q], 1e-5, 1e-3);
        }
    }

    private static FloatBuf pick(F p, boolean cpuSide) {
        return cpuSide ? p.c : p.g;
    }
}
