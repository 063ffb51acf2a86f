package org.mdlsae.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mdlsae.backend.Availability;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.backend.gpu.KernelBackend;
import org.mdlsae.backend.opencl.OpenCl;
import org.mdlsae.bench.BenchData;
import org.mdlsae.data.Dataset;
import org.mdlsae.mdl.DlReport;
import org.mdlsae.mdl.Mdl;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Sae;

/**
 * The trainer on a device back end (OpenCL; pocl in CI): batches gathered from the resident data are the host's
 * batches bit for bit (also after a restore); after the first steps a step allocates no device memory and reads back
 * only a few numbers; training agrees with the CPU; the description length counted on the device
 * agrees with the CPU's. Skips without OpenCL unless {@code MDLSAE_REQUIRE_OPENCL=1}.
 */
class DeviceTrainingTest {
    private static final int N = 768, D = 24, WIDTH = 192, K = 4, BATCH = 128;
    private static final float[] DATA = BenchData.synthetic(N, D, 3);

    @BeforeEach
    void needOpenCl() {
        Availability a = OpenCl.probe();
        if (a.available()) return;
        if ("1".equals(System.getenv("MDLSAE_REQUIRE_OPENCL"))) fail("OpenCL required but not available: " + a.detail());
        assumeTrue(false, "no OpenCL device: " + a.detail());
    }

    private static TrainConfig config(Arch arch, int epochs) {
        // dead after one batch without firing: AuxK runs in most steps
        return TrainConfig.defaults(arch, WIDTH, K).withBatch(BATCH).withEpochs(epochs).withAux(1.0 / 32, null, (long) BATCH);
    }

    /** Device allocations and host reads at the end of each step. */
    private record Tally(List<Long> allocations, List<Long> reads, List<Double> dead) {
    }

