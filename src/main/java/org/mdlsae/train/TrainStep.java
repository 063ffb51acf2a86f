package org.mdlsae.train;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.sae.Sae;

/**
 * One training step on a batch, in three calls: {@link #run} (forward, loss Σ‖x − x̂‖²/batch + α·AuxK, and the
 * sparse backward, leaving the gradients of all four parameters in {@link #gEnc}, {@link #gBEnc}, {@link #gDec},
 * {@link #gBDec}), {@link #count} (active latents per latent and the dead-latent bookkeeping, on the back end) and
 * {@link #update} (parallel-gradient removal, Adam, decoder renormalisation). One dense encoder product (fused with
 * the selection on GPU back ends); everything else is O(nnz·d). Holds every buffer it needs, the Adam moments and the
 * dead-latent counters for reuse across steps: after the first steps a step allocates nothing (a code larger than
 * any before grows its buffers by half). Reports its phases to a {@link PhaseListener}.
 */
final class TrainStep implements AutoCloseable {
    private final Backend be;
    private final ActivationRule.Selector rule;
    private final int kAux;
    private final double auxAlpha;
    private final int maxRows;
    private final int d;
    private final int width;
    private final TrainConfig cfg;
    private final PhaseListener phases;

    final FloatBuf gEnc;
    final FloatBuf gBEnc;
    final FloatBuf gDec;
    final FloatBuf gBDec;
    private final FloatBuf pre;
    private final FloatBuf xhat;
    private final FloatBuf g;
    private final FloatBuf err;
    private final IntBuf auxIdx;
    private final FloatBuf auxVal;
    /** Row offsets i·k_aux for the largest batch; a smaller batch uses their prefix. */
    private final IntBuf auxRowPtr;
    /** ∂loss/∂z of the AuxK code (rows·k_aux entries) and, grown on demand, of the main code. */
    private final FloatBuf gzAux;
    private FloatBuf gz;
    private final IntBuf counts;
    /**
     * Per latent, samples since it last fired, saturating at {@link #deadAfter} (the dead test is the same as with an
     * unbounded count), and the mask of the dead ones (1 = dead), which selects AuxK's latents.
     */
    private final IntBuf sinceFired;
    private final IntBuf deadMask;
    private final int deadAfter;
    /** Element counts of enc, bEnc, dec, bDec. */
    private final long[] sizes;
    /** Adam moments m, v of enc, then of bEnc, dec, bDec. */
    final FloatBuf[] moments = new FloatBuf[8];

    /** What {@link #run} measured; {@code code} is valid until {@link #count}. */
    record Out(double sse, double auxLoss, float keptMin, SparseCode code) {
    }

    /**
     * @param be       back end
     * @param rule     the activation rule
     * @param d        input dimension
     * @param cfg      width, AuxK α and the Adam constants
     * @param kAux     k_aux (used when α &gt; 0)
     * @param maxRows  the largest batch
     * @param deadAfter a latent is dead after this many samples without firing (above 2^31 − 1 acts as 2^31 − 1)
     * @param phases   told when each phase ends
     */
    TrainStep(Backend be, ActivationRule rule, int d, TrainConfig cfg, int kAux, int maxRows, long deadAfter,
              PhaseListener phases) {
        this.be = be;
        this.d = d;
        this.width = cfg.width();
        this.cfg = cfg;
        this.kAux = kAux;
        this.auxAlpha = cfg.auxAlpha();
        this.maxRows = maxRows;
        this.phases = phases;
        long wd = (long) width * d, rd = (long) maxRows * d;
        gEnc = be.floats(wd);
        gBEnc = be.floats(width);
        gDec = be.floats(wd);
        gBDec = be.floats(d);
        pre = be.floats((long) maxRows * width);
        xhat = be.floats(rd);
        g = be.floats(rd);
        err = be.floats(rd);
        auxIdx = be.ints((long) maxRows * kAux);
        auxVal = be.floats((long) maxRows * kAux);
        auxRowPtr = Sae.rowPtrFixed(be, maxRows, kAux);
        gzAux = be.floats((long) maxRows * kAux);
        // TopK keeps k·rows entries, BatchTopK as many on average
        gz = be.floats((long) maxRows * cfg.k());
        counts = be.ints(width);
        sinceFired = be.ints(width);
        deadMask = be.ints(width);
        this.deadAfter = (int) Math.min(deadAfter, Integer.MAX_VALUE);
        sizes = new long[] {wd, width, wd, d};
        for (int i = 0; i < moments.length; i++) moments[i] = be.floats(sizes[i / 2]);
        this.rule = rule.open(be, maxRows, width);
    }

