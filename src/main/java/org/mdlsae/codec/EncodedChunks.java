package org.mdlsae.codec;

import org.mdlsae.InputException;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.math.Rows;
import org.mdlsae.mdl.CanonicalCode;
import org.mdlsae.mdl.Chunks;
import org.mdlsae.mdl.SparseEncoder;

/**
 * One pass of the codec over a {@link Rows}: each chunk is checked, uploaded and encoded, and its code handed on
 * in canonical form ({@link CanonicalCode}), on the back end and on the host. Chunks are cut by the DL evaluation's
 * rule ({@link Chunks#rows}), so errors are summed in the same order as {@code mdlsae dl} sums them.
 */
final class EncodedChunks {
    private EncodedChunks() {
    }

    /** Receives one encoded chunk; the buffers are closed after the call. */
    @FunctionalInterface
    interface Visitor {
        /**
         * @param row0  first row of the chunk
         * @param n     rows
         * @param x     the activations, row-major from {@code xOff}
         * @param xOff  offset of the chunk in x
         * @param xBuf  the activations on the back end (n×d, possibly longer)
         * @param code  the canonical code on the back end
         * @param host  the same code on the host
         */
        void visit(long row0, int n, float[] x, int xOff, FloatBuf xBuf, SparseCode code, CanonicalCode.Host host);
    }

    /** Rows per chunk for this model. */
    static int chunkRows(SparseEncoder model) {
        return Chunks.rows(Chunks.DEFAULT_ROWS, model.width(), model.dIn());
    }

    /**
     * Encodes every row of {@code src} chunk by chunk.
     *
     * @param model the SAE
     * @param src   the rows (d must be the SAE's d_in)
     * @param role  how messages name the data (e.g. "--data")
     * @param v     receives each chunk
     */
    static void forEach(SparseEncoder model, Rows src, String role, Visitor v) {
        checkShape(model, src, role);
        Backend be = model.backend();
        int d = model.dIn();
        int chunk = chunkRows(model);
        try (FloatBuf xBuf = be.floats((long) (int) Math.min(chunk, src.rowCount()) * d)) {
            src.forEachChunk(chunk, (row0, n, x, off) -> {
                checkFinite(x, off, n, d, row0, role + " " + src.name());
                be.write(xBuf, 0, x, off, n * d);
                CanonicalCode.Host host;
                try (SparseCode raw = model.encode(xBuf, n)) {
                    host = CanonicalCode.download(be, raw);
                }
                try (SparseCode code = host.upload(be)) {
                    v.visit(row0, n, x, off, xBuf, code, host);
                }
            });
        }
    }

    /** The source's rows must match the SAE's input and be at least one. */
    static void checkShape(SparseEncoder model, Rows src, String role) {
        if (src.dim() != model.dIn()) {
            throw new InputException(role + " " + src.name() + " has d = " + src.dim() + " but the SAE expects d_in = "
                    + model.dIn() + "; give activations of the layer the SAE was trained on");
        }
        if (src.rowCount() < 1) throw new InputException(role + " " + src.name() + " has no rows");
    }

    private static void checkFinite(float[] x, int off, int n, int d, long row0, String what) {
        for (int q = 0; q < n * d; q++) {
            if (!Float.isFinite(x[off + q])) {
                throw new InputException(what + ": row " + (row0 + q / d) + ", column " + (q % d) + " is " + x[off + q]
                        + "; remove or fix non-finite activations");
            }
        }
    }
}
