package org.mdlsae.cli;

import org.mdlsae.InputException;
import picocli.CommandLine.Option;

/** {@code --checkpoint-every N}: how often a training run writes its checkpoint (docs/design.md §6). */
public final class CheckpointOption {
    @Option(names = "--checkpoint-every", paramLabel = "STEPS",
            description = "Write a checkpoint every STEPS optimiser steps; 0: never (default: about every five minutes of "
                    + "training). Re-running the same command after a kill resumes from it and ends bit-identical.")
    Long every;

    /** The cadence for {@link org.mdlsae.train.CheckpointDir}: steps, 0 for the time-based default, -1 for never. */
    long steps() {
        if (every == null) return 0;
        if (every < 0) throw new InputException("--checkpoint-every must be ≥ 0 (0: no checkpoints), got " + every);
        return every == 0 ? -1 : every;
    }
}
