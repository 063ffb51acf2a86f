package org.mdlsae.codec;

import java.util.Arrays;
import java.util.function.ToDoubleFunction;
import org.mdlsae.math.Entropy;
import org.mdlsae.mdl.PrecisionSearch;

/**
 * Per-feature precision (docs/design.md §13): a bit allocation B_j that meets the same tolerance ε as the uniform B*
 * with a smaller entropy DL.
 *
 * <p>Rate–distortion by Lagrange multipliers: feature j at precision b costs R_j(b) = a_j·H(bins of j at b) bits
 * and adds about E_j(b) = ‖W_dec[j]‖²·Σ(centre_b(v) − v)² to the squared error (its own quantisation error, the
 * cross terms between features neglected). For a multiplier λ each feature independently takes the b minimising
 * R_j(b) + λ·E_j(b); λ is bisected so that the predicted error, anchored at the exact error of uniform B*, meets ε.
 * The prediction is then checked exactly (one reconstruction pass through {@link Reconstruction}), and the target is
 * corrected from the measured error a few times (secant steps). The result is the feasible allocation of least DL
 * among those checked, uniform B* included, so it never does worse than uniform precision.
 */
final class Allocation {
    /** Exact checks at most (each is one pass over the data). */
    static final int MAX_CHECKS = 6;

    private Allocation() {
    }

    /**
     * The chosen allocation.
     *
     * @param bits   B_j per feature
     * @param dlBits its entropy DL, bits per sample
     * @param sqError its exact squared error Σ‖x − x̂_q‖²
     * @param checks exact checks made
     */
    record Result(byte[] bits, double dlBits, double sqError, int checks) {
    }

    /**
     * Allocates precision per feature.
     *
     * @param s      the statistics pass
     * @param eps    ε in MSE units
     * @param bStar  uniform B* at ε
     * @param exact  the exact squared error of an allocation (a pass over the data)
     * @return the best feasible allocation found
     */
    static Result allocate(CodeStats s, double eps, int bStar, ToDoubleFunction<byte[]> exact) {
        int width = s.width;
        int nb = PrecisionSearch.MAX_BITS;
        double[][] rate = new double[width][nb];
        double[][] dist = new double[width][nb];
        CodeStats.Histograms[] h = new CodeStats.Histograms[nb];
        for (int b = 1; b <= nb; b++) h[b - 1] = s.histograms(b);
        for (int j = 0; j < width; j++) {
            for (int b = 1; b <= nb; b++) {
                long[] c = h[b - 1].counts()[j];
                long a = 0;
                for (long x : c) a += x;
                rate[j][b - 1] = a * Entropy.ofCounts(c);
                dist[j][b - 1] = s.decNorm2[j] * s.valueError[b - 1][j];
            }
        }
        double budget = eps * s.rows * s.d;
        byte[] uniform = new byte[width];
        Arrays.fill(uniform, (byte) (int) bStar);
        double seUniform = s.se[bStar - 1];
        double anchor = seUniform - predicted(dist, uniform);
        Result best = new Result(uniform, dl(s, rate, uniform), seUniform, 0);

        double target = budget - anchor; // allowed Σ E_j
        int checks = 0;
        while (checks < MAX_CHECKS && target > 0) {
            byte[] bits = solve(rate, dist, target);
            if (Arrays.equals(bits, uniform)) break;
            double se = exact.applyAsDouble(bits);
            checks++;
            double dl = dl(s, rate, bits);
            if (se <= budget && dl < best.dlBits()) best = new Result(bits, dl, se, checks);
            // secant step on the target: move it by the measured miss (shrinking a little more when over)
            double miss = budget - se;
            if (Math.abs(miss) < 1e-4 * budget && se <= budget) break;
            target += miss > 0 ? 0.9 * miss : 1.1 * miss;
        }
        return new Result(best.bits(), best.dlBits(), best.sqError(), checks);
    }

    /** DL of an allocation: Σ_j h(p_j) + R_j(b_j)/N. */
    private static double dl(CodeStats s, double[][] rate, byte[] bits) {
        double r = 0;
        for (int j = 0; j < bits.length; j++) r += rate[j][bits[j] - 1];
        return s.activityBits() + r / s.rows;
    }

    private static double predicted(double[][] dist, byte[] bits) {
        double e = 0;
        for (int j = 0; j < bits.length; j++) e += dist[j][bits[j] - 1];
        return e;
    }

    /** The allocation of least rate whose predicted error Σ E_j is at most {@code target} (bisection on λ). */
    static byte[] solve(double[][] rate, double[][] dist, double target) {
        double lo = 1e-30, hi = 1e30;
        byte[] atHi = choose(rate, dist, hi);
        if (predicted(dist, atHi) > target) return atHi; // even the finest meets it not: the finest there is
        for (int it = 0; it < 200 && hi / lo > 1 + 1e-9; it++) {
            double mid = Math.sqrt(lo * hi);
            byte[] b = choose(rate, dist, mid);
            if (predicted(dist, b) <= target) {
                hi = mid;
                atHi = b;
            } else {
                lo = mid;
            }
        }
        return atHi;
    }

    /** For multiplier λ, each feature's b minimising R + λ·E (the lower b on ties). */
    static byte[] choose(double[][] rate, double[][] dist, double lambda) {
        byte[] out = new byte[rate.length];
        for (int j = 0; j < rate.length; j++) {
            int bestB = 1;
            double bestV = Double.POSITIVE_INFINITY;
            for (int b = 1; b <= rate[j].length; b++) {
                double v = rate[j][b - 1] + lambda * dist[j][b - 1];
                if (v < bestV) {
                    bestV = v;
                    bestB = b;
                }
            }
            out[j] = (byte) bestB;
        }
        return out;
    }
}
