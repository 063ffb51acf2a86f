package org.mdlsae.data;

import java.util.SplittableRandom;
import org.mdlsae.InputException;
import org.mdlsae.io.Dtype;

/**
 * The deterministic, seeded order in which training visits the rows of a {@link ShardSet} (docs/design.md §8):
 * shuffled chunk order plus a shuffle buffer of several chunks.
 * <ol>
 *   <li>The rows are cut into <em>chunks</em> of {@link #chunkRows(int) C} consecutive rows that never cross a shard
 *       boundary (a shard's last chunk may be shorter).</li>
 *   <li>Each epoch visits the chunks in its own random order and groups them, in that order, into <em>windows</em>
 *       of {@link #WINDOW_CHUNKS W} chunks (the last window may hold fewer).</li>
 *   <li>A window's rows are read into one buffer in their stored form (2 bytes per float16/bfloat16 value) and
 *       visited in a uniformly random order; the epoch is the windows' orders one after another.</li>
 * </ol>
 * Every row is visited exactly once per epoch. The chunk order of epoch e depends only on (seed, e) and a window's
 * row order only on (seed, e, window), so any position in the stream is reached without replaying earlier epochs:
 * a restore loads one window. A batch of b rows inside one window draws from all its W chunks, hence from
 * min(W, shards) shards or so; SAELens' mixing buffer instead keeps half of each shuffled buffer for the next refill,
 * which mixes across refills but ties the position in the stream to the whole history.
 */
public final class ChunkMixer {
    /** Chunks per window. */
    public static final int WINDOW_CHUNKS = 64;
    /** Upper bound on one window's buffer. */
    private static final long MAX_WINDOW_BYTES = 1L << 30;
    private static final long SALT = 0x6D69786572L;

    private final ShardSet rows;
    private final long seed;
    private final int chunkRows;
    private final int windowChunks;
    private final long[] chunkStart;
    private final int[] chunkLen;
    private final byte[] chunkEnc;
    private final Dtype[] dtypes;
    private final int bufferBytes;

    /**
     * Mixes with the default chunk and window sizes.
     *
     * @param rows the rows to visit (a whole set or a slice)
     * @param seed the training seed
     */
    public ChunkMixer(ShardSet rows, long seed) {
        this(rows, seed, chunkRows(rows.dim()), WINDOW_CHUNKS);
    }

    /**
     * Mixes with explicit sizes (tests; a restore needs the same sizes as the run it continues).
     *
     * @param rows         the rows to visit
     * @param seed         the training seed
     * @param chunkRows    rows per chunk, ≥ 1
     * @param windowChunks chunks per window, ≥ 1
     */
    public ChunkMixer(ShardSet rows, long seed, int chunkRows, int windowChunks) {
        if (chunkRows < 1 || windowChunks < 1) {
            throw new IllegalArgumentException("chunk rows and window chunks must be >= 1, got " + chunkRows + ", " + windowChunks);
        }
        if (rows.rowCount() < 1) throw new InputException("training data " + rows.name() + " is empty");
        this.rows = rows;
        this.seed = seed;
        this.chunkRows = chunkRows;
        this.dtypes = Dtype.values();
        int d = rows.dim();
        long chunks = 0;
        for (ShardSet.Segment s : rows.segments()) chunks += (s.rows() + chunkRows - 1) / chunkRows;
        if (chunks > Integer.MAX_VALUE - 8) throw new InputException(rows.name() + ": too many chunks (" + chunks + ")");
        chunkStart = new long[(int) chunks];
        chunkLen = new int[(int) chunks];
        chunkEnc = new byte[(int) chunks];
        int c = 0;
        int maxElem = 1;
        for (ShardSet.Segment s : rows.segments()) {
            ShardSet.Shard sh = rows.shards().get(s.shard());
            maxElem = Math.max(maxElem, sh.dtype().size());
            for (long r = 0; r < s.rows(); r += chunkRows, c++) {
                chunkStart[c] = s.first() + r;
                chunkLen[c] = (int) Math.min(chunkRows, s.rows() - r);
                chunkEnc[c] = (byte) (sh.dtype().ordinal() * 2 + (sh.bigEndian() ? 1 : 0));
            }
        }
        long chunkBytes = (long) chunkRows * d * maxElem;
        if (chunkBytes > MAX_WINDOW_BYTES) {
            throw new InputException(rows.name() + ": a chunk of " + chunkRows + " rows of d = " + d + " exceeds 1 GiB");
        }
        int w = (int) Math.max(1, Math.min(windowChunks, MAX_WINDOW_BYTES / chunkBytes));
        this.windowChunks = w;
        this.bufferBytes = (int) Math.min(chunkBytes * w, rows.storedBytes());
    }

    /**
     * The default chunk size for d values per row: the power of two nearest below 2^19/d, within [16, 4096] (about
     * 512 KiB of float16 at d = 768: 512 rows).
     *
     * @param d values per row
     * @return rows per chunk
     */
    public static int chunkRows(int d) {
        int c = Integer.highestOneBit(Math.max(1, (1 << 19) / Math.max(1, d)));
        return Math.max(16, Math.min(4096, c));
    }

    /** @return rows visited per epoch */
    public long rowCount() {
        return rows.rowCount();
    }

    /** @return values per row */
    public int dim() {
        return rows.dim();
    }

