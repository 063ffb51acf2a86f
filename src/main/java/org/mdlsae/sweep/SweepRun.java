package org.mdlsae.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.mdlsae.sae.FeatureCharacter;
import org.mdlsae.train.Convergence;

/**
 * One trained SAE of a sweep with its description length at the sweep's tolerance: one row of
 * {@code results.json} / {@code results.csv}. Keys are snake_case as in {@code mdlsae dl --json}.
 *
 * @param width         dictionary width D
 * @param k             k it was trained with
 * @param epochs        training epochs (for a run to convergence, the epochs it trained)
 * @param trainSeconds  wall time of training
 * @param headroom      ε − MSE on the evaluation split (negative: misses ε)
 * @param dir           SAE directory, relative to the sweep directory
 * @param selected      true for the admissible run of least DL of its width (the run that represents the width)
 * @param bits          B* (null when inadmissible)
 * @param dlBits        entropy DL per sample at B* (null when inadmissible)
 * @param dlBoundBits   L0·(B* + log2 D) (null when inadmissible)
 * @param denseBits     d·B* (null when inadmissible)
 * @param mse           unquantised MSE on the evaluation split
 * @param mseQuantized  MSE at B* (null when inadmissible)
 * @param fvu           fraction of variance unexplained
 * @param l0            mean active latents per sample
 * @param deadFraction  fraction of latents never active on the evaluation split
 * @param dSae          = width
 * @param admissible    meets ε with some B ≤ 16
 * @param msePerToken   mean over evaluation samples of Σ_c (x − x̂)² (SAELens' per-token MSE; null in runs
 *                      recorded before it was measured)
 * @param explainedVariance 1 − fvu (null in older runs)
 * @param cossim        mean cosine of x and x̂ over evaluation samples (null in older runs)
 * @param l2Ratio       mean ‖x̂‖/‖x‖ over evaluation samples (null in older runs)
 * @param seed          the training seed (null in runs recorded before sweeps had seeds)
 * @param features      the character of its features on the rows it trained on (the first 10 000;
 *                      docs/design.md §11), null in older runs
 * @param stopping      why and when it stopped, for a run trained to convergence (null for a fixed budget)
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record SweepRun(
        @JsonProperty("width") int width,
        @JsonProperty("k") int k,
        @JsonProperty("epochs") int epochs,
        @JsonProperty("train_seconds") double trainSeconds,
        @JsonProperty("headroom") double headroom,
        @JsonProperty("dir") String dir,
        @JsonProperty("selected") boolean selected,
        @JsonProperty("bits") Integer bits,
        @JsonProperty("dl_bits") Double dlBits,
        @JsonProperty("dl_bound_bits") Double dlBoundBits,
        @JsonProperty("dense_bits") Double denseBits,
        @JsonProperty("mse") double mse,
        @JsonProperty("mse_quantized") Double mseQuantized,
        @JsonProperty("fvu") double fvu,
        @JsonProperty("l0") double l0,
        @JsonProperty("dead_fraction") double deadFraction,
        @JsonProperty("d_sae") int dSae,
        @JsonProperty("admissible") boolean admissible,
        @JsonProperty("mse_per_token") Double msePerToken,
        @JsonProperty("explained_variance") Double explainedVariance,
        @JsonProperty("cossim") Double cossim,
        @JsonProperty("l2_ratio") Double l2Ratio,
        @JsonProperty("seed") Long seed,
        @JsonProperty("features") FeatureCharacter features,
        @JsonProperty("stopping") Convergence.Outcome stopping) implements java.io.Serializable {

    /** A run without the reconstruction metrics of docs/design.md §7 beyond mse, fvu, l0 and dead_fraction. */
    public SweepRun(int width, int k, int epochs, double trainSeconds, double headroom, String dir, boolean selected,
                    Integer bits, Double dlBits, Double dlBoundBits, Double denseBits, double mse, Double mseQuantized,
                    double fvu, double l0, double deadFraction, int dSae, boolean admissible) {
        this(width, k, epochs, trainSeconds, headroom, dir, selected, bits, dlBits, dlBoundBits, denseBits, mse,
                mseQuantized, fvu, l0, deadFraction, dSae, admissible, null, null, null, null);
    }

    /** A run without its seed, features and stopping record (the fields of docs/design.md §11). */
    public SweepRun(int width, int k, int epochs, double trainSeconds, double headroom, String dir, boolean selected,
                    Integer bits, Double dlBits, Double dlBoundBits, Double denseBits, double mse, Double mseQuantized,
                    double fvu, double l0, double deadFraction, int dSae, boolean admissible, Double msePerToken,
                    Double explainedVariance, Double cossim, Double l2Ratio) {
        this(width, k, epochs, trainSeconds, headroom, dir, selected, bits, dlBits, dlBoundBits, denseBits, mse,
                mseQuantized, fvu, l0, deadFraction, dSae, admissible, msePerToken, explainedVariance, cossim, l2Ratio,
                null, null, null);
    }

    /** The same run with {@code selected} set. */
    public SweepRun withSelected(boolean s) {
        return new SweepRun(width, k, epochs, trainSeconds, headroom, dir, s, bits, dlBits, dlBoundBits, denseBits, mse,
                mseQuantized, fvu, l0, deadFraction, dSae, admissible, msePerToken, explainedVariance, cossim, l2Ratio,
                seed, features, stopping);
    }

    /** The same run with what its training says: its seed, its features' character and how it stopped. */
    public SweepRun withTraining(Long s, FeatureCharacter f, Convergence.Outcome stop) {
        return new SweepRun(width, k, epochs, trainSeconds, headroom, dir, selected, bits, dlBits, dlBoundBits, denseBits, mse,
                mseQuantized, fvu, l0, deadFraction, dSae, admissible, msePerToken, explainedVariance, cossim, l2Ratio,
                s, f, stop);
    }
}
