package org.mdlsae.data;

import java.util.Locale;
import org.mdlsae.InputException;
import org.mdlsae.math.Rows;

/**
 * The deterministic held-out split of a sweep without {@code --eval} (docs/design.md §8): the last
 * {@value #PERCENT} % of the rows (at least one) are held out for selection, the rows before them are trained on.
 * Contiguous on purpose: with shard files in file-name order the held-out rows are whole trailing shards or a tail
 * of one, which a reader can name, and no training window ever touches them.
 *
 * @param train the rows trained on (and calibrated on)
 * @param eval  the held-out rows the selection measures
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
        if (all instanceof Dataset ds) {
            return new HoldOut(ds.slice(0, (int) cut).withName(ds.name() + "[0:" + cut + "]"),
                    ds.slice((int) cut, (int) n).withName(ds.name() + "[" + cut + ":" + n + "]"), rule);
        }
        if (all instanceof ShardSet s) return new HoldOut(s.slice(0, cut), s.slice(cut, n), rule);
        throw new IllegalArgumentException("cannot split " + all + ": give a Dataset or a ShardSet");
    }
}
