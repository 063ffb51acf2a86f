package org.mdlsae.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mdlsae.InputException;
import org.mdlsae.backend.Backend;
import org.mdlsae.data.text.TokenTable;
import org.mdlsae.features.FeatureStats;
import org.mdlsae.features.TokenDashboard;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.math.Rows;
import org.mdlsae.sae.Sae;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mdlsae features}: token dashboards of an SAE over an activation directory (docs/design.md §12) — each
 * feature's density, activation histogram and top activating contexts, read with the directory's tokens.tsv.
 */
@Command(name = "features", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"What the features of an SAE fire on, over an activation directory written by 'mdlsae "
                + "activations': density, largest and mean activation, histogram, and the tokens around each feature's "
                + "largest activations. Without --feature: the most used features and a seeded sample of others; the "
                + "dead ones are listed."})
public final class FeaturesCommand implements Callable<Integer> {
    @Mixin
    SaeOption sae;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "Activation directory: shards plus tokens.tsv (one line per row), as 'mdlsae activations' writes it.")
    Path data;

    @Option(names = "--feature", paramLabel = "I", description = "Show this feature only.")
    Integer feature;

    @Option(names = "--contexts", defaultValue = "" + FeatureStats.DEFAULT_TOP, paramLabel = "N",
            description = "Top contexts per feature (default: ${DEFAULT-VALUE}).")
    int contexts;

    @Option(names = "--most-used", defaultValue = "" + SweepCommand.REPORT_MOST_USED, paramLabel = "N",
            description = "Without --feature: the N densest features (default: ${DEFAULT-VALUE}).")
    int mostUsed;

    @Option(names = "--sample", defaultValue = "" + SweepCommand.REPORT_SAMPLE, paramLabel = "N",
            description = "Without --feature: N other live features drawn at random (default: ${DEFAULT-VALUE}).")
    int sample;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the sample (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print the dashboards as JSON (each context's token strings and activations).")
    boolean json;

    @Mixin
    BackendOption backend;

    @Override
    public Integer call() throws Exception {
        if (contexts < 1) throw new InputException("--contexts must be ≥ 1, got " + contexts);
        if (mostUsed < 0 || sample < 0) throw new InputException("--most-used and --sample must be ≥ 0");
        if (!Files.isDirectory(data) || !Files.isRegularFile(data.resolve(TokenTable.FILE))) {
            throw new InputException("--data " + data + ": not an activation directory (it needs " + TokenTable.FILE
                    + "); write one with 'mdlsae activations'");
        }
        SaeFiles.Loaded loaded = sae.load();
        if (feature != null && (feature < 0 || feature >= loaded.weights().width())) {
            throw new InputException("--feature " + feature + ": the SAE has features 0.." + (loaded.weights().width() - 1));
        }
        TokenTable tokens = TokenTable.read(data);
        try (DataOptions opts = new DataOptions()) {
            opts.data = data.toString();
            Rows rows = opts.open("train");
            SaeOption.checkDims(loaded, rows, sae.dir, "--data");
            TokenDashboard d;
            try (Backend be = backend.create(); Sae s = Sae.upload(be, loaded.weights())) {
                FeatureStats st = FeatureStats.measure(s, rows, Math.max(contexts, 1), FeatureStats.DEFAULT_BINS);
                d = feature != null ? TokenDashboard.one(s, rows, tokens, st, feature, contexts)
                        : TokenDashboard.build(s, rows, tokens, st, TokenDashboard.select(st, mostUsed, sample, seed), contexts);
            }
            if (json) Json.print(d);
            else print(d);
        }
        return 0;
    }

    /** Plain text: one block per feature, each context on one line with its largest activation's token in brackets. */
    static void print(TokenDashboard d) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%s: %d rows, %d features, %d dead%n", d.data(), d.rows(), d.width(), d.dead().size()));
        for (TokenDashboard.Feature f : d.features()) {
            b.append(String.format(Locale.ROOT, "%nfeature %d (%s): density %.3g%% (%d tokens), max %.3g, mean when active %.3g%n",
                    f.index(), f.group(), 100 * f.density(), f.count(), f.max(), f.meanActive()));
            for (TokenDashboard.Context c : f.contexts()) {
                b.append(String.format(Locale.ROOT, "  %7.3f  ", c.activations()[c.focus()]));
                for (int i = 0; i < c.tokens().size(); i++) {
                    String t = c.tokens().get(i);
                    boolean piece = t.startsWith("##");
                    if (i > 0 && !piece) b.append(' ');
                    String shown = piece ? t.substring(2) : t;
                    b.append(i == c.focus() ? "[" + shown + "]" : shown);
                }
                b.append(String.format(Locale.ROOT, "   (document %d)%n", c.document()));
            }
        }
        System.out.print(b);
        System.out.flush();
    }
}
