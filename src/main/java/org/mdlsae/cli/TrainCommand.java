package org.mdlsae.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import org.mdlsae.backend.Backend;
import org.mdlsae.data.ShardSet;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.math.Rows;
import org.mdlsae.sae.Arch;
import org.mdlsae.train.Normalization;
import org.mdlsae.train.TrainConfig;
import org.mdlsae.train.Trainer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mdlsae train}: trains one SAE and saves it as a SAELens-style directory. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a TopK or BatchTopK SAE and save it (sae_weights.safetensors + cfg.json).")
public final class TrainCommand implements Callable<Integer> {
    private static final Logger LOG = Logger.getLogger(TrainCommand.class.getName());

    @Mixin
    DataOptions data;

    @Mixin
    TrainOptions train;

    @Option(names = "--width", paramLabel = "D", required = true, description = "Dictionary width D.")
    int width;

    @Option(names = "--k", paramLabel = "K", required = true, description = "Active latents per sample (TopK) or on average (BatchTopK).")
    int k;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write the SAE to (replaced atomically).")
    Path out;

    @Mixin
    BackendOption backend;

    @Option(names = "--json", description = "Print a JSON summary on standard output (logs go to standard error).")
    boolean json;

    @ArgGroup(exclusive = true)
    ProgressOptions progress = new ProgressOptions();

    @Override
    public Integer call() throws Exception {
        TrainConfig cfg = train.toConfig(width, k);
        try (DataOptions opened = data) {
            Rows ds = opened.open("train");
            try (Backend be = backend.create()) {
                Normalization norm = Normalization.estimate(cfg.normalize(), ds);
                Trainer.Result r = trainWithBar(be, cfg, ds, norm, "train", progress.mode());
                Map<String, Object> extra = provenance(cfg, r, ds, norm, data.source(), be);
                SaeFiles.save(out, r.weights(), extra);
                LOG.info(() -> String.format(Locale.ROOT, "saved %s (%.1f s, %.0f samples/s, backend %s)", out, r.seconds(),
                        r.samplesPerSec(), be.name()));
                if (json) Json.print(summary(r, out, cfg.totalSamples(ds.rowCount())));
            }
        }
        return 0;
    }

    /** Trains with a progress bar on standard error (losses on the bar are in the units training sees). */
    static Trainer.Result trainWithBar(Backend be, TrainConfig cfg, Rows ds, Normalization norm, String label, Boolean mode) {
        ProgressBar bar = new ProgressBar(label, mode);
        String units = norm.active() ? " (normalised)" : "";
        Trainer t = new Trainer(be, cfg, p -> bar.update((double) p.step() / p.steps(), String.format(Locale.ROOT,
                "epoch %d/%d  loss%s %.4f  L0 %.1f  dead %.1f%%  %.0f samples/s", p.epoch(), p.epochs(), units, p.loss(),
                p.l0(), 100 * p.deadFraction(), p.samplesPerSec())));
        Trainer.Result r = t.train(ds, norm);
        bar.finish(String.format(Locale.ROOT, "done in %.1f s, final mse %.5f (raw units), L0 %.1f", r.seconds(), r.finalMse(),
                r.finalL0()));
        return r;
    }

    /** The record saved under cfg.json["mdlsae"]: config, data, result, backend. */
    static Map<String, Object> provenance(TrainConfig cfg, Trainer.Result r, Rows ds, Normalization norm, String source,
                                          Backend be) {
        Map<String, Object> extra = new LinkedHashMap<>();
        Map<String, Object> tc = new LinkedHashMap<>();
        tc.put("arch", cfg.arch().id());
        tc.put("width", cfg.width());
        tc.put("k", cfg.k());
        tc.put("epochs", cfg.epochs());
        tc.put("samples", cfg.totalSamples(ds.rowCount()));
        tc.put("normalize", cfg.normalize().id());
        tc.put("batch", cfg.batch());
        tc.put("lr", cfg.effectiveLr());
        tc.put("seed", cfg.seed());
        tc.put("warmup_fraction", cfg.warmupFraction());
        tc.put("decay_fraction", cfg.decayFraction());
        tc.put("aux_alpha", cfg.auxAlpha());
        tc.put("aux_k", cfg.effectiveAuxK(ds.dim()));
        tc.put("dead_samples", cfg.effectiveDeadSamples(ds.rowCount()));
        tc.put("adam", Map.of("beta1", cfg.beta1(), "beta2", cfg.beta2(), "eps", cfg.adamEps()));
        extra.put("train", tc);
        Map<String, Object> dm = new LinkedHashMap<>();
        dm.put("source", source);
        dm.put("name", ds.name());
        dm.put("rows", ds.rowCount());
        dm.put("dim", ds.dim());
        if (ds instanceof ShardSet s) {
            dm.put("streamed", true);
            dm.put("shards", s.shards().size());
            dm.put("stored_bytes", s.storedBytes());
        }
        extra.put("data", dm);
        if (norm.active()) extra.put("normalization", norm.record());
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("seconds", r.seconds());
        res.put("samples_per_sec", r.samplesPerSec());
        res.put("steps", r.steps());
        res.put("final_batch_mse", r.finalMse());
        res.put("final_batch_l0", r.finalL0());
        res.put("dead_fraction", r.deadFraction());
        res.put("mse_units", "raw");
        extra.put("result", res);
        extra.put("backend", be.name());
        return extra;
    }

    private static Map<String, Object> summary(Trainer.Result r, Path out, long samples) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dir", out.toString());
        m.put("samples", samples);
        m.put("train_seconds", r.seconds());
        m.put("samples_per_sec", r.samplesPerSec());
        m.put("steps", r.steps());
        m.put("final_batch_mse", r.finalMse());
        m.put("mse_units", "raw");
        m.put("final_batch_l0", r.finalL0());
        m.put("dead_fraction", r.deadFraction());
        if (r.weights().arch() == Arch.BATCHTOPK) m.put("threshold", r.weights().threshold());
        return m;
    }
}
