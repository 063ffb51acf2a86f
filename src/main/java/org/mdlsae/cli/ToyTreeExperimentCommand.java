package org.mdlsae.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mdlsae.io.OutputTarget;
import org.mdlsae.toy.ExperimentDefaults;
import org.mdlsae.toy.Hierarchy;
import org.mdlsae.toy.SyntheticData;
import org.mdlsae.toy.TreeExperiment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code toy experiment tree}: flat SAE vs tree SAE on hierarchical data. */
@Command(name = "tree", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Hierarchy, measured: a parent with P(P)=p and N exclusive children with P(C|P)=r. Trains a flat TopK "
                + "SAE (k=1, the conventional exclusive code) and a tree SAE (children fire only with their parent), measures "
                + "the flat SAE with the normal entropy DL and the tree SAE's codes with the flat, per-child tree and "
                + "sibling-joint tree codes, beside the analytic numbers."})
public final class ToyTreeExperimentCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--p", paramLabel = "P", defaultValue = "" + ExperimentDefaults.TREE_P,
            description = "P(parent), in (0, 1) (default: ${DEFAULT-VALUE}).")
    double p;

    @Option(names = "--children", paramLabel = "N", defaultValue = "" + ExperimentDefaults.TREE_CHILDREN,
            description = "Exclusive children (default: ${DEFAULT-VALUE}).")
    int children;

    @Option(names = "--r", paramLabel = "R", defaultValue = "" + ExperimentDefaults.TREE_R,
            description = "P(child | parent) for each child; N * r <= 1 (default: ${DEFAULT-VALUE}).")
    double r;

    @Option(names = "--restarts", paramLabel = "R", defaultValue = "" + ExperimentDefaults.TREE_RESTARTS,
            description = "Training runs per SAE; the admissible one with the least DL is kept (default: ${DEFAULT-VALUE}).")
    int restarts;

    @Option(names = "--random-directions", description = "Independent random unit directions instead of orthonormal ones.")
    boolean randomDirections;

    @Mixin
    ToyExperimentOptions opt;

    @Override
    public Integer call() throws Exception {
        OutputTarget target = ToyExperimentOptions.target(opt.out, opt.force);
        SyntheticData.Sampling sampling = opt.sampling(spec);
        TreeExperiment.Config cfg = ToyExperimentOptions.config(spec, () -> new TreeExperiment.Config(p,
                TreeExperiment.Config.defaults(p, children, r).r(), opt.samples, opt.d, opt.noise, sampling, !randomDirections,
                opt.fvu, opt.epochs, restarts, opt.seed));
        TreeExperiment.Result res = opt.run(spec, (be, progress) -> TreeExperiment.run(cfg, be, progress));
        List<Path> written = ToyExperimentOptions.writeOut(target, "experiment's CSV and chart", res::write);
        if (opt.printedJson(spec, res, written)) return 0;
        PrintWriter w = spec.commandLine().getOut();
        w.printf(Locale.ROOT, "Hierarchy, measured: P(parent) = %s, %d exclusive children, P(child | parent) = %s; %d rows (%s), d = %d, "
                        + "%s directions, noise %s, FVU tolerance %s%n", Fmt.num(p), children, Fmt.num(r), cfg.samples(),
                sampling.id(), cfg.d(), cfg.orthogonal() ? "orthonormal" : "random", Fmt.num(cfg.noise()), Fmt.num(cfg.fvu()));
        w.printf(Locale.ROOT, "%-20s %10s %10s %9s  %s%n", "code", "analytic", "measured", "diff", "measured on");
        for (TreeExperiment.CodeRow c : res.codes()) {
            w.printf(Locale.ROOT, "%-20s %10.5f %10s %9s  %s%n", c.code(), c.analytic(), Fmt.f5(c.measured()),
                    c.measured() == null ? "-" : String.format(Locale.ROOT, "%+.5f", c.measured() - c.analytic()), c.source());
        }
        for (TreeExperiment.Fit f : res.saes()) {
            w.printf(Locale.ROOT, "  %-26s D = %d, B* = %s, L0 = %.3f, FVU = %.2g, admissible restarts %d/%d, train MSE %.3g -> %.3g%n",
                    f.name(), f.width(), Fmt.i(f.bits()), f.l0(), f.fvu(), f.admissibleRestarts(), cfg.restarts(), f.trainMseFirst(),
                    f.trainMseLast());
        }
        Double ex = res.flat().dlFlat(), pc = res.tree().dlTreePerChild(), jt = res.tree().dlTreeJoint();
        Hierarchy.Codes an = res.analytic();
        double anPc = TreeExperiment.treePerChild(p, cfg.r());
        w.printf(Locale.ROOT, "tree SAE (per-child code) vs flat SAE: %s bits/sample saved (analytic %.5f)%n",
                ex == null || pc == null ? "-" : String.format(Locale.ROOT, "%.5f", ex - pc), an.exclusiveFlat() - anPc);
        w.printf(Locale.ROOT, "tree SAE (sibling-joint code) vs flat SAE: %s bits/sample saved (analytic %.5f)%n",
                ex == null || jt == null ? "-" : String.format(Locale.ROOT, "%.5f", ex - jt), an.treeSavingVsExclusive());
        w.printf(Locale.ROOT, "%.1f s%n", res.seconds());
        for (Path f : written) w.println("wrote " + f);
        w.flush();
        return 0;
    }
}
