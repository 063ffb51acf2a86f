package org.mdlsae.cli;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mdlsae.backend.Backend;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.math.Rows;
import org.mdlsae.sae.Metrics;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mdlsae eval}: reconstruction quality of a saved SAE, with the metric names of docs/design.md §7. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a saved SAE: mse (per element), mse_per_token, explained_variance, fvu, cossim, l2_ratio, "
                + "l0, dead_fraction (mnist: the test split unless --split).",
                "Files and directories of shards are measured whole, streamed in bounded memory; MSE is in the data's "
                        + "raw units (a normalised SAE has its factor folded in)."})
public final class EvalCommand implements Callable<Integer> {
    @Mixin
    SaeOption sae;

    @Mixin
    DataOptions data;

    @Mixin
    BackendOption backend;

    @Option(names = "--json", description = "Print only a JSON object on standard output.")
    boolean json;

    @Override
    public Integer call() {
        SaeFiles.Loaded loaded = sae.load();
        Metrics m;
        String name;
        try (DataOptions opened = data) {
            Rows ds = opened.open("test");
            name = ds.name();
            SaeOption.checkDims(loaded, ds, sae.dir, "--data");
            try (Backend be = backend.create()) {
                Resources.require(Resources.evaluation(loaded.weights().width(), loaded.weights().dIn(),
                        loaded.weights().k(), ds.rowCount(), be), be,
                        "a narrower SAE");
                try (Sae s = Sae.upload(be, loaded.weights())) {
                    m = Metrics.evaluate(s, ds);
                }
            }
        }
        SaeWeights w = loaded.weights();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mse", finite(m.mse()));
        out.put("mse_units", "raw");
        out.put("mse_per_token", finite(m.msePerToken()));
        out.put("explained_variance", finite(m.explainedVariance()));
        out.put("fvu", finite(m.fvu()));
        out.put("cossim", finite(m.cossim()));
        out.put("l2_ratio", finite(m.l2Ratio()));
        out.put("l0", m.l0());
        out.put("dead_fraction", m.deadFraction());
        out.put("d_in", w.dIn());
        out.put("d_sae", w.width());
        out.put("k", w.arch().hasK() ? w.k() : null);
        out.put("samples", m.samples());
        out.put("architecture", w.arch().id());
        out.put("format", loaded.format().id());
        out.put("units", Map.of("mse", "mean over samples x d elements", "mse_per_token", "mean over samples of the sum over d"));
        out.put("notes", loaded.notes());
        if (json) {
            Json.print(out);
        } else {
            System.out.printf(Locale.ROOT, "%s (%s) on %s (%d samples)%n", sae.dir, loaded.format().id(), name, m.samples());
            System.out.printf(Locale.ROOT, "  mse (per element)   %.6g (raw units)%n  mse_per_token       %.6g%n  explained_variance  %.4f%n"
                            + "  fvu                 %.4f%n  cossim              %.4f%n  l2_ratio            %.4f%n"
                            + "  l0                  %.2f%n  dead_fraction       %.1f%%%n  d_in %d, d_sae %d, k %s (%s)%n",
                    m.mse(), m.msePerToken(), m.explainedVariance(), m.fvu(), m.cossim(), m.l2Ratio(), m.l0(),
                    100 * m.deadFraction(), w.dIn(), w.width(), w.arch().hasK() ? String.valueOf(w.k()) : "–", w.arch().id());
        }
        return 0;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
