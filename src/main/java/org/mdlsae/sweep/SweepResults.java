package org.mdlsae.sweep;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The content of a sweep's {@code results.json}: every trained SAE and the ε-MDL-optimal one.
 *
 * @param data     data source (e.g. {@code mnist})
 * @param dIn      input dimension d
 * @param eps      MSE tolerance ε
 * @param epsFvu   ε expressed as FVU on the evaluation split
 * @param arch     architecture of all runs
 * @param widths   the width grid
 * @param runs     every trained SAE (search runs included), ordered by width then k
 * @param best     copy of the selected run (min DL among admissible; null if none is admissible)
 * @param seconds  wall time of the sweep so far
 */
public record SweepResults(
        @JsonProperty("data") String data,
        @JsonProperty("d_in") int dIn,
        @JsonProperty("eps") double eps,
        @JsonProperty("eps_fvu") double epsFvu,
        @JsonProperty("arch") String arch,
        @JsonProperty("widths") List<Integer> widths,
        @JsonProperty("runs") List<SweepRun> runs,
        @JsonProperty("best") SweepRun best,
        @JsonProperty("seconds") double seconds) {
}
