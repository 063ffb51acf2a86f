package org.mdlsae.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.InputException;
import org.mdlsae.data.ChunkMixer;
import org.mdlsae.data.ShardFiles;
import org.mdlsae.data.ShardSet;

/**
 * Streamed batches: the mixer's order exactly, whatever the block size, the consumer's request sizes or the
 * threads' timing; exact restore from a cursor; reader failures surface as the reader saw them.
 */
class StreamedBatchesTest {
    @TempDir
    Path dir;

    static final int N = 1000, D = 4;

    /** Five shards of mixed dtypes; column 0 is the row index (exact in float16 below 2048). */
    ShardSet open() throws IOException {
        float[] x = new float[N * D];
        for (int r = 0; r < N; r++) {
            x[r * D] = r;
            x[r * D + 1] = 1;
        }
        int[] cuts = {0, 150, 400, 401, 780, N};
        String[] descr = {"<f2", "<f4", ">f4", "<f2", "<f8"};
        for (int s = 0; s < 5; s++) ShardFiles.npy(dir.resolve("s" + s + ".npy"), x, D, cuts[s], cuts[s + 1], descr[s]);
        return ShardSet.open(dir, null);
    }

    static StreamedBatches source(ShardSet s, int blockRows) {
        return new StreamedBatches(new ChunkMixer(s, 11, 16, 4), blockRows);
    }

    /** Rows handed out over {@code epochs} epochs, requests of varying size, optionally sleeping between them. */
    static long[] drain(StreamedBatches src, int epochs, long requestSeed, boolean slow) throws InterruptedException {
        long[] out = new long[N * epochs];
        SplittableRandom r = new SplittableRandom(requestSeed);
        float[] buf = new float[97 * D];
        int k = 0;
        for (int e = 0; e < epochs; e++) {
            src.startEpoch();
            int got;
            while ((got = src.next(buf, 1 + r.nextInt(97))) > 0) {
                for (int i = 0; i < got; i++) out[k++] = (long) buf[i * D];
                if (slow && r.nextInt(10) == 0) Thread.sleep(1);
            }
        }
        assertEquals(out.length, k);
        return out;
    }

    @Test
    void handsOutTheMixersOrderWhateverTheTiming() throws Exception {
        try (ShardSet s = open()) {
            long[] expected = new long[2 * N];
            ChunkMixer m = new ChunkMixer(s, 11, 16, 4);
            int k = 0;
            float[] row = new float[D];
            for (int e = 1; e <= 2; e++) {
                int[] order = m.chunkOrder(e);
                ChunkMixer.Window w = m.newWindow();
                for (int i = 0; i < m.windowEnds(order).length; i++) {
                    m.load(e, order, i, w);
                    for (int j = 0; j < w.rows(); j++) {
                        w.decode(j, 1, row, 0);
                        expected[k++] = (long) row[0];
                    }
                }
            }
            try (StreamedBatches a = source(s, 64); StreamedBatches b = source(s, 7); StreamedBatches c = source(s, 500)) {
                assertArrayEquals(expected, drain(a, 2, 1, false));
                assertArrayEquals(expected, drain(b, 2, 2, true));
                assertArrayEquals(expected, drain(c, 2, 3, true));
            }
            long[] sorted = Arrays.copyOf(expected, N);
            Arrays.sort(sorted);
            for (int i = 0; i < N; i++) assertEquals(i, sorted[i]);
        }
    }

    @Test
    void aRestoredSourceContinuesExactly() throws Exception {
        try (ShardSet s = open(); StreamedBatches whole = source(s, 50)) {
            long[] all = drain(whole, 3, 4, false);
            for (long stop : new long[] {0, 1, 333, N - 1, N, N + 17, 2 * N}) {
                try (StreamedBatches first = source(s, 50); StreamedBatches second = source(s, 33)) {
                    float[] buf = new float[D];
                    long seen = 0;
                    while (seen < stop) {
                        if (first.next(buf, 1) == 0) {
                            first.startEpoch();
                            continue;
                        }
                        assertEquals(all[(int) seen], (long) buf[0]);
                        seen++;
                    }
                    BatchSource.Cursor c = first.cursor();
                    second.restore(c);
                    assertEquals(c, second.cursor());
                    while (seen < 3L * N) {
                        if (second.next(buf, 1) == 0) {
                            second.startEpoch();
                            continue;
                        }
                        assertEquals(all[(int) seen], (long) buf[0], "row " + seen + " after a restore at " + stop);
                        seen++;
                    }
                }
            }
            StreamedBatches other = new StreamedBatches(new ChunkMixer(s, 12, 16, 4), 50);
            assertThrows(InputException.class, () -> other.restore(whole.cursor()));
            assertThrows(InputException.class, () -> whole.restore(new BatchSource.Cursor(1, N + 1, 11)));
            other.close();
        }
    }

    @Test
    void aBadValueFoundByTheReaderFailsTheConsumerAndCloseStopsTheThread() throws Exception {
        float[] x = ShardFiles.representable(300, D, 9);
        x[250 * D + 3] = Float.POSITIVE_INFINITY;
        ShardFiles.npy(dir.resolve("a.npy"), x, D, 0, 200, "<f4");
        ShardFiles.npy(dir.resolve("b.npy"), x, D, 200, 300, "<f2");
        try (ShardSet s = ShardSet.open(dir, null)) {
            StreamedBatches src = new StreamedBatches(new ChunkMixer(s, 1, 16, 64), 32);
            src.startEpoch();
            float[] buf = new float[32 * D];
            InputException e = assertThrows(InputException.class, () -> {
                while (src.next(buf, 32) > 0) {
                    // drain until the reader reaches the bad row
                }
            });
            assertEquals(dir.resolve("b.npy") + ": row 50, column 3 is Infinity; remove or replace non-finite values "
                    + "(e.g. np.nan_to_num) before using the data", e.getMessage());
            assertThrows(InputException.class, () -> src.next(buf, 32), "a failed source keeps failing");
            src.close();
            assertFalse(src.readerRunning());
        }
    }

    @Test
    void closeStopsAReaderThatRunsAhead() throws Exception {
        try (ShardSet s = open()) {
            StreamedBatches src = source(s, 8);
            src.startEpoch();
            src.next(new float[8 * D], 8);
            Thread.sleep(50); // the reader fills its queue and waits
            assertTrue(src.readerRunning());
            src.close();
            assertFalse(src.readerRunning());
            assertTrue(src.memoryBytes() > 0);
        }
    }
}
