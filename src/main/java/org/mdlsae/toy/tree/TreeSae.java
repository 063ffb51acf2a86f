package org.mdlsae.toy.tree;

import org.mdlsae.InputException;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.mdl.SparseEncoder;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;

/**
 * A tree SAE: the usual linear encoder and decoder (pre = (x − b_dec)·W_enc + b_enc, x̂ = z·W_dec + b_dec,
 * unit decoder rows), with the activation rule of {@link TreeStructure}: a child latent can fire only when
 * its parent fires. Parameters live on a {@link Backend} in an ordinary {@link Sae} container (so the dense
 * encoder product, decode and the sparse backward are the engine's own ops); the tree selection itself is
 * {@link TreeRule}, which also trains it: {@code new Trainer(be, cfg, null).activation(new TreeRule(tree))}.
 *
 * <p>Implements {@link SparseEncoder}, so {@code Mdl.of(treeSae, …)} measures its codes with the normal
 * per-feature (flat) entropy code; {@link TreeCoding} measures them with the tree code.
 */
public final class TreeSae implements SparseEncoder, AutoCloseable {
    private final Sae sae;
    private final TreeStructure tree;
    private final TreeRule rule;

    /**
     * Uploads weights (any arch; only the four parameter tensors are used) with a tree structure.
     *
     * @param backend where the parameters live
     * @param w       weights, width = tree width
     * @param tree    the structure
     */
    public TreeSae(Backend backend, SaeWeights w, TreeStructure tree) {
        if (w.width() != tree.width()) {
            throw new InputException("tree has " + tree.width() + " latents but the weights have " + w.width());
        }
        this.tree = tree;
        this.rule = new TreeRule(tree);
        this.sae = Sae.upload(backend, new SaeWeights(Arch.TOPK, w.dIn(), w.width(), rule.cap(), Float.NaN, w.enc(), w.bEnc(),
                w.dec(), w.bDec()));
    }

    /**
     * The structure.
     *
     * @return the tree
     */
    public TreeStructure tree() {
        return tree;
    }

    /**
     * Copies the parameters back to the host.
     *
     * @return the weights (arch field TOPK with k = the most active latents per sample; the tree rule is separate)
     */
    public SaeWeights download() {
        return sae.download();
    }

    @Override
    public Backend backend() {
        return sae.backend();
    }

    @Override
    public int dIn() {
        return sae.dIn();
    }

    @Override
    public int width() {
        return sae.width();
    }

    @Override
    public int k() {
        return sae.k();
    }

    @Override
    public FloatBuf dec() {
        return sae.dec();
    }

    @Override
    public FloatBuf bDec() {
        return sae.bDec();
    }

    @Override
    public SparseCode encode(FloatBuf x, int n) {
        Backend be = sae.backend();
        int width = sae.width();
        try (FloatBuf pre = be.floats((long) n * width)) {
            be.encode(x, sae.bDec(), sae.enc(), sae.bEnc(), n, sae.dIn(), width, pre);
            return TreeRule.upload(be, rule.selectHost(be.download(pre), n));
        }
    }

    /**
     * Host-side tree code of n rows of host data (chunked through the backend).
     *
     * @param x n×d data
     * @param n rows
     * @return the code on the host
     */
    public HostCode encodeHost(float[] x, int n) {
        Backend be = sae.backend();
        int d = dIn(), width = width();
        int chunk = Math.max(1, Math.min(4096, (1 << 22) / Math.max(width, d)));
        int[] rowPtr = new int[n + 1];
        java.util.List<int[]> idxs = new java.util.ArrayList<>();
        java.util.List<float[]> vals = new java.util.ArrayList<>();
        int total = 0;
        for (int r0 = 0; r0 < n; r0 += chunk) {
            int rows = Math.min(chunk, n - r0);
            float[] pre;
            try (FloatBuf xb = be.floats((long) rows * d); FloatBuf pb = be.floats((long) rows * width)) {
                be.write(xb, 0, x, r0 * d, rows * d);
                be.encode(xb, sae.bDec(), sae.enc(), sae.bEnc(), rows, d, width, pb);
                pre = be.download(pb);
            }
            HostCode h = rule.selectHost(pre, rows);
            for (int r = 0; r < rows; r++) rowPtr[r0 + r + 1] = total + h.rowPtr()[r + 1];
            total += h.nnz();
            idxs.add(h.idx());
            vals.add(h.val());
        }
        int[] idx = new int[total];
        float[] val = new float[total];
        int o = 0;
        for (int i = 0; i < idxs.size(); i++) {
            System.arraycopy(idxs.get(i), 0, idx, o, idxs.get(i).length);
            System.arraycopy(vals.get(i), 0, val, o, vals.get(i).length);
            o += idxs.get(i).length;
        }
        return new HostCode(n, width, total, rowPtr, idx, val);
    }

    @Override
    public void close() {
        sae.close();
    }

    /**
     * A sparse code on the host, CSR.
     *
     * @param n      rows
     * @param width  latents
     * @param nnz    entries
     * @param rowPtr n + 1 offsets
     * @param idx    latent per entry
     * @param val    value per entry (&gt; 0)
     */
    public record HostCode(int n, int width, int nnz, int[] rowPtr, int[] idx, float[] val) {
    }
}
