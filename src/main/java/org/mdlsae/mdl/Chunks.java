package org.mdlsae.mdl;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.SparseCode;

/**
 * Row-chunked encoding of a host dataset, so device memory stays bounded. Codes are handed on in canonical form
 * ({@link CanonicalCode}), the form the codec can restore exactly. The chunk rule is public so that other passes over
 * the same rows (the codec, docs/design.md §13) cut the same chunks and sum errors in the same order.
 */
public final class Chunks {
    /** Default rows per chunk. */
    public static final int DEFAULT_ROWS = 4096;
    /** Cap on chunk·width floats (the dense pre-activations a backend may hold while encoding). */
    private static final long MAX_PRE_FLOATS = 1L << 24;

    private Chunks() {
    }

    /**
     * Rows per chunk for this shape: at most {@code requested}, and chunk·max(D, d) ≤ 2^24 floats.
     *
     * @param requested rows asked for
     * @param width     dictionary width D
     * @param d         input dimension
     * @return rows per chunk, ≥ 1
     */
    public static int rows(int requested, int width, int d) {
        long cap = Math.max(1L, MAX_PRE_FLOATS / Math.max(1, Math.max(width, d)));
        return (int) Math.max(1, Math.min(requested, cap));
    }

    interface Visitor {
        /**
         * One chunk: rows [row0, row0 + n) uploaded in {@code x} and encoded in {@code code}. Return true to keep
         * the code (the visitor then owns it), false to have it closed.
         */
        boolean visit(int row0, int n, FloatBuf x, SparseCode code);
    }

    /** Encodes {@code data} (rows×d, row-major) chunk by chunk and hands each chunk to {@code v}. */
    static void forEach(SparseEncoder model, float[] data, int rows, int chunkRows, Visitor v) {
        Backend be = model.backend();
        int d = model.dIn();
        int chunk = rows(chunkRows, model.width(), d);
        FloatBuf x = be.floats((long) Math.min(chunk, rows) * d);
        try {
            for (int r0 = 0; r0 < rows; r0 += chunk) {
                int n = Math.min(chunk, rows - r0);
                be.write(x, 0, data, r0 * d, n * d);
                SparseCode code = CanonicalCode.of(be, model.encode(x, n));
                boolean keep = false;
                try {
                    keep = v.visit(r0, n, x, code);
                } finally {
                    if (!keep) code.close();
                }
            }
        } finally {
            x.close();
        }
    }
}
