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

    /** The encoder operands for n rows: x (n×d), bDec (d), enc (width×d), bEnc (width); dimensions positive. */
    public static void encoder(String op, FloatBuf x, FloatBuf bDec, FloatBuf enc, FloatBuf bEnc, int n, int d, int width) {
        positive(op, n, d, width);
        need(x, (long) n * d, op, "x");
        need(bDec, d, op, "bDec");
        need(enc, (long) width * d, op, "enc");
        need(bEnc, width, op, "bEnc");
    }

    /** A fixed-k output of n rows: 1 ≤ k ≤ width, idx and val hold n·k. */
    public static void topKOut(String op, IntBuf idx, FloatBuf val, int n, int width, int k) {
        if (k > width) throw new BackendException(op, "k = " + k + " exceeds width " + width);
        need(idx, (long) n * k, op, "idx");
        need(val, (long) n * k, op, "val");
    }

    /** gatherRows: rows [from, from + rows) of order exist, data holds whole rows, out holds rows×d. */
    public static void gatherRows(FloatBuf data, IntBuf order, int from, int rows, int d, FloatBuf out) {
        String op = "gatherRows";
        positive(op, rows, d);
        if (data.length() % d != 0) throw new BackendException(op, "data holds " + data.length() + " floats, not rows of " + d);
        range(from, rows, order.length(), op, "order");
        need(out, (long) rows * d, op, "out");
    }

    /** updateDead: three buffers of width ints, rows ≥ 0 and deadAfter ≥ 1. */
    public static void updateDead(IntBuf counts, IntBuf since, IntBuf mask, int width, int rows, int deadAfter) {
        String op = "updateDead";
        positive(op, width, deadAfter);
        if (rows < 0) throw new BackendException(op, "rows must be ≥ 0, got " + rows);
        need(counts, width, op, "counts");
        need(since, width, op, "since");
        need(mask, width, op, "mask");
    }

    /** A dense per-feature histogram: bits in range and hist holding width·2^bits ints (fewer than 2^31). */
    public static void histogram(IntBuf hist, int width, int bits, String op) {
        bits(bits, op);
        positive(op, width);
        long cells = (long) width << bits;
        if (cells > Integer.MAX_VALUE - 8) throw new BackendException(op, "width·2^bits = " + cells + " cells exceed 2^31");
        need(hist, cells, op, "hist");
    }

    /** [off, off + len) lies inside a buffer of {@code length} elements. */
    public static void range(long off, long len, long length, String op, String what) {
        if (off < 0 || len < 0 || off > length - len) {
            throw new BackendException(op, what + " range [" + off + ", " + (off + len) + ") is outside 0.." + length);
        }
    }
}
