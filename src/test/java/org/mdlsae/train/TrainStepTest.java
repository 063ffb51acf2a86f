package org.mdlsae.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;

/**
 * The sparse forward/backward of a training step against a straightforward dense reference in double
 * (full n×D matrices, dense matmuls), and the dense reference itself against central finite differences.
 */
class TrainStepTest {
    static final int N = 13, D_IN = 11, WIDTH = 17, K = 3;

    /** Dense reference: loss and gradients with the active set chosen by the same rule as the engine. */
    static final class Dense {
        double loss;
        double[] gEnc = new double[WIDTH * D_IN], gBEnc = new double[WIDTH], gDec = new double[WIDTH * D_IN], gBDec = new double[D_IN];

        Dense(Arch arch, SaeWeights w, float[] x, boolean[][] fixedMask) {
            double[][] pre = new double[N][WIDTH];
            for (int i = 0; i < N; i++)
                for (int j = 0; j < WIDTH; j++) {
                    double s = w.bEnc()[j];
                    for (int c = 0; c < D_IN; c++) s += (x[i * D_IN + c] - (double) w.bDec()[c]) * w.enc()[j * D_IN + c];
                    pre[i][j] = s;
                }
            boolean[][] mask = fixedMask != null ? fixedMask : select(arch, pre);
            double[][] z = new double[N][WIDTH];
            for (int i = 0; i < N; i++) for (int j = 0; j < WIDTH; j++) z[i][j] = mask[i][j] ? Math.max(0, pre[i][j]) : 0;
            double[][] g = new double[N][D_IN];
            for (int i = 0; i < N; i++)
                for (int c = 0; c < D_IN; c++) {
                    double xh = w.bDec()[c];
                    for (int j = 0; j < WIDTH; j++) xh += z[i][j] * w.dec()[j * D_IN + c];
                    double e = xh - x[i * D_IN + c];
                    loss += e * e / N;
                    g[i][c] = 2 * e / N;
                }
            for (int i = 0; i < N; i++)
                for (int j = 0; j < WIDTH; j++) {
                    for (int c = 0; c < D_IN; c++) gDec[j * D_IN + c] += z[i][j] * g[i][c];
                    if (z[i][j] <= 0) continue;
                    double gz = 0;
                    for (int c = 0; c < D_IN; c++) gz += g[i][c] * w.dec()[j * D_IN + c];
                    gBEnc[j] += gz;
                    for (int c = 0; c < D_IN; c++) {
                        gEnc[j * D_IN + c] += gz * (x[i * D_IN + c] - w.bDec()[c]);
                        gBDec[c] -= gz * w.enc()[j * D_IN + c];
                    }
                }
            for (int i = 0; i < N; i++) for (int c = 0; c < D_IN; c++) gBDec[c] += g[i][c];
            this.mask = mask;
        }

        final boolean[][] mask;

        static boolean[][] select(Arch arch, double[][] pre) {
            boolean[][] m = new boolean[N][WIDTH];
            if (arch == Arch.TOPK) {
                for (int i = 0; i < N; i++) {
                    Integer[] order = new Integer[WIDTH];
                    for (int j = 0; j < WIDTH; j++) order[j] = j;
                    final int row = i;
                    Arrays.sort(order, (a, b) -> Double.compare(pre[row][b], pre[row][a]));
                    for (int q = 0; q < K; q++) if (pre[i][order[q]] > 0) m[i][order[q]] = true;
                }
            } else {
                double[] all = new double[N * WIDTH];
                for (int i = 0; i < N; i++) for (int j = 0; j < WIDTH; j++) all[i * WIDTH + j] = pre[i][j];
                double[] sorted = all.clone();
                Arrays.sort(sorted);
                double t = sorted[sorted.length - K * N];
                for (int i = 0; i < N; i++) for (int j = 0; j < WIDTH; j++) m[i][j] = pre[i][j] > 0 && pre[i][j] >= t;
            }
            return m;
        }
    }

