package org.mdlsae.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mdlsae.backend.Backend;
import org.mdlsae.data.ShardSet;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.math.Rows;

/**
 * The record of how an SAE was trained, written into the engine's own section of its {@code cfg.json} (key
 * {@code mdlsae}) by {@link #save}, the one writer every caller uses: {@code mdlsae train}, each run of a sweep and the
 * library's save. Only what the run determines goes there — the settings as used (defaults resolved), the data, the
 * outcome and the back end with its arithmetic — in a fixed key order, so two runs with the same seed on the CPU back end write the same
 * bytes. Wall-clock facts ({@link Timings}) go to {@code timings.json} beside it (docs/design.md §4).
 *
 * @param train   the training settings actually used
 * @param data    what it was trained on
 * @param result  the deterministic outcome of training
 * @param backend   the back end's name
 * @param precision the arithmetic of its encoder product ({@code fp32} or {@code tf32}, docs/design.md §9)
 * @param normalization the activation normalisation folded into the weights ({@link Normalization#record}), or null
 *                      when training saw the raw rows (docs/design.md §8)
 */
public record Provenance(Settings train, Data data, Outcome result, String backend, String precision,
                         Map<String, Object> normalization) {

    /**
     * Training settings with every default resolved.
     *
     * @param arch           architecture id
     * @param width          D
     * @param k              k
     * @param epochs         epochs (0 when the budget was given in samples)
     * @param samples        samples trained on (the budget, or rows × epochs)
     * @param normalize      the normalisation method ({@code none} or {@code expected_average_only_in})
     * @param batch          batch size
     * @param lr             peak learning rate used
     * @param seed           seed
     * @param warmupFraction warm-up fraction
     * @param decayFraction  decay fraction
     * @param auxAlpha       AuxK α
     * @param auxK           k_aux used
     * @param deadSamples    dead-latent window used
     * @param adam           Adam constants
     */
    public record Settings(String arch, int width, int k, int epochs, long samples, String normalize, int batch, double lr,
                           long seed,
                           @JsonProperty("warmup_fraction") double warmupFraction,
                           @JsonProperty("decay_fraction") double decayFraction,
                           @JsonProperty("aux_alpha") double auxAlpha, @JsonProperty("aux_k") int auxK,
                           @JsonProperty("dead_samples") long deadSamples, Adam adam) {
    }

    /**
     * Adam's constants.
     *
     * @param beta1 β1
     * @param beta2 β2
     * @param eps   ε
     */
    public record Adam(double beta1, double beta2, double eps) {
    }

    /**
     * The training data.
     *
     * @param source      how it was named ({@code mnist} or a path)
     * @param name        the data set's name
     * @param rows        rows
     * @param dim         dimension d
     * @param streamed    true when the rows were streamed from shard files (null: in memory)
     * @param shards      how many shard files (streamed only)
     * @param storedBytes their size on disk (streamed only)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Data(String source, String name, long rows, int dim, Boolean streamed, Integer shards,
                       @JsonProperty("stored_bytes") Long storedBytes) {
        /**
         * The record of training rows, in memory or streamed.
         *
         * @param source how they were named
         * @param rows   the rows
         * @return the record
         */
        public static Data of(String source, Rows rows) {
            if (rows instanceof ShardSet s) {
                return new Data(source, s.name(), s.rowCount(), s.dim(), true, s.shards().size(), s.storedBytes());
            }
            return new Data(source, rows.name(), rows.rowCount(), rows.dim(), null, null, null);
        }
    }

    /**
     * What training ended with (deterministic for a seed on the CPU back end).
     *
     * @param steps         optimiser steps
     * @param finalBatchMse MSE of the last batch
     * @param finalBatchL0  L0 of the last batch
     * @param deadFraction  fraction of dead latents at the end
     */
    public record Outcome(long steps, @JsonProperty("final_batch_mse") double finalBatchMse,
                          @JsonProperty("final_batch_l0") double finalBatchL0,
                          @JsonProperty("dead_fraction") double deadFraction) {
    }

    /**
     * Wall-clock facts of a run ({@code timings.json}); they differ between identical runs.
     *
     * @param seconds       training time
     * @param samplesPerSec throughput
     */
    public record Timings(double seconds, @JsonProperty("samples_per_sec") double samplesPerSec) {
    }

    /**
     * The provenance of a finished run.
     *
     * @param cfg     its config
     * @param r       its result
     * @param data    the training data
     * @param be      the back end it ran on
     * @param norm    the normalisation training used (folded into the result's weights)
     * @return the record
     */
    public static Provenance of(TrainConfig cfg, Trainer.Result r, Data data, Backend be, Normalization norm) {
        Settings s = new Settings(cfg.arch().id(), cfg.width(), cfg.k(), cfg.epochs(), cfg.totalSamples(data.rows()),
                cfg.normalize().id(), cfg.batch(), cfg.effectiveLr(), cfg.seed(),
                cfg.warmupFraction(), cfg.decayFraction(), cfg.auxAlpha(), cfg.effectiveAuxK(data.dim()),
                cfg.effectiveDeadSamples(data.rows()), new Adam(cfg.beta1(), cfg.beta2(), cfg.adamEps()));
        return new Provenance(s, data, new Outcome(r.steps(), r.finalMse(), r.finalL0(), r.deadFraction()), be.name(),
                be.precision().id(), norm.active() ? norm.record() : null);
    }

    /**
     * Saves a trained SAE with its provenance ({@code cfg.json}) and timings ({@code timings.json}), atomically.
     *
     * @param dir  the SAE directory (replaced)
     * @param r    the training result (weights and timings)
     * @param p    the provenance
     * @param more   further entries of the engine's section after the provenance (e.g. the sweep's), or null
     * @param origin where the activations came from, for SAELens' metadata (null: unknown)
     * @throws IOException if writing fails
     */
    public static void save(Path dir, Trainer.Result r, Provenance p, Map<String, Object> more, SaeFiles.Origin origin)
            throws IOException {
        Map<String, Object> own = new LinkedHashMap<>();
        own.put("train", p.train());
        own.put("data", p.data());
        own.put("result", p.result());
        own.put("backend", p.backend());
        own.put("precision", p.precision());
        if (p.normalization() != null) own.put("normalization", p.normalization());
        if (more != null) own.putAll(more);
        SaeFiles.save(dir, r.weights(), own, origin, new Timings(r.seconds(), r.samplesPerSec()));
    }
}
