package org.mdlsae.train;

import java.lang.ref.Cleaner;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.mdlsae.InputException;
import org.mdlsae.data.ChunkMixer;

/**
 * Batches streamed from a shard set in the order of a {@link ChunkMixer} (docs/design.md §8). A background thread
 * reads the next window of chunks (values in their stored form), decodes rows to float32 in the mixer's order into
 * blocks, and queues them (at most {@value #QUEUE_BLOCKS} blocks ahead), so the trainer finds its next batch ready
 * while the back end works. The reader is the only producer and the order is a function of the seed and the position
 * alone, so the rows handed out never depend on thread timing; a block is tagged with its epoch and first row, and
 * {@link #next} copies exactly the rows at the consumer's position.
 *
 * <p>Memory: one window buffer ({@link ChunkMixer#bufferBytes()}) plus {@value #QUEUE_BLOCKS} + 2 blocks of
 * {@code blockRows × d} floats ({@link #memoryBytes()}), whatever the size of the data. {@link #close} stops the reader;
 * a source that is never closed stops it when it is garbage-collected.
 */
public final class StreamedBatches implements BatchSource {
    /** Blocks the reader may queue ahead of the trainer. */
    static final int QUEUE_BLOCKS = 4;
    private static final Cleaner CLEANER = Cleaner.create();

    private final ChunkMixer mixer;
    private final int blockRows;
    private final long n;
    private final int d;
    private final ReaderSlot slot = new ReaderSlot();
    private int epoch;
    private long pos;
    private Block current;

    /**
     * @param mixer     the order of the rows
     * @param blockRows rows per decoded block (the training batch is a good choice), ≥ 1
     */
    public StreamedBatches(ChunkMixer mixer, int blockRows) {
        if (blockRows < 1) throw new IllegalArgumentException("block rows must be >= 1, got " + blockRows);
        this.mixer = mixer;
        this.n = mixer.rowCount();
        this.d = mixer.dim();
        this.blockRows = (int) Math.min(blockRows, n);
        CLEANER.register(this, slot::stop);
    }

    @Override
    public int dim() {
        return d;
    }

    @Override
    public long rows() {
        return n;
    }

    @Override
    public int epoch() {
        return epoch;
    }

    /**
     * Bytes this source holds at most while reading: the mixer's window buffer and the queued blocks.
     *
     * @return the bound
     */
    public long memoryBytes() {
        return memoryBytes(mixer, blockRows);
    }

    /** The bound of {@link #memoryBytes()} for a mixer and block size, before any source exists. */
    static long memoryBytes(ChunkMixer mixer, long blockRows) {
        return mixer.bufferBytes() + (QUEUE_BLOCKS + 2L) * Math.min(blockRows, mixer.rowCount()) * mixer.dim() * Float.BYTES;
    }

    @Override
    public void startEpoch() {
        // an epoch left unfinished would have to be read to its end before the next one arrives: restart instead
        if (epoch > 0 && pos < n) slot.stop();
        epoch++;
        pos = 0;
    }

    @Override
    public int next(float[] dst, int max) {
        if (epoch == 0 || pos >= n) return 0;
        int want = (int) Math.min(max, n - pos);
        int got = 0;
        while (got < want) {
            Block b = block();
            int off = (int) (pos - b.start);
            int m = Math.min(want - got, b.rows - off);
            System.arraycopy(b.data, off * d, dst, got * d, m * d);
            got += m;
            pos += m;
        }
        return got;
    }

    /** The block holding the row at (epoch, pos): the current one, or the next from the reader. */
    private Block block() {
        while (true) {
            Block c = current;
            if (c != null && c.epoch == epoch && c.start <= pos && pos < c.start + c.rows) return c;
            if (c != null) {
                recycle(c);
                current = null;
            }
            Reader r = slot.reader;
            if (r == null) r = slot.start(new Reader(mixer, blockRows, epoch, pos));
            Block b = r.take();
            boolean behind = b.epoch < epoch || b.epoch == epoch && b.start + b.rows <= pos;
            boolean ahead = b.epoch > epoch || b.start > pos;
            if (behind) {
                recycle(b);
            } else if (ahead) {
                recycle(b);
                slot.stop();
            } else {
                current = b;
            }
        }
    }

    private void recycle(Block b) {
        Reader r = slot.reader;
        if (r != null) r.free.offer(b.data);
    }

    @Override
    public Cursor cursor() {
        return new Cursor(epoch, pos, mixer.seed());
    }

