package org.mdlsae.codec;

import java.io.IOException;
import java.io.InputStream;

/**
 * Decoder of {@link RangeEncoder}'s stream. It reads at most the bytes the encoder wrote; reading past the end of a
 * (corrupt) stream yields zeros and is reported by {@link #overran()}, so a caller can refuse the file instead of
 * failing somewhere else.
 */
final class RangeDecoder {
    private final InputStream in;
    private final long limit;
    private long read;
    private long range = RangeEncoder.MASK;
    private long code;
    private long r;
    private boolean bad;

    /**
     * Starts decoding.
     *
     * @param in    the stream, positioned at the coder's first byte
     * @param limit how many bytes belong to the coder's stream
     * @throws IOException if reading fails
     */
    RangeDecoder(InputStream in, long limit) throws IOException {
        this.in = in;
        this.limit = limit;
        if (next() != 0) bad = true; // the encoder's initial cache byte is always zero
        for (int i = 0; i < 6; i++) code = (code << 8) | next();
    }

    private int next() throws IOException {
        if (read >= limit) {
            bad = true;
            read++;
            return 0;
        }
        int b = in.read();
        if (b < 0) {
            bad = true;
            b = 0;
        }
        read++;
        return b;
    }

    /**
     * First half of decoding a symbol: its position in [0, {@link RangeEncoder#TOTAL}).
     *
     * @return the cumulative frequency the symbol's interval contains
     */
    int target() {
        r = range >>> RangeEncoder.TOTAL_BITS;
        long v = code / r;
        if (v >= RangeEncoder.TOTAL) { // impossible in a stream the encoder wrote
            bad = true;
            v = RangeEncoder.TOTAL - 1;
        }
        return (int) v;
    }

    /**
     * Second half: consumes the symbol occupying [cum, cum + freq) (the one whose interval holds {@link #target()}).
     *
     * @param cum  cumulative frequency of the symbols before it
     * @param freq its frequency
     * @throws IOException if reading fails
     */
    void consume(int cum, int freq) throws IOException {
        code -= r * cum;
        range = r * freq;
        if (code < 0 || code >= range) {
            bad = true;
            code = Math.floorMod(code, range);
        }
        while (range < RangeEncoder.BOTTOM) {
            code = ((code << 8) | next()) & RangeEncoder.MASK;
            range <<= 8;
        }
    }

    /**
     * Whether the stream was inconsistent: a non-zero first byte, a symbol outside every interval, or a read past
     * the stream's end.
     *
     * @return true if the decoded symbols cannot be trusted
     */
    boolean overran() {
        return bad;
    }

    /**
     * Bytes consumed so far.
     *
     * @return the count (may exceed the limit if {@link #overran()})
     */
    long bytesRead() {
        return read;
    }
}
