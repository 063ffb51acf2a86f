package org.mdlsae.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.choice.Backends;
import org.mdlsae.data.DataSources;
import org.mdlsae.data.Dataset;
import org.mdlsae.data.ShardSet;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.mdl.DlReport;
import org.mdlsae.math.Rows;
import org.mdlsae.mdl.Mdl;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Metrics;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.sweep.Sweep;
import org.mdlsae.sweep.SweepConfig;
import org.mdlsae.sweep.SweepResults;
import org.mdlsae.train.TrainConfig;
import org.mdlsae.train.Trainer;

/**
 * The small facade for notebooks (jshell, JVM Jupyter kernels) and library users. Every method picks the back
 * end the CLI would ({@code MDLSAE_BACKEND}, else the best available) unless one is passed.
 * <pre>{@code
 * Dataset train = MdlSae.mnist("train"), test = MdlSae.mnist("test");
 * SaeWeights sae = MdlSae.train(train, MdlSae.config("batchtopk", 256, 8));
 * Metrics m = MdlSae.evaluate(sae, test);
 * DlReport dl = MdlSae.dl(sae, test, train, 0.015);     // B*, entropy DL, bound, dense bits
 * MdlSae.save(sae, Path.of("runs/s256"));
 * }</pre>
 * Language-model activations too large for the heap stay on disk (docs/design.md §8):
 * <pre>{@code
 * try (ShardSet acts = MdlSae.open(Path.of("acts/layer6"))) {            // a directory of .npy/.safetensors shards
 *     HoldOut split = HoldOut.lastPercent(acts);                           // never select on rows trained on
 *     SaeWeights sae = MdlSae.train(split.train(), MdlSae.config("topk", 1024, 32).withSamples(300_000));
 *     DlReport dl = MdlSae.dl(sae, split.eval(), split.train(), 0.05);
 * }
 * }</pre>
 */
public final class MdlSae {
    private MdlSae() {
    }

    /** The MNIST split ({@code train}: 8 000 digits, {@code test}: 2 000), fetched into the cache on first use. */
    public static Dataset mnist(String split) {
        return DataSources.load("mnist", null, split, null);
    }

    /** A data file (.npy, safetensors with one 2-D tensor, IDX) or a directory of shards, read whole into memory. */
    public static Dataset load(Path file) {
        return DataSources.load(file.toString(), null, null, null);
    }

    /**
     * A directory of .npy/.safetensors shards (or one such file), streamed from disk: every header is checked now,
     * rows are read as they are used. Close it when done.
     *
     * @param fileOrDir the shards
     * @return the open set
     */
    public static ShardSet open(Path fileOrDir) {
        return ShardSet.open(fileOrDir, null);
    }

    /** Training defaults for an architecture ({@code topk} or {@code batchtopk}), width and k. */
    public static TrainConfig config(String arch, int width, int k) {
        return TrainConfig.defaults(Arch.parse(arch, "arch"), width, k);
    }

    /** Trains an SAE on all rows (in memory: exact shuffle; a shard set: chunk mixing, read ahead). */
    public static SaeWeights train(Rows data, TrainConfig cfg) {
        try (Backend be = Backends.create(null)) {
            return new Trainer(be, cfg, null).train(data).weights();
        }
    }

    /** MSE, FVU, L0 and dead fraction on rows in memory or streamed. */
    public static Metrics evaluate(SaeWeights w, Rows data) {
        try (Backend be = Backends.create(null); Sae sae = Sae.upload(be, w)) {
            return Metrics.evaluate(sae, data);
        }
    }

    /** Description length at MSE tolerance ε, quantiser calibrated on {@code calib}, measured on {@code eval}. */
    public static DlReport dl(SaeWeights w, Rows eval, Rows calib, double eps) {
        try (Backend be = Backends.create(null); Sae sae = Sae.upload(be, w)) {
            return Mdl.of(sae, eval).calibration(calib).tolerance(eps).evaluate();
        }
    }

    /** The ε-MDL width sweep (resumable in {@code dir}). */
    public static SweepResults sweep(Rows train, Rows eval, List<Integer> widths, double eps, TrainConfig base,
                                     Path dir) {
        try (Backend be = Backends.create(null)) {
            SweepConfig cfg = new SweepConfig(widths, eps, null, SweepConfig.DEFAULT_K_MAX, base);
            return new Sweep(be, cfg, train, eval, train.name(), dir, null).run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Saves as a SAELens-compatible directory (atomic). */
    public static void save(SaeWeights w, Path dir) {
        try {
            SaeFiles.save(dir, w, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads an SAE directory (ours or SAELens' topk / jumprelu). */
    public static SaeWeights loadSae(Path dir) {
        return SaeFiles.load(dir).weights();
    }
}
