package org.mdlsae.backend;

import static org.mdlsae.backend.Checks.code;
import static org.mdlsae.backend.Checks.need;
import static org.mdlsae.backend.Checks.positive;

import java.util.function.LongSupplier;

/**
 * The argument checks of every {@link Backend} op, written once (docs/design.md §3.4). Each back end calls the
 * op's method here before it touches memory or launches anything, so all back ends refuse a bad call the same way:
 * a {@link BackendException} naming the op and the argument, with the same message (the parity tests compare them).
 * What a back end checks beyond this (a buffer made by another back end, a closed device) is its own.
 */
public final class BackendContract {
    private BackendContract() {
    }

    /** {@link Backend#write}: [dstOff, dstOff + len) inside the buffer and [srcOff, srcOff + len) inside the array. */
    public static void write(long bufLength, long dstOff, int arrayLength, int srcOff, int len) {
        Checks.range(dstOff, len, bufLength, "write", "destination");
        Checks.range(srcOff, len, arrayLength, "write", "source");
    }

    /** {@link Backend#read}: [srcOff, srcOff + len) inside the buffer and [dstOff, dstOff + len) inside the array. */
    public static void read(long bufLength, long srcOff, int arrayLength, int dstOff, int len) {
        Checks.range(srcOff, len, bufLength, "read", "source");
        Checks.range(dstOff, len, arrayLength, "read", "destination");
    }

    /** {@link Backend#copy}: both ranges inside their buffers. */
    public static void copy(long srcLength, long srcOff, long dstLength, long dstOff, long len) {
        Checks.range(srcOff, len, srcLength, "copy", "source");
        Checks.range(dstOff, len, dstLength, "copy", "destination");
    }

    /** {@link Backend#encode}. */
    public static void encode(FloatBuf x, FloatBuf bDec, FloatBuf enc, FloatBuf bEnc, int n, int d, int width, FloatBuf pre) {
        String op = "encode";
        positive(op, n, d, width);
        encoderInputs(op, x, bDec, enc, bEnc, n, d, width);
        need(pre, (long) n * width, op, "pre");
    }

    private static void encoderInputs(String op, FloatBuf x, FloatBuf bDec, FloatBuf enc, FloatBuf bEnc, int n, int d, int width) {
        need(x, (long) n * d, op, "x");
        need(bDec, d, op, "bDec");
        need(enc, (long) width * d, op, "enc");
        need(bEnc, width, op, "bEnc");
    }

    private static void kWithin(String op, int k, int width) {
        if (k > width) throw new BackendException(op, "k = " + k + " exceeds width " + width);
    }

    /** {@link Backend#topK}. */
    public static void topK(FloatBuf pre, IntBuf mask, int n, int width, int k, IntBuf idx, FloatBuf val) {
        String op = "topK";
        positive(op, n, width, k);
        kWithin(op, k, width);
        need(pre, (long) n * width, op, "pre");
        need(idx, (long) n * k, op, "idx");
        need(val, (long) n * k, op, "val");
        if (mask != null) need(mask, width, op, "mask");
    }

    /** {@link Backend#encodeTopK}; {@code pre} may be null (the product is not kept). */
    public static void encodeTopK(FloatBuf x, FloatBuf bDec, FloatBuf enc, FloatBuf bEnc, int n, int d, int width, int k,
                                  IntBuf idx, FloatBuf val, FloatBuf pre) {
        String op = "encodeTopK";
        positive(op, n, d, width, k);
        kWithin(op, k, width);
        encoderInputs(op, x, bDec, enc, bEnc, n, d, width);
        need(idx, (long) n * k, op, "idx");
        need(val, (long) n * k, op, "val");
        if (pre != null) need(pre, (long) n * width, op, "pre");
    }

    /** {@link Backend#encodeBatchThreshold}. */
    public static void encodeBatchThreshold(FloatBuf x, FloatBuf bDec, FloatBuf enc, FloatBuf bEnc, int n, int d, int width,
                                            FloatBuf pre, long keep) {
        String op = "encodeBatchThreshold";
        positive(op, n, d, width);
        encoderInputs(op, x, bDec, enc, bEnc, n, d, width);
        need(pre, (long) n * width, op, "pre");
        keepPositive(op, keep);
    }

    private static void keepPositive(String op, long keep) {
        if (keep <= 0) throw new BackendException(op, "keep must be positive, got " + keep);
    }

