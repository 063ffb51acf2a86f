package org.mdlsae.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.InputException;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.data.Dataset;
import org.mdlsae.data.ShardFiles;
import org.mdlsae.data.ShardSet;
import org.mdlsae.math.Rows;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Metrics;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;

/** Training from shards: the sample budget, exact resume of a streamed run, normalisation folded on save. */
class StreamedTrainingTest {
    @TempDir
    Path dir;

    static final int N = TrainerResumeTest.N, D = TrainerResumeTest.D;

    ShardSet shards() throws IOException {
        float[] x = TrainerResumeTest.X;
        ShardFiles.npy(dir.resolve("a.npy"), x, D, 0, 120, "<f4");
        ShardFiles.npy(dir.resolve("b.npy"), x, D, 120, N, "<f4");
        return ShardSet.open(dir, null);
    }

    @Test
    void theSampleBudgetSetsTheStepsAndIsMetExactly() {
        TrainConfig cfg = TrainConfig.defaults(Arch.TOPK, 24, 3).withBatch(64).withSamples(1000);
        assertEquals(0, cfg.epochs());
        // 1000 = 3 epochs of 300 (5 steps each, the last of 44 rows) + 100 rows: 2 more steps (64 + 36)
        assertEquals(17, cfg.steps(N));
        assertEquals(1000, cfg.totalSamples(N));
        assertEquals(4, cfg.totalEpochs(N));
        assertEquals(20, cfg.withEpochs(4).steps(N));
        assertNull(cfg.withEpochs(4).samples());
        assertEquals(2, TrainConfig.defaults(Arch.TOPK, 24, 3).withBatch(4096).withSamples(5000).steps(300_000));
        assertEquals(74, TrainConfig.defaults(Arch.TOPK, 24, 3).withBatch(4096).withSamples(300_000).steps(2_000_000));

        long[] seen = {0};
        List<Long> totals = new ArrayList<>();
        Dataset data = new Dataset("x", N, D, TrainerResumeTest.X);
        BatchSource counting = new CountingSource(BatchSources.of(data, cfg), seen);
        Trainer.Result r = new Trainer(new CpuBackend(), cfg, p -> totals.add(p.steps()))
                .train(Trainer.init(cfg, data.data(), N, D), counting);
        assertEquals(17, r.steps());
        assertEquals(1000, seen[0], "samples trained");
        assertTrue(totals.stream().allMatch(t -> t == 17), "the LR schedule must span the budget's steps");

        assertThrows(InputException.class, () -> new TrainConfig(Arch.TOPK, 24, 3, 2, 100L, 64, null, 0, 0.05, 0.2,
                0, null, null, 0.9, 0.999, 1e-8, Normalization.Method.NONE));
        assertThrows(InputException.class, () -> cfg.withSamples(-1));
    }

    /** A streamed run stopped at a snapshot and resumed from a fresh source ends bit-identical. */
    @Test
    void aStreamedRunResumesBitIdentical() throws IOException {
        CpuBackend be = new CpuBackend();
        TrainConfig cfg = TrainerResumeTest.config(Arch.BATCHTOPK).withSamples(1000);
        try (ShardSet s = shards()) {
            Trainer.Result whole = new Trainer(be, cfg, null).train(s);
            SaeWeights start = Trainer.init(cfg, s.sampleEvenly(Trainer.INIT_ROWS), N, D);
            TrainerResumeTest.StopAt stop = new TrainerResumeTest.StopAt(8);
            try (BatchSource src = BatchSources.of(s, cfg)) {
                assertThrows(TrainerResumeTest.Stopped.class, () -> new Trainer(be, cfg, null).checkpoints(stop).train(start, src));
            }
            assertEquals(new BatchSource.Cursor(2, 3 * 64, 9), stop.state.data()); // 5 steps in epoch 1, 3 in epoch 2
            Trainer.Result resumed;
            try (BatchSource fresh = BatchSources.of(s, cfg)) {
                resumed = new Trainer(be, cfg, null).resume(stop.state, fresh);
            }
            assertTrue(resumed.weights().sameAs(whole.weights()), "resumed streamed run differs");
            assertEquals(whole.finalMse(), resumed.finalMse(), 0.0);

            // the same with normalisation: snapshots hold normalised weights, the resumed result is folded
            TrainConfig nc = cfg.withNormalize(Normalization.Method.EXPECTED_AVERAGE_ONLY_IN);
            Normalization norm = Normalization.estimate(nc.normalize(), s);
            Trainer.Result wholeN = new Trainer(be, nc, null).train(s, norm);
            TrainerResumeTest.StopAt stopN = new TrainerResumeTest.StopAt(11);
            assertThrows(TrainerResumeTest.Stopped.class, () -> new Trainer(be, nc, null).checkpoints(stopN).train(s, norm));
            Trainer.Result resumedN = new Trainer(be, nc, null).resume(stopN.state,
                    s, Normalization.estimate(nc.normalize(), s));
            assertTrue(resumedN.weights().sameAs(wholeN.weights()), "resumed normalised streamed run differs");
            assertFalse(wholeN.weights().sameAs(whole.weights()));

            // streamed and in-memory runs of the same rows see them in different orders, but both learn
            Trainer.Result inMemory = new Trainer(be, cfg, null).train(new Dataset("x", N, D, TrainerResumeTest.X));
            assertFalse(inMemory.weights().sameAs(whole.weights()));
            assertTrue(whole.finalMse() < whole.initialMse() && inMemory.finalMse() < inMemory.initialMse());
        }
    }

