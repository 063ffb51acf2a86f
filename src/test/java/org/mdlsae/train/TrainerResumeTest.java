package org.mdlsae.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mdlsae.InputException;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.sae.Arch;

/**
 * A run stopped at a snapshot and continued from it ends bit-identical to the run that never stopped: the snapshot
 * ({@link Trainer.State}) holds everything the step needs (weights, Adam moments, step, data cursor, dead-latent
 * counters, BatchTopK's θ mean).
 */
class TrainerResumeTest {
    static final int N = 300, D = 12, WIDTH = 24, K = 3;
    static final float[] X = data();

    static float[] data() {
        SplittableRandom r = new SplittableRandom(5);
        float[] x = new float[N * D];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * (i % 3 == 0 ? 2 : 0.3));
        return x;
    }

    /** Batch 64 over 300 rows: five steps an epoch, the last one short; latents die after 64 samples, so AuxK runs. */
    static TrainConfig config(Arch arch) {
        return TrainConfig.defaults(arch, WIDTH, K).withBatch(64).withEpochs(4).withLr(3e-3).withSeed(9).withAux(1.0 / 32, 6, 64L);
    }

    /** Stops a run by throwing from the checkpoint sink once it has the snapshot of the chosen step. */
    static final class StopAt implements Trainer.Checkpoints {
        final long at;
        Trainer.State state;

        StopAt(long at) {
            this.at = at;
        }

        @Override
        public boolean due(long step, double seconds) {
            return step == at;
        }

        @Override
        public void save(Trainer.State s) {
            state = s;
            throw new Stopped();
        }
    }

    static final class Stopped extends RuntimeException {
    }

    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"TOPK", "BATCHTOPK"}) // the trainable architectures
    void resumedRunEndsBitIdentical(Arch arch) {
        CpuBackend be = new CpuBackend();
        TrainConfig cfg = config(arch);
        List<Double> dead = new ArrayList<>();
        Trainer.Result whole = new Trainer(be, cfg, p -> dead.add(p.deadFraction())).train(X, N, D);
        assertEquals(20, whole.steps());
        assertTrue(dead.stream().anyMatch(f -> f > 0), "no latent died, so AuxK never ran: " + dead);

        // stop mid-epoch (step 7), resume, stop again at an epoch boundary (step 10), resume to the end
        StopAt first = new StopAt(7);
        assertThrows(Stopped.class, () -> new Trainer(be, cfg, null).checkpoints(first).train(X, N, D));
        Trainer.State s7 = first.state;
        assertEquals(7, s7.step());
        assertEquals(new BatchSource.Cursor(2, 128, 9), s7.data());
        StopAt second = new StopAt(10);
        assertThrows(Stopped.class, () -> new Trainer(be, cfg, null).checkpoints(second).resume(s7, new InMemoryBatches(X, N, D, 9)));
        Trainer.State s10 = second.state;
        assertEquals(new BatchSource.Cursor(2, N, 9), s10.data());
        Trainer.Result resumed = new Trainer(be, cfg, null).resume(s10, new InMemoryBatches(X, N, D, 9));

        assertTrue(resumed.weights().sameAs(whole.weights()), "resumed weights differ from the uninterrupted run");
        assertEquals(Float.floatToIntBits(whole.weights().threshold()), Float.floatToIntBits(resumed.weights().threshold()));
        assertEquals(whole.steps(), resumed.steps());
        assertEquals(whole.initialMse(), resumed.initialMse(), 0.0);
        assertEquals(whole.finalMse(), resumed.finalMse(), 0.0);
        assertEquals(whole.deadFraction(), resumed.deadFraction(), 0.0);
        if (arch == Arch.BATCHTOPK) assertTrue(Float.isFinite(s10.theta()), "θ mean missing from the snapshot");

        // the dead-latent counters are part of the state: a snapshot claiming every latent dead continues differently
        long[] allDead = new long[WIDTH];
        java.util.Arrays.fill(allDead, cfg.effectiveDeadSamples(N));
        Trainer.State forgetful = new Trainer.State(s7.config(), s7.rule(), s7.step(), s7.data(), s7.weights(), s7.moments(),
                allDead, s7.theta(), s7.samples(), s7.seconds(), s7.firstMse(), s7.lastMse(), s7.lastL0());
        Trainer.Result wrong = new Trainer(be, cfg, null).resume(forgetful, new InMemoryBatches(X, N, D, 9));
        assertFalse(wrong.weights().sameAs(whole.weights()), "sinceFired had no effect on the continued run");
    }

    @Test
    void finishedSnapshotReturnsAtOnceAndForeignSnapshotsAreRefused() {
        CpuBackend be = new CpuBackend();
        TrainConfig cfg = config(Arch.TOPK);
        StopAt last = new StopAt(20);
        assertThrows(Stopped.class, () -> new Trainer(be, cfg, null).checkpoints(last).train(X, N, D));
        Trainer.Result whole = new Trainer(be, cfg, null).train(X, N, D);
        int[] steps = {0};
        Trainer.Result done = new Trainer(be, cfg, p -> steps[0]++).resume(last.state, new InMemoryBatches(X, N, D, 9));
        assertEquals(0, steps[0], "a finished run trained again");
        assertTrue(done.weights().sameAs(whole.weights()));
        assertThrows(InputException.class, () -> new Trainer(be, cfg.withEpochs(5), null).resume(last.state, new InMemoryBatches(X, N, D, 9)));
        assertThrows(InputException.class, () -> new Trainer(be, cfg, null).resume(last.state, new InMemoryBatches(X, N, D, 10)));
    }

    @Test
    void inMemoryCursorReplaysTheShuffle() {
        InMemoryBatches a = new InMemoryBatches(X, N, D, 3);
        float[] ba = new float[64 * D], bb = new float[64 * D];
        assertEquals(0, a.next(ba, 64), "rows before the first epoch");
        a.startEpoch();
        a.next(ba, 64);
        a.startEpoch();
        a.next(ba, 64);
        BatchSource.Cursor c = a.cursor();
        assertEquals(new BatchSource.Cursor(2, 64, 3), c);
        InMemoryBatches b = new InMemoryBatches(X, N, D, 3);
        b.restore(c);
        assertEquals(64, a.next(ba, 64));
        assertEquals(64, b.next(bb, 64));
        assertTrue(java.util.Arrays.equals(ba, bb), "restored source hands out another batch");
        assertThrows(InputException.class, () -> b.restore(new BatchSource.Cursor(1, N + 1, 3)));
    }
}