    /**
     * Forward and backward on {@code rows} samples in {@code xb}. AuxK runs on the latents dead now (see
     * {@link #count}) when {@code anyDead} and α &gt; 0.
     */
    Out run(Sae sae, FloatBuf xb, int rows, boolean anyDead) {
        if (rows > maxRows) throw new IllegalArgumentException("batch of " + rows + " exceeds " + maxRows);
        long rd = (long) rows * d;
        SparseCode z = rule.select(sae, xb, rows, pre, phases);
        sae.decode(z, xhat);
        phases.phaseEnded("decode");
        double sse = be.residual(xb, xhat, rd, 2f / rows, g);
        phases.phaseEnded("residual");

        be.fill(gEnc, 0f);
        be.fill(gBEnc, 0f);
        be.fill(gDec, 0f);
        be.fill(gBDec, 0f);
        phases.phaseEnded("zero_grads");
        if (gz.length() < z.nnz()) {
            gz.close();
            gz = be.floats(z.nnz() + z.nnz() / 2L);
        }
        be.decodeBackward(z, g, sae.dec(), d, gDec, gz, gBDec);
        phases.phaseEnded("decode_backward");
        be.encodeBackward(z, gz, xb, sae.bDec(), sae.enc(), d, gEnc, gBEnc, gBDec);
        phases.phaseEnded("encode_backward");
        double aux = 0;
        if (anyDead && auxAlpha > 0) {
            aux = auxK(sae, xb, rows);
            phases.phaseEnded("aux_k");
        }
        return new Out(sse, aux, rule.keptMin(), z);
    }

    /** Selects with {@code k} from the next {@link #run} on (a {@link KSchedule} at work). */
    void k(int k) {
        rule.k(k);
    }

    /**
     * Counts, per latent, the rows of the last {@link #run} in which it is active, frees that run's code and updates
     * the dead-latent counters and mask on the back end (AuxK of the next step works on the latents dead now).
     *
     * @param out  what the last run returned
     * @param rows its batch's rows
     * @return {active entries of the code, dead latents}: the two numbers that come back to the host
     */
    long[] count(Out out, int rows) {
        be.fill(counts, 0);
        be.countActive(out.code(), counts);
        rule.release(out.code());
        long[] tally = be.updateDead(counts, sinceFired, deadMask, width, rows, deadAfter);
        phases.phaseEnded("count_active");
        return tally;
    }

    /**
     * The dead-latent counters, for a snapshot.
     *
     * @return per latent, samples since it last fired (saturated at the dead-sample window)
     */
    long[] sinceFired() {
        int[] s = be.download(sinceFired);
        long[] out = new long[width];
        for (int j = 0; j < width; j++) out[j] = s[j];
        return out;
    }

    /**
     * Sets the dead-latent counters from a snapshot.
     *
     * @param since per latent, samples since it last fired
     * @return the number of latents dead now
     */
    int restoreDead(long[] since) {
        int[] s = new int[width], m = new int[width];
        int dead = 0;
        for (int j = 0; j < width; j++) {
            s[j] = (int) Math.min(since[j], deadAfter);
            m[j] = s[j] >= deadAfter ? 1 : 0;
            dead += m[j];
        }
        be.write(sinceFired, 0, s, 0, width);
        be.write(deadMask, 0, m, 0, width);
        return dead;
    }

    /** The optimiser step at learning rate {@code lr} and Adam step {@code t} (1-based): unit-norm decoder rows after. */
    void update(Sae sae, float lr, int t) {
        be.removeParallelGrad(sae.dec(), gDec, width, d);
        phases.phaseEnded("remove_parallel_grad");
        FloatBuf[] params = {sae.enc(), sae.bEnc(), sae.dec(), sae.bDec()};
        FloatBuf[] grads = {gEnc, gBEnc, gDec, gBDec};
        for (int i = 0; i < 4; i++) {
            be.adamStep(params[i], grads[i], moments[2 * i], moments[2 * i + 1], sizes[i], lr, (float) cfg.beta1(),
                    (float) cfg.beta2(), (float) cfg.adamEps(), t);
        }
        phases.phaseEnded("adam_x4");
        be.normaliseRows(sae.dec(), width, d);
        phases.phaseEnded("normalise_rows");
    }

    /**
     * AuxK (Gao et al.): predict the main residual e = x − x̂ (detached) from the k_aux largest dead latents,
     * ê = Σ z_aux W_dec (no b_dec); loss α·Σ‖e − ê‖²/Σ‖e − ē‖². Gradients reach the dead latents only.
     * Returns the unweighted AuxK loss.
     */
    private double auxK(Sae sae, FloatBuf xb, int rows) {
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
        rule.close();
        for (FloatBuf m : moments) m.close();
        for (AutoCloseable c : new AutoCloseable[] {gEnc, gBEnc, gDec, gBDec, pre, xhat, g, err, auxIdx, auxVal, auxRowPtr, gzAux,
                gz, counts, sinceFired, deadMask}) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
