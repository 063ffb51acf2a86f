package org.mdlsae.cli;

import org.mdlsae.io.SaeFiles;
import picocli.CommandLine.Option;

/** {@code --model-name}, {@code --hook-name}: where the activations come from, written to cfg.json for SAELens. */
public final class OriginOptions {
    @Option(names = "--model-name", paramLabel = "NAME",
            description = "Model the activations come from (cfg.json model_name for SAELens), e.g. gpt2.")
    String modelName;

    @Option(names = "--hook-name", paramLabel = "HOOK",
            description = "Hook point of the activations (cfg.json hook_name for SAELens), e.g. blocks.8.hook_resid_pre.")
    String hookName;

    /** The origin record for the saved SAEs; {@code dataset} is the data source. */
    SaeFiles.Origin origin(String dataset) {
        return new SaeFiles.Origin(modelName, hookName, dataset);
    }
}
