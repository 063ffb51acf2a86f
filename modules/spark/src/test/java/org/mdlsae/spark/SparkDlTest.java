package org.mdlsae.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.InputException;
import org.mdlsae.backend.BinCounts;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.data.DataSpec;
import org.mdlsae.data.ShardSet;
import org.mdlsae.io.Npy;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.mdl.BlockSums;
import org.mdlsae.mdl.Calibration;
import org.mdlsae.mdl.DlBlocks;
import org.mdlsae.mdl.DlPasses;
import org.mdlsae.mdl.DlReport;
import org.mdlsae.mdl.Mdl;
import org.mdlsae.mdl.SparseEncoder;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;

/** Description length as map–reduce on Spark in local mode equals the local evaluation to the last bit (§14). */
class SparkDlTest {
    @TempDir
    static Path tmp;
    static SparkCluster cluster;
    static Path evalDir, calibFile;
    static SaeWeights weights;

    @BeforeAll
    static void setUp() throws Exception {
        evalDir = TestData.shards(tmp.resolve("eval"), TestData.rows(2500, 1), 700, 1000, 33, 767);
        calibFile = tmp.resolve("calib.npy");
        Npy.write(calibFile, TestData.rows(900, 2), 900, TestData.D);
        Path sae = tmp.resolve("sae");
        TestData.Run t = TestData.cli("train", "--data", calibFile.toString(), "--arch", "batchtopk", "--width", "32", "--k",
                "4", "--epochs", "10", "--batch", "64", "--out", sae.toString(), "--quiet", "--backend", "cpu");
        assertEquals(0, t.code(), t.err());
        weights = SaeFiles.load(sae).weights();
        cluster = SparkCluster.connect("local[2]");
    }

    @AfterAll
    static void tearDown() {
        if (cluster != null) cluster.close();
    }

    /** 40 blocks of 64 rows in 6 tasks (several blocks per task, blocks across shard boundaries): the same doubles. */
    @Test
    void mapReduceEqualsTheLocalEvaluation() {
        CpuBackend cpu = new CpuBackend();
        try (ShardSet eval = ShardSet.open(evalDir, null); ShardSet calib = ShardSet.open(calibFile, null);
             Sae sae = Sae.upload(cpu, weights)) {
            double fvu = Mdl.of(sae, eval).calibration(calib).delta(1).evaluate().fvu();
            for (Mdl m : List.of(
                    Mdl.of(sae, eval).calibration(calib).chunkRows(32).blockChunks(2).toleranceFvu(1.2 * fvu),
                    Mdl.of(sae, eval).calibration(calib).chunkRows(32).blockChunks(2).delta(0.05),
                    Mdl.of(sae, eval).calibration(calib).toleranceFvu(1.2 * fvu))) {
                DlPasses spark = cluster.dlPasses(weights, DataSpec.of(evalDir.toString(), null, null, null, false),
                        DataSpec.of(calibFile.toString(), null, null, null, false), "cpu", null, 6);
                DlReport local = m.evaluate();
                DlReport distributed = m.evaluate(spark);
                assertTrue(local.admissible(), local.describe());
                assertSameFigures(local, distributed);
            }
            Mdl m = Mdl.of(sae, eval).calibration(calib).chunkRows(32).blockChunks(2);
            DlBlocks grid = m.blocks();
            assertEquals(40, grid.count());
            DlPasses spark = cluster.dlPasses(weights, DataSpec.of(evalDir.toString(), null, null, null, false),
                    DataSpec.of(calibFile.toString(), null, null, null, false), "cpu", null, 6);

            // the merged pieces themselves: maxima, per-feature active counts and the histogram at B = 3
            float[] max = Calibration.maxima(sae, calib);
            assertArrayEquals(max, spark.maxima(m.calibrationBlocks()));
            SparseEncoder enc = SparseEncoder.of(sae);
            List<BlockSums> errs = new ArrayList<>();
            BinCounts bins = new BinCounts(3, new long[0], new long[0]);
            for (int b = 0; b < grid.count(); b++) {
                errs.add(grid.errors(enc, eval, b, max));
                bins = bins.merge(grid.bins(enc, eval, b, max, 3));
            }
            BlockSums localErrors = BlockSums.join(errs);
            BlockSums sparkErrors = spark.errors(grid, max);
            assertArrayEquals(localErrors.counts(), sparkErrors.counts());
            assertArrayEquals(localErrors.total(40), sparkErrors.total(40), 0.0);
            BinCounts sparkBins = spark.bins(grid, max, 3);
            assertTrue(bins.keys().length > 32);
            assertArrayEquals(bins.keys(), sparkBins.keys());
            assertArrayEquals(bins.counts(), sparkBins.counts());
        }
    }

    /** A NaN in a shard fails the job with the engine's one line naming the row (bad input, exit 2 on the CLI). */
    @Test
    void badRowsOnAnExecutorAreBadInput() throws Exception {
        float[] x = TestData.rows(300, 3);
        x[170 * TestData.D + 5] = Float.NaN;
        Path dir = TestData.shards(tmp.resolve("nan"), x, 100, 200);
        CpuBackend cpu = new CpuBackend();
        try (ShardSet eval = ShardSet.open(dir, null); Sae sae = Sae.upload(cpu, weights)) {
            DataSpec spec = DataSpec.of(dir.toString(), null, null, null, false);
            Mdl m = Mdl.of(sae, eval).chunkRows(32).blockChunks(1).tolerance(1);
            RuntimeException e = assertThrows(RuntimeException.class,
                    () -> m.evaluate(cluster.dlPasses(weights, spec, spec, "cpu", null, 3)));
            assertInstanceOf(InputException.class, e);
            // the shard reader names the file and its row (row 170 of the set is row 70 of the second shard)
            assertTrue(e.getMessage().contains("shard-001.npy: row 70, column 5"), e.getMessage());
        }
        assertTrue(Files.isDirectory(dir));
    }

    static void assertSameFigures(DlReport a, DlReport b) {
        assertEquals(a.toJson(), b.toJson());
        assertEquals(a.mse(), b.mse(), 0.0);
        assertEquals(a.fvu(), b.fvu(), 0.0);
        assertEquals(a.dlBits(), b.dlBits());
        assertArrayEquals(a.mseByBits(), b.mseByBits(), 0.0);
    }
}
