package org.mdlsae.train;

import java.util.SplittableRandom;
import org.mdlsae.InputException;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.BackendException;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;

/**
 * Batches from an n×d row-major array in memory, reshuffled every epoch (docs/design.md §2.2): one permutation of the
 * row indices is shuffled in place at the start of each epoch by a Fisher–Yates pass driven by
 * {@code SplittableRandom(seed ^ 0x5DEECE66D)}, and an epoch's batches are consecutive slices of it. The generator
 * is advanced only by these shuffles, so its state at any point is fixed by the seed and the number of epochs
 * started; {@link #restore} rebuilds it by replaying them (O(n·epoch), done once per resume).
 *
 * <p>On a device back end ({@link #onto}) the data is copied to the device once and each batch is gathered there
 * ({@link Backend#gatherRows}) from the epoch's permutation, which is uploaded once per epoch: no per-step host gather
 * and no per-step copy of the batch (docs/design.md §9). On the CPU back end, whose buffers are host memory (a
 * resident copy would only double the memory), rows are written straight from the data into the batch buffer; when the
 * data does not fit one device buffer, they are gathered on the host and written. All give the same batch, bit for bit.
 */
public final class InMemoryBatches implements BatchSource {
    private static final long SHUFFLE_SALT = 0x5DEECE66DL;

    private final float[] x;
    private final int n;
    private final int d;
    private final long seed;
    private int[] perm;
    private SplittableRandom rnd;
    private int epoch;
    private int pos;
    /** Changes whenever {@code perm} does (a device copy of it is current while its version matches). */
    private long permVersion;

    /**
     * @param x    n×d row-major data (not copied)
     * @param n    rows, ≥ 1
     * @param d    values per row, ≥ 1
     * @param seed the training seed ({@code TrainConfig.seed})
     */
    public InMemoryBatches(float[] x, int n, int d, long seed) {
        if (n < 1) throw new InputException("training data is empty");
        if (d < 1 || x == null || (long) n * d != x.length) {
            throw new InputException("training data: " + (x == null ? 0 : x.length) + " values are not " + n + " rows of " + d);
        }
        this.x = x;
        this.n = n;
        this.d = d;
        this.seed = seed;
        rewind();
    }

    private void rewind() {
        perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        rnd = new SplittableRandom(seed ^ SHUFFLE_SALT);
        epoch = 0;
        pos = 0;
        permVersion++;
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

    @Override
    public void startEpoch() {
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        epoch++;
        pos = 0;
        permVersion++;
    }

    @Override
    public int next(float[] dst, int max) {
        if (epoch == 0 || pos >= n) return 0;
        int rows = Math.min(max, n - pos);
        for (int r = 0; r < rows; r++) System.arraycopy(x, perm[pos + r] * d, dst, r * d, d);
        pos += rows;
        return rows;
    }

    @Override
    public Cursor cursor() {
        return new Cursor(epoch, pos, seed);
    }

    @Override
    public void restore(Cursor c) {
        if (c.seed() != seed) throw new InputException("batch cursor: seed " + c.seed() + " differs from the source's " + seed);
        if (c.epoch() < 0 || c.position() < 0 || c.position() > n || (c.epoch() == 0 && c.position() > 0)) {
            throw new InputException("batch cursor: epoch " + c.epoch() + ", position " + c.position() + " does not fit " + n + " rows");
        }
        rewind();
        for (int e = 0; e < c.epoch(); e++) startEpoch();
        pos = (int) c.position();
    }

    @Override
    public Loader onto(Backend be, int maxRows) {
        if (!be.hostMemory()) {
            FloatBuf data = null;
            try {
                data = be.upload(x);
                return new Resident(be, data, be.ints(n));
            } catch (BackendException e) {
                // too large for the device (or for one buffer there): gather on the host instead
                if (data != null) data.close();
            }
        }
        // host memory: each row goes straight from the data into the batch buffer (one copy, no staging array)
        return new Loader() {
            @Override
            public int next(FloatBuf dst, int max) {
                if (epoch == 0 || pos >= n) return 0;
                int rows = Math.min(Math.min(max, maxRows), n - pos);
                for (int r = 0; r < rows; r++) be.write(dst, (long) r * d, x, perm[pos + r] * d, d);
                pos += rows;
                return rows;
            }

            @Override
            public void close() {
            }
        };
    }

    /** The data resident on a device; batches gathered there in the order of the epoch's permutation. */
    private final class Resident implements Loader {
        private final Backend be;
        private final FloatBuf data;
        private final IntBuf order;
        private long uploaded = -1;

        Resident(Backend be, FloatBuf data, IntBuf order) {
            this.be = be;
            this.data = data;
            this.order = order;
        }

        @Override
        public int next(FloatBuf dst, int max) {
            if (epoch == 0 || pos >= n) return 0;
            if (uploaded != permVersion) {
                be.write(order, 0, perm, 0, n);
                uploaded = permVersion;
            }
            int rows = Math.min(max, n - pos);
            be.gatherRows(data, order, pos, rows, d, dst);
            pos += rows;
            return rows;
        }

        @Override
        public void close() {
            data.close();
            order.close();
        }
    }
}
