package org.mdlsae.mdl;

import org.mdlsae.backend.BinCounts;
import org.mdlsae.math.Entropy;

/**
 * Description length of sparse latent codes (DESIGN §2.3), in bits per sample.
 *
 * <p>Entropy DL: each feature i is coded independently (independent additivity) by first saying whether
 * it is active (probability p_i) and, if so, which quantisation bin its value falls in:
 * H_i = h(p_i) + p_i·H(bins of i | active), with plug-in estimates from the evaluation set. Zero is its
 * own symbol (never in a bin). Features that are never active, or that are dead on the calibration set
 * (max 0: their entries are absent from {@link BinCounts}), cost 0 bits.
 */
public final class DescriptionLength {
    private DescriptionLength() {
    }

    /**
     * Per-feature costs H_i (bits per sample) from merged bin counts.
     *
     * @param counts  merged histogram of active entries (keys feature·2^B + bin) over the whole evaluation set
     * @param samples number of samples N the counts were taken over (N &gt; 0)
     * @param width   dictionary width D (every feature index in {@code counts} must be below it)
     * @return an array of length D; entries of features with no active entry are 0
     * @throws IllegalArgumentException if samples ≤ 0, a feature is out of range, or a feature is active
     *                                  in more samples than N
     */
    public static double[] perFeatureBits(BinCounts counts, long samples, int width) {
        if (samples <= 0) throw new IllegalArgumentException("number of samples must be positive, got " + samples);
        if (width < 1) throw new IllegalArgumentException("width must be ≥ 1, got " + width);
        double[] out = new double[width];
        long[] keys = counts.keys(), cnt = counts.counts();
        int i = 0;
        while (i < keys.length) {
            int f = counts.feature(i);
            if (f < 0 || f >= width) throw new IllegalArgumentException("feature " + f + " outside width " + width);
            int j = i;
            long active = 0;
            while (j < keys.length && counts.feature(j) == f) active += cnt[j++];
            if (active > samples) {
                throw new IllegalArgumentException("feature " + f + " is active " + active + " times in " + samples + " samples");
            }
            double p = (double) active / samples;
            out[f] = Entropy.h(p) + p * Entropy.ofCounts(cnt, i, j);
            i = j;
        }
        return out;
    }

    /**
     * Entropy DL Σ_i H_i in bits per sample; see {@link #perFeatureBits}.
     *
     * @param counts  merged bin counts over the evaluation set
     * @param samples number of samples N
     * @param width   dictionary width D
     * @return Σ_i H_i, bits per sample
     */
    public static double entropyBits(BinCounts counts, long samples, int width) {
        double s = 0;
        for (double v : perFeatureBits(counts, samples, width)) s += v;
        return s;
    }

    /**
     * Upper bound per sample DL_ub = L0·(B + log2 D): every active latent is sent as its index
     * (log2 D bits) and its quantised value (B bits). Paper check: L0 = 65, D = 25000, B = 7 → 1404.63.
     *
     * @throws IllegalArgumentException if l0 &lt; 0 or not finite, width &lt; 1, bits &lt; 0
     * @param l0    mean number of active latents per sample
     * @param width dictionary width D
     * @param bits  precision B
     * @return L0·(B + log2 D), bits per sample
     */
    public static double upperBoundBits(double l0, long width, int bits) {
        if (!(l0 >= 0) || Double.isInfinite(l0)) throw new IllegalArgumentException("L0 must be a finite number ≥ 0, got " + l0);
        if (width < 1) throw new IllegalArgumentException("width must be ≥ 1, got " + width);
        if (bits < 0) throw new IllegalArgumentException("bits must be ≥ 0, got " + bits);
        return l0 * (bits + Entropy.log2(width));
    }

    /**
     * The dense code d·B: every input dimension sent at B bits (GPT-2: 768·7 = 5376).
     *
     * @param d    input dimension
     * @param bits precision B
     * @return d·B, bits per sample
     */
    public static long denseBits(int d, int bits) {
        if (d < 1) throw new IllegalArgumentException("d must be ≥ 1, got " + d);
        if (bits < 0) throw new IllegalArgumentException("bits must be ≥ 0, got " + bits);
        return (long) d * bits;
    }
}
