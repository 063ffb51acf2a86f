package org.mdlsae.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chunk mixer: every row once per epoch, seeded and reproducible, and batches that draw from many shards. */
class ChunkMixerTest {
    @TempDir
    Path dir;

    static final int SHARDS = 16, PER_SHARD = 1000, D = 3;

    /** 16 float16 shards of 1000 rows; column 0 holds the row's index (exact in float16 below 2048). */
    static ShardSet indexedShards(Path dir) throws IOException {
        int n = SHARDS * PER_SHARD;
        float[] x = new float[n * D];
        for (int r = 0; r < n; r++) {
            x[r * D] = r % 2048;
            x[r * D + 1] = r / 2048;
        }
        for (int s = 0; s < SHARDS; s++) {
            ShardFiles.npy(dir.resolve(String.format(Locale.ROOT, "shard-%02d.npy", s)), x, D, s * PER_SHARD,
                    (s + 1) * PER_SHARD, s % 2 == 0 ? "<f2" : "<f4");
        }
        return ShardSet.open(dir, null);
    }

    /** The rows an epoch visits, in order, as read back from the decoded values. */
    static long[] epochRows(ChunkMixer m, int epoch) {
        long[] out = new long[(int) m.rowCount()];
        int[] order = m.chunkOrder(epoch);
        long[] ends = m.windowEnds(order);
        ChunkMixer.Window w = m.newWindow();
        float[] row = new float[D];
        int k = 0;
        for (int i = 0; i < ends.length; i++) {
            m.load(epoch, order, i, w);
            for (int j = 0; j < w.rows(); j++) {
                w.decode(j, 1, row, 0);
                out[k] = (long) row[1] * 2048 + (long) row[0];
                assertEquals(w.sourceRow(j) + m.rows().firstRow(), out[k], "decoded row differs from its source index");
                k++;
            }
            assertEquals(ends[i], k);
        }
        return out;
    }

    @Test
    void everyRowOncePerEpochReproducibleAndSeeded() throws IOException {
        try (ShardSet s = indexedShards(dir)) {
            ChunkMixer m = new ChunkMixer(s, 7, 32, 8);
            long[] e1 = epochRows(m, 1);
            long[] sorted = e1.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < sorted.length; i++) assertEquals(i, sorted[i], "epoch 1 is not a permutation");
            assertArrayEquals(e1, epochRows(new ChunkMixer(s, 7, 32, 8), 1), "same seed, other order");
            assertFalse(Arrays.equals(e1, epochRows(m, 2)), "epoch 2 repeats epoch 1");
            assertFalse(Arrays.equals(e1, epochRows(new ChunkMixer(s, 8, 32, 8), 1)), "the seed has no effect");
            // chunks never cross shards: 1000 rows per shard in chunks of 32 is 31 full chunks and one of 8, per shard
            assertEquals(SHARDS * 32, m.chunkCount());

            // a slice (e.g. the rows left for training by a hold-out) is mixed within itself only
            ShardSet train = s.slice(0, 14_400);
            long[] t = epochRows(new ChunkMixer(train, 7, 32, 8), 1);
            assertEquals(14_400, Arrays.stream(t).distinct().filter(r -> r < 14_400).count());
        }
    }

    /**
     * The mixing measure of docs/design.md §8: distinct shards per batch of 256 rows. A sequential reader gets 1 (or
     * 2 at a shard boundary); a full uniform shuffle gets 16·(1 − (15/16)^256) ≈ 16.0; the mixer with its default
     * window of 64 chunks gets as close as the window allows.
     */
    @Test
    void batchesDrawFromManyShards() throws IOException {
        try (ShardSet s = indexedShards(dir)) {
            ChunkMixer m = new ChunkMixer(s, 3, 32, ChunkMixer.WINDOW_CHUNKS);
            long[] order = epochRows(m, 1);
            int batch = 256;
            double distinctShards = 0, largestShare = 0;
            Set<Long> chunksSeen = new HashSet<>();
            double distinctChunks = 0;
            int batches = order.length / batch;
            for (int b = 0; b < batches; b++) {
                int[] perShard = new int[SHARDS];
                chunksSeen.clear();
                for (int i = b * batch; i < (b + 1) * batch; i++) {
                    perShard[(int) (order[i] / PER_SHARD)]++;
                    chunksSeen.add(order[i] / PER_SHARD * 1000 + order[i] % PER_SHARD / 32);
                }
                distinctShards += Arrays.stream(perShard).filter(c -> c > 0).count();
                largestShare += (double) Arrays.stream(perShard).max().orElseThrow() / batch;
                distinctChunks += chunksSeen.size();
            }
            distinctShards /= batches;
            largestShare /= batches;
            distinctChunks /= batches;
            System.out.printf(Locale.ROOT, "mixing (16 shards × 1000 rows, chunks of 32, windows of %d chunks, batch %d): "
                            + "%.2f distinct shards per batch (uniform shuffle ≈ 16.00, sequential ≈ 1), largest share of "
                            + "one shard %.3f (uniform ≈ 0.11), %.1f distinct chunks per batch%n", m.windowChunks(), batch,
                    distinctShards, largestShare, distinctChunks);
            assertTrue(distinctShards > 15.5, "batches draw from too few shards: " + distinctShards);
            assertTrue(largestShare < 0.15, "one shard dominates batches: " + largestShare);
            assertTrue(distinctChunks > 50, "batches draw from too few chunks: " + distinctChunks);

            // a window of a single chunk degenerates to reading chunk after chunk: the measure must tell
            long[] seq = epochRows(new ChunkMixer(s, 3, 32, 1), 1);
            double seqShards = 0;
            for (int b = 0; b < batches; b++) {
                seqShards += Arrays.stream(seq, b * batch, (b + 1) * batch).map(r -> r / PER_SHARD).distinct().count();
            }
            assertTrue(seqShards / batches < 9, "the measure cannot tell poor mixing: " + seqShards / batches);
        }
    }

    @Test
    void defaultSizes() {
        assertEquals(512, ChunkMixer.chunkRows(768));
        assertEquals(128, ChunkMixer.chunkRows(4096));
        assertEquals(4096, ChunkMixer.chunkRows(16));
        assertEquals(16, ChunkMixer.chunkRows(1 << 20));
    }
}
