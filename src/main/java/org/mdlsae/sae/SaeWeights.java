package org.mdlsae.sae;

import java.util.Arrays;
import org.mdlsae.InputException;

/**
 * An SAE's parameters on the host, in the engine's layout: {@code enc} D×d (row j = latent j's encoder
 * vector, the transpose of SAELens' W_enc [d,D]), {@code bEnc} [D], {@code dec} D×d (= SAELens' W_dec),
 * {@code bDec} [d]. {@code threshold} is θ for BatchTopK inference (NaN otherwise); {@code thresholds} holds the
 * per-latent θ_j of a {@link Arch#JUMPRELU} SAE (null for every other architecture). {@code k} is in [1, D] for
 * TopK and BatchTopK and 0 ("none") for Standard and JumpReLU. Serializable: a cluster ships it to its executors
 * (docs/design.md §14).
 */
public record SaeWeights(Arch arch, int dIn, int width, int k, float threshold,
                         float[] enc, float[] bEnc, float[] dec, float[] bDec, float[] thresholds)
        implements java.io.Serializable {

    public SaeWeights {
        if (dIn <= 0 || width <= 0) throw new InputException("SAE shape must be positive: d_in=" + dIn + ", d_sae=" + width);
        if (arch.hasK() ? k <= 0 || k > width : k != 0) {
            throw new InputException(arch.hasK() ? "k = " + k + " must be in [1, d_sae=" + width + "]"
                    : "a " + arch.id() + " SAE has no k (got " + k + ")");
        }
        check(enc, (long) width * dIn, "W_enc");
        check(bEnc, width, "b_enc");
        check(dec, (long) width * dIn, "W_dec");
        check(bDec, dIn, "b_dec");
        if (arch == Arch.JUMPRELU) {
            check(thresholds, width, "threshold");
            for (float t : thresholds) if (!Float.isFinite(t)) throw new InputException("threshold holds NaN or Inf");
        } else if (thresholds != null) {
            throw new InputException("per-latent thresholds belong to a jumprelu SAE, not " + arch.id());
        }
    }

    /** An SAE without per-latent thresholds (every architecture but {@link Arch#JUMPRELU}). */
    public SaeWeights(Arch arch, int dIn, int width, int k, float threshold,
                      float[] enc, float[] bEnc, float[] dec, float[] bDec) {
        this(arch, dIn, width, k, threshold, enc, bEnc, dec, bDec, null);
    }

    private static void check(float[] a, long len, String name) {
        if (a == null || a.length != len) {
            throw new InputException(name + " has " + (a == null ? 0 : a.length) + " values, expected " + len);
        }
    }

    /** The value all thresholds share (bit for bit), or null when they differ or there are none. */
    public static Float common(float[] thresholds) {
        if (thresholds == null || thresholds.length == 0) return null;
        for (float v : thresholds) if (Float.compare(v, thresholds[0]) != 0) return null;
        return thresholds[0];
    }

    /** A deep copy. */
    public SaeWeights copy() {
        return new SaeWeights(arch, dIn, width, k, threshold, enc.clone(), bEnc.clone(), dec.clone(), bDec.clone(),
                thresholds == null ? null : thresholds.clone());
    }

    /** True when every parameter and the threshold are bit-identical. */
    public boolean sameAs(SaeWeights o) {
        return arch == o.arch && dIn == o.dIn && width == o.width && k == o.k
                && Float.floatToIntBits(threshold) == Float.floatToIntBits(o.threshold)
                && Arrays.equals(enc, o.enc) && Arrays.equals(bEnc, o.bEnc)
                && Arrays.equals(dec, o.dec) && Arrays.equals(bDec, o.bDec) && Arrays.equals(thresholds, o.thresholds);
    }
}
