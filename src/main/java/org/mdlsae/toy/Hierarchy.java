package org.mdlsae.toy;

import java.util.Arrays;
import org.mdlsae.math.Entropy;

/**
 * The hierarchical-feature toy of paper §7 / DESIGN §2.5. A parent P ("animal") fires with probability p;
 * children C_1..C_N ("bird", "fish", …) fire only when P does, mutually exclusively, with
 * P(C_i | P) = r_i (Σ r_i ≤ 1). Three codes of the same events, bits per sample:
 * <ul>
 *   <li>co-active flat (parent and child latents both fire for a bird): h(p) + Σ_i h(p r_i);</li>
 *   <li>exclusive flat (conventional SAE: "bird" or "generic animal", never together):
 *       Σ_i h(p r_i) + h(p(1 − Σ r_i));</li>
 *   <li>tree (send the children only when P fired): h(p) + p·H(r_1, …, r_N, 1 − Σ r_i) — the joint
 *       entropy, the least of the three.</li>
 * </ul>
 * One child, p = 0.1, r = 0.5: 0.755393 / 0.572794 / 0.568996 bits.
 */
public final class Hierarchy {
    private Hierarchy() {
    }

    /** The three codes' lengths for one configuration, bits per sample. */
    public record Codes(double p, double[] r, double coactiveFlat, double exclusiveFlat, double tree) {
        /**
         * Bits the tree saves over the co-active flat code.
         *
         * @return bits per sample
         */
        public double treeSavingVsCoactive() {
            return coactiveFlat - tree;
        }

        /**
         * Bits the tree saves over the exclusive flat code (the conventional SAE).
         *
         * @return bits per sample
         */
        public double treeSavingVsExclusive() {
            return exclusiveFlat - tree;
        }

        /**
         * Number of children N.
         *
         * @return N
         */
        public int children() {
            return r.length;
        }

        @Override
        public String toString() {
            return "Codes[p=" + p + ", r=" + Arrays.toString(r) + ", coactiveFlat=" + coactiveFlat
                    + ", exclusiveFlat=" + exclusiveFlat + ", tree=" + tree + "]";
        }
    }

    private static double check(double p, double[] r) {
        if (!(p >= 0.0 && p <= 1.0)) throw new IllegalArgumentException("p must be in [0, 1], got " + p);
        if (r == null || r.length == 0) throw new IllegalArgumentException("need at least one child probability r");
        double s = 0;
        for (double ri : r) {
            if (!(ri >= 0.0 && ri <= 1.0)) throw new IllegalArgumentException("each r must be in [0, 1], got " + ri);
            s += ri;
        }
        if (s > 1.0 + 1e-12) {
            throw new IllegalArgumentException("children are exclusive, so the r_i must sum to at most 1, got " + s);
        }
        return Math.min(1.0, s);
    }

    /**
     * Co-active flat code: h(p) + Σ h(p r_i).
     *
     * @param p P(parent)
     * @param r P(C_i | parent) for each child
     * @return bits per sample
     */
    public static double coactiveFlat(double p, double... r) {
        check(p, r);
        double s = Entropy.h(p);
        for (double ri : r) s += Entropy.h(p * ri);
        return s;
    }

    /**
     * Exclusive flat code: Σ h(p r_i) + h(p(1 − Σ r_i)).
     *
     * @param p P(parent)
     * @param r P(C_i | parent) for each child
     * @return bits per sample
     */
    public static double exclusiveFlat(double p, double... r) {
        double sum = check(p, r);
        double s = Entropy.h(p * Math.max(0.0, 1.0 - sum));
        for (double ri : r) s += Entropy.h(p * ri);
        return s;
    }

    /**
     * Tree code: h(p) + p·H(r_1, …, r_N, 1 − Σ r_i).
     *
     * @param p P(parent)
     * @param r P(C_i | parent) for each child
     * @return bits per sample
     */
    public static double tree(double p, double... r) {
        double sum = check(p, r);
        double[] probs = Arrays.copyOf(r, r.length + 1);
        probs[r.length] = Math.max(0.0, 1.0 - sum);
        // Renormalise away rounding so Entropy's sum check passes.
        double t = 0;
        for (double v : probs) t += v;
        for (int i = 0; i < probs.length; i++) probs[i] /= t;
        return Entropy.h(p) + p * Entropy.ofProbabilities(probs);
    }

    /**
     * All three codes.
     *
     * @param p P(parent)
     * @param r P(C_i | parent) for each child
     * @return the three codes' lengths
     */
    public static Codes codes(double p, double... r) {
        return new Codes(p, r.clone(), coactiveFlat(p, r), exclusiveFlat(p, r), tree(p, r));
    }

    /**
     * N children with the same P(C_i | P) = r (N·r ≤ 1).
     *
     * @param p        P(parent)
     * @param r        P(C_i | parent), the same for every child
     * @param children number of children N
     * @return the three codes' lengths
     */
    public static Codes codes(double p, double r, int children) {
        if (children < 1) throw new IllegalArgumentException("children must be ≥ 1, got " + children);
        double[] rs = new double[children];
        Arrays.fill(rs, r);
        return codes(p, rs);
    }
}
