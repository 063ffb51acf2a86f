package org.mdlsae.codec;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A carry-propagating range coder (docs/design.md §13), the LZMA construction widened to a 48-bit range so that a
 * symbol's coding loss is negligible: the range stays in [2^40, 2^48), every model's frequencies sum to
 * 2^{@value #TOTAL_BITS}, so the interval split r = range / 2^20 ≥ 2^20 and the slack lost per symbol is below
 * 2^-20 of the range (≈ 1.4·10^-6 bits). Carries into bytes already produced are resolved with LZMA's cache byte and
 * count of pending 0xFF bytes, so output is a plain byte stream with no bit stuffing.
 *
 * <p>The stream is {@code 1 + B + 6} bytes for B renormalisation shifts: a leading zero byte (the initial cache),
 * the shifted-out bytes, and the six bytes of the final low. {@link RangeDecoder} reads it back.
 */
final class RangeEncoder {
    /** Every frequency table sums to 2^TOTAL_BITS. */
    static final int TOTAL_BITS = 20;
    /** 2^TOTAL_BITS. */
    static final int TOTAL = 1 << TOTAL_BITS;
    /** Range width and mask. */
    static final long MASK = (1L << 48) - 1;
    /** The range is renormalised (shifted by a byte) whenever it falls below this. */
    static final long BOTTOM = 1L << 40;

    private final OutputStream out;
    private long low;
    private long range = MASK;
    private int cache;
    private long cacheSize = 1;
    private long bytes;
    private boolean finished;

    RangeEncoder(OutputStream out) {
        this.out = out;
    }

    /**
     * Codes the symbol occupying [cum, cum + freq) of a table summing to {@link #TOTAL}.
     *
     * @param cum  cumulative frequency of the symbols before it
     * @param freq its frequency, ≥ 1
     * @throws IOException if the output fails
     */
    void encode(int cum, int freq) throws IOException {
        if (freq <= 0 || cum < 0 || cum + freq > TOTAL) {
            throw new IllegalArgumentException("bad symbol interval [" + cum + ", " + (cum + freq) + ")");
        }
        long r = range >>> TOTAL_BITS;
        low += r * cum;
        range = r * freq;
        while (range < BOTTOM) {
            range <<= 8;
            shiftLow();
        }
    }

    private void shiftLow() throws IOException {
        if ((low & MASK) < 0xFFL << 40 || (low >>> 48) != 0) {
            int carry = (int) (low >>> 48);
            int temp = cache;
            do {
                out.write((temp + carry) & 0xFF);
                bytes++;
                temp = 0xFF;
            } while (--cacheSize != 0);
            cache = (int) ((low >>> 40) & 0xFF);
        }
        cacheSize++;
        low = (low & (BOTTOM - 1)) << 8;
    }

    /**
     * Writes the final bytes; the encoder is unusable afterwards.
     *
     * @return the total number of bytes written
     * @throws IOException if the output fails
     */
    long finish() throws IOException {
        if (!finished) {
            for (int i = 0; i < 7; i++) shiftLow();
            finished = true;
        }
        return bytes;
    }
}
