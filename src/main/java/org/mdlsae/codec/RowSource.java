package org.mdlsae.codec;

import org.mdlsae.data.Dataset;

/**
 * Rows of activations, visited in order a chunk at a time: all the codec asks of its data (docs/design.md §13), so
 * that it runs in memory bounded by a chunk whatever the data's size. An in-memory {@link Dataset} adapts with
 * {@link #of(Dataset)}; a streamed or sharded source adapts the same way.
 */
public interface RowSource {
    /**
     * A label for messages.
     *
     * @return e.g. the file name
     */
    String name();

    /**
     * Values per row d.
     *
     * @return d
     */
    int dim();

    /**
     * Number of rows N.
     *
     * @return N
     */
    long rows();

    /**
     * Visits every row once, in order, in chunks of at most {@code maxRows} rows.
     *
     * @param maxRows largest chunk
     * @param visitor receives each chunk
     */
    void forEachChunk(int maxRows, Visitor visitor);

    /** Receives one chunk. */
    @FunctionalInterface
    interface Visitor {
        /**
         * One chunk: rows [row0, row0 + n) are {@code x[offset .. offset + n·d)}, row-major. The array belongs to the
         * source (it may be reused or shared): read it, never keep or change it.
         *
         * @param row0   index of the chunk's first row
         * @param n      rows in the chunk
         * @param x      the values
         * @param offset where the chunk starts in x
         */
        void visit(long row0, int n, float[] x, int offset);
    }

    /**
     * A view of rows in memory or streamed (no copy).
     *
     * @param rows the rows
     * @return them as a source
     */
    static RowSource of(org.mdlsae.math.Rows rows) {
        return new RowSource() {
            @Override public String name() { return rows.name(); }
            @Override public int dim() { return rows.dim(); }
            @Override public long rows() { return rows.rowCount(); }

            @Override
            public void forEachChunk(int maxRows, Visitor visitor) {
                rows.forEachChunk(maxRows, visitor::visit);
            }
        };
    }
}