    /** @return the rows being mixed */
    public ShardSet rows() {
        return rows;
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    /** @return rows per chunk */
    public int chunkRows() {
        return chunkRows;
    }

    /** @return chunks per window (the requested number, lowered so a window's buffer stays under 1 GiB) */
    public int windowChunks() {
        return windowChunks;
    }

    /** @return the number of chunks */
    public int chunkCount() {
        return chunkLen.length;
    }

    /** @return bytes of one window's buffer: the memory a mixer holds */
    public long bufferBytes() {
        return bufferBytes;
    }

    /**
     * The chunk order of an epoch.
     *
     * @param epoch 1-based epoch
     * @return a permutation of the chunk indices
     */
    public int[] chunkOrder(int epoch) {
        int[] order = new int[chunkLen.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        shuffle(order, order.length, new SplittableRandom(mix(epochSeed(epoch), 0)));
        return order;
    }

    /**
     * Rows of the epoch up to the end of each window.
     *
     * @param order the epoch's chunk order
     * @return cumulative row counts, one per window (the last is {@link #rowCount()})
     */
    public long[] windowEnds(int[] order) {
        int windows = (order.length + windowChunks - 1) / windowChunks;
        long[] ends = new long[windows];
        long sum = 0;
        for (int i = 0; i < order.length; i++) {
            sum += chunkLen[order[i]];
            if ((i + 1) % windowChunks == 0 || i == order.length - 1) ends[i / windowChunks] = sum;
        }
        return ends;
    }

    /**
     * A buffer for windows of this mixer.
     *
     * @return an empty window
     */
    public Window newWindow() {
        return new Window();
    }

    /**
     * Loads window {@code w} of an epoch: reads its chunks in stored form and fixes its row order.
     *
     * @param epoch 1-based epoch
     * @param order the epoch's chunk order ({@link #chunkOrder})
     * @param w     window index
     * @param into  the buffer to fill
     */
    public void load(int epoch, int[] order, int w, Window into) {
        int from = w * windowChunks, to = Math.min(order.length, from + windowChunks);
        int n = 0;
        for (int i = from; i < to; i++) n += chunkLen[order[i]];
        into.ensure(n);
        int d = rows.dim();
        int row = 0, byteOff = 0;
        for (int i = from; i < to; i++) {
            int c = order[i];
            int len = chunkLen[c];
            int rowBytes = d * dtypes[chunkEnc[c] >> 1].size();
            rows.readRaw(chunkStart[c], len, into.bytes, byteOff);
            for (int r = 0; r < len; r++) {
                into.rowOff[row] = byteOff + r * rowBytes;
                into.rowEnc[row] = chunkEnc[c];
                into.rowSource[row] = chunkStart[c] + r;
                into.perm[row] = row;
                row++;
            }
            byteOff += len * rowBytes;
        }
        into.rows = n;
        shuffle(into.perm, n, new SplittableRandom(mix(epochSeed(epoch), w + 1L)));
    }

    private long epochSeed(int epoch) {
        return mix(seed ^ SALT, epoch);
    }

    /** A well-mixed 64-bit function of two values (SplittableRandom's output mixer). */
    private static long mix(long a, long b) {
        return new SplittableRandom(a + 0x9E3779B97F4A7C15L * (b + 1)).nextLong();
    }

    private static void shuffle(int[] a, int n, SplittableRandom rnd) {
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** One window's rows in stored form and their visiting order. Not thread-safe. */
    public final class Window {
        private byte[] bytes = new byte[0];
        private int[] rowOff = new int[0];
        private byte[] rowEnc = new byte[0];
        private long[] rowSource = new long[0];
        private int[] perm = new int[0];
        private int rows;

        private Window() {
        }

        private void ensure(int n) {
            if (bytes.length < bufferBytes) bytes = new byte[bufferBytes];
            if (perm.length < n) {
                rowOff = new int[n];
                rowEnc = new byte[n];
                rowSource = new long[n];
                perm = new int[n];
            }
        }

        /** @return rows in the window */
        public int rows() {
            return rows;
        }

        /**
         * The row (of the mixed set) visited i-th in this window.
         *
         * @param i position in the window's order
         * @return the row index in the set being mixed
         */
        public long sourceRow(int i) {
            return rowSource[perm[i]];
        }

        /**
         * Decodes the rows visited at positions {@code [from, from + n)} to floats, checking they are finite.
         *
         * @param from first position in the window's order
         * @param n    rows
         * @param dst  receives n·d floats
         * @param off  where the first goes
         * @throws InputException naming the shard, row and column of a NaN/Inf
         */
        public void decode(int from, int n, float[] dst, int off) {
            int d = ChunkMixer.this.rows.dim();
            for (int i = 0; i < n; i++) {
                int r = perm[from + i];
                int enc = rowEnc[r];
                int o = off + i * d;
                dtypes[enc >> 1].decode(bytes, rowOff[r], (enc & 1) != 0, dst, o, d);
                int bad = ShardSet.firstNonFinite(dst, o, d);
                if (bad >= 0) {
                    throw new InputException(ChunkMixer.this.rows.describe(rowSource[r], bad) + " is " + dst[o + bad]
                            + "; remove or replace non-finite values (e.g. np.nan_to_num) before using the data");
                }
            }
        }
    }
}
