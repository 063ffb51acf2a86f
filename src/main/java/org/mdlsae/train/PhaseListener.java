package org.mdlsae.train;

/**
 * Timing hook inside a training step: the {@link Trainer} says when a step starts and when each of its phases
 * ends, in order. The phases are {@code load_batch}, the activation rule's encoder product and selection
 * ({@code encode_topk} for TopK, fused on GPU back ends; {@code encode_threshold} and {@code extract_code} for BatchTopK;
 * {@code encode_gemm} and {@code tree_select} for the tree SAE), {@code sparse_step}
 * (decode, residual and loss, decoder and encoder backward: the back end's fused op), {@code aux_k} (only when AuxK
 * runs), {@code count_active}, {@code remove_parallel_grad}, {@code adam_x4}, {@code normalise_rows}. The benchmark's
 * phase table is made this way, so it always times the real step. Called on the training thread; a GPU back end
 * may still be running a phase's kernels when it is reported ended.
 */
public interface PhaseListener {
    /**
     * A step begins.
     *
     * @param step the step's number (1-based)
     */
    void stepStarted(long step);

    /**
     * The named phase just ended.
     *
     * @param phase one of the names in the class comment
     */
    void phaseEnded(String phase);

    /** Ignores everything (the default; costs a virtual call per phase). */
    PhaseListener NONE = new PhaseListener() {
        @Override
        public void stepStarted(long step) {
        }

        @Override
        public void phaseEnded(String phase) {
        }
    };
}
