package org.mdlsae.data;

import java.util.Locale;
import org.mdlsae.InputException;
import org.mdlsae.math.Rows;

/**
 * Deterministic held-out splits. {@link #lastPercent}: the split of a sweep without {@code --eval} (docs/design.md §8):
 * the last {@value #PERCENT} % of the rows (at least one) are held out for selection, the rows before them are trained
 * on. Contiguous on purpose: with shard files in file-name order the held-out rows are whole trailing shards or a tail
 * of one, which a reader can name, and no training window ever touches them. {@link #control}: the rows the annealing
 * search decides k on (docs/design.md §10) and whose MSE decides when training has converged (docs/design.md §11),
 * never the rows a sweep selects on.
 *
 * @param train the rows trained on (and calibrated on)
 * @param eval  the held-out rows (the selection's, or the control rows)
 * @param rule  the split in words, for logs and results.json
 */
public record HoldOut(Rows train, Rows eval, String rule) {
    /** Percentage of rows held out. */
    public static final int PERCENT = 10;

    /**
     * Splits rows into the first 90 % and the last 10 %.
     *
     * @param all a {@link Dataset} (the parts are copies) or a {@link ShardSet} (the parts are views)
     * @return the split
     * @throws InputException if there are fewer than 2 rows
     */
    public static HoldOut lastPercent(Rows all) {
        long n = all.rowCount();
        if (n < 2) throw new InputException(all.name() + ": " + n + " row(s) cannot be split into training and held-out rows; "
                + "give more data or --eval");
        long held = Math.max(1, (n * PERCENT + 99) / 100);
        long cut = n - held;
        String rule = String.format(Locale.ROOT, "held out: the last %d%% of the rows of %s (rows %d to %d, %d rows); "
                + "trained and calibrated on rows 0 to %d", PERCENT, all.name(), cut, n - 1, held, cut - 1);
        if (!(all instanceof Dataset) && !(all instanceof ShardSet)) {
            throw new IllegalArgumentException("cannot split " + all + ": give a Dataset or a ShardSet");
        }
        return new HoldOut(slice(all, 0, cut), slice(all, cut, n), rule);
    }

    /**
     * Rows {@code [from, to)} as the splits here name and hold them: a {@link Dataset}'s as a copy named
     * {@code name[from:to]}, a {@link ShardSet}'s as a view, other rows as a view ({@code Rows.range}). Also how a
     * cluster's executor reopens a split (docs/design.md §14), so both sides hold the same kind of rows.
     *
     * @param all  the rows
     * @param from first row
     * @param to   end row (exclusive)
     * @return the rows
     */
    public static Rows slice(Rows all, long from, long to) {
        if (all instanceof Dataset ds) return ds.slice((int) from, (int) to).withName(ds.name() + "[" + from + ":" + to + "]");
        if (all instanceof ShardSet s) return s.slice(from, to);
        return Rows.range(all, from, to);
    }

    /** The most rows {@link #control} holds out. */
    public static final int CONTROL_MAX = 4096;

    /**
     * The control rows of the annealing search (docs/design.md §10): {@value #PERCENT} % of the training rows, at
     * most {@value #CONTROL_MAX} and at least one, held out from training so that the search's k decisions are made
     * on rows that are neither trained on nor the selection's. In-memory rows are taken evenly spread (every m-th row,
     * since a split may be ordered, as mnist's train split is by digit); a shard set's are its last rows (a view,
     * never touched by a training window).
     *
     * @param train the sweep's training rows ({@link Dataset}: the parts are copies; {@link ShardSet}: views)
     * @return {@code train()} the rows to train on, {@code eval()} the control rows
     * @throws InputException if there are fewer than 2 rows
     */
    public static HoldOut control(Rows train) {
        long n = train.rowCount();
        if (n < 2) throw new InputException(train.name() + ": " + n + " row(s) cannot be split into training and control rows");
        long held = Math.max(1, Math.min(CONTROL_MAX, n * PERCENT / 100));
        if (train instanceof Dataset ds) {
            int stride = (int) (n / held);
            int[] keep = new int[(int) (n - held)], ctl = new int[(int) held];
            int a = 0, b = 0;
            for (int i = 0; i < n; i++) {
                if (b < held && i % stride == stride - 1) ctl[b++] = i;
                else keep[a++] = i;
            }
            String rule = String.format(Locale.ROOT, "control: every %d-th row of %s (%d rows), held out from training",
                    stride, ds.name(), held);
            return new HoldOut(ds.select(keep).withName(ds.name() + "[train]"), ds.select(ctl).withName(ds.name() + "[control]"), rule);
        }
        if (train instanceof ShardSet s) {
            long cut = n - held;
            return new HoldOut(s.slice(0, cut), s.slice(cut, n), String.format(Locale.ROOT,
                    "control: the last %d rows of %s (rows %d to %d), held out from training", held, s.name(), cut, n - 1));
        }
        throw new IllegalArgumentException("cannot split " + train + ": give a Dataset or a ShardSet");
    }
}
