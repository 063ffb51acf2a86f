package org.mdlsae.sweep;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/**
 * The paper's MNIST regimes (its §6: A wide and sparse, whole-digit features; B the MDL optimum, line segments shared
 * across digits; C narrow, small sections of digits; D narrowest, dense PCA-like features) as labels from measured
 * feature character ({@code sae.FeatureCharacter}). <b>The criteria are this engine's</b>, not the paper's, which
 * shows pictures; docs/design.md §11 gives the reasoning:
 * <ol>
 *   <li>A — whole inputs: memorisation ≥ {@value #WHOLE_INPUT_COSINE} (an MNIST digit's nearest other training digit
 *       has cosine ≈ 0.90 on average, a stroke's best match ≈ 0.5);</li>
 *   <li>D — dense: otherwise, extent ≥ the mean participation ratio of the rows themselves (features spread wider than
 *       a whole input; MNIST digits: ≈ 0.13, their principal components ≈ 0.16–0.18);</li>
 *   <li>otherwise parts of inputs: B at the selected width or wider, C narrower. Memorisation and extent do not tell
 *       the paper's "longer line segments" (B) from its "small sections" (C): that part of the label is the width's
 *       position relative to the optimum.</li>
 * </ol>
 */
public final class Regimes {
    /** Memorisation from which features count as whole inputs (regime A). */
    public static final double WHOLE_INPUT_COSINE = 0.75;

    private Regimes() {
    }

    /**
     * The thresholds a sweep's labels used (results.json {@code regime_criteria}).
     *
     * @param wholeInputCosine memorisation from which a width is A
     * @param rowsExtent       the mean participation ratio of the training rows (first 10 000): extent from which a
     *                         width is D
     * @param rule             the rule in words
     */
    public record Criteria(@JsonProperty("whole_input_cosine") double wholeInputCosine,
                           @JsonProperty("rows_extent") double rowsExtent, @JsonProperty("rule") String rule) {
        /**
         * The criteria for rows whose own mean participation ratio is {@code rowsExtent}.
         *
         * @param rowsExtent see the record
         * @return the criteria
         */
        public static Criteria of(double rowsExtent) {
            return new Criteria(WHOLE_INPUT_COSINE, rowsExtent, String.format(Locale.ROOT, "this engine's criteria (docs/design.md "
                    + "§11), not the paper's: A if memorisation >= %.2f; else D if extent >= %.4f (the training rows' own "
                    + "mean participation ratio); else B at the selected width or wider, C narrower", WHOLE_INPUT_COSINE,
                    rowsExtent));
        }
    }

    /**
     * The label of a width.
     *
     * @param memorisation its features' mean memorisation (null: not measured)
     * @param extent       their mean extent (null: not measured)
     * @param c            the criteria
     * @param width        the width
     * @param optimum      the selected width, or null when none was selected
     * @return A, B, C or D; {@code B/C} for parts of inputs without an optimum; null when not measured
     */
    public static String label(Double memorisation, Double extent, Criteria c, int width, Integer optimum) {
        if (memorisation == null || extent == null || c == null) return null;
        if (memorisation >= c.wholeInputCosine()) return "A";
        if (extent >= c.rowsExtent()) return "D";
        if (optimum == null) return "B/C";
        return width >= optimum ? "B" : "C";
    }
}