    /** train(Rows) on in-memory data is the old in-memory run, bit for bit (the MNIST figures depend on it). */
    @Test
    void inMemoryRowsTrainExactlyAsTheArrayPath() {
        CpuBackend be = new CpuBackend();
        TrainConfig cfg = TrainerResumeTest.config(Arch.BATCHTOPK);
        Trainer.Result a = new Trainer(be, cfg, null).train(TrainerResumeTest.X, N, D);
        Trainer.Result b = new Trainer(be, cfg, null).train(new Dataset("x", N, D, TrainerResumeTest.X));
        assertTrue(a.weights().sameAs(b.weights()));
        assertThrows(IllegalArgumentException.class,
                () -> BatchSources.of(Rows.of("plain", TrainerResumeTest.X, N, D), cfg));
    }

    /**
     * Normalisation: the factor makes E‖x‖ = √d; training on scaled rows then folding gives an SAE that takes raw rows,
     * reconstructs them in raw units (MSE = normalised MSE / s²), with the same codes; the run equals training on
     * pre-scaled data by hand.
     */
    @Test
    void normalisationIsEstimatedAppliedAndFolded() {
        CpuBackend be = new CpuBackend();
        float[] raw = TrainerResumeTest.X.clone();
        for (int i = 0; i < raw.length; i++) raw[i] *= 40f; // a layer with large activations
        Dataset data = new Dataset("raw", N, D, raw);
        Normalization norm = Normalization.estimate(Normalization.Method.EXPECTED_AVERAGE_ONLY_IN, data);
        double meanNorm = 0;
        for (int r = 0; r < N; r++) {
            double s = 0;
            for (int c = 0; c < D; c++) s += (double) raw[r * D + c] * raw[r * D + c];
            meanNorm += Math.sqrt(s) / N;
        }
        assertEquals(Math.sqrt(D) / meanNorm, norm.factor(), 1e-12 * norm.factor());
        assertEquals(N, norm.sampleRows());

        TrainConfig cfg = TrainerResumeTest.config(Arch.TOPK).withNormalize(Normalization.Method.EXPECTED_AVERAGE_ONLY_IN);
        Trainer.Result folded = new Trainer(be, cfg, null).train(data, norm);

        float[] scaled = raw.clone();
        norm.scale(scaled, scaled.length);
        Trainer.Result byHand = new Trainer(be, cfg.withNormalize(Normalization.Method.NONE), null).train(scaled, N, D);
        assertTrue(norm.fold(byHand.weights()).sameAs(folded.weights()), "normalised training differs from scaling by hand");
        assertEquals(byHand.finalMse() / (norm.factor() * norm.factor()), folded.finalMse(), 1e-15);

        try (Sae normalised = Sae.upload(be, byHand.weights()); Sae rawSae = Sae.upload(be, folded.weights())) {
            Metrics onScaled = Metrics.evaluate(normalised, scaled, N);
            Metrics onRaw = Metrics.evaluate(rawSae, raw, N);
            double s2 = norm.factor() * norm.factor();
            assertEquals(onScaled.mse() / s2, onRaw.mse(), 1e-5 * onRaw.mse());
            assertEquals(onScaled.fvu(), onRaw.fvu(), 1e-4);
            assertArrayEquals(onScaled.fireCounts(), onRaw.fireCounts(), "folding changed the codes");
        }
        assertThrows(IllegalArgumentException.class, () -> new Trainer(be, cfg, null).train(data, Normalization.none()));
        assertThrows(InputException.class, () -> Normalization.estimate(Normalization.Method.EXPECTED_AVERAGE_ONLY_IN,
                new Dataset("zeros", 3, 2, new float[6])));
    }

    /** Counts the rows a source hands out. */
    private static final class CountingSource extends ForwardingBatches {
        private final long[] seen;

        CountingSource(BatchSource src, long[] seen) {
            super(src);
            this.seen = seen;
        }

        @Override
        public int next(float[] dst, int max) {
            int r = src.next(dst, max);
            seen[0] += r;
            return r;
        }
    }
}
