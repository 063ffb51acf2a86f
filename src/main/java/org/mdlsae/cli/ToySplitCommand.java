package org.mdlsae.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mdlsae.io.OutputTarget;
import org.mdlsae.toy.FeatureSplitting;
import org.mdlsae.toy.PhaseDiagram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code toy split}: DL₂ vs DL₃ over ρ, the boundary ρ*, and optionally the phase diagram. */
@Command(name = "split", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Feature splitting: is it cheaper to code A, B (DL2 = h(pA) + h(pB)) or A&!B, !A&B, A&B "
                + "(DL3 = h(pA - q) + h(pB - q) + h(q)), with q = pA pB + rho sqrt(pA(1-pA) pB(1-pB))?"})
public final class ToySplitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--p", required = true, paramLabel = "P", description = "P(A) (and P(B) unless --pb is given), in (0, 1).")
    double p;

    @Option(names = "--pb", paramLabel = "P", description = "P(B), in (0, 1); default: equal to --p.")
    Double pb;

    @Option(names = "--rho-steps", paramLabel = "N", defaultValue = "11",
            description = "Rows of the table: rho evenly from 0 to its largest feasible value (default: ${DEFAULT-VALUE}).")
    int rhoSteps;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Also write the phase diagram (equal p from 0.005 to 0.5, rho from 0 to 1) as DIR/phase_diagram.csv and DIR/phase_diagram.png.")
    Path out;

    @Option(names = "--force", description = "Replace a toy output this engine wrote at --out.")
    boolean force;

    @Option(names = "--json", description = "Print only a JSON object on stdout.")
    boolean json;

    /** The JSON of {@code toy split --json}. */
    record Table(@JsonProperty("p_a") double pA, @JsonProperty("p_b") double pB, @JsonProperty("dl2_bits") double dl2,
                 @JsonProperty("rho_star") double rhoStar, @JsonProperty("rho_max") double rhoMax,
                 List<FeatureSplitting.Point> rows) {
    }

    @Override
    public Integer call() throws Exception {
        OutputTarget target = ToyExperimentOptions.target(out, force);
        double pB = pb == null ? p : pb;
        if (!(p > 0 && p < 1)) throw bad("--p must be a probability in (0, 1), got " + p);
        if (!(pB > 0 && pB < 1)) throw bad("--pb must be a probability in (0, 1), got " + pB);
        if (rhoSteps < 2 || rhoSteps > 100_001) throw bad("--rho-steps must be in [2, 100001], got " + rhoSteps);
        double rhoMax = FeatureSplitting.rhoMax(p, pB);
        double rhoStar = FeatureSplitting.rhoStar(p, pB);
        List<FeatureSplitting.Point> rows = new ArrayList<>();
        for (int i = 0; i < rhoSteps; i++) {
            double rho = i == rhoSteps - 1 ? rhoMax : rhoMax * i / (rhoSteps - 1);
            rows.add(FeatureSplitting.point(p, pB, rho));
        }
        List<Path> written = ToyExperimentOptions.writeOut(target, "phase diagram", dir -> PhaseDiagram.standard().write(dir));
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            Json.print(w, Json.withFiles(new Table(p, pB, FeatureSplitting.dl2(p, pB), rhoStar, rhoMax, rows), written));
            return 0;
        }
        w.printf(Locale.ROOT, "Feature splitting: P(A) = %s, P(B) = %s; DL2 = h(pA) + h(pB) = %.6f bits%n",
                Fmt.num(p), Fmt.num(pB), FeatureSplitting.dl2(p, pB));
        w.printf(Locale.ROOT, "%8s %10s %10s %10s %9s  %s%n", "rho", "q", "DL2", "DL3", "L0 split", "preferred by MDL");
        for (FeatureSplitting.Point pt : rows) {
            w.printf(Locale.ROOT, "%8.4f %10.6f %10.6f %10.6f %9.4f  %s%n", pt.rho(), pt.q(), pt.dl2(), pt.dl3(),
                    pt.l0Split(), pt.splitPreferred() ? "split (3 latents)" : "no split (2 latents)");
        }
        if (Double.isNaN(rhoStar)) {
            w.printf(Locale.ROOT, "rho* = none: DL3 - DL2 keeps one sign for rho in [0, %.4f]%n", rhoMax);
        } else {
            w.printf(Locale.ROOT, "rho* = %.4f  (MDL prefers the split only above it; L0 always prefers it)%n", rhoStar);
        }
        for (Path f : written) w.println("wrote " + f);
        w.flush();
        return 0;
    }

    private ParameterException bad(String msg) {
        return new ParameterException(spec.commandLine(), msg);
    }
}
