package org.mdlsae.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code mdlsae toy}: the paper's §7 theory toys (docs/design.md §2.5). Analytically: {@code toy split}
 * ({@link ToySplitCommand}) and {@code toy hierarchy} ({@link ToyHierarchyCommand}); measured on trained SAEs:
 * {@code toy experiment split|tree} ({@link ToyExperimentCommand}).
 */
@Command(name = "toy", mixinStandardHelpOptions = true,
        description = "Theory toys of the MDL-SAE paper (section 7): feature splitting and hierarchical codes.",
        subcommands = {ToySplitCommand.class, ToyHierarchyCommand.class, ToyExperimentCommand.class})
public final class ToyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "toy needs a subcommand: 'toy split --p 0.1', 'toy hierarchy --p 0.1 --r 0.5' "
                + "or 'toy experiment split|tree'");
    }
}
