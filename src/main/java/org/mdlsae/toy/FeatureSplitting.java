package org.mdlsae.toy;

import org.apache.commons.math3.analysis.solvers.BrentSolver;
import org.mdlsae.math.Entropy;

/**
 * The feature-splitting toy of paper §7 / DESIGN §2.5. Two boolean features A, B with P(A) = p_A,
 * P(B) = p_B and correlation ρ; q = P(A∧B) = p_A p_B + ρ·sqrt(p_A(1−p_A) p_B(1−p_B)).
 * <ul>
 *   <li>No split, latents {A, B}: DL₂ = h(p_A) + h(p_B).</li>
 *   <li>Split, latents {A∧¬B, ¬A∧B, A∧B}: DL₃ = h(p_A − q) + h(p_B − q) + h(q).</li>
 * </ul>
 * Both reconstruct equally well; L0 always prefers the split (p_A + p_B − q &lt; p_A + p_B), MDL only
 * when DL₃ &lt; DL₂, i.e. for ρ above the boundary ρ*.
 */
public final class FeatureSplitting {
    private FeatureSplitting() {
    }

    /** One row of the toy: the inputs, q and both description lengths. */
    public record Point(double pA, double pB, double rho, double q, double dl2, double dl3) {
        /**
         * Whether MDL prefers the split (DL₃ &lt; DL₂).
         *
         * @return true when the split code is shorter
         */
        public boolean splitPreferred() {
            return dl3 < dl2;
        }

        /**
         * L0 of the unsplit code, p_A + p_B.
         *
         * @return mean active latents without the split
         */
        public double l0Unsplit() {
            return pA + pB;
        }

        /**
         * L0 of the split code, p_A + p_B − q.
         *
         * @return mean active latents with the split
         */
        public double l0Split() {
            return pA + pB - q;
        }
    }

    static void checkP(String name, double p) {
        if (!(p > 0.0 && p < 1.0)) throw new IllegalArgumentException(name + " must be in (0, 1), got " + p);
    }

    /**
     * q = P(A∧B) = p_A p_B + ρ·sqrt(p_A(1−p_A) p_B(1−p_B)).
     *
     * @throws IllegalArgumentException if a probability is outside (0, 1), ρ outside [−1, 1], or the
     *                                  resulting joint distribution is impossible (q &lt; 0, q &gt; min(p_A, p_B),
     *                                  or P(A∨B) = p_A + p_B − q &gt; 1)
     * @param pA  P(A)
     * @param pB  P(B)
     * @param rho correlation of A and B
     * @return P(A∧B)
     */
    public static double q(double pA, double pB, double rho) {
        checkP("p_A", pA);
        checkP("p_B", pB);
        if (!(rho >= -1.0 && rho <= 1.0)) throw new IllegalArgumentException("rho must be in [-1, 1], got " + rho);
        double q = pA * pB + rho * Math.sqrt(pA * (1 - pA) * pB * (1 - pB));
        double tol = 1e-12;
        if (q < -tol) {
            throw new IllegalArgumentException(String.format(
                    "rho = %s is too negative for p_A = %s, p_B = %s: P(A and B) = %s < 0 (rho must be >= %s)",
                    rho, pA, pB, q, rhoMin(pA, pB)));
        }
        if (q > Math.min(pA, pB) + tol) {
            throw new IllegalArgumentException(String.format(
                    "rho = %s is too large for p_A = %s, p_B = %s: P(A and B) = %s > min(p_A, p_B) (rho must be <= %s)",
                    rho, pA, pB, q, rhoMax(pA, pB)));
        }
        if (pA + pB - q > 1 + tol) {
            throw new IllegalArgumentException(String.format(
                    "rho = %s is too negative for p_A = %s, p_B = %s: P(A or B) = %s > 1 (rho must be >= %s)",
                    rho, pA, pB, pA + pB - q, rhoMin(pA, pB)));
        }
        return Math.min(Math.min(pA, pB), Math.max(Math.max(0.0, pA + pB - 1), q));
    }

    private static double sd(double pA, double pB) {
        return Math.sqrt(pA * (1 - pA) * pB * (1 - pB));
    }

    /**
     * Largest feasible ρ (q = min(p_A, p_B)); 1 when p_A = p_B.
     *
     * @param pA P(A), in (0, 1)
     * @param pB P(B), in (0, 1)
     * @return the largest feasible correlation
     */
    public static double rhoMax(double pA, double pB) {
        checkP("p_A", pA);
        checkP("p_B", pB);
        return Math.min(1.0, (Math.min(pA, pB) - pA * pB) / sd(pA, pB));
    }