    @Override
    public void restore(Cursor c) {
        if (c.seed() != mixer.seed()) {
            throw new InputException("batch cursor: seed " + c.seed() + " differs from the source's " + mixer.seed());
        }
        if (c.epoch() < 0 || c.position() < 0 || c.position() > n || (c.epoch() == 0 && c.position() > 0)) {
            throw new InputException("batch cursor: epoch " + c.epoch() + ", position " + c.position() + " does not fit "
                    + n + " rows");
        }
        slot.stop();
        current = null;
        epoch = c.epoch();
        pos = c.position();
    }

    /** Stops the reader thread (waiting for it briefly); the source can still be restored and read afterwards. */
    @Override
    public void close() {
        slot.stop();
        current = null;
    }

    /** Whether a reader thread is alive (tests check that none survives a close). */
    boolean readerRunning() {
        Reader r = slot.reader;
        return r != null && r.thread.isAlive();
    }

    /** Rows {@code [start, start + rows)} of an epoch's order, decoded; or the reader's failure. */
    private record Block(int epoch, long start, int rows, float[] data, Throwable error) {
    }

    /** Holds the current reader; shared with the cleaner, so it must not refer to the source. */
    private static final class ReaderSlot {
        volatile Reader reader;

        Reader start(Reader r) {
            reader = r;
            r.thread.start();
            return r;
        }

        void stop() {
            Reader r = reader;
            reader = null;
            if (r != null) r.stop();
        }
    }

    /** The background producer: one thread, one deterministic sequence of blocks from (epoch, position) on. */
    private static final class Reader implements Runnable {
        private static final long POLL_MS = 50;
        final ChunkMixer mixer;
        final int blockRows;
        final int d;
        final int epoch0;
        final long pos0;
        final ArrayBlockingQueue<Block> queue = new ArrayBlockingQueue<>(QUEUE_BLOCKS);
        final ArrayBlockingQueue<float[]> free = new ArrayBlockingQueue<>(QUEUE_BLOCKS + 2);
        final Thread thread;
        volatile boolean stopped;
        Throwable failure;

        Reader(ChunkMixer mixer, int blockRows, int epoch, long pos) {
            this.mixer = mixer;
            this.blockRows = blockRows;
            this.d = mixer.dim();
            this.epoch0 = epoch;
            this.pos0 = pos;
            this.thread = new Thread(this, "mdlsae-shard-reader");
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            try {
                ChunkMixer.Window win = mixer.newWindow();
                int e = epoch0;
                long p = pos0;
                long n = mixer.rowCount();
                if (p >= n) {
                    e++;
                    p = 0;
                }
                while (!stopped) {
                    int[] order = mixer.chunkOrder(e);
                    long[] ends = mixer.windowEnds(order);
                    int w = 0;
                    while (ends[w] <= p) w++;
                    for (; w < ends.length && !stopped; w++) {
                        long wStart = w == 0 ? 0 : ends[w - 1];
                        mixer.load(e, order, w, win);
                        for (int i = (int) (p - wStart); i < win.rows() && !stopped; ) {
                            int m = Math.min(blockRows, win.rows() - i);
                            float[] buf = free.poll();
                            if (buf == null) buf = new float[blockRows * d];
                            win.decode(i, m, buf, 0);
                            put(new Block(e, p, m, buf, null));
                            i += m;
                            p += m;
                        }
                    }
                    e++;
                    p = 0;
                }
            } catch (Throwable t) {
                put(new Block(-1, -1, 0, null, t));
            }
        }

        private void put(Block b) {
            try {
                while (!stopped) {
                    if (queue.offer(b, POLL_MS, TimeUnit.MILLISECONDS)) return;
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }

        Block take() {
            if (failure != null) throw rethrow(failure);
            try {
                while (true) {
                    Block b = queue.poll(POLL_MS, TimeUnit.MILLISECONDS);
                    if (b != null) {
                        if (b.error != null) {
                            failure = b.error;
                            throw rethrow(failure);
                        }
                        return b;
                    }
                    if (!thread.isAlive() && queue.isEmpty()) {
                        throw new IllegalStateException("the shard reader thread ended without a result");
                    }
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for training data", ie);
            }
        }

        private static RuntimeException rethrow(Throwable t) {
            if (t instanceof InputException ie) return new InputException(ie.getMessage(), ie);
            if (t instanceof Error e) throw e;
            return new IllegalStateException("reading training data failed: " + t, t);
        }

        void stop() {
            stopped = true;
            // A reader inside a window load finishes that load first; FileChannel reads are not interrupted (an
            // interrupt would close the shared channel).
            if (thread.isAlive() && thread != Thread.currentThread()) {
                try {
                    thread.join(10_000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
