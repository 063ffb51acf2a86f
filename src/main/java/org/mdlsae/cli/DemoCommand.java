package org.mdlsae.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.mdlsae.data.Cache;
import org.mdlsae.data.DataSources;
import org.mdlsae.data.Dataset;
import org.mdlsae.io.OutputKind;
import org.mdlsae.io.OutputTarget;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.mdl.Mdl;
import org.mdlsae.sae.Arch;
import org.mdlsae.sweep.SweepConfig;
import org.mdlsae.sweep.SweepResults;
import org.mdlsae.train.TrainConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mdlsae demo}: the README's main command, an MNIST MDL sweep sized for a few minutes on 2 cores. */
@Command(name = "demo", mixinStandardHelpOptions = true, subcommands = DemoLmCommand.class,
        description = "Fetch MNIST if needed and run a small MDL sweep end to end (BatchTopK, ε = " + Mdl.DEFAULT_EPS + "); "
                + "prints the selected SAE and where the report is. 'mdlsae demo lm': the same on a real language model.")
public final class DemoCommand implements Callable<Integer> {
    /** The demo's width grid. */
    static final List<Integer> WIDTHS = List.of(32, 64, 128, 256, 512, 1024);

    @Option(names = "--out", defaultValue = "runs/demo", paramLabel = "DIR",
            description = "Sweep directory: new, or the demo's own (resumed) (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--force", description = "Start afresh: delete the runs of the demo sweep already in --out.")
    boolean force;

    @Option(names = "--epochs", defaultValue = "15", description = "Epochs per SAE (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--cache", paramLabel = "DIR", description = "Download cache.")
    Path cache;

    @Mixin
    BackendOption backend;

    @ArgGroup(exclusive = true)
    ProgressOptions progress = new ProgressOptions();

    @Override
    public Integer call() throws Exception {
        OutputTarget target = OutputTarget.check("--out", out, OutputKind.SWEEP, OutputTarget.Mode.RESUME, force);
        Path c = Cache.orDefault(cache);
        Dataset train = DataSources.load("mnist", null, "train", c);
        Dataset test = DataSources.load("mnist", null, "test", c);
        TrainConfig tc = TrainConfig.defaults(Arch.BATCHTOPK, WIDTHS.get(0), 1).withEpochs(epochs);
        SweepConfig cfg = SweepConfig.defaults(tc).withWidths(WIDTHS);
        SweepCommand.run(cfg, train, test, SweepResults.Evaluation.mnist(train.rows(), test.rows()), "mnist", target, backend.create(), progress.mode(),
                new SaeFiles.Origin(null, null, "mnist"), new SweepCommand.ReportData(true, null, null));
        return 0;
    }
}
