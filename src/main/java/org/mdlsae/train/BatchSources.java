package org.mdlsae.train;

import org.mdlsae.data.ChunkMixer;
import org.mdlsae.data.Dataset;
import org.mdlsae.data.ShardSet;
import org.mdlsae.math.Rows;

/** Picks the batch source for training rows (docs/design.md §8). */
public final class BatchSources {
    private BatchSources() {
    }

    /**
     * The source a run over {@code data} uses: in-memory data are shuffled exactly every epoch
     * ({@link InMemoryBatches}, which keeps the MNIST figures bit-identical); shard sets are mixed by chunks with a
     * shuffle window and read ahead on a background thread ({@link StreamedBatches}).
     *
     * @param data the training rows: a {@link Dataset} or a {@link ShardSet}
     * @param cfg  the run's config (seed, batch)
     * @return a fresh source; close it when done
     * @throws IllegalArgumentException for another kind of rows
     */
    public static BatchSource of(Rows data, TrainConfig cfg) {
        if (data instanceof Dataset ds) return new InMemoryBatches(ds.data(), ds.rows(), ds.dim(), cfg.seed());
        if (data instanceof ShardSet s) {
            return new StreamedBatches(new ChunkMixer(s, cfg.seed()), (int) Math.min(cfg.batch(), s.rowCount()));
        }
        throw new IllegalArgumentException("cannot train on " + data + ": give a Dataset (in memory) or a ShardSet");
    }

    /**
     * Bytes the source for {@code data} holds besides the data themselves: the shuffled row order (4 bytes a row) for
     * in-memory data, the mixer's window and the queued blocks for a shard set (independent of its size).
     *
     * @param data the training rows
     * @param cfg  the run's config
     * @return the bound in bytes
     */
    public static long memoryBytes(Rows data, TrainConfig cfg) {
        if (!(data instanceof ShardSet s)) return 4 * data.rowCount();
        return StreamedBatches.memoryBytes(new ChunkMixer(s, cfg.seed()), cfg.batch());
    }
}
