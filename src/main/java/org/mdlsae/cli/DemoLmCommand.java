package org.mdlsae.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import org.mdlsae.data.DataSources;
import org.mdlsae.data.HoldOut;
import org.mdlsae.data.text.Extraction;
import org.mdlsae.data.text.ExtractionConfig;
import org.mdlsae.data.text.TextModelProvider;
import org.mdlsae.io.OutputKind;
import org.mdlsae.io.OutputTarget;
import org.mdlsae.io.Ownership;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.math.Rows;
import org.mdlsae.sae.Arch;
import org.mdlsae.sweep.SweepConfig;
import org.mdlsae.sweep.SweepResults;
import org.mdlsae.train.TrainConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mdlsae demo lm}: the MDL sweep on a real language model (docs/design.md §12) — all-MiniLM-L6-v2's last hidden
 * state over English europarl, widths 384·{1, 2, 4, 8, 16} at a tolerance given as FVU, the report with token
 * dashboards. Sized for under 15 minutes on 2 cores: bisection over k (docs/design.md §10; the annealing search's
 * control rows come from the training documents, and measured here its k missed ε on the held-out documents at every
 * width) with two epochs of batch 1024 per SAE at a fixed learning rate (the README gives the measured time and table). Needs the optional module modules/lm for the extraction.
 */
@Command(name = "lm", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Extract all-MiniLM-L6-v2's last hidden state over English europarl (" + DemoLmCommand.TOKENS
                + " tokens), sweep widths 384·{1,2,4,8,16} at FVU " + DemoLmCommand.FVU + " and write the report with "
                + "token dashboards. Needs the optional module modules/lm (./mdlsae builds it on first use)."})
public final class DemoLmCommand implements Callable<Integer> {
    private static final Logger LOG = Logger.getLogger(DemoLmCommand.class.getName());
    /** Tokens extracted (English europarl has 246 771). */
    static final long TOKENS = 200_000;
    /** The tolerance, as FVU on the held-out rows. */
    static final double FVU = 0.22;
    /** The width grid: 384 = d times 1, 2, 4, 8, 16. */
    static final List<Integer> WIDTHS = List.of(384, 768, 1536, 3072, 6144);
    /**
     * Training of every SAE: what fits the time budget (docs/design.md §12.7 says why): epochs of batch 1024 at a
     * fixed learning rate 4·10⁻³ train the wide SAEs better than batch 256 in the same time, since a step's cost has a
     * part proportional to D·d that does not shrink with the batch.
     */
    static final int EPOCHS = 2;
    static final int BATCH = 1024;
    static final double LR = 4e-3;

    @Option(names = "--out", defaultValue = "runs/demo-lm", paramLabel = "DIR",
            description = "Sweep directory: new, or the demo's own (resumed) (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--activations", defaultValue = "runs/demo-lm-activations", paramLabel = "DIR",
            description = "Activation directory: new, or the demo's own (reused when it holds the same extraction) "
                    + "(default: ${DEFAULT-VALUE}).")
    Path activations;

    @Option(names = "--force", description = "Start afresh: extract again and delete the runs of the demo sweep.")
    boolean force;

    @Option(names = "--epochs", defaultValue = "" + EPOCHS, description = "Epochs per SAE (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Mixin
    BackendOption backend;

    @ArgGroup(exclusive = true)
    ProgressOptions progress = new ProgressOptions();

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        OutputTarget sweepTarget = OutputTarget.check("--out", out, OutputKind.SWEEP, OutputTarget.Mode.RESUME, force);
        ExtractionConfig ec = ExtractionConfig.defaults(TOKENS);
        double extractSeconds = 0;
        if (!force && reusable(activations, ec)) {
            LOG.info("reusing the activations in " + activations);
        } else {
            OutputTarget actTarget = OutputTarget.check("--activations", activations, OutputKind.ACTIVATIONS,
                    OutputTarget.Mode.REPLACE, force);
            TextModelProvider provider = TextModelProvider.find();
            extractSeconds = ActivationsCommand.extract(provider, "minilm", ActivationsCommand.builtIn(provider, "europarl", false),
                    ec, actTarget, progress.mode()).seconds();
        }
        String source = activations.toString();
        Rows all = DataSources.open(source, null, null, null, true);
        HoldOut h = HoldOut.lastPercent(all);
        SweepResults.Evaluation ev = new SweepResults.Evaluation(source, h.rule(), h.train().rowCount(), h.eval().rowCount(), "raw");
        TrainConfig tc = TrainConfig.defaults(Arch.BATCHTOPK, WIDTHS.get(0), 1).withEpochs(epochs).withBatch(BATCH).withLr(LR);
        SweepConfig cfg = new SweepConfig(WIDTHS, null, FVU, SweepConfig.DEFAULT_K_MAX, tc, SweepConfig.Search.BISECT);
        long t1 = System.nanoTime();
        SweepCommand.run(cfg, h.train(), h.eval(), ev, source, sweepTarget, backend.create(), progress.mode(),
                new SaeFiles.Origin("sentence-transformers/all-MiniLM-L6-v2", "last_hidden_state", source),
                SweepCommand.ReportData.of(source, all, false));
        double total = (System.nanoTime() - t0) / 1e9;
        System.err.printf(Locale.ROOT, "mdlsae: demo lm: %.0f s in all (extraction %.0f s, sweep and report %.0f s)%n", total,
                extractSeconds, (System.nanoTime() - t1) / 1e9);
        return 0;
    }

    /** True if {@code dir} is an activation directory of this engine holding exactly the demo's extraction. */
    static boolean reusable(Path dir, ExtractionConfig ec) {
        Path m = dir.resolve(Extraction.MANIFEST);
        if (!Files.isRegularFile(m) || Ownership.kindOf(dir) != OutputKind.ACTIVATIONS || Ownership.foreignEntry(dir) != null) {
            return false;
        }
        try {
            JsonNode j = new ObjectMapper().readTree(m.toFile());
            return "minilm".equals(j.path("model").path("id").asText()) && j.path("layer").path("index").asInt(-1) == 6
                    && "europarl".equals(j.path("corpus").path("name").asText())
                    && "en".equals(j.path("corpus").path("language").asText())
                    && j.path("max_tokens").asLong() == ec.maxTokens() && j.path("rows").asLong() == ec.maxTokens()
                    && j.path("context_tokens").asInt() == ec.context() && "float16".equals(j.path("dtype").asText())
                    && !j.path("special_token_rows").asBoolean(true);
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
