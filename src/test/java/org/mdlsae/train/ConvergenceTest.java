package org.mdlsae.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mdlsae.ConfigException;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.data.Dataset;
import org.mdlsae.data.HoldOut;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Metrics;
import org.mdlsae.sae.Sae;

/**
 * Training to convergence (docs/design.md §11): the run stops after the plateau and its decay, keeps the weights of its
 * best epoch on the held-out rows (which it never trains on), records why and when, and a run stopped at any step and
 * continued from its snapshot — in memory or through a checkpoint directory — ends bit-identical.
 */
class ConvergenceTest {
    static final Dataset DATA = new Dataset("x", TrainerResumeTest.N, TrainerResumeTest.D, TrainerResumeTest.X);

    @TempDir
    Path tmp;

    static TrainConfig config(Arch arch) {
        return TrainerResumeTest.config(arch).withConvergence(new Convergence(1e-3, 3, 80));
    }

    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"TOPK", "BATCHTOPK"})
    void stopsAfterThePlateauKeepsTheBestEpochAndResumesBitIdentical(Arch arch) throws Exception {
        CpuBackend be = new CpuBackend();
        TrainConfig cfg = config(arch);
        Trainer.Result whole = new Trainer(be, cfg, null).train(DATA);
        Convergence.Outcome st = whole.stopping();
        assertNotNull(st);
        HoldOut split = HoldOut.control(DATA);
        assertEquals(30, st.heldOutRows(), "every 10th of 300 rows");
        assertEquals(270, st.trainedRows());
        assertEquals(split.rule(), st.heldOut());
        int perEpoch = 5; // ⌈270 / 64⌉
        assertEquals((long) st.epochs() * perEpoch, whole.steps());
        assertEquals(st.steps(), whole.steps());
        assertTrue(st.plateauEpoch() >= 1 && st.plateauEpoch() < st.epochs() && st.epochs() <= 80, st.toString());
        // the decay is the same share of the run as in a fixed run: ⌈E·0.2/0.8⌉ epochs after E constant ones
        if (st.reason().equals("plateau")) assertEquals(st.plateauEpoch() + (int) Math.ceil(st.plateauEpoch() * 0.25), st.epochs());
        assertTrue(st.bestEpoch() >= 1 && st.bestEpoch() <= st.epochs());
        assertTrue(st.bestHeldOutMse() <= st.lastHeldOutMse());
        // the kept weights are the best epoch's: their MSE on the held-out rows is the recorded best
        try (Sae sae = Sae.upload(be, whole.weights())) {
            assertEquals(st.bestHeldOutMse(), Metrics.evaluate(sae, split.eval()).mse(), 1e-12 * st.bestHeldOutMse());
        }

        // stopped mid-epoch in the constant phase, then two steps into the decay, and continued: the same bits
        long early = 7, inDecay = (long) st.plateauEpoch() * perEpoch + 2;
        TrainerResumeTest.StopAt first = new TrainerResumeTest.StopAt(early);
        assertThrows(TrainerResumeTest.Stopped.class, () -> new Trainer(be, cfg, null).checkpoints(first).train(DATA));
        assertNotNull(first.state.stopping());
        TrainerResumeTest.StopAt second = new TrainerResumeTest.StopAt(inDecay);
        assertThrows(TrainerResumeTest.Stopped.class,
                () -> new Trainer(be, cfg, null).checkpoints(second).resume(first.state, DATA, Normalization.none()));
        EarlyStop.State s = second.state.stopping();
        assertTrue(s.decayStart() >= 0 && s.bestWeights() != null, "the snapshot is in the decay with best weights: " + s);
        Trainer.Result resumed = new Trainer(be, cfg, null).resume(second.state, DATA, Normalization.none());
        assertTrue(resumed.weights().sameAs(whole.weights()), "resumed weights differ from the uninterrupted run");
        assertEquals(Float.floatToIntBits(whole.weights().threshold()), Float.floatToIntBits(resumed.weights().threshold()));
        assertEquals(st, resumed.stopping());

        // the same through a checkpoint directory: the rule's state and the best weights survive exactly
        String job = CheckpointDir.jobKey(cfg, DATA);
        Path dir = tmp.resolve(arch.id() + ".checkpoint");
        new CheckpointDir(dir, job, -1, Normalization.none()).save(second.state);
        CheckpointDir.Snapshot back = CheckpointDir.load(dir, job, cfg);
        EarlyStop.State b = back.state().stopping();
        assertEquals(s.epoch(), b.epoch());
        assertEquals(s.end(), b.end());
        assertEquals(Double.doubleToRawLongBits(s.best()), Double.doubleToRawLongBits(b.best()));
        assertTrue(s.bestWeights().sameAs(b.bestWeights()));
        assertEquals(Float.floatToRawIntBits(s.bestWeights().threshold()), Float.floatToRawIntBits(b.bestWeights().threshold()));
        Trainer.Result fromDisk = new Trainer(be, cfg, null).resume(back.state(), DATA, Normalization.none());
        assertTrue(fromDisk.weights().sameAs(whole.weights()), "resumed from disk differs from the uninterrupted run");
        // a fixed-budget config does not take the checkpoint of a run to convergence
        assertThrows(CheckpointDir.OtherJob.class, () -> CheckpointDir.load(dir, job, cfg.withEpochs(4)));
    }

    /**
     * More latents than training rows and noise for data: the SAE memorises its rows and the held-out MSE rises again,
     * so the kept weights are those of an earlier epoch than the last, not the last epoch's.
     */
    @Test
    void keepsTheBestEpochWhenTheHeldOutMseRisesAgain() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 40, d = 16;
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        Dataset ds = new Dataset("noise", n, d, x);
        TrainConfig cfg = TrainConfig.defaults(Arch.TOPK, 64, 1).withBatch(8).withLr(1e-2).withSeed(1)
                .withConvergence(new Convergence(0.0, 30, 400));
        CpuBackend be = new CpuBackend();
        Trainer.Result res = new Trainer(be, cfg, null).train(ds);
        Convergence.Outcome st = res.stopping();
        assertTrue(st.bestEpoch() < st.epochs(), "the held-out MSE never rose: " + st);
        assertTrue(st.lastHeldOutMse() > st.bestHeldOutMse(), st.toString());
        HoldOut split = HoldOut.control(ds);
        try (Sae sae = Sae.upload(be, res.weights())) {
            assertEquals(st.bestHeldOutMse(), Metrics.evaluate(sae, split.eval()).mse(), 1e-12);
        }
    }

    @Test
    void settingsAreCheckedAndNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> new Convergence(null, 0, null));
        assertEquals("TrainConfig.convergence.patience", e.field());
        e = assertThrows(ConfigException.class, () -> new Convergence(Double.NaN, null, null));
        assertEquals("TrainConfig.convergence.minImprovement", e.field());
        e = assertThrows(ConfigException.class, () -> new Convergence(null, null, 0));
        assertEquals("TrainConfig.convergence.maxEpochs", e.field());
        Convergence c = Convergence.defaults().resolved();
        assertEquals(new Convergence(Convergence.DEFAULT_MIN_IMPROVEMENT, Convergence.DEFAULT_PATIENCE,
                Convergence.DEFAULT_MAX_EPOCHS), c);
        TrainConfig t = TrainConfig.defaults(Arch.TOPK, 8, 2).withConvergence(c);
        assertEquals(0, t.epochs());
        assertEquals(1000L * 4, t.steps(1000), "the cap bounds the steps: 1000 epochs of 4 batches");
        assertEquals(null, t.withEpochs(3).convergence());
        // a run to convergence needs rows to hold out, not a batch source
        assertThrows(IllegalArgumentException.class, () -> new Trainer(new CpuBackend(), t, null)
                .train(Trainer.init(t, new float[16], 2, 8), new InMemoryBatches(new float[16], 2, 8, 0)));
    }

    /** A fixed-budget config keeps the job key it had before convergence existed: its JSON has no "convergence". */
    @Test
    void fixedBudgetConfigsSerialiseAsBefore() throws Exception {
        ObjectMapper json = new ObjectMapper();
        assertFalse(json.writeValueAsString(TrainConfig.defaults(Arch.TOPK, 8, 2)).contains("convergence"));
        assertTrue(json.writeValueAsString(TrainConfig.defaults(Arch.TOPK, 8, 2).withConvergence(Convergence.defaults()))
                .contains("convergence"));
    }

    @Test
    void heldOutRowsAreSpreadOverRowsInMemory() {
        HoldOut h = HoldOut.control(DATA);
        assertEquals(30, h.eval().rowCount());
        assertEquals(270, h.train().rowCount());
        float[] row = new float[TrainerResumeTest.D];
        h.eval().read(1, 1, row, 0);
        assertArrayEquals(DATA.row(19), row, "the second held-out row is row 19");
        Dataset five = new Dataset("five", 5, 2, new float[10]);
        assertEquals(1, HoldOut.control(five).eval().rowCount(), "fewer rows than the stride: the last row");
    }
}