    /** {@link Backend#gatherRows}: rows [from, from + rows) of order exist, data holds whole rows, out holds rows×d. */
    public static void gatherRows(FloatBuf data, IntBuf order, int from, int rows, int d, FloatBuf out) {
        String op = "gatherRows";
        positive(op, rows, d);
        if (data == null) throw new BackendException(op, "data is null");
        if (order == null) throw new BackendException(op, "order is null");
        if (data.length() % d != 0) throw new BackendException(op, "data holds " + data.length() + " floats, not rows of " + d);
        Checks.range(from, rows, order.length(), op, "order");
        need(out, (long) rows * d, op, "out");
    }

    /** {@link Backend#kthLargestPositive}. */
    public static void kthLargestPositive(FloatBuf pre, long count, long keep) {
        need(pre, count, "kthLargestPositive", "pre");
        keepPositive("kthLargestPositive", keep);
    }

    /** {@link Backend#countAbove}. */
    public static void countAbove(FloatBuf pre, int n, int width, IntBuf rowPtr) {
        positive("countAbove", n, width);
        need(pre, (long) n * width, "countAbove", "pre");
        need(rowPtr, n + 1L, "countAbove", "rowPtr");
    }

    /**
     * {@link Backend#gatherAbove}; {@code nnz} reads the entry count from {@code rowPtr} once that is known to be
     * large enough.
     */
    public static void gatherAbove(FloatBuf pre, int n, int width, IntBuf rowPtr, IntBuf idx, FloatBuf val, LongSupplier nnz) {
        String op = "gatherAbove";
        positive(op, n, width);
        need(pre, (long) n * width, op, "pre");
        need(rowPtr, n + 1L, op, "rowPtr");
        long entries = nnz.getAsLong();
        need(idx, entries, op, "idx");
        need(val, entries, op, "val");
    }

    /** {@link Backend#decode} (also the decode inside {@link Backend#quantisedSqError}, with its own op name). */
    public static void decode(String op, SparseCode z, FloatBuf dec, FloatBuf bDec, int d, FloatBuf xhat) {
        positive(op, z.n(), d, z.width());
        code(z, op);
        need(dec, (long) z.width() * d, op, "dec");
        if (bDec != null) need(bDec, d, op, "bDec");
        if (xhat != null) need(xhat, (long) z.n() * d, op, "xhat");
    }

    /** {@link Backend#residual}. */
    public static void residual(FloatBuf target, FloatBuf xhat, long count, FloatBuf grad) {
        need(target, count, "residual", "target");
        need(xhat, count, "residual", "xhat");
        need(grad, count, "residual", "grad");
    }

    /** {@link Backend#sumSqDeviation}. */
    public static void sumSqDeviation(FloatBuf a, int n, int d) {
        positive("sumSqDeviation", n, d);
        need(a, (long) n * d, "sumSqDeviation", "a");
    }

    /** {@link Backend#axpby}. */
    public static void axpby(FloatBuf x, FloatBuf y, long count) {
        need(x, count, "axpby", "x");
        need(y, count, "axpby", "y");
    }

    /** {@link Backend#decodeBackward}. */
    public static void decodeBackward(SparseCode z, FloatBuf g, FloatBuf dec, int d, FloatBuf gradDec, FloatBuf gz,
                                      FloatBuf gradBDec) {
        String op = "decodeBackward";
        positive(op, z.n(), d, z.width());
        code(z, op);
        need(g, (long) z.n() * d, op, "g");
        need(dec, (long) z.width() * d, op, "dec");
        need(gradDec, (long) z.width() * d, op, "gradDec");
        need(gz, z.nnz(), op, "gz");
        if (gradBDec != null) need(gradBDec, d, op, "gradBDec");
    }

    /** {@link Backend#encodeBackward}. */
    public static void encodeBackward(SparseCode z, FloatBuf gz, FloatBuf x, FloatBuf bDec, FloatBuf enc, int d,
                                      FloatBuf gradEnc, FloatBuf gradBEnc, FloatBuf gradBDec) {
        String op = "encodeBackward";
        positive(op, z.n(), d, z.width());
        code(z, op);
        need(gz, z.nnz(), op, "gz");
        need(x, (long) z.n() * d, op, "x");
        need(bDec, d, op, "bDec");
        need(enc, (long) z.width() * d, op, "enc");
        need(gradEnc, (long) z.width() * d, op, "gradEnc");
        need(gradBEnc, z.width(), op, "gradBEnc");
        if (gradBDec != null) need(gradBDec, d, op, "gradBDec");
    }

