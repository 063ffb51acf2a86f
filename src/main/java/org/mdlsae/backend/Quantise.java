package org.mdlsae.backend;

/**
 * The quantiser's bin rule of docs/design.md §2.3 in float32, the one definition every back end uses (the CPU
 * computes bins with it; the kernel back ends compute each feature's {@link #scale} with it on the host and upload
 * it, so no device division rounding can move a bin edge).
 */
public final class Quantise {
    /** Largest supported precision. */
    public static final int MAX_BITS = Checks.MAX_BITS;

    private Quantise() {
    }

    /**
     * The bin scale of a feature: (float) 2^bits / max, or 0 for a dead feature (max ≤ 0).
     *
     * @param max  the feature's calibration maximum
     * @param bits precision B
     * @return s, so that bin(v) = min((int)(v·s), 2^bits − 1)
     */
    public static float scale(float max, int bits) {
        return max <= 0f ? 0f : (float) (1 << bits) / max;
    }

    /** Bin of an active value v &gt; 0 of a feature whose calibration maximum is max &gt; 0. */
    public static int bin(float v, float max, int bits) {
        int b = (int) (v * scale(max, bits));
        return Math.min(b, (1 << bits) - 1);
    }

    /** Decoded value of bin b: its centre. */
    public static float centreOfBin(int b, float max, int bits) {
        return (b + 0.5f) * max / (float) (1 << bits);
    }

    /** Quantise-then-decode of an activation (0 stays 0; a dead feature decodes to 0). */
    public static float centre(float v, float max, int bits) {
        if (v <= 0f || max <= 0f) return 0f;
        return centreOfBin(bin(v, max, bits), max, bits);
    }
}
