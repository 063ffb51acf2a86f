package org.mdlsae.train;

/**
 * Where the {@link Trainer} draws its batches from: rows of d floats, visited epoch by epoch in an order the source
 * decides (in-memory data are shuffled exactly, {@link InMemoryBatches}; shard sets are mixed by chunks and read ahead
 * on a background thread, {@link StreamedBatches}; {@link BatchSources#of} picks). The trainer starts each epoch
 * itself ({@link #startEpoch}), takes batches until {@link #next} returns 0, and can ask where the source stands
 * ({@link #cursor}) and put a source built the same way back there ({@link #restore}), which is what an exact resume
 * from a checkpoint needs: after {@code restore(c)} the source hands out exactly the rows, in the same order, that
 * the source the cursor was taken from handed out next, whatever threads did meanwhile. Not thread-safe; close it
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