    private static Tally train(KernelBackend be, Arch arch, int epochs) {
        Tally t = new Tally(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        new Trainer(be, config(arch, epochs), p -> {
            t.allocations.add(be.allocations());
            t.reads.add(be.hostReads());
            t.dead.add(p.deadFraction());
        }).train(DATA, N, D);
        return t;
    }

    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"TOPK", "BATCHTOPK"}) // the trainable architectures
    void stepsAllocateNothingAndReadBackLittle(Arch arch) {
        for (boolean portable : new boolean[] {false, true}) { // pocl's CPU-shaped kernels, then the GPU ones (fused)
            try (Backend b = OpenCl.create()) {
                KernelBackend be = (KernelBackend) b;
                be.setPortableOnly(portable);
                Tally t = train(be, arch, 3);
                int perEpoch = N / BATCH;
                assertTrue(t.dead.stream().skip(perEpoch).allMatch(f -> f > 0), "test data: AuxK should run in every step");
                long grown = t.allocations.get(t.allocations.size() - 1) - t.allocations.get(perEpoch - 1);
                assertEquals(0, grown, arch + (portable ? " (portable)" : "") + ": device allocations after the first epoch");
                for (int s = perEpoch; s < t.reads.size(); s++) {
                    long reads = t.reads.get(s) - t.reads.get(s - 1);
                    // residual's partial sums, the dead-latent tally; BatchTopK: its threshold and code size;
                    // AuxK: its normaliser and residual
                    long most = arch == Arch.TOPK ? 4 : 6;
                    assertTrue(reads <= most, arch + ": step " + s + " read back " + reads + " times (at most " + most + ")");
                }
            }
        }
    }

    @Test
    void residentBatchesAreTheHostBatches() {
        int b = 100; // 768 rows: the last batch of an epoch is short
        InMemoryBatches host = new InMemoryBatches(DATA, N, D, 4), dev = new InMemoryBatches(DATA, N, D, 4);
        float[] want = new float[b * D], got = new float[b * D];
        try (Backend be = OpenCl.create(); FloatBuf xb = be.floats((long) b * D); BatchSource.Loader loader = dev.onto(be, b)) {
            for (int step = 0; step < 30; step++) {
                if (step == 17) {
                    // a resume mid-epoch: the device's copy of the permutation must follow
                    BatchSource.Cursor c = dev.cursor();
                    dev.restore(new BatchSource.Cursor(1, 0, 4));
                    dev.restore(c);
                }
                int rows = host.next(want, b);
                int rowsDev = loader.next(xb, b);
                if (rows == 0) {
                    host.startEpoch();
                    dev.startEpoch();
                    rows = host.next(want, b);
                    rowsDev = loader.next(xb, b);
                }
                assertEquals(rows, rowsDev, "rows of step " + step);
                be.read(xb, 0, got, 0, rows * D);
                assertArrayEquals(Arrays.copyOf(want, rows * D), Arrays.copyOf(got, rows * D), "batch of step " + step);
            }
            assertEquals(host.cursor(), dev.cursor());
        }
    }

    /**
     * A source that wraps an in-memory one (the normalising source) reaches the device through its own next: the
     * device gets the scaled batches, not the inner source's resident, unscaled rows.
     */
    @Test
    void aWrappingSourceLoadsItsOwnBatches() {
        int b = 100;
        Normalization norm = Normalization.estimate(Normalization.Method.EXPECTED_AVERAGE_ONLY_IN,
                new Dataset("x", N, D, DATA));
        assertTrue(Math.abs(norm.factor() - 1) > 0.1, "the test data must need scaling: " + norm.factor());
        BatchSource host = norm.apply(new InMemoryBatches(DATA, N, D, 4));
        BatchSource dev = norm.apply(new InMemoryBatches(DATA, N, D, 4));
        float[] want = new float[b * D], got = new float[b * D];
        try (Backend be = OpenCl.create(); FloatBuf xb = be.floats((long) b * D); BatchSource.Loader loader = dev.onto(be, b)) {
            host.startEpoch();
            dev.startEpoch();
            for (int step = 0; step < 5; step++) {
                int rows = host.next(want, b);
                assertEquals(rows, loader.next(xb, b));
                be.read(xb, 0, got, 0, rows * D);
                assertArrayEquals(Arrays.copyOf(want, rows * D), Arrays.copyOf(got, rows * D), "batch of step " + step);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"TOPK", "BATCHTOPK"}) // the trainable architectures
    void trainsLikeTheCpu(Arch arch) {
        TrainConfig cfg = config(arch, 4);
        Trainer.Result c = new Trainer(new CpuBackend(), cfg, null).train(DATA, N, D);
        Trainer.Result g;
        try (Backend be = OpenCl.create()) {
            g = new Trainer(be, cfg, null).train(DATA, N, D);
        }
        assertEquals(c.steps(), g.steps());
        assertEquals(c.finalMse(), g.finalMse(), 0.02 * c.finalMse(), arch + ": final batch MSE, cpu vs opencl");
        assertEquals(c.finalL0(), g.finalL0(), 0.1 * c.finalL0() + 0.5, arch + ": final L0");
    }

    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"TOPK", "BATCHTOPK"}) // the trainable architectures
    void descriptionLengthOnTheDeviceMatchesTheCpu(Arch arch) {
        var w = new Trainer(new CpuBackend(), config(arch, 3), null).train(DATA, N, D).weights();
        DlReport c, g;
        try (Sae sae = Sae.upload(new CpuBackend(), w)) {
            c = Mdl.of(sae, DATA, N).delta(1e-3).evaluate();
        }
        try (Backend be = OpenCl.create(); Sae sae = Sae.upload(be, w)) {
            g = Mdl.of(sae, DATA, N).delta(1e-3).evaluate();
        }
        assertTrue(c.bits() != null, "test data: the SAE should be admissible");
        assertEquals(c.bits(), g.bits(), "B*");
        assertEquals(c.dlBits(), g.dlBits(), 1e-5 * c.dlBits(), "entropy DL: CPU BinCounts vs device histograms");
    }
}
