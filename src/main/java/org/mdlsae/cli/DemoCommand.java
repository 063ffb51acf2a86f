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
import org.mdlsae.train.Convergence;
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
    /** The width grid of {@code --paper}: the paper's MNIST study (docs/design.md §11). */
    static final List<Integer> PAPER_WIDTHS = List.of(16, 32, 64, 128, 256, 512, 1024, 2048);
    /** Seeds of {@code --paper}. */
    static final int PAPER_SEEDS = 3;

    @Option(names = "--paper", description = "The paper's MNIST study (docs/design.md §11): widths 16…2048 at ε = "
            + Mdl.DEFAULT_EPS + ", bisecting k with each SAE trained to convergence (--epochs auto), " + PAPER_SEEDS
            + " seeds; about 20 minutes per seed on 2 cores (benchmarks/paper.sh records it). Default --out runs/paper.")
    boolean paper;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Sweep directory: new, or the demo's own (resumed) (default: runs/demo, runs/paper with --paper).")
    Path out;

    @Option(names = "--force", description = "Start afresh: delete the runs of the demo sweep already in --out.")
    boolean force;

    @Option(names = "--epochs", paramLabel = "N|auto", description = "Epochs per SAE, or auto (default: 15; auto with --paper).")
    String epochs;

    @Option(names = "--seeds", paramLabel = "N", description = "Seeds per SAE (default: 1; " + PAPER_SEEDS + " with --paper).")
    Integer seeds;

    @Option(names = "--cache", paramLabel = "DIR", description = "Download cache.")
    Path cache;

    @Mixin
    BackendOption backend;

    @ArgGroup(exclusive = true)
    ProgressOptions progress = new ProgressOptions();

    @Override
    public Integer call() throws Exception {
        Path dir = out != null ? out : Path.of(paper ? "runs/paper" : "runs/demo");
        OutputTarget target = OutputTarget.check("--out", dir, OutputKind.SWEEP, OutputTarget.Mode.RESUME, force);
        TrainConfig tc = TrainOptions.epochs(TrainConfig.defaults(Arch.BATCHTOPK, (paper ? PAPER_WIDTHS : WIDTHS).get(0), 1),
                epochs != null ? epochs : paper ? "auto" : "15", Convergence.defaults());
        SweepConfig cfg = SweepConfig.defaults(tc).withWidths(paper ? PAPER_WIDTHS : WIDTHS)
                .withSeeds(seeds != null ? seeds : paper ? PAPER_SEEDS : 1);
        // the paper's k at each width is the smallest whose converged SAE meets ε on the test split: bisection trains
        // each k it tries to convergence and measures it there (docs/design.md §11.5)
        // the demo is a quick look: one annealed training per width (docs/design.md §10)
        cfg = cfg.withSearch(paper ? SweepConfig.Search.BISECT : SweepConfig.Search.ANNEAL);
        Path c = Cache.orDefault(cache);
        Dataset train = DataSources.load("mnist", null, "train", c);
        Dataset test = DataSources.load("mnist", null, "test", c);
        SweepCommand.run(cfg, train, test, SweepResults.Evaluation.mnist(train.rows(), test.rows()), "mnist", target, backend.create(), progress.mode(),
                new SaeFiles.Origin(null, null, "mnist"), new SweepCommand.ReportData(true, null, null));
        return 0;
    }
}
