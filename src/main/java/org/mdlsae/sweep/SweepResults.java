package org.mdlsae.sweep;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.mdlsae.codec.CodecSummary;

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
 * @param best     copy of the selected run (min DL among admissible; null if none is admissible or the sweep is
 *                 not complete)
 * @param seconds  wall time of the sweep so far
 * @param complete whether the search has finished every width; false in the results written while it runs (and
 *                 left by a killed sweep)
 * @param missing  the widths whose search has not finished (empty when complete)
 * @param provisionalBest the least-DL selected run so far while the sweep is not complete (not the result)
 * @param evaluation which rows the selection measured, and in which units (docs/design.md §8)
 * @param codec    rate–distortion curves, two-part code and (with {@code --compare}) the comparison table of the
 *                 selected runs (docs/design.md §13); null until the sweep is complete
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
        @JsonProperty("complete") boolean complete,
        @JsonProperty("missing") List<Integer> missing,
        @JsonProperty("provisional_best") SweepRun provisionalBest,
        @JsonProperty("evaluation") Evaluation evaluation,
        @JsonProperty("codec") CodecSummary codec) {

    /** The results without the codec's section. */
    public SweepResults(String data, int dIn, double eps, double epsFvu, String arch, List<Integer> widths,
                        List<SweepRun> runs, SweepRun best, double seconds, boolean complete, List<Integer> missing,
                        SweepRun provisionalBest, Evaluation evaluation) {
        this(data, dIn, eps, epsFvu, arch, widths, runs, best, seconds, complete, missing, provisionalBest, evaluation, null);
    }

    /** The same results with the codec's section. */
    public SweepResults withCodec(CodecSummary c) {
        return new SweepResults(data, dIn, eps, epsFvu, arch, widths, runs, best, seconds, complete, missing,
                provisionalBest, evaluation, c);
    }

    /** The results of a complete sweep. */
    public SweepResults(String data, int dIn, double eps, double epsFvu, String arch, List<Integer> widths,
                        List<SweepRun> runs, SweepRun best, double seconds, Evaluation evaluation) {
        this(data, dIn, eps, epsFvu, arch, widths, runs, best, seconds, true, List.of(), null, evaluation);
    }

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
        /**
         * The MNIST rule: train (and calibrate) on the train split, measure on the test split.
         *
         * @param trainRows rows of the train split
         * @param evalRows  rows of the test split
         * @return the evaluation
         */
        public static Evaluation mnist(long trainRows, long evalRows) {
            return new Evaluation("mnist", "mnist: trained and calibrated on the train split, measured on the test split",
                    trainRows, evalRows, "raw");
        }
    }
}
