package org.mdlsae.math;

import java.util.Objects;

/**
 * An n × d matrix of float rows that may be far larger than the heap: the rows are read on demand, a range at a time
 * (docs/design.md §8). In-memory data sets and streamed shard directories both implement it, so evaluation code
 * ({@code sae.Metrics}, {@code mdl.Mdl}) walks any of them in bounded memory with {@link #forEachChunk}. Row counts and
 * offsets are longs; a single read is at most one Java array.
 */
public interface Rows {
    /**
     * A short label for messages and reports (a file or directory name, {@code mnist-test}).
     *
     * @return the label
     */
    String name();

    /**
     * Number of rows n.
     *
     * @return n ≥ 0
     */
    long rowCount();

    /**
     * Values per row d.
     *
     * @return d ≥ 1
     */
    int dim();

    /**
     * Copies rows {@code [row0, row0 + n)} into {@code dst[off ..]}, row-major, as float32. Implementations that read
     * files reject non-finite values here, naming the file, row and column.
     *
     * @param row0 first row
     * @param n    rows to copy
     * @param dst  receives n·d values
     * @param off  where the first value goes
     * @throws org.mdlsae.InputException if the rows cannot be read or hold NaN/Inf
     */
    void read(long row0, int n, float[] dst, int off);

    /** Receives consecutive chunks of rows; see {@link #forEachChunk}. */
    @FunctionalInterface
    interface ChunkVisitor {
        /**
         * One chunk: rows {@code [row0, row0 + n)} are {@code buf[off .. off + n·d)}. The buffer is only lent for the
         * call and must not be written.
         *
         * @param row0 first row of the chunk
         * @param n    rows in the chunk
         * @param buf  the values
         * @param off  offset of the first value
         */
        void visit(long row0, int n, float[] buf, int off);
    }

    /**
     * Visits all rows in order, {@code chunkRows} at a time (the last chunk may be shorter). Chunk boundaries depend
     * only on {@code chunkRows}, never on how the rows are stored, so a sum accumulated chunk by chunk is the same
     * double for the same rows however they are stored.
     *
     * @param chunkRows rows per chunk, ≥ 1
     * @param v         the visitor
     */
    default void forEachChunk(int chunkRows, ChunkVisitor v) {
        if (chunkRows < 1) throw new IllegalArgumentException("chunk rows must be >= 1, got " + chunkRows);
        long n = rowCount();
        int d = dim();
        int chunk = (int) Math.max(1, Math.min(chunkRows, Math.min(n, Integer.MAX_VALUE / Math.max(1, d))));
        float[] buf = new float[Math.multiplyExact(chunk, d)];
        for (long r0 = 0; r0 < n; r0 += chunk) {
            int m = (int) Math.min(chunk, n - r0);
            read(r0, m, buf, 0);
            v.visit(r0, m, buf, 0);
        }
    }

    /**
     * A deterministic sample spread over all rows: m = min(n, max) rows, row ⌊i·n/m⌋ for i = 0 … m − 1 (all rows, in
     * order, when n ≤ max).
     *
     * @param max most rows
     * @return m·d values, row-major
     */
    default float[] sampleEvenly(int max) {
        long n = rowCount();
        int d = dim();
        int m = (int) Math.min(n, max);
        float[] out = new float[Math.multiplyExact(m, d)];
        if (m == n) {
            read(0, m, out, 0);
            return out;
        }
        long q = n / m, r = n % m;
        for (int i = 0; i < m; i++) {
            read(i * q + i * r / m, 1, out, i * d); // ⌊i·n/m⌋ without overflow
        }
        return out;
    }

    /**
     * A view of rows {@code [from, to)} of {@code all} (nothing is copied or read until the view is), named
     * {@code name[from:to]}; {@code all} itself when the range is every row. Row indices of the view start at 0.
     *
     * @param all  the rows
     * @param from first row
     * @param to   end row (exclusive)
     * @return the view
     */
    static Rows range(Rows all, long from, long to) {
        Objects.checkFromToIndex(from, to, all.rowCount());
        if (from == 0 && to == all.rowCount()) return all;
        String label = all.name() + "[" + from + ":" + to + "]";
        return new Rows() {
            @Override
            public String name() {
                return label;
            }

            @Override
            public long rowCount() {
                return to - from;
            }

            @Override
            public int dim() {
                return all.dim();
            }

            @Override
            public void read(long row0, int n, float[] dst, int off) {
                Objects.checkFromIndexSize(row0, n, to - from);
                all.read(from + row0, n, dst, off);
            }
        };
    }

    /**
     * A view of the first n rows of a row-major array (not copied); {@link #forEachChunk} lends the array itself.
     *
     * @param name a label
     * @param x    at least n·d values
     * @param n    rows
     * @param d    values per row
     * @return the view
     */
    static Rows of(String name, float[] x, int n, int d) {
        Objects.requireNonNull(x, "x");
        if (n < 0 || d < 0 || (long) n * d > x.length) {
            throw new IllegalArgumentException(name + ": " + x.length + " values are not " + n + " rows of " + d);
        }
        return new Rows() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public long rowCount() {
                return n;
            }

            @Override
            public int dim() {
                return d;
            }

            @Override
            public void read(long row0, int m, float[] dst, int off) {
                Objects.checkFromIndexSize(row0, m, n);
                System.arraycopy(x, (int) row0 * d, dst, off, m * d);
            }

            @Override
            public void forEachChunk(int chunkRows, ChunkVisitor v) {
                if (chunkRows < 1) throw new IllegalArgumentException("chunk rows must be >= 1, got " + chunkRows);
                for (long r0 = 0; r0 < n; r0 += chunkRows) {
                    v.visit(r0, (int) Math.min(chunkRows, n - r0), x, (int) r0 * d);
                }
            }
        };
    }
}
