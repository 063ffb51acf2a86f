package org.mdlsae.mdl;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.math.Rows;

/**
 * Row-chunked encoding of rows in memory or streamed from disk, so host and device memory stay bounded. Chunk
 * boundaries depend only on the chunk size, never on how the rows are stored. Codes are handed on in canonical form
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
        boolean visit(long row0, int n, FloatBuf x, SparseCode code);
    }

    /** Encodes {@code data} chunk by chunk and hands each chunk to {@code v}. */
    static void forEach(SparseEncoder model, Rows data, int chunkRows, Visitor v) {
        forEach(model, data, chunkRows, (r0, n, buf, off) -> { }, v);
    }

    /** As {@link #forEach(SparseEncoder, Rows, int, Visitor)}, showing each chunk's host values to {@code host} first. */
    static void forEach(SparseEncoder model, Rows data, int chunkRows, Rows.ChunkVisitor host, Visitor v) {
        Backend be = model.backend();
        int d = model.dIn();
        int chunk = rows(chunkRows, model.width(), d);
        FloatBuf x = be.floats(Math.min(chunk, data.rowCount()) * d);
        try {
            data.forEachChunk(chunk, (r0, n, buf, off) -> {
                host.visit(r0, n, buf, off);
                be.write(x, 0, buf, off, n * d);
                SparseCode code = CanonicalCode.of(be, model.encode(x, n));
                boolean keep = false;
                try {
                    keep = v.visit(r0, n, x, code);
                } finally {
                    if (!keep) code.close();
                }
            });
        } finally {
            x.close();
        }
    }
}
