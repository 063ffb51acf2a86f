package org.mdlsae.train;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Sae;

/**
 * One forward and backward pass of the training loss Σ‖x − x̂‖²/batch + α·AuxK on a batch, leaving the
 * gradients of all four parameters in {@link #gEnc}, {@link #gBEnc}, {@link #gDec}, {@link #gBDec}.
 * One dense encoder product; everything else is O(nnz·d). Holds its scratch buffers for reuse across steps.
 */
final class TrainStep implements AutoCloseable {
    private final Backend be;
    private final Arch arch;
    private final int k;
    private final int kAux;
    private final double auxAlpha;
    private final int maxRows;
    private final int d;
    private final int width;

    final FloatBuf gEnc;
    final FloatBuf gBEnc;
    final FloatBuf gDec;
    final FloatBuf gBDec;
    private final FloatBuf pre;
    private final FloatBuf xhat;
    private final FloatBuf g;
    private final FloatBuf err;
    private final IntBuf topIdx;
    private final FloatBuf topVal;
    private final IntBuf auxIdx;
    private final FloatBuf auxVal;
    /** Row offsets i·k and i·k_aux for the largest batch; a smaller batch uses their prefix. */
    private final IntBuf topRowPtr;
    private final IntBuf auxRowPtr;

    /** What a step measured. */
    record Out(double sse, double auxLoss, float keptMin, SparseCode code) {
    }

    TrainStep(Backend be, Arch arch, int d, int width, int k, int kAux, double auxAlpha, int maxRows) {
        this.be = be;
        this.arch = arch;
        this.d = d;
        this.width = width;
        this.k = k;
        this.kAux = kAux;
        this.auxAlpha = auxAlpha;
        this.maxRows = maxRows;
        long wd = (long) width * d, rd = (long) maxRows * d;
        gEnc = be.floats(wd);
        gBEnc = be.floats(width);
        gDec = be.floats(wd);
        gBDec = be.floats(d);
        pre = be.floats((long) maxRows * width);
        xhat = be.floats(rd);
        g = be.floats(rd);
        err = be.floats(rd);
        topIdx = be.ints((long) maxRows * k);
        topVal = be.floats((long) maxRows * k);
        auxIdx = be.ints((long) maxRows * kAux);
        auxVal = be.floats((long) maxRows * kAux);
        topRowPtr = Sae.rowPtrFixed(be, maxRows, k);
        auxRowPtr = Sae.rowPtrFixed(be, maxRows, kAux);
    }

    /**
     * Runs the step on {@code rows} samples in {@code xb}. {@code deadMask} (1 = dead) selects AuxK's latents;
     * AuxK runs only when {@code anyDead}. The returned code is valid until the next call; close it with
     * {@link #release}.
     */
    Out run(Sae sae, FloatBuf xb, int rows, IntBuf deadMask, boolean anyDead) {
        if (rows > maxRows) throw new IllegalArgumentException("batch of " + rows + " exceeds " + maxRows);
        long rd = (long) rows * d;
        be.encode(xb, sae.bDec(), sae.enc(), sae.bEnc(), rows, d, width, pre);
        SparseCode z;
        float keptMin = Float.NaN;
        if (arch == Arch.TOPK) {
            be.topK(pre, null, rows, width, k, topIdx, topVal);
            z = new SparseCode(rows, width, rows * k, topRowPtr, topIdx, topVal);
        } else {
            keptMin = be.kthLargestPositive(pre, (long) rows * width, (long) k * rows);
            z = Sae.threshold(be, pre, rows, width, Float.isFinite(keptMin) ? keptMin : Float.MAX_VALUE, false);
        }
        sae.decode(z, xhat);
        double sse = be.residual(xb, xhat, rd, 2f / rows, g);

        be.fill(gEnc, 0f);
        be.fill(gBEnc, 0f);
        be.fill(gDec, 0f);
        be.fill(gBDec, 0f);
        try (FloatBuf gz = be.floats(Math.max(1, z.nnz()))) {
            be.decodeBackward(z, g, sae.dec(), d, gDec, gz, gBDec);
            be.encodeBackward(z, gz, xb, sae.bDec(), sae.enc(), d, gEnc, gBEnc, gBDec);
        }
        double aux = anyDead && auxAlpha > 0 ? auxK(sae, xb, rows, deadMask) : 0;
        return new Out(sse, aux, keptMin, z);
    }

    /** Frees what {@link #run} allocated for its code (a TopK code lives in the step's own buffers). */
    void release(SparseCode z) {
        if (arch == Arch.BATCHTOPK) z.close();
    }

    /**
     * AuxK (Gao et al.): predict the main residual e = x − x̂ (detached) from the k_aux largest dead latents,
     * ê = Σ z_aux W_dec (no b_dec); loss α·Σ‖e − ê‖²/Σ‖e − ē‖². Gradients reach the dead latents only.
     * Returns the unweighted AuxK loss.
     */
    private double auxK(Sae sae, FloatBuf xb, int rows, IntBuf deadMask) {
        long rd = (long) rows * d;
        be.copy(xb, 0, err, 0, rd);
        be.axpby(-1f, xhat, 1f, err, rd); // e = x − x̂
        double denom = be.sumSqDeviation(err, rows, d);
        if (!(denom > 0)) return 0;
        be.topK(pre, deadMask, rows, width, kAux, auxIdx, auxVal);
        SparseCode za = new SparseCode(rows, width, rows * kAux, auxRowPtr, auxIdx, auxVal);
        be.decode(za, sae.dec(), null, d, xhat); // xhat now holds ê; the main x̂ is no longer needed
        double sse = be.residual(err, xhat, rd, (float) (2 * auxAlpha / denom), g);
        try (FloatBuf gz = be.floats(Math.max(1, za.nnz()))) {
            be.decodeBackward(za, g, sae.dec(), d, gDec, gz, null);
            be.encodeBackward(za, gz, xb, sae.bDec(), sae.enc(), d, gEnc, gBEnc, gBDec);
        }
        return sse / denom;
    }

    @Override
    public void close() {
        for (AutoCloseable c : new AutoCloseable[] {gEnc, gBEnc, gDec, gBDec, pre, xhat, g, err, topIdx, topVal, auxIdx, auxVal, topRowPtr, auxRowPtr}) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
