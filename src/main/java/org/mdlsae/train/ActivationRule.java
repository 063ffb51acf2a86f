package org.mdlsae.train;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Sae;

/**
 * How a training step turns the dense pre-activations into the sparse code z (docs/design.md §2.2). The rest of the
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
         * The code of {@code rows} rows of pre-activations.
         *
         * @param pre    rows×D pre-activations on the selector's back end
         * @param rows   rows in this batch (≤ maxRows)
         * @param phases told when each of the rule's phases ends
         * @return the code, valid until {@link #release} (which the trainer calls before the next select)
         */
        SparseCode select(FloatBuf pre, int rows, PhaseListener phases);

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
                IntBuf rowPtr = Sae.rowPtrFixed(be, maxRows, k);
                return new Selector() {
                    @Override
                    public SparseCode select(FloatBuf pre, int rows, PhaseListener phases) {
                        be.topK(pre, null, rows, width, k, idx, val);
                        phases.phaseEnded("topk");
                        return new SparseCode(rows, width, rows * k, rowPtr, idx, val);
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
                return new Selector() {
                    private float keptMin = Float.NaN;

                    @Override
                    public SparseCode select(FloatBuf pre, int rows, PhaseListener phases) {
                        keptMin = be.kthLargestPositive(pre, (long) rows * width, (long) k * rows);
                        phases.phaseEnded("batchtopk_threshold");
                        SparseCode z = Sae.threshold(be, pre, rows, width, Float.isFinite(keptMin) ? keptMin : Float.MAX_VALUE, false);
                        phases.phaseEnded("extract_code");
                        return z;
                    }

                    @Override
                    public float keptMin() {
                        return keptMin;
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
        };
    }
}