    /**
     * Smallest feasible ρ (q = max(0, p_A + p_B − 1)).
     *
     * @param pA P(A), in (0, 1)
     * @param pB P(B), in (0, 1)
     * @return the smallest feasible correlation
     */
    public static double rhoMin(double pA, double pB) {
        checkP("p_A", pA);
        checkP("p_B", pB);
        return Math.max(-1.0, (Math.max(0.0, pA + pB - 1) - pA * pB) / sd(pA, pB));
    }

    /**
     * DL₂ = h(p_A) + h(p_B), bits per sample.
     *
     * @param pA P(A), in (0, 1)
     * @param pB P(B), in (0, 1)
     * @return DL₂ in bits
     */
    public static double dl2(double pA, double pB) {
        checkP("p_A", pA);
        checkP("p_B", pB);
        return Entropy.h(pA) + Entropy.h(pB);
    }

    /**
     * DL₃ = h(p_A − q) + h(p_B − q) + h(q), bits per sample; validates as {@link #q}.
     *
     * @param pA  P(A)
     * @param pB  P(B)
     * @param rho correlation of A and B
     * @return DL₃ in bits
     */
    public static double dl3(double pA, double pB, double rho) {
        double q = q(pA, pB, rho);
        return Entropy.h(clamp01(pA - q)) + Entropy.h(clamp01(pB - q)) + Entropy.h(q);
    }

    private static double clamp01(double v) {
        return Math.max(0.0, Math.min(1.0, v));
    }

    /**
     * All the figures at one (p_A, p_B, ρ).
     *
     * @param pA  P(A)
     * @param pB  P(B)
     * @param rho correlation of A and B
     * @return q, DL₂ and DL₃ at that point
     */
    public static Point point(double pA, double pB, double rho) {
        double q = q(pA, pB, rho);
        return new Point(pA, pB, rho, q, dl2(pA, pB), dl3(pA, pB, rho));
    }

    /**
     * Equal-probability shorthand: DL₂ = 2h(p).
     *
     * @param p P(A) = P(B)
     * @return 2h(p) in bits
     */
    public static double dl2(double p) {
        return dl2(p, p);
    }

    /**
     * Equal-probability shorthand: DL₃ = 2h(p − q) + h(q), q = p² + ρ p(1−p).
     *
     * @param p   P(A) = P(B)
     * @param rho correlation of A and B
     * @return DL₃ in bits
     */
    public static double dl3(double p, double rho) {
        return dl3(p, p, rho);
    }

    /**
     * ρ*(p) for equal probabilities; see {@link #rhoStar(double, double)}.
     *
     * @param p P(A) = P(B), in (0, 1)
     * @return ρ*(p), or NaN if there is no boundary
     */
    public static double rhoStar(double p) {
        return rhoStar(p, p);
    }

    /**
     * The boundary ρ* where DL₃ = DL₂, searched over [max(0, ρ_min), ρ_max] with Brent's method
     * (DL₃ − DL₂ is positive at ρ = 0 and falls as ρ grows). Equal p: 0.01→0.0172, 0.05→0.0843,
     * 0.1→0.1626, 0.2→0.2945, 0.3→0.3956.
     *
     * @return ρ*, or NaN when DL₃ − DL₂ does not change sign on the feasible range (one code is preferred
     *         for every feasible ρ ≥ 0)
     * @param pA P(A), in (0, 1)
     * @param pB P(B), in (0, 1)
     */
    public static double rhoStar(double pA, double pB) {
        double lo = Math.max(0.0, rhoMin(pA, pB));
        double hi = rhoMax(pA, pB);
        double flo = gap(pA, pB, lo), fhi = gap(pA, pB, hi);
        if (flo == 0) return lo;
        if (fhi == 0) return hi;
        if (Math.signum(flo) == Math.signum(fhi)) return Double.NaN;
        BrentSolver solver = new BrentSolver(1e-13, 1e-12);
        return solver.solve(200, r -> gap(pA, pB, r), lo, hi);
    }

    /**
     * DL₃ − DL₂ at ρ (negative: split preferred).
     *
     * @param pA  P(A)
     * @param pB  P(B)
     * @param rho correlation of A and B
     * @return DL₃ − DL₂ in bits
     */
    public static double gap(double pA, double pB, double rho) {
        return dl3(pA, pB, rho) - dl2(pA, pB);
    }
}
