package org.mdlsae.data;

import java.util.Locale;
import org.mdlsae.InputException;
import org.mdlsae.math.Rows;

/**
 * Deterministic held-out splits. {@link #lastPercent}: the split of a sweep without {@code --eval} (docs/design.md §8):
 * the last {@value #PERCENT} % of the rows (at least one) are held out for selection, the rows before them are trained
 * on. Contiguous on purpose: with shard files in file-name order the held-out rows are whole trailing shards or a tail
 * of one, which a reader can name, and no training window ever touches them. {@link #forStopping}: the rows whose MSE
 * decides when training has converged (docs/design.md §11), never the rows a sweep selects on.
 *
 * @param train the rows trained on (and calibrated on)
 * @param eval  the held-out rows the selection measures
 * @param rule  the split in words, for logs and results.json
 */
public record HoldOut(Rows train, Rows eval, String rule) {
    /** Percentage of rows held out. */
    public static final int PERCENT = 10;
    /** Rows held out for the stopping rule at most. */
    public static final int MAX_STOPPING_ROWS = 10_000;

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
        if (all instanceof Dataset ds) {
            return new HoldOut(ds.slice(0, (int) cut).withName(ds.name() + "[0:" + cut + "]"),
                    ds.slice((int) cut, (int) n).withName(ds.name() + "[" + cut + ":" + n + "]"), rule);
        }
        if (all instanceof ShardSet s) return new HoldOut(s.slice(0, cut), s.slice(cut, n), rule);
        throw new IllegalArgumentException("cannot split " + all + ": give a Dataset or a ShardSet");
    }

    /**
     * The held-out rows of training to convergence (docs/design.md §11). Rows in memory: every s-th row, rows s − 1,
     * 2s − 1, … with s = max(10, ⌈n / {@value #MAX_STOPPING_ROWS}⌉) (so 10 % of the rows, at most
     * {@value #MAX_STOPPING_ROWS}, spread over the whole set: data sets such as mnist's train split are stored grouped
     * by class, so a tail would be one class); the last row when n &lt; s. Rows streamed from shards: the last
     * min(⌈10 %⌉, {@value #MAX_STOPPING_ROWS}) rows, contiguous as for selection. The rest is trained on.
     *
     * @param all a {@link Dataset} (the parts are copies) or a {@link ShardSet} (the parts are views)
     * @return the split: {@code train} the rows trained on, {@code eval} the rows of the stopping rule
     * @throws InputException if there are fewer than 2 rows
     */
    public static HoldOut forStopping(Rows all) {
        long n = all.rowCount();
        if (n < 2) throw new InputException(all.name() + ": " + n + " row(s) cannot be split into training rows and the held-out "
                + "rows of --epochs auto; give more data or a fixed --epochs");
        if (all instanceof Dataset ds) {
            int stride = (int) Math.max(PERCENT, (n + MAX_STOPPING_ROWS - 1) / MAX_STOPPING_ROWS);
            int held = (int) Math.max(1, n / stride);
            int first = n < stride ? (int) n - 1 : stride - 1;
            int[] keep = new int[(int) n - held], out = new int[held];
            for (int i = 0, a = 0, b = 0; i < n; i++) {
                if (b < held && i == first + b * stride) out[b++] = i;
                else keep[a++] = i;
            }
            String rule = String.format(Locale.ROOT, "held out for the stopping rule: one row in %d of %s (rows %d, %d, …; "
                    + "%d rows); trained on the other %d", stride, all.name(), first, first + stride, held, n - held);
            return new HoldOut(ds.select(keep).withName(ds.name() + "[train]"), ds.select(out).withName(ds.name() + "[stop]"),
                    rule);
        }
        if (all instanceof ShardSet s) {
            long held = Math.min(MAX_STOPPING_ROWS, Math.max(1, (n * PERCENT + 99) / 100));
            long cut = n - held;
            String rule = String.format(Locale.ROOT, "held out for the stopping rule: the last %d rows of %s (rows %d to %d); "
                    + "trained on rows 0 to %d", held, all.name(), cut, n - 1, cut - 1);
            return new HoldOut(s.slice(0, cut), s.slice(cut, n), rule);
        }
        throw new IllegalArgumentException("cannot split " + all + ": give a Dataset or a ShardSet");
    }
}
