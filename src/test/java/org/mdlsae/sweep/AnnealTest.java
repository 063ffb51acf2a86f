package org.mdlsae.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.data.Dataset;
import org.mdlsae.data.HoldOut;
import org.mdlsae.math.Stats;
import org.mdlsae.sae.Arch;
import org.mdlsae.train.Normalization;
import org.mdlsae.train.TrainConfig;
import org.mdlsae.train.Trainer;

/** The annealing search (docs/design.md §10): one training per width, deterministic, resumable, honest rows. */
class AnnealTest {
    @TempDir
    Path tmp;

    private static double variance(Dataset d) {
        return Stats.sumSqDeviation(d.data(), d.rows(), d.dim()) / ((double) d.rows() * d.dim());
    }

    private static SweepConfig config(double eps, int epochs) {
        TrainConfig t = TrainConfig.defaults(Arch.BATCHTOPK, 4, 1).withEpochs(epochs).withBatch(32).withLr(1e-2);
        return new SweepConfig(List.of(12, 24), eps, null, 16, t, SweepConfig.Search.ANNEAL);
    }

    @Test
    void oneTrainingPerWidthLowersKAndMeetsEpsOnTheSelectionRows() throws Exception {
        Dataset train = SweepTest.synthetic(1000, 1), eval = SweepTest.synthetic(300, 2);
        SweepConfig cfg = config(0.2 * variance(eval), 24);
        List<String> trained = new ArrayList<>();
        Sweep.Listener l = new Sweep.Listener() {
            @Override
            public void runFinished(int index, SweepRun run, boolean reused) {
                if (!reused) trained.add(run.dir());
            }
        };
        Path dir = tmp.resolve("a");
        SweepResults r = new Sweep(new CpuBackend(), cfg, train, eval, "synthetic", dir, l).run();
        assertEquals(List.of("runs/w00012-anneal", "runs/w00024-anneal"), trained, "one training per width");
        for (SweepRun run : r.runs()) {
            assertTrue(run.k() < 16, "the schedule lowers k from the cap 16, got " + run);
            assertTrue(run.admissible(), "the chosen k meets ε on the selection rows: " + run);
            assertTrue(run.selected());
        }
        assertNotNull(r.best());
        // the schedule's levels are recorded with the run, and the descent went down
        String cfgJson = Files.readString(dir.resolve("runs/w00024-anneal/cfg.json"));
        assertTrue(cfgJson.contains("\"levels\"") && cfgJson.contains("\"k_start\" : 16"), cfgJson);
        // deterministic: a fresh sweep gives the same runs bit for bit (weights included)
        SweepResults again = new Sweep(new CpuBackend(), cfg, train, eval, "synthetic", tmp.resolve("b"), null).run();
        for (int i = 0; i < r.runs().size(); i++) {
            SweepRun x = r.runs().get(i), y = again.runs().get(i);
            assertEquals(List.of(x.k(), x.mse(), String.valueOf(x.dlBits())), List.of(y.k(), y.mse(), String.valueOf(y.dlBits())));
            assertTrue(Sweep.weights(dir, x).sameAs(Sweep.weights(tmp.resolve("b"), y)));
        }
        // a second invocation into the same directory reuses the runs
        trained.clear();
        new Sweep(new CpuBackend(), cfg, train, eval, "synthetic", dir, l).run();
        assertEquals(List.of(), trained);
    }

    @Test
    void aRunResumedFromAMidRunSnapshotEndsBitIdentical() {
        Dataset train = SweepTest.synthetic(600, 3);
        HoldOut h = HoldOut.control(train);
        WidthSearch.Inputs in = new WidthSearch.Inputs(config(0.2 * variance(train), 12), 24, 0.2 * variance(train),
                h.train(), h.eval(), Normalization.none());
        List<Trainer.State> snaps = new ArrayList<>();
        Trainer.Checkpoints every = new Trainer.Checkpoints() {
            @Override
            public boolean due(long step, double seconds) {
                return step % 37 == 0;
            }

            @Override
            public void save(Trainer.State s) {
                snaps.add(s);
            }
        };
        WidthSearch.Outcome whole = WidthSearch.anneal(new CpuBackend(), in, every, null, null);
        assertTrue(snaps.size() >= 3);
        assertTrue(whole.levels().size() >= 3, "levels: " + whole.levels());
        Set<String> schedules = new HashSet<>();
        for (Trainer.State s : snaps) schedules.add(s.schedule());
        assertTrue(schedules.size() > 1, "the schedule's state changes during the run");
        // resume from a snapshot in the descent and from one in the fine-tuning
        for (Trainer.State s : List.of(snaps.get(1), snaps.get(snaps.size() - 1))) {
            WidthSearch.Outcome resumed = WidthSearch.anneal(new CpuBackend(), in, null, s, null);
            assertTrue(whole.result().weights().sameAs(resumed.result().weights()), "resumed from step " + s.step());
            assertEquals(whole.levels(), resumed.levels());
        }
    }

    @Test
    void controlRowsAreHeldOutFromTrainingAndSpreadOverTheRows() {
        Dataset d = SweepTest.synthetic(1000, 5);
        HoldOut h = HoldOut.control(d);
        assertEquals(100, h.eval().rowCount());
        assertEquals(900, h.train().rowCount());
        Set<String> seen = new HashSet<>();
        Dataset tr = (Dataset) h.train(), ctl = (Dataset) h.eval();
        for (int i = 0; i < tr.rows(); i++) seen.add(java.util.Arrays.toString(tr.row(i)));
        for (int i = 0; i < ctl.rows(); i++) assertFalse(seen.contains(java.util.Arrays.toString(ctl.row(i))), "row " + i);
        // every 10th row: the first control row is row 9, the last row 999
        assertEquals(java.util.Arrays.toString(d.row(9)), java.util.Arrays.toString(ctl.row(0)));
        assertEquals(java.util.Arrays.toString(d.row(999)), java.util.Arrays.toString(ctl.row(99)));
    }
}
