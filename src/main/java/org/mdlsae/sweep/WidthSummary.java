package org.mdlsae.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One width of a sweep over all its seeds (results.json {@code by_width}, docs/design.md §11). Each seed's width is
 * represented by its admissible run of least DL; a seed with no admissible run at this width by its run of least MSE
 * (which then counts for the features, not for the DL). DL statistics are over the admissible seeds only.
 *
 * @param width                D
 * @param seeds                seeds trained at this width
 * @param admissibleSeeds      seeds with an admissible run
 * @param admissible           admissible for every seed (only such widths can be selected)
 * @param dlMean               mean DL (bits per sample) over the admissible seeds' representatives, or null
 * @param dlStd                their sample standard deviation (null with fewer than two)
 * @param dlMin                least of them
 * @param dlMax                largest of them
 * @param dlBySeed             each seed's DL, in seed order (null where inadmissible)
 * @param kBySeed              each seed's representative k, in seed order
 * @param l0Mean               mean L0 of the representatives (evaluation rows)
 * @param mseMean              mean MSE of the representatives (evaluation rows)
 * @param epochsMean           mean epochs trained by the representatives
 * @param memorisation         mean memorisation of the representatives' features (training rows)
 * @param extent               mean extent of the representatives' features
 * @param featuresDeadFraction mean fraction of the representatives' latents never active on the training rows
 * @param regime               the paper's regime these numbers fall in ({@link Regimes}), or null when not measured
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record WidthSummary(
        @JsonProperty("width") int width,
        @JsonProperty("seeds") int seeds,
        @JsonProperty("admissible_seeds") int admissibleSeeds,
        @JsonProperty("admissible") boolean admissible,
        @JsonProperty("dl_mean") Double dlMean,
        @JsonProperty("dl_std") Double dlStd,
        @JsonProperty("dl_min") Double dlMin,
        @JsonProperty("dl_max") Double dlMax,
        @JsonProperty("dl_by_seed") List<Double> dlBySeed,
        @JsonProperty("k_by_seed") List<Integer> kBySeed,
        @JsonProperty("l0_mean") Double l0Mean,
        @JsonProperty("mse_mean") Double mseMean,
        @JsonProperty("epochs_mean") Double epochsMean,
        @JsonProperty("memorisation") Double memorisation,
        @JsonProperty("extent") Double extent,
        @JsonProperty("features_dead_fraction") Double featuresDeadFraction,
        @JsonProperty("regime") String regime) {

    /** The same summary with its regime label. */
    WidthSummary withRegime(String r) {
        return new WidthSummary(width, seeds, admissibleSeeds, admissible, dlMean, dlStd, dlMin, dlMax, dlBySeed, kBySeed,
                l0Mean, mseMean, epochsMean, memorisation, extent, featuresDeadFraction, r);
    }
}
