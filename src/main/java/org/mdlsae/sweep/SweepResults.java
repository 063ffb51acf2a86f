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
 * @param evaluation which rows the selection measured, and in which units (docs/design.md §8)
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
        @JsonProperty("seconds") double seconds,
        @JsonProperty("evaluation") Evaluation evaluation) {

    /**
     * Where the selection's figures come from. A sweep never selects on rows it trained on: mnist measures on its test
     * split, a file or directory on {@code --eval} when given, else on its held-out last rows ({@code data.HoldOut}).
     *
     * @param data      the evaluation rows' source
     * @param rule      how they were chosen, in words
     * @param trainRows rows trained (and calibrated) on
     * @param evalRows  rows measured
     * @param mseUnits  the units of ε and every MSE: {@code raw}, the data files' units (a normalised run's SAE has
     *                  its factor folded in, so it is measured on raw rows)
     */
    public record Evaluation(
            @JsonProperty("data") String data,
            @JsonProperty("rule") String rule,
            @JsonProperty("train_rows") long trainRows,
            @JsonProperty("eval_rows") long evalRows,
            @JsonProperty("mse_units") String mseUnits) {
    }
}
