package org.mdlsae.train;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Sae;

/**
 * How a training step turns a batch into its sparse code z: the encoder product and the selection from its dense
 * pre-activations, fused where the back end can (docs/design.md §2.2, §9). The rest of the
 * step (decode, loss, the sparse backward through the active latents, the optimiser) is the same for every rule,
 * so the {@link Trainer} is written once and takes the rule as a part: TopK ({@link #topK}), BatchTopK
 * ({@link #batchTopK}) and the tree SAE's rule ({@code toy.tree.TreeRule}). A rule passes gradient exactly through
 * the entries it keeps with a positive value (ReLU and the selection mask are held fixed in the backward pass).
 */
public interface ActivationRule {

    /**
     * Short name for messages.
     *
     * @return e.g. {@code topk}
     */
    String name();

    /**
     * Whether AuxK (a per-row top-k among the dead latents' pre-activations) can run beside this rule. A rule that
     * says no is trained with α = 0; the {@link Trainer} refuses a config that asks for AuxK with it.
     *
     * @return true when AuxK is supported
     */
    boolean supportsAuxK();

    /**
     * Binds the rule to a back end and a largest batch, allocating its scratch.
     *
     * @param be      where the step runs
     * @param maxRows the largest batch
     * @param width   latents D
     * @return the selector; the trainer closes it
     */
    Selector open(Backend be, int maxRows, int width);

    /** A rule bound to one back end and batch size. Not thread-safe. */
    interface Selector extends AutoCloseable {
        /**
         * The code of {@code rows} rows of {@code x} under the SAE's encoder. The dense pre-activations are left in
         * {@code pre} (AuxK selects from them). TopK and BatchTopK use the back end's fused ops here (the selection,
         * or the threshold search's first pass, inside the encoder product on GPU back ends); on the CPU these are
         * the encoder product followed by the selection, bit for bit.
         *
         * @param sae    the SAE being trained, on the selector's back end
         * @param x      rows×d inputs
         * @param rows   rows in this batch (≤ maxRows)
         * @param pre    receives rows×D pre-activations
         * @param phases told when each of the rule's phases ends
         * @return the code, valid until {@link #release} (which the trainer calls before the next select)
         */
        SparseCode select(Sae sae, FloatBuf x, int rows, FloatBuf pre, PhaseListener phases);

        /**
         * The smallest value the last {@link #select} kept (BatchTopK's m_t, whose running mean becomes the SAE's
         * inference threshold θ); NaN for rules without a threshold.
         *
         * @return m_t or NaN
         */
        default float keptMin() {
            return Float.NaN;
        }

        /**
         * Changes k for the following selections (a {@link KSchedule} at work); k ≤ the k the rule was made with, so
         * every buffer sized for that k still fits.
         *
         * @param k the new k, ≥ 1
         * @throws UnsupportedOperationException for rules without a k (the default)
         */
        default void k(int k) {
            throw new UnsupportedOperationException("the activation rule has no k to change");
        }

        /**
         * Frees what {@link #select} allocated for a code.
         *
         * @param code the code select returned
         */
        void release(SparseCode code);

        @Override
        void close();
    }

    /**
     * The rule of an architecture: TopK for {@link Arch#TOPK}, BatchTopK for {@link Arch#BATCHTOPK}.
     *
     * @param arch the architecture
     * @param k    k of the architecture
     * @return the rule
     */
    static ActivationRule of(Arch arch, int k) {
        return arch == Arch.TOPK ? topK(k) : batchTopK(k);
    }

    /**
     * TopK: per row the k largest positive pre-activations.
     *
     * @param k active latents per row
     * @return the rule
     */
    static ActivationRule topK(int k) {
        return new ActivationRule() {
            @Override
            public String name() {
                return "topk";
            }

            @Override
            public boolean supportsAuxK() {
                return true;
            }

            @Override
            public Selector open(Backend be, int maxRows, int width) {
                // the code lives in fixed buffers; row offsets i·k for the largest batch serve every smaller one
                IntBuf idx = be.ints((long) maxRows * k);
                FloatBuf val = be.floats((long) maxRows * k);
                return new Selector() {
                    private int kNow = k;
                    private IntBuf rowPtr = Sae.rowPtrFixed(be, maxRows, k);

                    @Override
                    public SparseCode select(Sae sae, FloatBuf x, int rows, FloatBuf pre, PhaseListener phases) {
                        be.encodeTopK(x, sae.bDec(), sae.enc(), sae.bEnc(), rows, sae.dIn(), width, kNow, idx, val, pre);
                        phases.phaseEnded("encode_topk");
                        return new SparseCode(rows, width, rows * kNow, rowPtr, idx, val);
                    }

                    @Override
                    public void k(int v) {
                        checkK(v, k);
                        if (v == kNow) return;
                        rowPtr.close();
                        rowPtr = Sae.rowPtrFixed(be, maxRows, v);
                        kNow = v;
                    }

                    @Override
                    public void release(SparseCode code) {
                    }

                    @Override
                    public void close() {
                        idx.close();
                        val.close();
                        rowPtr.close();
                    }
                };
            }
        };
    }

    /**
     * BatchTopK: the k·rows largest positive pre-activations of the whole batch, i.e. every value ≥ m_t, the
     * (k·rows)-th largest.
     *
     * @param k active latents per row on average
     * @return the rule
     */
    static ActivationRule batchTopK(int k) {
        return new ActivationRule() {
            @Override
            public String name() {
                return "batchtopk";
            }

            @Override
            public boolean supportsAuxK() {
                return true;
            }

            @Override
            public Selector open(Backend be, int maxRows, int width) {
                // the code's buffers are kept across steps: k·rows entries (more only on ties at the threshold), grown
                // by half when a step needs more
                IntBuf rowPtr = be.ints(maxRows + 1L);
                return new Selector() {
                    private int kNow = k;
                    private float keptMin = Float.NaN;
                    private IntBuf idx = be.ints((long) maxRows * k);
                    private FloatBuf val = be.floats((long) maxRows * k);

                    @Override
                    public SparseCode select(Sae sae, FloatBuf x, int rows, FloatBuf pre, PhaseListener phases) {
                        keptMin = be.encodeBatchThreshold(x, sae.bDec(), sae.enc(), sae.bEnc(), rows, sae.dIn(), width, pre,
                                (long) kNow * rows);
                        phases.phaseEnded("encode_threshold");
                        float t = Float.isFinite(keptMin) ? keptMin : Float.MAX_VALUE;
                        int nnz = be.countAbove(pre, rows, width, t, false, rowPtr);
                        if (idx.length() < nnz) {
                            idx.close();
                            val.close();
                            idx = be.ints(nnz + nnz / 2L);
                            val = be.floats(nnz + nnz / 2L);
                        }
                        be.gatherAbove(pre, rows, width, t, false, rowPtr, idx, val);
                        phases.phaseEnded("extract_code");
                        return new SparseCode(rows, width, nnz, rowPtr, idx, val);
                    }

                    @Override
                    public float keptMin() {
                        return keptMin;
                    }

                    @Override
                    public void k(int v) {
                        checkK(v, k);
                        kNow = v;
                    }

                    @Override
                    public void release(SparseCode code) {
                    }

                    @Override
                    public void close() {
                        rowPtr.close();
                        idx.close();
                        val.close();
                    }
                };
            }
        };
    }

    /** A schedule may lower k below the rule's k, never raise it above (the buffers are sized for it). */
    private static void checkK(int v, int max) {
        if (v < 1 || v > max) throw new IllegalArgumentException("k = " + v + " is outside [1, " + max + "]");
    }
}
