package org.mdlsae.cli;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mdlsae.backend.Backend;
import org.mdlsae.math.Rows;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.sae.Metrics;
import org.mdlsae.sae.Sae;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mdlsae eval}: reconstruction quality of a saved SAE. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a saved SAE: MSE, FVU, L0, dead fraction (mnist: the test split unless --split).",
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
            try (Backend be = backend.create(); Sae s = Sae.upload(be, loaded.weights())) {
                m = Metrics.evaluate(s, ds);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mse", m.mse());
        out.put("mse_units", "raw");
        out.put("fvu", m.fvu());
        out.put("l0", m.l0());
        out.put("dead_fraction", m.deadFraction());
        out.put("d_in", loaded.weights().dIn());
        out.put("d_sae", loaded.weights().width());
        out.put("k", loaded.weights().k());
        out.put("samples", m.samples());
        out.put("architecture", loaded.weights().arch().id());
        if (json) {
            Json.print(out);
        } else {
            System.out.printf(Locale.ROOT, "%s on %s (%d samples)%n", sae.dir, name, m.samples());
            System.out.printf(Locale.ROOT, "  mse   %.6f (raw units)%n  fvu   %.4f%n  L0    %.2f%n  dead  %.1f%%%n  d_in %d, d_sae %d, k %d (%s)%n",
                    m.mse(), m.fvu(), m.l0(), 100 * m.deadFraction(), loaded.weights().dIn(), loaded.weights().width(),
                    loaded.weights().k(), loaded.weights().arch().id());
        }
        return 0;
    }
}
