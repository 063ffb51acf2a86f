package org.mdlsae.toy.tree;

import java.util.Arrays;
import java.util.List;
import org.mdlsae.InputException;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.train.ActivationRule;
import org.mdlsae.train.PhaseListener;

/**
 * The tree SAE's activation rule ({@link TreeStructure}: a child is kept only when its parent is active) as a part of
 * the engine's one {@code train.Trainer}. The pre-activations come to the host, where the rule runs row by row, and
 * the code goes back to the back end for decode and the sparse backward: a masked child gets no gradient in that
 * row, an active one the usual ReLU gradient, and the mask itself passes no gradient to the parent. O(n·D) on the
 * host, fine for toy widths (a device kernel would be the next step for wide tree SAEs).
 *
 * <p>No AuxK: a child that never fires gets no gradient, so tree SAEs train with {@code auxAlpha = 0} (the trainer
 * refuses anything else) and the result reports the dead fraction.
 */
public final class TreeRule implements ActivationRule {
    private final TreeStructure tree;
    private final List<int[]> children;
    private final int cap;

    /**
     * @param tree the structure
     */
    public TreeRule(TreeStructure tree) {
        this.tree = tree;
        this.children = tree.childLists();
        this.cap = Math.max(1, Math.min(tree.width(), tree.maxActive()));
    }

    @Override
    public String name() {
        return "tree";
    }

    @Override
    public boolean supportsAuxK() {
        return false;
    }

    /**
     * Most latents active in one row (the {@code k} a tree SAE reports).
     *
     * @return at least 1
     */
    int cap() {
        return cap;
    }

    @Override
    public Selector open(Backend be, int maxRows, int width) {
        if (width != tree.width()) {
            throw new InputException("config width " + width + " differs from the tree's " + tree.width() + " latents");
        }
        return new Selector() {
            @Override
            public SparseCode select(FloatBuf pre, int rows, PhaseListener phases) {
                float[] host = new float[rows * width];
                be.read(pre, 0, host, 0, rows * width);
                SparseCode z = upload(be, selectHost(host, rows));
                phases.phaseEnded("tree_select");
                return z;
            }

            @Override
            public void release(SparseCode code) {
                code.close();
            }

            @Override
            public void close() {
            }
        };
    }

    /** A host code uploaded as CSR (the caller closes it). */
    static SparseCode upload(Backend be, TreeSae.HostCode h) {
        return new SparseCode(h.n(), h.width(), h.nnz(), be.upload(h.rowPtr()), be.upload(h.nnz() == 0 ? new int[1] : h.idx()),
                be.upload(h.nnz() == 0 ? new float[1] : h.val()));
    }

    /**
     * The tree code of host pre-activations, on the host.
     *
     * @param pre n×D pre-activations
     * @param n   rows
     * @return CSR arrays
     */
    TreeSae.HostCode selectHost(float[] pre, int n) {
        int width = tree.width();
        int[] rowPtr = new int[n + 1];
        int[] idx = new int[(int) Math.min((long) n * cap, Integer.MAX_VALUE - 8)];
        float[] val = new float[idx.length];
        boolean[] scratch = new boolean[width];
        int o = 0;
        for (int r = 0; r < n; r++) {
            o += tree.select(pre, r * width, children, idx, val, o, scratch);
            rowPtr[r + 1] = o;
        }
        return new TreeSae.HostCode(n, width, o, rowPtr, Arrays.copyOf(idx, o), Arrays.copyOf(val, o));
    }
}
