package org.mdlsae.cli;

import static java.util.Map.entry;

import java.util.Map;
import org.mdlsae.ConfigException;

/**
 * The one map from config fields to the flags that set them. The library names a refused setting by its config
 * field ({@code TrainConfig.lr must be …}); the CLI says the same with the flag ({@code --lr must be …}).
 */
final class Flags {
    private static final Map<String, String> FLAG = Map.ofEntries(
            entry("TrainConfig.arch", "--arch"),
            entry("TrainConfig.width", "--width"),
            entry("TrainConfig.k", "--k"),
            entry("TrainConfig.epochs", "--epochs"),
            entry("TrainConfig.samples", "--samples"),
            entry("TrainConfig.normalize", "--normalize"),
            entry("TrainConfig.batch", "--batch"),
            entry("TrainConfig.lr", "--lr"),
            entry("TrainConfig.warmupFraction", "--warmup"),
            entry("TrainConfig.decayFraction", "--decay"),
            entry("TrainConfig.auxAlpha", "--aux-alpha"),
            entry("TrainConfig.auxK", "--aux-k"),
            entry("TrainConfig.deadSamples", "--dead-samples"),
            entry("SweepConfig.widths", "--widths"),
            entry("SweepConfig.eps", "--eps"),
            entry("SweepConfig.fvu", "--fvu"),
            entry("SweepConfig.kMax", "--k-max"),
            entry("SweepConfig.search", "--search"),
            entry("Mdl.eps", "--eps"),
            entry("Mdl.fvu", "--fvu"),
            entry("Mdl.delta", "--delta"),
            entry("SplitExperiment.Config.p", "--p"),
            entry("SplitExperiment.Config.rhoMin", "--rho-min"),
            entry("SplitExperiment.Config.rhoMax", "--rho-max"),
            entry("SplitExperiment.Config.rhoSteps", "--rho-steps"),
            entry("SplitExperiment.Config.samples", "--samples"),
            entry("SplitExperiment.Config.d", "--d"),
            entry("SplitExperiment.Config.noise", "--noise"),
            entry("SplitExperiment.Config.sampling", "--sampling"),
            entry("SplitExperiment.Config.fvu", "--fvu"),
            entry("SplitExperiment.Config.epochs", "--epochs"),
            entry("SplitExperiment.Config.restarts", "--restarts"),
            entry("SplitExperiment.Config.jitter", "--jitter"),
            entry("TreeExperiment.Config.p", "--p"),
            entry("TreeExperiment.Config.r", "--r"),
            entry("TreeExperiment.Config.children", "--children"),
            entry("TreeExperiment.Config.samples", "--samples"),
            entry("TreeExperiment.Config.d", "--d"),
            entry("TreeExperiment.Config.noise", "--noise"),
            entry("TreeExperiment.Config.sampling", "--sampling"),
            entry("TreeExperiment.Config.fvu", "--fvu"),
            entry("TreeExperiment.Config.epochs", "--epochs"),
            entry("TreeExperiment.Config.restarts", "--restarts"));

    private Flags() {
    }

    /**
     * The flag that sets a config field.
     *
     * @param field e.g. {@code TrainConfig.lr}
     * @return e.g. {@code --lr}, or null when no flag sets it
     */
    static String flag(String field) {
        return FLAG.get(field);
    }

    /** The refusal worded with the flag (or with the field, when no flag sets it). */
    static String message(ConfigException e) {
        String flag = flag(e.field());
        return flag == null ? e.getMessage() : flag + " " + e.problem();
    }
}
