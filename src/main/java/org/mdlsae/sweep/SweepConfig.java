package org.mdlsae.sweep;

import java.util.List;
import org.mdlsae.InputException;
import org.mdlsae.train.TrainConfig;

/**
 * A width sweep at a fixed loss tolerance (DESIGN §2.4).
 *
 * @param widths   the width grid (ascending, distinct)
 * @param eps      MSE tolerance ε, or null when {@code fvu} is given
 * @param fvu      tolerance as FVU on the evaluation split, or null
 * @param kMax     largest k the search tries (default 128; capped at each width)
 * @param train    training settings shared by all runs (its width and k are replaced per run)
 */
public record SweepConfig(List<Integer> widths, Double eps, Double fvu, int kMax, TrainConfig train) {

    public SweepConfig {
        checkWidths(widths);
        if ((eps == null) == (fvu == null)) throw new InputException("give exactly one of --eps and --fvu");
        if (eps != null && !(eps > 0 && Double.isFinite(eps))) throw new InputException("--eps must be a finite number > 0, got " + eps);
        if (fvu != null && !(fvu > 0 && Double.isFinite(fvu))) throw new InputException("--fvu must be a finite number > 0, got " + fvu);
        if (kMax < 1) throw new InputException("--k-max must be ≥ 1, got " + kMax);
        widths = List.copyOf(widths);
    }

    /**
     * Checks a width grid (also before a {@link TrainConfig} is built from its first width, so that errors name
     * {@code --widths}).
     *
     * @param widths the grid
     * @throws InputException if it is empty, holds a width below 1, or is not strictly increasing
     */
    public static void checkWidths(List<Integer> widths) {
        if (widths == null || widths.isEmpty()) throw new InputException("--widths: give at least one width, e.g. 32,64,128");
        for (int i = 0; i < widths.size(); i++) {
            if (widths.get(i) == null || widths.get(i) < 1) {
                throw new InputException("--widths: widths must be ≥ 1, got " + widths.get(i));
            }
            if (i > 0 && widths.get(i) <= widths.get(i - 1)) {
                throw new InputException("--widths: list widths in increasing order without repeats, got " + widths);
            }
        }
    }

    /** Default k cap. */
    public static final int DEFAULT_K_MAX = 128;
}
