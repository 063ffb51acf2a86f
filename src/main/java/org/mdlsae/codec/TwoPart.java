package org.mdlsae.codec;

/**
 * Two-part MDL (docs/design.md §13): the data's code costs N·DL bits, and the dictionary it is written in costs bits
 * once. The dictionary is what a receiver needs to decode: W_dec (D×d) and b_dec (d), stated at float16, 16 bits a
 * parameter. (The encoder is not needed to decode; the quantiser scales and models are in the compressed file's
 * header and are counted there.)
 */
public final class TwoPart {
    /** Bits per dictionary parameter (float16). */
    public static final int PARAM_BITS = 16;

    private TwoPart() {
    }

    /**
     * The dictionary's cost at float16.
     *
     * @param width D
     * @param d     input dimension
     * @return (D·d + d)·16 bits
     */
    public static long dictionaryBits(int width, int d) {
        return ((long) width * d + d) * PARAM_BITS;
    }

    /**
     * The number of samples from which a dictionary with per-sample DL {@code dlWide} and cost {@code costWide} codes
     * data in fewer total bits than one with {@code dlNarrow} and {@code costNarrow}: N* = ΔC / ΔDL.
     *
     * @return N* (rounded up; 0 if it is never worse), or null if it never pays (its DL is not smaller)
     */
    public static Long breakEven(double dlNarrow, long costNarrow, double dlWide, long costWide) {
        double saved = dlNarrow - dlWide;
        long extra = costWide - costNarrow;
        if (saved > 0) return Math.max(0L, (long) Math.ceil(extra / saved));
        return saved == 0 && extra <= 0 ? Long.valueOf(0L) : null;
    }
}
