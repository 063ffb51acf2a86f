package org.mdlsae.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mdlsae.io.OutputTarget;
import org.mdlsae.toy.ExperimentDefaults;
import org.mdlsae.toy.FeatureSplitting;
import org.mdlsae.toy.SplitExperiment;
import org.mdlsae.toy.SyntheticData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code toy experiment split}: measured DL₂, DL₃ over ρ against the analytic curves. */
@Command(name = "split", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Feature splitting, measured: for each rho, train a 2-latent TopK SAE (k=2) and a 3-latent TopK SAE (k=1) "
                + "on x = a f_A + b f_B with P(A)=P(B)=p and correlation rho, measure their entropy DL at the same tolerance, "
                + "and compare with DL2 = 2h(p), DL3 = 2h(p-q) + h(q) and the boundary rho*."})
public final class ToySplitExperimentCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--p", required = true, paramLabel = "P", description = "P(A) = P(B), in (0, 1).")
    double p;

    @Option(names = "--rho-steps", paramLabel = "N", defaultValue = "" + ExperimentDefaults.SPLIT_RHO_STEPS,
            description = "Grid points of rho (default: ${DEFAULT-VALUE}).")
    int rhoSteps;

    @Option(names = "--rho-min", paramLabel = "R", defaultValue = "0", description = "First rho (default: ${DEFAULT-VALUE}).")
    double rhoMin;

    @Option(names = "--rho-max", paramLabel = "R", description = "Last rho (default: min(0.5, largest feasible rho)).")
    Double rhoMax;

    @Option(names = "--restarts", paramLabel = "R", defaultValue = "" + ExperimentDefaults.SPLIT_RESTARTS,
            description = "Training runs per SAE; the admissible one with the least DL is kept (default: ${DEFAULT-VALUE}).")
    int restarts;

    @Option(names = "--orthogonal", description = "Make f_A and f_B exactly orthogonal (default: independent random unit directions).")
    boolean orthogonal;

    @Option(names = "--jitter", paramLabel = "J", defaultValue = "0",
            description = "Perturb the initial decoder rows by a random vector of this norm (0.2 ~ 11 degrees; default: ${DEFAULT-VALUE}).")
    double jitter;

    @Option(names = "--default-init", description = "Start from the trainer's default init (random rows, b_dec = data mean) "
            + "instead of the toy's farthest-point init, to see what the trainer finds on its own.")
    boolean defaultInit;

    @Mixin
    ToyExperimentOptions opt;

    @Override
    public Integer call() throws Exception {
        OutputTarget target = ToyExperimentOptions.target(opt.out, opt.force);
        if (!(p > 0 && p < 1)) throw new ParameterException(spec.commandLine(), "--p must be a probability in (0, 1), got " + p);
        SyntheticData.Sampling sampling = opt.sampling(spec);
        double hi = rhoMax != null ? rhoMax : Math.min(0.5, FeatureSplitting.rhoMax(p, p));
        SplitExperiment.Config cfg = ToyExperimentOptions.config(spec, () -> new SplitExperiment.Config(p, rhoMin, hi, rhoSteps,
                opt.samples, opt.d, opt.noise, sampling, orthogonal, opt.fvu, opt.epochs, restarts, jitter, defaultInit, opt.seed));
        SplitExperiment.Result res = opt.run(spec, (be, progress) -> SplitExperiment.run(cfg, be, progress));
        List<Path> written = ToyExperimentOptions.writeOut(target, "experiment's CSV and chart", res::write);
        if (opt.printedJson(spec, res, written)) return 0;
        PrintWriter w = spec.commandLine().getOut();
        w.printf(Locale.ROOT, "Feature splitting, measured: p = %s, %d rows (%s), d = %d, %s directions, noise %s, FVU tolerance %s, "
                        + "%d restarts, %s init%s%n",
                Fmt.num(p), cfg.samples(), sampling.id(), cfg.d(), orthogonal ? "orthogonal" : "random",
                Fmt.num(cfg.noise()), Fmt.num(cfg.fvu()), cfg.restarts(), defaultInit ? "default" : "farthest-point",
                jitter > 0 ? " (jitter " + Fmt.num(jitter) + ")" : "");
        w.printf(Locale.ROOT, "%7s %8s | %8s %8s | %8s %8s | %6s %6s | %5s %5s | %7s %7s%n", "rho", "q", "DL2 an", "DL3 an",
                "DL2 meas", "DL3 meas", "B*2", "B*3", "L0 2", "L0 3", "value2", "value3");
        for (SplitExperiment.Row r : res.rows()) {
            w.printf(Locale.ROOT, "%7.4f %8.5f | %8.5f %8.5f | %8s %8s | %6s %6s | %5.3f %5.3f | %7s %7s%n", r.rho(), r.q(), r.analytic2(),
                    r.analytic3(), Fmt.f5(r.two().dlBits()), Fmt.f5(r.three().dlBits()), Fmt.i(r.two().bits()), Fmt.i(r.three().bits()),
                    r.two().l0(), r.three().l0(), Fmt.f5(r.two().valueBits()), Fmt.f5(r.three().valueBits()));
        }
        w.printf(Locale.ROOT, "analytic rho* = %.4f (linear interpolation on this grid: %s)%n", res.rhoStar(), Fmt.f4(res.rhoStarGrid()));
        if (res.rhoStarMeasured() == null) {
            w.println("measured rho* = none: the measured DL3 - DL2 does not change sign from + to - on this grid");
        } else {
            w.printf(Locale.ROOT, "measured rho* = %.4f  (|measured - analytic| = %.4f; %d sign change%s)%n", res.rhoStarMeasured(),
                    res.rhoStarError(), res.signChanges(), res.signChanges() == 1 ? "" : "s");
        }
        w.printf(Locale.ROOT, "largest |measured - analytic| DL over the grid: %.5f bits; %.1f s%n", res.maxAbsError(), res.seconds());
        for (Path f : written) w.println("wrote " + f);
        w.flush();
        return 0;
    }
}
