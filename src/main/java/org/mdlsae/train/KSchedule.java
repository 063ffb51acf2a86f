package org.mdlsae.train;

import java.util.function.Supplier;
import org.mdlsae.sae.SaeWeights;

/**
 * Changes k while one run trains (docs/design.md §10): the sweep's annealing search lowers k on a schedule while a
 * held-out estimate of the quantised MSE stays under ε, then fine-tunes at the k it chose. The {@link Trainer} asks
 * {@link #k()} before the first step and calls {@link #afterStep} after every step; when k changes, TopK and BatchTopK
 * select with the new k from the next step on and BatchTopK's running threshold θ restarts, so that θ at the end is
 * the mean over steps at the final k only. The result's weights carry the final k. A schedule is part of a run's
 * state: {@link #state} is stored in checkpoints ({@link Trainer.State#schedule}) and {@link #restore} puts a fresh
 * schedule of the same job back where it stood, so a resumed run ends bit-identical to one never stopped.
 */
public interface KSchedule {
    /**
     * The k of the next step.
     *
     * @return k in [1, width]
     */
    int k();

    /**
     * Steps of the run when the config asks for {@code configSteps}: a schedule may add steps of full batches (the
     * config's budget in samples grows by as many batches).
     *
     * @param configSteps {@code TrainConfig.steps} of the training rows
     * @return the run's steps, ≥ configSteps
     */
    default long steps(long configSteps) {
        return configSteps;
    }

    /**
     * The learning rate of step {@code step} (1-based).
     *
     * @param step   the step
     * @param config the config's schedule over {@code configSteps} steps
     * @return the rate; by default the config's
     */
    default double lr(long step, LrSchedule config) {
        return config.at(step);
    }

    /**
     * Called after every optimiser step.
     *
     * @param step    steps done (1-based)
     * @param steps   steps of the whole run
     * @param current the SAE as it would be saved now (weights, the current k and θ); evaluating it costs a download
     * @return true when {@link #k()} changed
     */
    boolean afterStep(long step, long steps, Supplier<SaeWeights> current);

    /**
     * The schedule's state for a checkpoint.
     *
     * @return a compact text (JSON)
     */
    String state();

    /**
     * Restores a state made by {@link #state} on a schedule of the same job.
     *
     * @param state the text
     */
    void restore(String state);
}
