package org.mdlsae.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.mdlsae.ConfigException;

/**
 * Training to convergence, the CLI's {@code --epochs auto} (docs/design.md §11). Immutable; a component that is null
 * takes its documented default, a value out of range is refused with a {@link ConfigException} naming
 * {@code TrainConfig.convergence.<component>}.
 *
 * <p>The rule: rows are held out of training for it ({@code data.HoldOut.control}: 10 % of the rows, at most 4096,
 * evenly spread over data in memory, the last rows of shards; a sweep's annealing search uses the same rows for its
 * k decisions), and their MSE is measured after every epoch with the weights of
 * that moment (BatchTopK with its running θ, as it would be saved). An epoch <em>improves</em> when that MSE is below
 * (1 − {@code minImprovement}) × the MSE of the last improving epoch (or of the first epoch). The learning rate warms up
 * as in a default fixed run (over {@code warmupFraction} × {@value TrainConfig#DEFAULT_EPOCHS} epochs of steps) and then
 * stays at its peak until {@code patience} epochs in a row have not improved — the plateau — or until a share
 * 1 − {@code decayFraction} of the {@code maxEpochs} cap has passed; then it decays linearly to 0 over ⌈E·f/(1 − f)⌉
 * more epochs (E the epochs so far, f = {@code decayFraction}, so the decay is the same share of the run as in a fixed
 * run; never past the cap), and training stops. With f = 0 it stops at the plateau. The weights kept are those of the
 * epoch with the least held-out MSE of the whole run (early stopping against overfitting), not necessarily the last.
 *
 * @param minImprovement relative decrease of the held-out MSE that counts as an improvement, in [0, 1) (default
 *                       {@value #DEFAULT_MIN_IMPROVEMENT})
 * @param patience       epochs in a row without improvement that end the constant phase, ≥ 1 (default
 *                       {@value #DEFAULT_PATIENCE})
 * @param maxEpochs      cap on the epochs of the whole run, ≥ 1 (default {@value #DEFAULT_MAX_EPOCHS})
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Convergence(@JsonProperty("min_improvement") Double minImprovement, @JsonProperty("patience") Integer patience,
                          @JsonProperty("max_epochs") Integer maxEpochs) implements java.io.Serializable {
    /** Default relative improvement that counts: 0.1 %. */
    public static final double DEFAULT_MIN_IMPROVEMENT = 1e-3;
    /** Default patience in epochs. */
    public static final int DEFAULT_PATIENCE = 10;
    /** Default cap in epochs. */
    public static final int DEFAULT_MAX_EPOCHS = 1000;

    public Convergence {
        if (minImprovement != null && !(minImprovement >= 0 && minImprovement < 1)) {
            throw bad("minImprovement", "must be in [0, 1), got " + minImprovement);
        }
        if (patience != null && patience < 1) throw bad("patience", "must be ≥ 1, got " + patience);
        if (maxEpochs != null && maxEpochs < 1) throw bad("maxEpochs", "must be ≥ 1, got " + maxEpochs);
    }

    private static ConfigException bad(String component, String problem) {
        return new ConfigException("TrainConfig.convergence." + component, problem);
    }

    /** All defaults. */
    public static Convergence defaults() {
        return new Convergence(null, null, null);
    }

    /** The relative improvement actually used. */
    public double effectiveMinImprovement() {
        return minImprovement != null ? minImprovement : DEFAULT_MIN_IMPROVEMENT;
    }

    /** The patience actually used. */
    public int effectivePatience() {
        return patience != null ? patience : DEFAULT_PATIENCE;
    }

    /** The cap actually used. */
    public int effectiveMaxEpochs() {
        return maxEpochs != null ? maxEpochs : DEFAULT_MAX_EPOCHS;
    }

    /**
     * The rule with every default resolved, for cfg.json.
     *
     * @return the resolved rule
     */
    public Convergence resolved() {
        return new Convergence(effectiveMinImprovement(), effectivePatience(), effectiveMaxEpochs());
    }

    /**
     * Why and when a run trained to convergence stopped (cfg.json's {@code result.stopping}, a sweep's run.json).
     * Deterministic for a seed on the CPU back end; the wall time is in timings.json.
     *
     * @param reason         {@code plateau} (no improvement for {@code patience} epochs, then the decay) or {@code cap}
     *                       (the constant phase reached its share of {@code maxEpochs})
     * @param epochs         epochs trained in all (every epoch number here counts from the start of the run)
     * @param steps          optimiser steps
     * @param plateauEpoch   the epoch at which the constant phase ended (the decay started after it)
     * @param bestEpoch      the epoch whose weights were kept (least held-out MSE)
     * @param bestHeldOutMse that MSE, per element, in raw units
     * @param lastHeldOutMse the held-out MSE after the last epoch
     * @param heldOutRows    rows of the stopping rule
     * @param trainedRows    rows trained on
     * @param heldOut        which rows were held out, in words
     * @param scheduleEpochs epochs of a k schedule's descent before the rule's cycle began (0 without one)
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Outcome(@JsonProperty("reason") String reason, @JsonProperty("epochs") int epochs,
                          @JsonProperty("steps") long steps, @JsonProperty("plateau_epoch") int plateauEpoch,
                          @JsonProperty("best_epoch") int bestEpoch,
                          @JsonProperty("best_held_out_mse") double bestHeldOutMse,
                          @JsonProperty("last_held_out_mse") double lastHeldOutMse,
                          @JsonProperty("held_out_rows") long heldOutRows, @JsonProperty("trained_rows") long trainedRows,
                          @JsonProperty("held_out") String heldOut,
                          @JsonProperty("k_schedule_epochs") int scheduleEpochs) implements java.io.Serializable {
        /** The same outcome with its MSEs divided by {@code s2} (normalised units to raw). */
        Outcome scaled(double s2) {
            return new Outcome(reason, epochs, steps, plateauEpoch, bestEpoch, bestHeldOutMse / s2, lastHeldOutMse / s2,
                    heldOutRows, trainedRows, heldOut, scheduleEpochs);
        }
    }
}
