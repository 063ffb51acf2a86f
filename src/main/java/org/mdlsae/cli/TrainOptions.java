package org.mdlsae.cli;

import org.mdlsae.InputException;
import org.mdlsae.sae.Arch;
import org.mdlsae.train.Normalization;
import org.mdlsae.train.TrainConfig;
import picocli.CommandLine.Option;

/**
 * Training flags shared by train and sweep; each maps onto one component of {@link TrainConfig}, whose defaults they
 * show. A flag that is not given leaves the component unset (its default); a value given is checked by the config.
 */
public final class TrainOptions {
    @Option(names = "--arch", defaultValue = "batchtopk", paramLabel = "topk|batchtopk", description = "Architecture (default: ${DEFAULT-VALUE}).")
    String arch;

    @Option(names = "--epochs", paramLabel = "N",
            description = "Epochs (default: " + TrainConfig.DEFAULT_EPOCHS + " unless --samples is given).")
    Integer epochs;

    @Option(names = "--samples", paramLabel = "N",
            description = "Training budget in samples (rows, e.g. tokens) instead of epochs; the learning-rate schedule "
                    + "spans the resulting steps. Mutually exclusive with --epochs.")
    Long samples;

    @Option(names = "--normalize", defaultValue = "none", paramLabel = "none|expected_average_only_in",
            description = "Activation normalisation: scale rows so that E||x|| = sqrt(d) (factor estimated from "
                    + Normalization.SAMPLE_ROWS + " rows); the saved SAE has the factor folded in and takes raw "
                    + "activations (default: ${DEFAULT-VALUE}).")
    String normalize;

    @Option(names = "--batch", defaultValue = "" + TrainConfig.DEFAULT_BATCH, description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate in (0, 1) (default: 2e-4·sqrt(16384/D), clamped to [1e-4, 2e-3]).")
    Double lr;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--warmup", defaultValue = "" + TrainConfig.DEFAULT_WARMUP, paramLabel = "FRACTION",
            description = "Warm-up fraction of steps (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--decay", defaultValue = "" + TrainConfig.DEFAULT_DECAY, paramLabel = "FRACTION",
            description = "Final fraction of steps with linear decay to 0 (default: ${DEFAULT-VALUE}).")
    double decay;

    @Option(names = "--aux-alpha", defaultValue = "" + TrainConfig.DEFAULT_AUX_ALPHA, description = "AuxK weight α; 0 disables AuxK (default: 1/32).")
    double auxAlpha;

    @Option(names = "--aux-k", paramLabel = "K", description = "AuxK k_aux ≥ 1 (default: d/2, capped at D).")
    Integer auxK;

    @Option(names = "--dead-samples", paramLabel = "N", description = "Samples (≥ 1) without firing before a latent counts as dead (default: min(10 epochs, 10M)).")
    Long deadSamples;

    /** The config for one width and k. */
    TrainConfig toConfig(int width, int k) {
        if (epochs != null && samples != null) {
            throw new InputException("--epochs and --samples are mutually exclusive; give one training budget");
        }
        TrainConfig c = TrainConfig.defaults(Arch.parse(arch, "--arch"), width, k);
        c = samples != null ? c.withSamples(samples) : c.withEpochs(epochs != null ? epochs : c.epochs());
        return c.withBatch(batch).withLr(lr).withSeed(seed)
                .withSchedule(warmup, decay).withAux(auxAlpha, auxK, deadSamples)
                .withNormalize(Normalization.Method.parse(normalize, "--normalize"));
    }
}
