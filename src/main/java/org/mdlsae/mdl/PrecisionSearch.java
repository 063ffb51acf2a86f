package org.mdlsae.mdl;

import java.util.function.IntToDoubleFunction;

/**
 * Effective precision B* (docs/design.md §2.3): the smallest integer B in [{@link #MIN_BITS}, {@link #MAX_BITS}]
 * whose quantised reconstruction meets the tolerance.
 *
 * <p>Quantised MSE is nearly, but not exactly, decreasing in B (finer bins can move a reconstruction the
 * wrong way on a few samples), so no monotonicity is assumed: B is scanned upward from 1 and the first
 * B that satisfies the criterion is returned. Each probe is O(N·k·d); callers that evaluate all B in one
 * pass over the data pass an array-backed function.
 */
public final class PrecisionSearch {
    /** Smallest precision tried. */
    public static final int MIN_BITS = 1;
    /** Largest precision tried (the back ends' limit). */
    public static final int MAX_BITS = 16;

    private PrecisionSearch() {
    }

    /**
     * ε mode: the smallest B with quantised MSE ≤ ε.
     *
     * @param unquantisedMse MSE of the unquantised code
     * @param eps            tolerance ε &gt; 0 (MSE units)
     * @param mseAtBits      quantised MSE at precision B (called with B = 1, 2, … until one passes)
     * @return B*, or null if the unquantised MSE already exceeds ε or no B ≤ 16 meets ε (not ε-admissible)
     */
    public static Integer epsilon(double unquantisedMse, double eps, IntToDoubleFunction mseAtBits) {
        if (!(eps > 0) || Double.isInfinite(eps)) throw new IllegalArgumentException("tolerance ε must be a finite number > 0, got " + eps);
        if (!(unquantisedMse <= eps)) return null; // also rejects NaN
        for (int b = MIN_BITS; b <= MAX_BITS; b++) {
            if (mseAtBits.applyAsDouble(b) <= eps) return b;
        }
        return null;
    }

    /**
     * δ mode: the smallest B whose quantised MSE exceeds the unquantised MSE by at most δ.
     *
     * @param unquantisedMse MSE of the unquantised code
     * @param delta          allowed increase δ ≥ 0 (MSE units)
     * @param mseAtBits      quantised MSE at precision B
     * @return B*, or null if no B ≤ 16 qualifies
     */
    public static Integer delta(double unquantisedMse, double delta, IntToDoubleFunction mseAtBits) {
        if (!(delta >= 0) || Double.isInfinite(delta)) throw new IllegalArgumentException("δ must be a finite number ≥ 0, got " + delta);
        if (Double.isNaN(unquantisedMse)) return null;
        for (int b = MIN_BITS; b <= MAX_BITS; b++) {
            if (mseAtBits.applyAsDouble(b) - unquantisedMse <= delta) return b;
        }
        return null;
    }

    /**
     * Adapts an array {@code mse[B − 1]} (B = 1..16) to the function the searches take.
     *
     * @param mseByBits quantised MSE at B = 1..16
     * @return B ↦ mseByBits[B − 1]
     */
    public static IntToDoubleFunction fromArray(double[] mseByBits) {
        if (mseByBits.length < MAX_BITS) throw new IllegalArgumentException("need " + MAX_BITS + " entries, got " + mseByBits.length);
        return b -> mseByBits[b - 1];
    }
}
