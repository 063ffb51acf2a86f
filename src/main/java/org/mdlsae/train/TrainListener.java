package org.mdlsae.train;

/** Receives progress from the {@link Trainer}; called on the training thread. */
public interface TrainListener {
    /**
     * After each step.
     *
     * @param p a snapshot of the run's progress
     */
    void onStep(Progress p);

    /** A listener that ignores everything. */
    TrainListener NONE = p -> { };

    /**
     * @param epoch         current epoch (1-based)
     * @param epochs        total epochs
     * @param step          steps done
     * @param steps         total steps
     * @param loss          reconstruction loss Σ‖x−x̂‖²/batch of the last step
     * @param mse           mean squared error per element of the last step
     * @param l0            mean active latents per sample of the last step
     * @param deadFraction  fraction of latents currently dead
     * @param samplesPerSec throughput so far
     */
    record Progress(int epoch, int epochs, long step, long steps, double loss, double mse, double l0,
                    double deadFraction, double samplesPerSec) {
    }
}
