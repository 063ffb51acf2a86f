package org.mdlsae.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mdlsae.toy.Hierarchy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code toy hierarchy}: co-active flat, exclusive flat and tree codes of a parent with exclusive children. */
@Command(name = "hierarchy", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Hierarchical features: parent P with P(P) = p, N exclusive children each with P(C|P) = r. "
                + "Compares the co-active flat, exclusive flat and tree codes."})
public final class ToyHierarchyCommand implements Callable<Integer> {
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

    /** The JSON of {@code toy hierarchy --json}. */
    record Codes(double p, double r, int children, @JsonProperty("coactive_flat_bits") double coactiveFlat,
                 @JsonProperty("exclusive_flat_bits") double exclusiveFlat, @JsonProperty("tree_bits") double tree,
                 @JsonProperty("tree_saving_vs_coactive_bits") double savingVsCoactive,
                 @JsonProperty("tree_saving_vs_exclusive_bits") double savingVsExclusive) {
    }

    @Override
    public Integer call() {
        if (!(p >= 0 && p <= 1)) throw bad("--p must be a probability in [0, 1], got " + p);
        if (!(r >= 0 && r <= 1)) throw bad("--r must be a probability in [0, 1], got " + r);
        if (children < 1 || children > 1_000_000) throw bad("--children must be in [1, 1000000], got " + children);
        if (children * r > 1 + 1e-12) {
            throw bad("--children " + children + " times --r " + Fmt.num(r) + " exceeds 1: exclusive children's "
                    + "probabilities must sum to at most 1");
        }
        Hierarchy.Codes c = Hierarchy.codes(p, r, children);
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            Json.print(w, new Codes(p, r, children, c.coactiveFlat(), c.exclusiveFlat(), c.tree(), c.treeSavingVsCoactive(),
                    c.treeSavingVsExclusive()));
            return 0;
        }
        w.printf(Locale.ROOT, "Hierarchy: P(parent) = %s, %d exclusive child%s, P(child | parent) = %s each%n",
                Fmt.num(p), children, children == 1 ? "" : "ren", Fmt.num(r));
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
