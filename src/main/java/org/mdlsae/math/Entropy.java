package org.mdlsae.math;

/**
 * Shannon entropies in bits (log base 2), as used by the description length of DESIGN §2.3.
 * All functions are pure; arguments outside their domain throw {@link IllegalArgumentException}.
 */
public final class Entropy {
    private static final double LN2 = Math.log(2.0);

    private Entropy() {
    }

    /**
     * log base 2.
     *
     * @param x a positive number
     * @return log2 x
     */
    public static double log2(double x) {
        return Math.log(x) / LN2;
    }

    /**
     * Binary entropy h(p) = −p log2 p − (1−p) log2(1−p) in bits, with h(0) = h(1) = 0.
     *
     * @throws IllegalArgumentException if p is NaN or outside [0, 1]
     * @param p a probability
     * @return h(p) in bits
     */
    public static double h(double p) {
        if (!(p >= 0.0 && p <= 1.0)) throw new IllegalArgumentException("probability must be in [0, 1], got " + p);
        if (p == 0.0 || p == 1.0) return 0.0;
        return -(p * log2(p) + (1.0 - p) * log2(1.0 - p));
    }

    /**
     * Entropy of a discrete distribution, −Σ p_i log2 p_i (terms with p_i = 0 contribute 0).
     *
     * @throws IllegalArgumentException if some p_i is negative/NaN or they do not sum to 1 (within 1e-9)
     * @param probs the probabilities of all outcomes
     * @return the entropy in bits
     */
    public static double ofProbabilities(double... probs) {
        double sum = 0, hs = 0;
        for (double p : probs) {
            if (!(p >= 0.0 && p <= 1.0 + 1e-12)) {
                throw new IllegalArgumentException("probability must be in [0, 1], got " + p);
            }
            sum += p;
            if (p > 0) hs -= p * log2(p);
        }
        if (Math.abs(sum - 1.0) > 1e-9) throw new IllegalArgumentException("probabilities sum to " + sum + ", not 1");
        return Math.max(0.0, hs);
    }

    /**
     * Plug-in (empirical-frequency) entropy in bits of a histogram of non-negative counts; 0 for an empty histogram.
     *
     * @param counts occurrences of each symbol
     * @return the plug-in entropy in bits
     */
    public static double ofCounts(long... counts) {
        return ofCounts(counts, 0, counts.length);
    }

    /**
     * Plug-in entropy in bits of {@code counts[from..to)}; 0 when they sum to 0.
     *
     * @param counts occurrences of each symbol
     * @param from   first index (inclusive)
     * @param to     last index (exclusive)
     * @return the plug-in entropy in bits
     */
    public static double ofCounts(long[] counts, int from, int to) {
        long total = 0;
        double s = 0;
        for (int i = from; i < to; i++) {
            long c = counts[i];
            if (c < 0) throw new IllegalArgumentException("negative count " + c);
            total += c;
            if (c > 0) s += c * log2(c);
        }
        if (total == 0) return 0.0;
        // H = log2 T − (1/T) Σ c log2 c
        return Math.max(0.0, log2(total) - s / total);
    }
}
