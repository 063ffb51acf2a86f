package org.mdlsae.toy.tree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mdlsae.InputException;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.BinCounts;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.mdl.DescriptionLength;
import org.mdlsae.mdl.DlReport;
import org.mdlsae.mdl.Mdl;
import org.mdlsae.toy.SyntheticData;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.train.TrainConfig;
import org.mdlsae.train.Trainer;

class TreeSaeTest {
    private static final Backend BE = new CpuBackend();

    static SaeWeights random(int width, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] enc = new float[width * d], dec = new float[width * d], bEnc = new float[width], bDec = new float[d];
        for (int i = 0; i < enc.length; i++) {
            enc[i] = (float) (r.nextDouble() * 2 - 1);
            dec[i] = (float) (r.nextDouble() * 2 - 1);
        }
        for (int i = 0; i < width; i++) bEnc[i] = (float) (r.nextDouble() - 0.5);
        return new SaeWeights(Arch.TOPK, d, width, 1, Float.NaN, enc, bEnc, dec, bDec);
    }

    static float[] data(int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }

    /** With random weights and data, in every row every active child has an active parent, and the k limits hold. */
    @Test
    void neverFiresAChildWithoutItsParent() {
        int d = 7, n = 500;
        TreeStructure[] shapes = {
            TreeStructure.groups(3, 4, 0, 0),
            TreeStructure.groups(3, 4, 2, 1),
            TreeStructure.groups(2, 5, 1, 2),
            new TreeStructure(new int[] {-1, 0, 1, 2, 1, -1, 5, 5, 6}, 0, 1), // depth-3 chain plus a second tree
        };
        float[] x = data(n, d, 3);
        for (TreeStructure t : shapes) {
            try (TreeSae sae = new TreeSae(BE, random(t.width(), d, 7), t)) {
                TreeSae.HostCode c = sae.encodeHost(x, n);
                long childFires = 0;
                for (int r = 0; r < n; r++) {
                    boolean[] on = new boolean[t.width()];
                    for (int q = c.rowPtr()[r]; q < c.rowPtr()[r + 1]; q++) {
                        assertTrue(c.val()[q] > 0);
                        on[c.idx()[q]] = true;
                    }
                    int roots = 0;
                    int[] kids = new int[t.width()];
                    for (int j = 0; j < t.width(); j++) {
                        if (!on[j]) continue;
                        int p = t.parentOf(j);
                        if (p < 0) {
                            roots++;
                        } else {
                            assertTrue(on[p], "row " + r + ": child " + j + " fired without parent " + p + " in " + t);
                            kids[p]++;
                            childFires++;
                        }
                    }
                    if (t.kRoots() > 0) assertTrue(roots <= t.kRoots());
                    if (t.kChildren() > 0) for (int k : kids) assertTrue(k <= t.kChildren());
                }
                assertTrue(childFires > 0, "the test must exercise children: " + t);
                // The device-side encode (used by Mdl) gives the same code.
                try (FloatBuf xb = BE.upload(x); SparseCode z = sae.encode(xb, n)) {
                    assertEquals(c.nnz(), z.nnz());
                    assertArrayEquals(c.idx(), java.util.Arrays.copyOf(BE.download(z.idx()), c.nnz()));
                    assertArrayEquals(c.val(), java.util.Arrays.copyOf(BE.download(z.val()), c.nnz()));
                }
            }
        }
    }

    @Test
    void structureValidation() {
        assertThrows(InputException.class, () -> new TreeStructure(new int[] {0}, 0, 0));
        assertThrows(InputException.class, () -> new TreeStructure(new int[] {-1, 2, 0}, 0, 0));
        assertThrows(InputException.class, () -> new TreeStructure(new int[] {-1}, -1, 0));
        TreeStructure t = TreeStructure.groups(2, 3, 0, 1);
        assertEquals(8, t.width());
        assertEquals(4, t.maxActive());
        assertEquals(2, TreeStructure.groups(2, 3, 1, 1).maxActive());
        assertEquals(8, TreeStructure.groups(2, 3, 0, 0).maxActive());
    }

    /**
     * A hand-made code for one root (0) with two children (1, 2), eight rows, max 1, B = 1 (bins [0, .5), [.5, 1]).
     * Root: active 5/8, bins (2, 3). Child 1: active in 2 of the 5 parent rows, bins (1, 1). Child 2: 1 of 5, one bin.
     * Per-child: h(5/8) + 5/8·H(2/5, 3/5) + 5/8·[h(2/5) + 2/5·1] + 5/8·h(1/5) = 2.86932731 bits.
     * Sibling-joint: children patterns given the parent {none ×2, 1@bin1, 1@bin0, 2@bin1}:
     * h(5/8) + 5/8·H(2/5, 3/5) + 5/8·H(2/5, 1/5, 1/5, 1/5) = 2.76248318 bits.
     */
    @Test
    void treeCodingOfAHandMadeCodeEqualsTheHandComputedConditionalEntropy() {
        TreeStructure t = new TreeStructure(new int[] {-1, 0, 0}, 0, 1);
        int[] rowPtr = {0, 0, 0, 1, 2, 4, 6, 8, 8};
        int[] idx = {0, 0, 0, 1, 0, 1, 0, 2};
        float[] val = {0.3f, 0.8f, 0.8f, 0.7f, 0.8f, 0.2f, 0.3f, 0.9f};
        TreeSae.HostCode code = new TreeSae.HostCode(8, 3, 8, rowPtr, idx, val);
        TreeCoding.Result r = TreeCoding.evaluate(t, code, new float[] {1, 1, 1}, 1);
        double h58 = h(5.0 / 8), root = h58 + 5.0 / 8 * ent(2.0 / 5, 3.0 / 5);
        double c1 = 5.0 / 8 * (h(2.0 / 5) + 2.0 / 5 * 1.0), c2 = 5.0 / 8 * h(1.0 / 5);
        assertEquals(root + c1 + c2, r.perChildBits(), 1e-12);
        assertEquals(2.86932731, r.perChildBits(), 1e-8);
        assertEquals(root + 5.0 / 8 * ent(2.0 / 5, 1.0 / 5, 1.0 / 5, 1.0 / 5), r.siblingJointBits(), 1e-12);
        assertEquals(2.76248318, r.siblingJointBits(), 1e-8);
        assertEquals(root, r.rootBits(), 1e-12);
        assertEquals(c1, r.perLatentBits()[1], 1e-12);
        assertEquals(h58 + 5.0 / 8 * (h(2.0 / 5) + h(1.0 / 5)), r.perChildActivityBits(t), 1e-12);
        assertTrue(r.siblingJointBits() <= r.perChildBits());

        // A child without its parent is not a tree code.
        TreeSae.HostCode bad = new TreeSae.HostCode(1, 3, 1, new int[] {0, 1}, new int[] {2}, new float[] {0.5f});
        assertThrows(InputException.class, () -> TreeCoding.evaluate(t, bad, new float[] {1, 1, 1}, 1));
    }

    private static double h(double p) {
        return p <= 0 || p >= 1 ? 0 : -(p * Math.log(p) + (1 - p) * Math.log(1 - p)) / Math.log(2);
    }

    private static double ent(double... ps) {
        double s = 0;
        for (double p : ps) if (p > 0) s -= p * Math.log(p) / Math.log(2);
        return s;
    }

    /** With only roots, the per-child tree code is the normal flat entropy DL (same bins, same counts). */
    @Test
    void rootsOnlyTreeCodeEqualsTheFlatEntropyDl() {
        int d = 6, n = 300, width = 5;
        TreeStructure t = new TreeStructure(new int[] {-1, -1, -1, -1, -1}, 2, 0);
        float[] x = data(n, d, 9);
        try (TreeSae sae = new TreeSae(BE, random(width, d, 4), t)) {
            TreeSae.HostCode c = sae.encodeHost(x, n);
            float[] max = new float[width];
            for (int q = 0; q < c.nnz(); q++) max[c.idx()[q]] = Math.max(max[c.idx()[q]], c.val()[q]);
            for (int bits : new int[] {1, 3, 7}) {
                TreeCoding.Result r = TreeCoding.evaluate(t, c, max, bits);
                try (SparseCode z = new SparseCode(n, width, c.nnz(), BE.upload(c.rowPtr()), BE.upload(c.idx()), BE.upload(c.val()));
                     FloatBuf mb = BE.upload(max)) {
                    BinCounts bc = BE.binCounts(z, mb, bits);
                    assertEquals(DescriptionLength.entropyBits(bc, n, width), r.perChildBits(), 1e-9);
                    assertEquals(r.perChildBits(), r.siblingJointBits(), 1e-12);
                }
            }
        }
    }

    /** Training from DESIGN's default init on hierarchical data cuts the MSE, keeps the tree rule, and Mdl can measure it. */
    @Test
    void treeTrainingReducesMse() {
        int d = 16, n = 3000;
        SyntheticData.Sample s = SyntheticData.hierarchy(0.5, new double[] {0.2, 0.2, 0.2}, n, d, SyntheticData.Magnitudes.BOOLEAN,
                0, SyntheticData.Sampling.EXACT, 1, 2);
        TreeStructure t = TreeStructure.groups(1, 3, 0, 1);
        TrainConfig cfg = TrainConfig.defaults(Arch.TOPK, 4, 2).withEpochs(15).withSeed(1).withAux(0, 0, 0);
        Trainer.Result r = new Trainer(BE, cfg, null).activation(new TreeRule(t)).train(s.x(), n, d);
        Trainer.Result again = new Trainer(BE, cfg, null).activation(new TreeRule(t)).train(s.x(), n, d);
        assertTrue(r.weights().sameAs(again.weights()), "deterministic for a seed on the CPU");
        assertTrue(r.finalMse() < 0.5 * r.initialMse(), "MSE " + r.initialMse() + " -> " + r.finalMse());
        assertEquals(15L * ((n + 255) / 256), r.steps());
        try (TreeSae sae = new TreeSae(BE, r.weights(), t); TreeSae start = new TreeSae(BE, Trainer.init(cfg, s.x(), n, d), t)) {
            double before = mse(start, s.x(), n);
            double after = mse(sae, s.x(), n);
            assertTrue(after < 0.5 * before, before + " -> " + after);
            DlReport rep = Mdl.of(sae, s.x(), n).toleranceFvu(0.9).evaluate();
            assertNotNull(rep.dlBits());
        }
        // a width other than the tree's, and AuxK (which the tree rule does not have), are refused
        assertThrows(InputException.class, () -> new Trainer(BE, TrainConfig.defaults(Arch.TOPK, 5, 1).withAux(0, 0, 0), null)
                .activation(new TreeRule(t)).train(s.x(), n, d));
        assertThrows(InputException.class, () -> new Trainer(BE, TrainConfig.defaults(Arch.TOPK, 4, 2), null)
                .activation(new TreeRule(t)).train(s.x(), n, d));
    }

    private static double mse(TreeSae sae, float[] x, int n) {
        int d = sae.dIn();
        try (FloatBuf xb = BE.upload(x); SparseCode z = sae.encode(xb, n); FloatBuf xh = BE.floats((long) n * d);
             FloatBuf g = BE.floats((long) n * d)) {
            BE.decode(z, sae.dec(), sae.bDec(), d, xh);
            return BE.residual(xb, xh, (long) n * d, 0f, g) / ((double) n * d);
        }
    }
}
