package org.mdlsae.train;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;

/**
 * Where the {@link Trainer} draws its batches from: rows of d floats, visited epoch by epoch in an order the source
 * decides (in-memory data are shuffled exactly, {@link InMemoryBatches}; shard sets are mixed by chunks and read ahead
 * on a background thread, {@link StreamedBatches}; {@link BatchSources#of} picks). The trainer starts each epoch
 * itself ({@link #startEpoch}), takes batches until {@link #next} returns 0, and can ask where the source stands
 * ({@link #cursor}) and put a source built the same way back there ({@link #restore}), which is what an exact resume
 * from a checkpoint needs: after {@code restore(c)} the source hands out exactly the rows, in the same order, that
 * the source the cursor was taken from handed out next, whatever threads did meanwhile. The trainer takes the
 * batches through {@link #onto}, which puts them straight into a buffer on its back end: by default each batch is
 * copied on the host and written, while a source may keep its data resident on a device and gather each batch there
 * ({@link InMemoryBatches} does on device back ends, docs/design.md §9); a source that wraps another keeps the
 * default, so that its own {@link #next} (e.g. a scaling one) is what reaches the device. Not thread-safe; close it
 * when done (a streamed source stops its reader thread).
 */
public interface BatchSource extends AutoCloseable {
    /**
     * Values per row.
     *
     * @return d
     */
    int dim();

    /**
     * Rows per epoch.
     *
     * @return n ≥ 1
     */
    long rows();

    /**
     * Epochs started so far (0 before the first {@link #startEpoch}).
     *
     * @return the current epoch, 1-based
     */
    int epoch();

    /** Starts the next epoch: the order of its rows is fixed now. */
    void startEpoch();

    /**
     * Copies the next rows of the current epoch into {@code dst}, row-major.
     *
     * @param dst receives up to {@code max} rows of {@link #dim()} values
     * @param max the batch size
     * @return rows copied: {@code max}, fewer at the end of an epoch, 0 when the epoch is done (or none started)
     */
    int next(float[] dst, int max);

    /**
     * Where the source stands.
     *
     * @return the cursor
     */
    Cursor cursor();

    /**
     * Puts the source where {@code c} says; the next {@link #next} returns the batch that followed when the cursor was
     * taken.
     *
     * @param c a cursor from a source over the same data with the same seed
     * @throws org.mdlsae.InputException if the cursor does not fit this source
     */
    void restore(Cursor c);

    /** Releases what the source holds (the in-memory source holds nothing). */
    @Override
    default void close() {
    }

    /**
     * Binds the source to a back end: the {@link Loader} hands out the same batches as {@link #next(float[], int)}, in
     * a buffer there, and follows the source ({@link #startEpoch} and {@link #restore} apply to it). The default copies
     * each batch on the host and writes it.
     *
     * @param be      the back end
     * @param maxRows the largest batch
     * @return the loader; the caller closes it (before the back end)
     */
    default Loader onto(Backend be, int maxRows) {
        float[] staging = new float[maxRows * dim()];
        return new Loader() {
            @Override
            public int next(FloatBuf dst, int max) {
                int rows = BatchSource.this.next(staging, Math.min(max, maxRows));
                if (rows > 0) be.write(dst, 0, staging, 0, rows * dim());
                return rows;
            }

            @Override
            public void close() {
            }
        };
    }

    /** A source bound to a back end ({@link #onto}). */
    interface Loader extends AutoCloseable {
        /**
         * As {@link BatchSource#next(float[], int)}, into a buffer on the back end.
         *
         * @param dst receives up to {@code max} rows of {@link BatchSource#dim()} values, row-major
         * @param max the batch size (at most the loader's largest batch)
         * @return rows loaded: {@code max}, fewer at the end of an epoch, 0 when the epoch is done (or none started)
         */
        int next(FloatBuf dst, int max);

        /** Frees what the loader holds on the back end. */
        @Override
        void close();
    }

    /**
     * A position in the stream of batches.
     *
     * @param epoch    epochs started (1-based; 0 before the first)
     * @param position rows of the current epoch already handed out
     * @param seed     the seed of the shuffle; with the epoch it fixes the shuffle generator's state (see the source).
     *                 A streamed source's order also depends on its chunk and window sizes, which a restore must
     *                 share (they follow from the data: {@code data.ChunkMixer})
     */
    record Cursor(int epoch, long position, long seed) {
    }
}
