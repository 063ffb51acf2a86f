package org.mdlsae.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.InputException;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.data.Dataset;
import org.mdlsae.sae.Arch;
import org.mdlsae.train.TrainConfig;

class SweepTest {
    @TempDir
    Path tmp;

    /** Each sample is a sum of 3 of 12 random directions in R^16 with random magnitudes. */
    static Dataset synthetic(int n, long seed) {
        int d = 16, f = 12;
        SplittableRandom r = new SplittableRandom(0); // the same directions for every call
        float[][] dirs = new float[f][d];
        for (float[] v : dirs) for (int c = 0; c < d; c++) v[c] = (float) (r.nextDouble() * 2 - 1);
        r = new SplittableRandom(seed);
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < 3; t++) {
                int j = r.nextInt(f);
                float a = (float) (0.5 + r.nextDouble());
                for (int c = 0; c < d; c++) x[i * d + c] += a * dirs[j][c];
            }
        }
        return new Dataset("synthetic", n, d, x);
    }

    static SweepConfig config(double eps, int epochs) {
        TrainConfig t = TrainConfig.defaults(Arch.TOPK, 4, 1).withEpochs(epochs).withBatch(32).withLr(1e-2);
        return new SweepConfig(List.of(2, 12, 24), eps, null, 16, t, SweepConfig.Search.BISECT);
    }

    @Test
    void selectsTheLeastDlAdmissibleRunAndResumesWithoutRetraining() throws Exception {
        Dataset train = synthetic(800, 1), eval = synthetic(300, 2);
        // ε at 30% of the evaluation variance: width 2 cannot meet it, wider ones can
        double var = org.mdlsae.math.Stats.sumSqDeviation(eval.data(), eval.rows(), eval.dim()) / (300.0 * 16);
        SweepConfig cfg = config(0.3 * var, 20);
        List<String> trained = new ArrayList<>();
        Sweep.Listener l = new Sweep.Listener() {
            @Override
            public void runFinished(int index, SweepRun run, boolean reused) {
                if (!reused) trained.add(run.width() + "/" + run.k());
            }
        };
        Path dir = tmp.resolve("sweep");
        SweepResults r = new Sweep(new CpuBackend(), cfg, train, eval, "synthetic", dir, l).run();
        assertTrue(trained.size() >= 3, "expected several runs, got " + trained);
        assertEquals(trained.size(), r.runs().size());

        boolean width2Admissible = r.runs().stream().anyMatch(x -> x.width() == 2 && x.admissible());
        assertTrue(!width2Admissible, "width 2 should be inadmissible at this ε");
        for (SweepRun x : r.runs()) {
            assertEquals(x.admissible(), x.bits() != null, "B* exists exactly for admissible runs");
            assertEquals(r.eps() - x.mse(), x.headroom(), 1e-12);
            if (!x.admissible()) {
                assertNull(x.dlBits());
                assertTrue(!x.selected());
            }
            assertTrue(Files.isRegularFile(dir.resolve(x.dir()).resolve("sae_weights.safetensors")));
        }
        // one selected run per admissible width, the least DL of its width
        for (int w : List.of(12, 24)) {
            List<SweepRun> adm = r.runs().stream().filter(x -> x.width() == w && x.admissible()).toList();
            if (adm.isEmpty()) continue;
            List<SweepRun> sel = adm.stream().filter(SweepRun::selected).toList();
            assertEquals(1, sel.size(), "width " + w);
            double min = adm.stream().mapToDouble(SweepRun::dlBits).min().orElseThrow();
            assertEquals(min, sel.get(0).dlBits());
        }
        assertNotNull(r.best());
        double bestDl = r.runs().stream().filter(SweepRun::selected).mapToDouble(SweepRun::dlBits).min().orElseThrow();
        assertEquals(bestDl, r.best().dlBits());

        JsonNode json = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertEquals(r.runs().size(), json.get("runs").size());
        for (String key : List.of("width", "k", "epochs", "train_seconds", "headroom", "dir", "bits", "dl_bits",
                "dl_bound_bits", "dense_bits", "mse", "mse_quantized", "fvu", "l0", "d_sae", "admissible")) {
            assertTrue(json.get("runs").get(0).has(key), "results.json runs lack " + key);
            assertTrue(json.get("best").has(key), "results.json best lacks " + key);
        }
        assertEquals(r.runs().size() + 1, Files.readAllLines(dir.resolve("results.csv")).size());

        // a second invocation reuses every finished run and reproduces the results
        trained.clear();
        SweepResults again = new Sweep(new CpuBackend(), cfg, train, eval, "synthetic", dir, l).run();
        assertEquals(List.of(), trained, "finished runs must not be retrained");
        assertEquals(r.runs(), again.runs());
        assertEquals(r.best(), again.best());

        // different settings into the same directory are refused
        assertThrows(InputException.class,
                () -> new Sweep(new CpuBackend(), config(0.3 * var, 21), train, eval, "synthetic", dir, l).run());
    }

    @Test
    void aKilledSweepResumesToTheSameResultAsAnUninterruptedOne() throws Exception {
        Dataset train = synthetic(500, 3), eval = synthetic(200, 4);
        double var = org.mdlsae.math.Stats.sumSqDeviation(eval.data(), eval.rows(), eval.dim()) / (200.0 * 16);
        SweepConfig cfg = config(0.3 * var, 6);
        SweepResults whole = new Sweep(new CpuBackend(), cfg, train, eval, "s", tmp.resolve("a"), null).run();
        // simulate a kill after the second run: throw from the listener
        Sweep.Listener killer = new Sweep.Listener() {
            int n;

            @Override
            public void runFinished(int index, SweepRun run, boolean reused) {
                if (!reused && ++n == 2) throw new IllegalStateException("killed");
            }
        };
        Path b = tmp.resolve("b");
        assertThrows(IllegalStateException.class, () -> new Sweep(new CpuBackend(), cfg, train, eval, "s", b, killer).run());
        // what the killed sweep left says it is not final
        JsonNode left = new ObjectMapper().readTree(b.resolve("results.json").toFile());
        assertFalse(left.get("complete").asBoolean());
        assertTrue(left.get("best").isNull(), "no best before the sweep is complete");
        assertTrue(left.get("missing").size() >= 1, left.toString());
        assertTrue(left.has("provisional_best"));
        assertFalse(Files.exists(b.resolve(Sweep.LOCK)), "the lock is released when the sweep fails");
        SweepResults resumed = new Sweep(new CpuBackend(), cfg, train, eval, "s", b, null).run();
        assertEquals(timeless(whole.runs()), timeless(resumed.runs()));
        assertTrue(whole.runs().stream().anyMatch(SweepRun::admissible), "test needs an admissible run");
        assertEquals(timeless(List.of(whole.best())), timeless(List.of(resumed.best())));
        JsonNode done = new ObjectMapper().readTree(b.resolve("results.json").toFile());
        assertTrue(done.get("complete").asBoolean());
        assertEquals(0, done.get("missing").size());
        assertTrue(done.get("provisional_best").isNull());
    }

    @Test
    void aSweepDirectoryHasOneWriter() throws Exception {
        Dataset train = synthetic(200, 5), eval = synthetic(100, 6);
        double var = org.mdlsae.math.Stats.sumSqDeviation(eval.data(), eval.rows(), eval.dim()) / (100.0 * 16);
        SweepConfig cfg = config(0.3 * var, 2);
        Path dir = tmp.resolve("locked");
        // another writer holds the directory while this one tries to start
        Files.createDirectories(dir);
        org.mdlsae.io.Ownership.createDirectory(dir, org.mdlsae.io.OutputKind.SWEEP);
        try (org.mdlsae.io.OutputLock other = org.mdlsae.io.OutputLock.acquire(dir.resolve(Sweep.LOCK), "test")) {
            InputException e = assertThrows(InputException.class,
                    () -> new Sweep(new CpuBackend(), cfg, train, eval, "s", dir, null).run());
            assertTrue(e.getMessage().contains("pid"), e.getMessage());
            assertFalse(Files.exists(dir.resolve("runs")), "the refused writer trained nothing");
        }
        assertTrue(new Sweep(new CpuBackend(), cfg, train, eval, "s", dir, null).run().complete());
    }

    @Test
    void aRunKilledMidTrainingResumesFromItsCheckpoint() throws Exception {
        Dataset train = synthetic(800, 7), eval = synthetic(200, 8);
        double var = org.mdlsae.math.Stats.sumSqDeviation(eval.data(), eval.rows(), eval.dim()) / (200.0 * 16);
        SweepConfig cfg = config(0.3 * var, 6);
        SweepResults whole = new Sweep(new CpuBackend(), cfg, train, eval, "s", tmp.resolve("a"), null).run();
        Sweep.Listener killer = new Sweep.Listener() {
            int steps;

            @Override
            public void trainStep(org.mdlsae.train.TrainListener.Progress p) {
                if (++steps == 37) throw new IllegalStateException("killed"); // mid-way through the first run
            }
        };
        Path b = tmp.resolve("b");
        assertThrows(IllegalStateException.class,
                () -> new Sweep(new CpuBackend(), cfg, train, eval, "s", b, killer).checkpointEvery(10).run());
        assertTrue(Files.isDirectory(b.resolve("runs/w00002-k0002.checkpoint")), "the killed run left its checkpoint");
        List<Integer> resumedAt = new ArrayList<>();
        Sweep.Listener watch = new Sweep.Listener() {
            @Override
            public void trainStep(org.mdlsae.train.TrainListener.Progress p) {
                if (resumedAt.isEmpty()) resumedAt.add((int) p.step());
            }
        };
        SweepResults resumed = new Sweep(new CpuBackend(), cfg, train, eval, "s", b, watch).checkpointEvery(10).run();
        assertEquals(31, resumedAt.get(0), "the first step after the checkpoint of step 30");
        assertEquals(timeless(whole.runs()), timeless(resumed.runs()), "bit-identical training gives identical measurements");
        try (var s = Files.list(b.resolve("runs"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".checkpoint")), "checkpoints removed");
        }
    }

    /** Runs without their wall times, which differ between processes. */
    static List<SweepRun> timeless(List<SweepRun> runs) {
        return runs.stream().map(x -> new SweepRun(x.width(), x.k(), x.epochs(), 0, x.headroom(), x.dir(), x.selected(),
                x.bits(), x.dlBits(), x.dlBoundBits(), x.denseBits(), x.mse(), x.mseQuantized(), x.fvu(), x.l0(),
                x.deadFraction(), x.dSae(), x.admissible())).toList();
    }

    @Test
    void rejectsBadGrids() {
        TrainConfig t = TrainConfig.defaults(Arch.TOPK, 4, 1);
        assertThrows(InputException.class, () -> new SweepConfig(List.of(64, 32), 0.01, null, 16, t));
        assertThrows(InputException.class, () -> new SweepConfig(List.of(), 0.01, null, 16, t));
        assertThrows(InputException.class, () -> new SweepConfig(List.of(32), -1.0, null, 16, t));
        assertThrows(InputException.class, () -> new SweepConfig(List.of(32), 0.01, 0.2, 16, t));
    }
}
