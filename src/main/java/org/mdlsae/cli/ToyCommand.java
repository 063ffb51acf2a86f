package org.mdlsae.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mdlsae.InputException;
import org.mdlsae.mdl.toy.FeatureSplitting;
import org.mdlsae.mdl.toy.Hierarchy;
import org.mdlsae.mdl.toy.PhaseDiagram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code mdlsae toy}: the paper's §7 theory toys, analytically. {@code toy split} tabulates the
 * feature-splitting description lengths over ρ and finds the boundary ρ*; {@code toy hierarchy} compares
 * the flat and tree codes of a parent feature with exclusive children.
 */
@Command(name = "toy", mixinStandardHelpOptions = true,
        description = "Theory toys of the MDL-SAE paper (section 7): feature splitting and hierarchical codes.",
        subcommands = {ToyCommand.Split.class, ToyCommand.HierarchyCmd.class})
public final class ToyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "toy needs a subcommand: 'toy split --p 0.1' or 'toy hierarchy --p 0.1 --r 0.5'");
    }

    static String json(Object o) throws IOException {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(o);
    }

    static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** {@code toy split}: DL₂ vs DL₃ over ρ, the boundary ρ*, and optionally the phase diagram. */
    @Command(name = "split", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Feature splitting: is it cheaper to code A, B (DL2 = h(pA) + h(pB)) or A&!B, !A&B, A&B "
                    + "(DL3 = h(pA - q) + h(pB - q) + h(q)), with q = pA pB + rho sqrt(pA(1-pA) pB(1-pB))?"})
    public static final class Split implements Callable<Integer> {
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

        @Option(names = "--json", description = "Print only a JSON object on stdout.")
        boolean json;

        @Override
        public Integer call() throws Exception {
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
            List<Path> written = List.of();
            if (out != null) {
                try {
                    written = PhaseDiagram.standard().write(out);
                } catch (IOException e) {
                    throw new InputException("--out " + out + ": cannot write the phase diagram (" + e.getMessage()
                            + "); give a writable directory", e);
                }
            }
            PrintWriter w = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("p_a", p);
                m.put("p_b", pB);
                m.put("dl2_bits", FeatureSplitting.dl2(p, pB));
                m.put("rho_star", finite(rhoStar));
                m.put("rho_max", rhoMax);
                List<Map<String, Object>> table = new ArrayList<>();
                for (FeatureSplitting.Point pt : rows) {
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("rho", pt.rho());
                    r.put("q", pt.q());
                    r.put("dl2_bits", pt.dl2());
                    r.put("dl3_bits", pt.dl3());
                    r.put("l0_unsplit", pt.l0Unsplit());
                    r.put("l0_split", pt.l0Split());
                    r.put("split_preferred", pt.splitPreferred());
                    table.add(r);
                }
                m.put("rows", table);
                List<String> files = new ArrayList<>();
                for (Path f : written) files.add(f.toString());
                m.put("files", files);
                w.println(json(m));
                w.flush();
                return 0;
            }
            w.printf(Locale.ROOT, "Feature splitting: P(A) = %s, P(B) = %s; DL2 = h(pA) + h(pB) = %.6f bits%n",
                    BoundCommand.num(p), BoundCommand.num(pB), FeatureSplitting.dl2(p, pB));
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

    /** {@code toy hierarchy}: co-active flat, exclusive flat and tree codes of a parent with exclusive children. */
    @Command(name = "hierarchy", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Hierarchical features: parent P with P(P) = p, N exclusive children each with P(C|P) = r. "
                    + "Compares the co-active flat, exclusive flat and tree codes."})
    public static final class HierarchyCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--p", required = true, paramLabel = "P", description = "P(parent), in [0, 1].")
        double p;

        @Option(names = "--r", required = true, paramLabel = "R", description = "P(child | parent) for each child, in [0, 1].")
        double r;

        @Option(names = "--children", paramLabel = "N", defaultValue = "1",
                description = "Number N of mutually exclusive children (N * r <= 1; default: ${DEFAULT-VALUE}).")
        int children;

        @Option(names = "--json", description = "Print only a JSON object on stdout.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (!(p >= 0 && p <= 1)) throw bad("--p must be a probability in [0, 1], got " + p);
            if (!(r >= 0 && r <= 1)) throw bad("--r must be a probability in [0, 1], got " + r);
            if (children < 1 || children > 1_000_000) throw bad("--children must be in [1, 1000000], got " + children);
            if (children * r > 1 + 1e-12) {
                throw bad("--children " + children + " times --r " + BoundCommand.num(r) + " exceeds 1: exclusive children's "
                        + "probabilities must sum to at most 1");
            }
            Hierarchy.Codes c = Hierarchy.codes(p, r, children);
            PrintWriter w = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("p", p);
                m.put("r", r);
                m.put("children", children);
                m.put("coactive_flat_bits", c.coactiveFlat());
                m.put("exclusive_flat_bits", c.exclusiveFlat());
                m.put("tree_bits", c.tree());
                m.put("tree_saving_vs_coactive_bits", c.treeSavingVsCoactive());
                m.put("tree_saving_vs_exclusive_bits", c.treeSavingVsExclusive());
                w.println(json(m));
                w.flush();
                return 0;
            }
            w.printf(Locale.ROOT, "Hierarchy: P(parent) = %s, %d exclusive child%s, P(child | parent) = %s each%n",
                    BoundCommand.num(p), children, children == 1 ? "" : "ren", BoundCommand.num(r));
            w.printf(Locale.ROOT, "  co-active flat   h(p) + sum h(p r_i)                 %.6f bits%n", c.coactiveFlat());
            w.printf(Locale.ROOT, "  exclusive flat   sum h(p r_i) + h(p (1 - sum r_i))   %.6f bits%n", c.exclusiveFlat());
            w.printf(Locale.ROOT, "  tree             h(p) + p H(r_1..r_N, 1 - sum r_i)   %.6f bits%n", c.tree());
            w.printf(Locale.ROOT, "The tree saves %.6f bits vs the co-active flat code and %.6f bits vs the exclusive flat code%n",
                    c.treeSavingVsCoactive(), c.treeSavingVsExclusive());
            w.flush();
            return 0;
        }

        private ParameterException bad(String msg) {
            return new ParameterException(spec.commandLine(), msg);
        }
    }
}
