package org.mdlsae.train;

import java.util.SplittableRandom;
import org.mdlsae.InputException;

/**
 * Batches from an n×d row-major array in memory, reshuffled every epoch (docs/design.md §2.2): one permutation of the
 * row indices is shuffled in place at the start of each epoch by a Fisher–Yates pass driven by
 * {@code SplittableRandom(seed ^ 0x5DEECE66D)}, and an epoch's batches are consecutive slices of it. The generator
 * is advanced only by these shuffles, so its state at any point is fixed by the seed and the number of epochs
 * started; {@link #restore} rebuilds it by replaying them (O(n·epoch), done once per resume).
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
}
