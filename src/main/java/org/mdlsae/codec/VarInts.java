package org.mdlsae.codec;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** Unsigned LEB128 integers (7 bits a byte, low first) for the codec's header. */
final class VarInts {
    private VarInts() {
    }

    static void write(ByteArrayOutputStream out, long v) {
        if (v < 0) throw new IllegalArgumentException("negative varint " + v);
        while (v >= 0x80) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    /**
     * Reads one value.
     *
     * @throws IllegalArgumentException if the buffer ends inside the value or it exceeds 2^63 − 1
     */
    static long read(ByteBuffer in) {
        long v = 0;
        for (int shift = 0; shift < 63; shift += 7) {
            if (!in.hasRemaining()) throw new IllegalArgumentException("model section ends inside a number");
            int b = in.get() & 0xFF;
            if (shift == 56 && b > 0x7F) throw new IllegalArgumentException("a number in the model section is too large");
            v |= (long) (b & 0x7F) << shift;
            if (b < 0x80) return v;
        }
        throw new IllegalArgumentException("a number in the model section is too large");
    }

    /** Reads a value that must lie in [0, max]. */
    static long read(ByteBuffer in, long max, String what) {
        long v = read(in);
        if (v > max) throw new IllegalArgumentException(what + " " + v + " exceeds " + max);
        return v;
    }
}
