package org.mdlsae.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code toy experiment}: the toys measured on trained SAEs. */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Empirical toys: train SAEs on synthetic data with known features and measure their description length.",
        subcommands = {ToySplitExperimentCommand.class, ToyTreeExperimentCommand.class})
public final class ToyExperimentCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "toy experiment needs a subcommand: 'split --p 0.1' or 'tree --p 0.5 --children 4'");
    }
}
