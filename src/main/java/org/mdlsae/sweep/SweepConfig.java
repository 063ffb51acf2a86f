package org.mdlsae.sweep;

import java.util.Arrays;
import java.util.List;
import org.mdlsae.ConfigException;
import org.mdlsae.mdl.Mdl;
import org.mdlsae.train.TrainConfig;

/**
 * A width sweep at a fixed loss tolerance (docs/design.md §2.4). Refused values name the component
 * ({@link ConfigException}).
 *
 * @param widths   the width grid (ascending, distinct; default {@value #DEFAULT_WIDTHS_TEXT})
 * @param eps      MSE tolerance ε, or null when {@code fvu} is given (default {@link Mdl#DEFAULT_EPS})
 * @param fvu      tolerance as FVU on the evaluation split, or null
 * @param kMax     largest k the search tries (default {@value #DEFAULT_K_MAX}; capped at each width)
 * @param train    training settings shared by all runs (its width and k are replaced per run)
 * @param seeds    how many times each (width, k) is trained, with seeds {@code train.seed}, {@code train.seed + 1}, …
 *                 (default 1; docs/design.md §11: the selection then takes the width of least mean DL among the
 *                 widths admissible for every seed)
 * @param search   how each width finds its k (default {@link #DEFAULT_SEARCH}; docs/design.md §10)
 */
public record SweepConfig(List<Integer> widths, Double eps, Double fvu, int kMax, TrainConfig train, int seeds,
                          Search search) implements java.io.Serializable {

    /** How a width's k is found. */
    public enum Search {
        /** One training per width whose k is lowered while the SAE meets ε on control rows ({@link Anneal}). */
        ANNEAL,
        /** A training per k tried, bisecting over k, warm-started from the narrower width. */
        BISECT;

        /** The CLI's spelling. */
        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * Default search mode, as the CLI writes it: the bisection, whose selected SAEs coded in about a tenth fewer bits
     * than the anneal's on MNIST and MiniLM activations, at two to three times the training (docs/design.md §10).
     */
    public static final String DEFAULT_SEARCH_TEXT = "bisect";

    /** Default search mode. */
    public static final Search DEFAULT_SEARCH = Search.valueOf(DEFAULT_SEARCH_TEXT.toUpperCase(java.util.Locale.ROOT));

    /** Default k cap. */
    public static final int DEFAULT_K_MAX = 128;

    /** Default width grid, as the CLI writes it. */
    public static final String DEFAULT_WIDTHS_TEXT = "32,64,128,256,512,1024,2048";

    /** Default width grid. */
    public static final List<Integer> DEFAULT_WIDTHS = Arrays.stream(DEFAULT_WIDTHS_TEXT.split(",")).map(Integer::valueOf).toList();

    public SweepConfig {
        checkWidths(widths);
        if (eps == null && fvu == null) throw bad("eps", "is required unless a tolerance as FVU is given");
        if (eps != null && fvu != null) throw bad("fvu", "cannot be combined with an MSE tolerance; give one of the two");
        if (eps != null && !(eps > 0 && Double.isFinite(eps))) throw bad("eps", "must be a finite number > 0, got " + eps);
        if (fvu != null && !(fvu > 0 && Double.isFinite(fvu))) throw bad("fvu", "must be a finite number > 0, got " + fvu);
        if (kMax < 1) throw bad("kMax", "must be ≥ 1, got " + kMax);
        if (train == null) throw bad("train", "is required");
        if (seeds < 1) throw bad("seeds", "must be ≥ 1, got " + seeds);
        if (search == null) throw bad("search", "is required: anneal or bisect");
        widths = List.copyOf(widths);
    }

    /** A sweep with one seed and the default search mode. */
    public SweepConfig(List<Integer> widths, Double eps, Double fvu, int kMax, TrainConfig train) {
        this(widths, eps, fvu, kMax, train, 1, DEFAULT_SEARCH);
    }

    /** A sweep with one seed. */
    public SweepConfig(List<Integer> widths, Double eps, Double fvu, int kMax, TrainConfig train, Search search) {
        this(widths, eps, fvu, kMax, train, 1, search);
    }

    /** The training seeds of each (width, k): {@code train.seed}, {@code train.seed + 1}, … */
    public List<Long> seedList() {
        return java.util.stream.LongStream.range(0, seeds).map(i -> train.seed() + i).boxed().toList();
    }

    /** The same sweep with {@code n} seeds per (width, k). */
    public SweepConfig withSeeds(int n) {
        return new SweepConfig(widths, eps, fvu, kMax, train, n, search);
    }

    /**
     * Checks a width grid (also before a {@link TrainConfig} is built from its first width, so that errors name the
     * widths).
     *
     * @param widths the grid
     * @throws ConfigException if it is empty, holds a width below 1, or is not strictly increasing
     */
    public static void checkWidths(List<Integer> widths) {
        if (widths == null || widths.isEmpty()) throw bad("widths", "must list at least one width, e.g. 32,64,128");
        for (int i = 0; i < widths.size(); i++) {
            if (widths.get(i) == null || widths.get(i) < 1) throw bad("widths", "must all be ≥ 1, got " + widths.get(i));
            if (i > 0 && widths.get(i) <= widths.get(i - 1)) {
                throw bad("widths", "must be increasing without repeats, got " + widths);
            }
        }
    }

    private static ConfigException bad(String component, String problem) {
        return new ConfigException("SweepConfig." + component, problem);
    }

    /**
     * The default sweep: {@link #DEFAULT_WIDTHS}, ε = {@link Mdl#DEFAULT_EPS}, k ≤ {@link #DEFAULT_K_MAX}.
     *
     * @param train training settings of every run
     * @return the config
     */
    public static SweepConfig defaults(TrainConfig train) {
        return new SweepConfig(DEFAULT_WIDTHS, Mdl.DEFAULT_EPS, null, DEFAULT_K_MAX, train);
    }

    /** The same sweep over other widths. */
    public SweepConfig withWidths(List<Integer> w) {
        return new SweepConfig(w, eps, fvu, kMax, train, seeds, search);
    }

    /** The same sweep with other training settings. */
    public SweepConfig withTrain(TrainConfig t) {
        return new SweepConfig(widths, eps, fvu, kMax, t, seeds, search);
    }

    /** The same sweep with another search mode. */
    public SweepConfig withSearch(Search s) {
        return new SweepConfig(widths, eps, fvu, kMax, train, seeds, s);
    }

    /** The same sweep at MSE tolerance ε. */
    public SweepConfig withEps(double e) {
        return new SweepConfig(widths, e, null, kMax, train, seeds, search);
    }
}
