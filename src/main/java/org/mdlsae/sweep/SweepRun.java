package org.mdlsae.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One trained SAE of a sweep with its description length at the sweep's tolerance: one row of
 * {@code results.json} / {@code results.csv}. Keys are snake_case as in {@code mdlsae dl --json}.
 *
 * @param width         dictionary width D
 * @param k             k it was trained with
 * @param epochs        training epochs
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
        @JsonProperty("admissible") boolean admissible) {

    /** The same run with {@code selected} set. */
    public SweepRun withSelected(boolean s) {
        return new SweepRun(width, k, epochs, trainSeconds, headroom, dir, s, bits, dlBits, dlBoundBits, denseBits, mse,
                mseQuantized, fvu, l0, deadFraction, dSae, admissible);
    }
}
