package org.mdlsae.backend;

import java.util.Arrays;

/**
 * Shape and argument checks shared by every back end, made in Java before any launch, so that all back ends
 * fail the same way with a {@link BackendException} naming the op.
 */
public final class Checks {
    /** Largest supported quantisation precision. */
    public static final int MAX_BITS = 16;

    private Checks() {
    }

    /** {@code b} is non-null and holds at least {@code len} floats. */
    public static void need(FloatBuf b, long len, String op, String what) {
        if (b == null) throw new BackendException(op, what + " is null");
        if (b.length() < len) throw new BackendException(op, what + " holds " + b.length() + " floats, needs " + len);
    }

    /** {@code b} is non-null and holds at least {@code len} ints. */
    public static void need(IntBuf b, long len, String op, String what) {
        if (b == null) throw new BackendException(op, what + " is null");
        if (b.length() < len) throw new BackendException(op, what + " holds " + b.length() + " ints, needs " + len);
    }

    /** Every dimension is ≥ 1. */
    public static void positive(String op, int... dims) {
        for (int v : dims) if (v <= 0) throw new BackendException(op, "dimensions must be positive: " + Arrays.toString(dims));
    }

    /** The code's buffers hold its n + 1 row offsets and nnz entries. */
    public static void code(SparseCode z, String op) {
        need(z.rowPtr(), z.n() + 1L, op, "rowPtr");
        need(z.idx(), z.nnz(), op, "idx");
        need(z.val(), z.nnz(), op, "val");
    }

    /** 1 ≤ bits ≤ {@link #MAX_BITS}. */
    public static void bits(int bits, String op) {
        if (bits < 1 || bits > MAX_BITS) throw new BackendException(op, "bits must be in [1, " + MAX_BITS + "], got " + bits);
    }

    /** [off, off + len) lies inside a buffer of {@code length} elements. */
    public static void range(long off, long len, long length, String op, String what) {
        if (off < 0 || len < 0 || off > length - len) {
            throw new BackendException(op, what + " range [" + off + ", " + (off + len) + ") is outside 0.." + length);
        }
    }
}