    /** {@link Backend#fusedSparseStep}: every buffer present and large enough for the code's shape. */
    public static void fusedSparseStep(SparseCode z, FloatBuf x, FloatBuf dec, FloatBuf bDec, FloatBuf enc, int d,
                                       FloatBuf xhat, FloatBuf g, FloatBuf gz, FloatBuf gradDec, FloatBuf gradEnc,
                                       FloatBuf gradBEnc, FloatBuf gradBDec) {
        String op = "fusedSparseStep";
        positive(op, z.n(), d, z.width());
        code(z, op);
        long nd = (long) z.n() * d, wd = (long) z.width() * d;
        need(x, nd, op, "x");
        need(dec, wd, op, "dec");
        need(bDec, d, op, "bDec");
        need(enc, wd, op, "enc");
        need(xhat, nd, op, "xhat");
        need(g, nd, op, "g");
        need(gz, z.nnz(), op, "gz");
        need(gradDec, wd, op, "gradDec");
        need(gradEnc, wd, op, "gradEnc");
        need(gradBEnc, z.width(), op, "gradBEnc");
        need(gradBDec, d, op, "gradBDec");
    }

    /** {@link Backend#countActive}. */
    public static void countActive(SparseCode z, IntBuf counts) {
        code(z, "countActive");
        need(counts, z.width(), "countActive", "counts");
    }

    /** {@link Backend#addPerLatent}. */
    public static void addPerLatent(SparseCode z, FloatBuf perLatent) {
        code(z, "addPerLatent");
        need(perLatent, z.width(), "addPerLatent", "perLatent");
    }

    /** {@link Backend#updateDead}: three buffers of width ints, rows ≥ 0 and deadAfter ≥ 1. */
    public static void updateDead(IntBuf counts, IntBuf since, IntBuf mask, int width, int rows, int deadAfter) {
        String op = "updateDead";
        positive(op, width, deadAfter);
        if (rows < 0) throw new BackendException(op, "rows must be ≥ 0, got " + rows);
        need(counts, width, op, "counts");
        need(since, width, op, "since");
        need(mask, width, op, "mask");
    }

    /** {@link Backend#removeParallelGrad}. */
    public static void removeParallelGrad(FloatBuf dec, FloatBuf gradDec, int width, int d) {
        String op = "removeParallelGrad";
        positive(op, width, d);
        need(dec, (long) width * d, op, "dec");
        need(gradDec, (long) width * d, op, "gradDec");
    }

    /** {@link Backend#normaliseRows}. */
    public static void normaliseRows(FloatBuf dec, int width, int d) {
        positive("normaliseRows", width, d);
        need(dec, (long) width * d, "normaliseRows", "dec");
    }

    /** {@link Backend#adamStep}. */
    public static void adamStep(FloatBuf param, FloatBuf grad, FloatBuf m, FloatBuf v, long count, int t) {
        String op = "adamStep";
        need(param, count, op, "param");
        need(grad, count, op, "grad");
        need(m, count, op, "m");
        need(v, count, op, "v");
        if (t < 1) throw new BackendException(op, "step t must be ≥ 1, got " + t);
    }

    /** {@link Backend#featureMax}. */
    public static void featureMax(SparseCode z, FloatBuf max) {
        code(z, "featureMax");
        need(max, z.width(), "featureMax", "max");
    }

    /** {@link Backend#binCounts}. */
    public static void binCounts(SparseCode z, FloatBuf max, int bits) {
        code(z, "binCounts");
        need(max, z.width(), "binCounts", "max");
        Checks.bits(bits, "binCounts");
    }

    /** {@link Backend#binHistogram}. */
    public static void binHistogram(SparseCode z, FloatBuf max, int bits, IntBuf hist) {
        String op = "binHistogram";
        code(z, op);
        need(max, z.width(), op, "max");
        histogram(hist, z.width(), bits, op);
    }

    /** {@link Backend#entropyBits}. */
    public static void entropyBits(IntBuf hist, int width, int bits, long samples) {
        String op = "entropyBits";
        histogram(hist, width, bits, op);
        if (samples <= 0) throw new BackendException(op, "samples must be positive, got " + samples);
    }

    /** A dense per-feature histogram: bits in range and hist holding width·2^bits ints (fewer than 2^31). */
    private static void histogram(IntBuf hist, int width, int bits, String op) {
        Checks.bits(bits, op);
        positive(op, width);
        long cells = (long) width << bits;
        if (cells > Integer.MAX_VALUE - 8) throw new BackendException(op, "width·2^bits = " + cells + " cells exceed 2^31");
        need(hist, cells, op, "hist");
    }

    /** {@link Backend#quantisedSqError}. */
    public static void quantisedSqError(SparseCode z, FloatBuf max, int bits, FloatBuf dec, FloatBuf bDec, FloatBuf x, int d) {
        String op = "quantisedSqError";
        if (bits > 0) Checks.bits(bits, op);
        need(max, z.width(), op, "max");
        need(x, (long) z.n() * d, op, "x");
        decode(op, z, dec, bDec, d, null);
    }
}
