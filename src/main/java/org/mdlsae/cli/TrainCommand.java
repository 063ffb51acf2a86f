package org.mdlsae.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import org.mdlsae.backend.Backend;
import org.mdlsae.io.OutputKind;
import org.mdlsae.io.OutputTarget;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.math.Rows;
import org.mdlsae.sae.Arch;
import org.mdlsae.train.CheckpointDir;
import org.mdlsae.train.Normalization;
import org.mdlsae.train.Provenance;
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

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Directory to write the SAE to (atomically, at the end): a new path, or this command's own "
                    + "earlier output (then nothing is done). Its checkpoint is kept in DIR.checkpoint meanwhile.")
    Path out;

    @Option(names = "--force", description = "Replace an SAE this engine wrote at --out and discard its checkpoint "
            + "(never anything the engine did not write).")
    boolean force;

    @Mixin
    OriginOptions origin;

    @Mixin
    CheckpointOption checkpoint;

    @Mixin
    BackendOption backend;

    @Option(names = "--json", description = "Print a JSON summary on standard output (logs go to standard error).")
    boolean json;

    @ArgGroup(exclusive = true)
    ProgressOptions progress = new ProgressOptions();

    @Override
    public Integer call() throws Exception {
        OutputTarget target = OutputTarget.check("--out", out, OutputKind.SAE, OutputTarget.Mode.RESUME, force);
        Path ckpt = target.path().resolveSibling(target.path().getFileName() + ".checkpoint");
        OutputTarget.check("--out", ckpt, OutputKind.CHECKPOINT, OutputTarget.Mode.RESUME, force); // never a foreign one
        long every = checkpoint.steps();
        TrainConfig cfg = train.toConfig(width, k);
        try (DataOptions opened = data) {
            Rows ds = opened.open("train");
            String job = CheckpointDir.jobKey(cfg, ds);
            if (target.exists() && !force) {
                if (!job.equals(savedJob(target.path()))) {
                    throw target.refusal("holds an SAE trained with other settings or data; pass --force to replace it, or "
                            + "choose a new path");
                }
                LOG.info(() -> "--out " + out + " already holds the SAE of this command (same settings and data); nothing to do");
                if (json) Json.print(Map.of("dir", out.toString(), "already_trained", true));
                return 0;
            }
            CheckpointDir.Snapshot from = null;
            if (!force) {
                try {
                    from = CheckpointDir.load(ckpt, job, cfg);
                } catch (CheckpointDir.OtherJob e) {
                    throw target.refusal(ckpt.getFileName() + " holds the checkpoint of an unfinished run with other settings "
                            + "or data; re-run that command to finish it, or pass --force to discard it");
                }
            }
            try (Backend be = backend.create()) {
                Resources.require(Resources.training(cfg, ds, be, "--width"), be, "a smaller --width or --batch");
                Normalization norm;
                if (from != null) {
                    long resumedAt = from.state().step();
                    LOG.info(() -> "resuming from " + ckpt + " (step " + resumedAt + ")");
                    norm = from.normalization(); // the run continues with the factor it started with
                } else {
                    norm = Normalization.estimate(cfg.normalize(), ds);
                }
                Trainer.Result r = trainWithBar(be, cfg, ds, norm, "train", progress.mode(),
                        new CheckpointDir(ckpt, job, every, norm), from == null ? null : from.state());
                Provenance.save(target.path(), r, Provenance.of(cfg, r, Provenance.Data.of(data.source(), ds), be, norm),
                        Map.of("job", job), origin.origin(data.source()));
                CheckpointDir.delete(ckpt);
                LOG.info(() -> String.format(Locale.ROOT, "saved %s (%.1f s, %.0f samples/s, backend %s)", out, r.seconds(),
                        r.samplesPerSec(), be.name()));
                if (json) Json.print(summary(r, out, cfg.totalSamples(ds.rowCount())));
            }
        }
        return 0;
    }

    /** The job key recorded in an SAE directory's cfg.json by {@link #call} (null if none or unreadable). */
    private static String savedJob(Path dir) {
        try {
            JsonNode n = Json.MAPPER.readTree(dir.resolve(SaeFiles.CONFIG).toFile());
            return n.path(SaeFiles.OWN_KEY).path("job").isTextual() ? n.path(SaeFiles.OWN_KEY).path("job").asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Trains (or resumes {@code from}, if not null) with a progress bar on standard error and checkpoints; losses on
     * the bar are in the units training sees, the result in raw units.
     */
    static Trainer.Result trainWithBar(Backend be, TrainConfig cfg, Rows ds, Normalization norm, String label, Boolean mode,
                                       CheckpointDir checkpoints, Trainer.State from) {
        ProgressBar bar = new ProgressBar(label, mode);
        String units = norm.active() ? " (normalised)" : "";
        Trainer t = new Trainer(be, cfg, p -> bar.update((double) p.step() / p.steps(), String.format(Locale.ROOT,
                "epoch %d/%d  loss%s %.4f  L0 %.1f  dead %.1f%%  %.0f samples/s", p.epoch(), p.epochs(), units, p.loss(),
                p.l0(), 100 * p.deadFraction(), p.samplesPerSec()))).checkpoints(checkpoints);
        Trainer.Result r = from == null ? t.train(ds, norm) : t.resume(from, ds, norm);
        bar.finish(String.format(Locale.ROOT, "done in %.1f s, final mse %.5f (raw units), L0 %.1f", r.seconds(), r.finalMse(),
                r.finalL0()));
        return r;
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
