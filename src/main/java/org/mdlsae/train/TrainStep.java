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
 * One dense encoder product (fused with the TopK selection or the BatchTopK threshold's first pass on GPU back
 * ends); everything else is O(nnz·d). Holds every buffer it needs for reuse across steps: after the first
 * steps a step allocates nothing (a BatchTopK code larger than any before grows its buffers by half).
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
    /** ∂loss/∂z of the AuxK code (n·k_aux entries) and, grown on demand, of the main code. */
    private final FloatBuf gzAux;
    private FloatBuf gz;
    /** The BatchTopK code's CSR buffers (entries grown on demand). */
    private final IntBuf batchRowPtr;
    private IntBuf batchIdx;
    private FloatBuf batchVal;

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
        gzAux = be.floats((long) maxRows * kAux);
        // BatchTopK keeps k·rows entries (more only on ties at the threshold)
        gz = be.floats((long) maxRows * k);
        batchRowPtr = be.ints(maxRows + 1L);
        batchIdx = be.ints(arch == Arch.BATCHTOPK ? (long) maxRows * k : 1);
        batchVal = be.floats(arch == Arch.BATCHTOPK ? (long) maxRows * k : 1);
    }

    /**
     * Runs the step on {@code rows} samples in {@code xb}. {@code deadMask} (1 = dead) selects AuxK's latents;
     * AuxK runs only when {@code anyDead}. The returned code lives in the step's buffers: valid until the next call.
     */
    Out run(Sae sae, FloatBuf xb, int rows, IntBuf deadMask, boolean anyDead) {
        if (rows > maxRows) throw new IllegalArgumentException("batch of " + rows + " exceeds " + maxRows);
        long rd = (long) rows * d;
        SparseCode z;
        float keptMin = Float.NaN;
        if (arch == Arch.TOPK) {
            // pre is kept for AuxK; GPU back ends select from the product tiles, not from pre
            be.encodeTopK(xb, sae.bDec(), sae.enc(), sae.bEnc(), rows, d, width, k, topIdx, topVal, pre);
            z = new SparseCode(rows, width, rows * k, topRowPtr, topIdx, topVal);
        } else {
            keptMin = be.encodeBatchThreshold(xb, sae.bDec(), sae.enc(), sae.bEnc(), rows, d, width, pre, (long) k * rows);
            float t = Float.isFinite(keptMin) ? keptMin : Float.MAX_VALUE;
            int nnz = be.countAbove(pre, rows, width, t, false, batchRowPtr);
            if (batchIdx.length() < nnz) {
                batchIdx.close();
                batchVal.close();
                batchIdx = be.ints(nnz + nnz / 2L);
                batchVal = be.floats(nnz + nnz / 2L);
            }
            be.gatherAbove(pre, rows, width, t, false, batchRowPtr, batchIdx, batchVal);
            z = new SparseCode(rows, width, nnz, batchRowPtr, batchIdx, batchVal);
        }
        sae.decode(z, xhat);
        double sse = be.residual(xb, xhat, rd, 2f / rows, g);

        be.fill(gEnc, 0f);
        be.fill(gBEnc, 0f);
        be.fill(gDec, 0f);
        be.fill(gBDec, 0f);
        if (gz.length() < z.nnz()) {
            gz.close();
            gz = be.floats(z.nnz() + z.nnz() / 2L);
        }
        be.decodeBackward(z, g, sae.dec(), d, gDec, gz, gBDec);
        be.encodeBackward(z, gz, xb, sae.bDec(), sae.enc(), d, gEnc, gBEnc, gBDec);
        double aux = anyDead && auxAlpha > 0 ? auxK(sae, xb, rows, deadMask) : 0;
        return new Out(sse, aux, keptMin, z);
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
        be.decodeBackward(za, g, sae.dec(), d, gDec, gzAux, null);
        be.encodeBackward(za, gzAux, xb, sae.bDec(), sae.enc(), d, gEnc, gBEnc, gBDec);
        return sse / denom;
    }

    @Override
    public void close() {
        for (AutoCloseable c : new AutoCloseable[] {gEnc, gBEnc, gDec, gBDec, pre, xhat, g, err, topIdx, topVal, auxIdx, auxVal,
                topRowPtr, auxRowPtr, gzAux, gz, batchRowPtr, batchIdx, batchVal}) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
