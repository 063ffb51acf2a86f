package org.mdlsae.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.InputException;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.data.Dataset;
import org.mdlsae.math.Rows;
import org.mdlsae.sae.Arch;

/** A checkpoint written and read back is the same state, bit for bit, and belongs to one job (docs/design.md §6). */
class CheckpointDirTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripsTheStateExactlyAndRefusesOtherJobs() throws Exception {
        TrainConfig cfg = TrainerResumeTest.config(Arch.TOPK); // TopK: θ stays NaN, which must survive
        String job = CheckpointDir.jobKey(cfg, rows(TrainerResumeTest.X));
        Path dir = tmp.resolve("run.checkpoint");
        Trainer.State[] saved = new Trainer.State[1];
        CheckpointDir sink = new CheckpointDir(dir, job, 7, Normalization.none());
        new Trainer(new CpuBackend(), cfg, null).checkpoints(new Trainer.Checkpoints() {
            @Override
            public boolean due(long step, double seconds) {
                return sink.due(step, seconds);
            }

            @Override
            public void save(Trainer.State s) {
                sink.save(s);
                saved[0] = s;
            }
        }).train(TrainerResumeTest.X, TrainerResumeTest.N, TrainerResumeTest.D);
        Trainer.State a = saved[0], b = CheckpointDir.load(dir, job, cfg).state();
        assertEquals(14, a.step(), "the last multiple of 7 among the 20 steps");
        assertEquals(a.step(), b.step());
        assertEquals(a.data(), b.data());
        assertTrue(a.weights().sameAs(b.weights()));
        for (int i = 0; i < 8; i++) assertArrayEquals(a.moments()[i], b.moments()[i]);
        assertArrayEquals(a.sinceFired(), b.sinceFired());
        assertEquals(Float.floatToRawIntBits(a.theta()), Float.floatToRawIntBits(b.theta()));
        assertTrue(Float.isNaN(b.theta()));
        assertEquals(a.samples(), b.samples());
        for (double[] v : new double[][] {{a.seconds(), b.seconds()}, {a.firstMse(), b.firstMse()}, {a.lastMse(), b.lastMse()},
            {a.lastL0(), b.lastL0()}}) {
            assertEquals(Double.doubleToRawLongBits(v[0]), Double.doubleToRawLongBits(v[1]));
        }

        // another job: other settings, or the same settings on changed data
        String otherCfg = CheckpointDir.jobKey(cfg.withSeed(10), rows(TrainerResumeTest.X));
        float[] changed = TrainerResumeTest.X.clone();
        changed[5] += 1e-3f;
        String otherData = CheckpointDir.jobKey(cfg, rows(changed));
        assertNotEquals(job, otherCfg);
        assertNotEquals(job, otherData);
        assertThrows(CheckpointDir.OtherJob.class, () -> CheckpointDir.load(dir, otherData, cfg));
        assertNull(CheckpointDir.load(tmp.resolve("absent"), job, cfg));

        // a directory that is not the engine's checkpoint is neither read nor deleted
        Path foreign = Files.createDirectories(tmp.resolve("foreign.checkpoint"));
        Files.writeString(foreign.resolve("state.json"), "{}");
        assertThrows(InputException.class, () -> CheckpointDir.load(foreign, job, cfg));
        CheckpointDir.delete(foreign);
        assertTrue(Files.exists(foreign.resolve("state.json")));
        CheckpointDir.delete(dir);
        assertFalse(Files.exists(dir));
    }

    /** The normalisation a run trains with is recorded bit for bit, and a checkpoint of another method is another job. */
    @Test
    void recordsTheNormalisation() throws Exception {
        TrainConfig cfg = TrainerResumeTest.config(Arch.BATCHTOPK).withNormalize(Normalization.Method.EXPECTED_AVERAGE_ONLY_IN);
        Dataset x = new Dataset("x", TrainerResumeTest.N, TrainerResumeTest.D, TrainerResumeTest.X);
        Normalization norm = Normalization.estimate(cfg.normalize(), x);
        assertTrue(norm.active() && norm.factor() != 1, "the test data are not of norm sqrt(d) already");
        String job = CheckpointDir.jobKey(cfg, x);
        Path dir = tmp.resolve("norm.checkpoint");
        new Trainer(new CpuBackend(), cfg, null).checkpoints(new CheckpointDir(dir, job, 5, norm)).train(x, norm);
        CheckpointDir.Snapshot s = CheckpointDir.load(dir, job, cfg);
        assertEquals(norm, s.normalization());
        assertEquals(20, s.state().step());
        assertThrows(CheckpointDir.OtherJob.class, () -> CheckpointDir.load(dir, job, cfg.withNormalize(Normalization.Method.NONE)));
    }

    private static Rows rows(float[] x) {
        return Rows.of("x", x, TrainerResumeTest.N, TrainerResumeTest.D);
    }

    @Test
    void cadence() {
        CheckpointDir steps = new CheckpointDir(tmp, "j", 5, Normalization.none());
        assertFalse(steps.due(4, 1e6));
        assertTrue(steps.due(10, 0));
        CheckpointDir timed = new CheckpointDir(tmp, "j", 0, Normalization.none());
        assertFalse(timed.due(1, 10));
        assertTrue(timed.due(2, CheckpointDir.DEFAULT_SECONDS + 1));
        assertFalse(timed.due(3, CheckpointDir.DEFAULT_SECONDS + 60), "five minutes after the last one, not after the start");
        assertTrue(timed.due(4, 2 * CheckpointDir.DEFAULT_SECONDS + 2));
        assertFalse(new CheckpointDir(tmp, "j", -1, Normalization.none()).due(1_000_000, 1e9), "never");
    }
}