    static SaeWeights randomWeights(Arch arch, SplittableRandom r) {
        float[] enc = rnd(r, WIDTH * D_IN, 0.5), dec = rnd(r, WIDTH * D_IN, 0.5);
        return new SaeWeights(arch, D_IN, WIDTH, K, Float.NaN, enc, rnd(r, WIDTH, 0.3), dec, rnd(r, D_IN, 0.2));
    }

    static float[] rnd(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return a;
    }

    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"TOPK", "BATCHTOPK"}) // the trainable architectures
    void sparseGradientsMatchDenseReference(Arch arch) {
        SplittableRandom r = new SplittableRandom(42 + arch.ordinal());
        SaeWeights w = randomWeights(arch, r);
        float[] x = rnd(r, N * D_IN, 1.0);
        Backend be = new CpuBackend();
        Dense ref = new Dense(arch, w, x, null);
        try (Sae sae = Sae.upload(be, w);
             TrainStep step = new TrainStep(be, ActivationRule.of(arch, K), D_IN,
                     TrainConfig.defaults(arch, WIDTH, K).withAux(0, D_IN / 2, null), D_IN / 2, N, N, PhaseListener.NONE);
             FloatBuf xb = be.upload(x)) {
            TrainStep.Out out = step.run(sae, xb, N, 0);
            assertEquals(ref.loss, out.sse() / N, 1e-5 * Math.max(1, ref.loss), "loss");
            int active = 0;
            for (boolean[] row : ref.mask) for (boolean b : row) if (b) active++;
            assertTrue(active > N, "test needs a non-trivial active set");
            close(be.download(step.gEnc), ref.gEnc, "grad W_enc");
            close(be.download(step.gBEnc), ref.gBEnc, "grad b_enc");
            close(be.download(step.gDec), ref.gDec, "grad W_dec");
            close(be.download(step.gBDec), ref.gBDec, "grad b_dec");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"TOPK", "BATCHTOPK"}) // the trainable architectures
    void denseReferenceMatchesFiniteDifferences(Arch arch) {
        SplittableRandom r = new SplittableRandom(7 + arch.ordinal());
        SaeWeights w = randomWeights(arch, r);
        float[] x = rnd(r, N * D_IN, 1.0);
        Dense ref = new Dense(arch, w, x, null);
        float h = 1e-3f;
        // perturb a few parameters of each tensor; the active set is held fixed (the derivative of the masked loss)
        for (int trial = 0; trial < 6; trial++) {
            int j = r.nextInt(WIDTH), c = r.nextInt(D_IN);
            checkFd(arch, w, x, ref, (ww, s) -> ww.enc()[j * D_IN + c] += s, ref.gEnc[j * D_IN + c], h, "W_enc");
            checkFd(arch, w, x, ref, (ww, s) -> ww.dec()[j * D_IN + c] += s, ref.gDec[j * D_IN + c], h, "W_dec");
            checkFd(arch, w, x, ref, (ww, s) -> ww.bEnc()[j] += s, ref.gBEnc[j], h, "b_enc");
            checkFd(arch, w, x, ref, (ww, s) -> ww.bDec()[c] += s, ref.gBDec[c], h, "b_dec");
        }
    }

    interface Perturb {
        void apply(SaeWeights w, float step);
    }

    static void checkFd(Arch arch, SaeWeights w, float[] x, Dense ref, Perturb p, double analytic, float h, String what) {
        SaeWeights plus = w.copy(), minus = w.copy();
        p.apply(plus, h);
        p.apply(minus, -h);
        double fd = (new Dense(arch, plus, x, ref.mask).loss - new Dense(arch, minus, x, ref.mask).loss) / (2 * h);
        assertEquals(analytic, fd, 2e-3 + 2e-2 * Math.abs(analytic), what + " finite difference");
    }

    static void close(float[] got, double[] want, String what) {
        for (int q = 0; q < want.length; q++) {
            double tol = 1e-5 + 1e-4 * Math.abs(want[q]);
            if (Math.abs(got[q] - want[q]) > tol) {
                fail(what + " differs at " + q + ": sparse " + got[q] + " vs dense " + want[q]);
            }
        }
    }

    /**
     * The CPU back end's fused sparse step against the unfused composition it replaces (decode, residual, zeroed
     * gradients, decodeBackward, encodeBackward — Backend's default): every output bit-identical, the loss equal up to
     * the order of its double sum. Codes with padding zeros, empty rows, a hot latent, d not a multiple of any
     * vector width, more than 16 entries per row and per latent.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"13,11,17,3,1", "64,784,256,16,2", "300,301,700,40,3", "500,29,50,2,4",
            "3,5,9,0,5"})
    void fusedSparseStepIsTheUnfusedCompositionBitForBit(int n, int d, int width, int perRow, long seed) {
        CpuBackend be = new CpuBackend();
        SplittableRandom r = new SplittableRandom(seed);
        int[] rp = new int[n + 1];
        java.util.List<Integer> ix = new java.util.ArrayList<>();
        java.util.List<Float> vs = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            int cnt = perRow == 0 ? 0 : r.nextInt(perRow + 1);
            java.util.TreeSet<Integer> used = new java.util.TreeSet<>();
            if (seed == 4) used.add(3); // one latent active in every row
            while (used.size() < Math.min(width, cnt)) used.add(r.nextInt(width));
            for (int j : used) {
                ix.add(j);
                vs.add(r.nextInt(8) == 0 ? 0f : (float) (0.01 + 2 * r.nextDouble()));
            }
            rp[i + 1] = ix.size();
        }
        int nnz = ix.size();
        int[] idx = ix.stream().mapToInt(Integer::intValue).toArray();
        float[] val = new float[nnz];
        for (int q = 0; q < nnz; q++) val[q] = vs.get(q);
        SparseCode z = new SparseCode(n, width, nnz, be.upload(rp), be.upload(idx), be.upload(val));
        FloatBuf x = be.upload(rnd(r, n * d, 1)), dec = be.upload(rnd(r, width * d, 0.3)), bDec = be.upload(rnd(r, d, 0.2)),
                enc = be.upload(rnd(r, width * d, 0.3));
        float scale = 2f / n;
        FloatBuf[] fused = new FloatBuf[7], plain = new FloatBuf[7];
        long[] sizes = {(long) n * d, (long) n * d, Math.max(1, nnz), (long) width * d, (long) width * d, width, d};
        for (int q = 0; q < 7; q++) {
            // stale contents: the op must overwrite every output
            fused[q] = be.upload(rnd(r, (int) sizes[q], 5));
            plain[q] = be.floats(sizes[q]);
        }
        double sse = be.fusedSparseStep(z, x, dec, bDec, enc, d, scale, fused[0], fused[1], fused[2], fused[3], fused[4],
                fused[5], fused[6]);
        be.decode(z, dec, bDec, d, plain[0]);
        double want = be.residual(x, plain[0], (long) n * d, scale, plain[1]);
        be.decodeBackward(z, plain[1], dec, d, plain[3], plain[2], plain[6]);
        be.encodeBackward(z, plain[2], x, bDec, enc, d, plain[4], plain[5], plain[6]);
        String[] names = {"xhat", "g", "gz", "gradDec", "gradEnc", "gradBEnc", "gradBDec"};
        for (int q = 0; q < 7; q++) {
            float[] a = be.download(plain[q]), b = be.download(fused[q]);
            if (q == 2) { // gz: only the code's entries are outputs
                a = Arrays.copyOf(a, nnz);
                b = Arrays.copyOf(b, nnz);
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(a, b, names[q] + " differs from the unfused composition");
        }
        assertEquals(want, sse, 1e-12 * Math.max(1, want));
    }
}
