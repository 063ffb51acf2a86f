package org.mdlsae.mdl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.BinCounts;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.math.Rows;
import org.mdlsae.math.Stats;

/** The block-ordered sums of a DL evaluation (docs/design.md §14): the map–reduce seam a cluster uses. */
class DlBlocksTest {
    private static final int N = 1000, D = 12;

    /** With one block the figures are the plain running sums over chunks and rows, as before blocks existed. */
    @Test
    void oneBlockIsThePlainRunningSum() {
        Fakes.TopK sae = new Fakes.TopK(D, 40, 4, 5);
        float[] x = Fakes.gaussian(N, D, 6);
        Mdl m = Mdl.of(sae, x, N).chunkRows(97).tolerance(1.0);
        assertEquals(1, m.blocks().count());
        DlReport r = m.evaluate();

        Rows rows = Rows.of("x", x, N, D);
        float[] max = Calibration.maxima(sae, rows, 97);
        Backend be = sae.backend();
        double[] se = new double[17];
        try (FloatBuf maxBuf = be.upload(max)) {
            Chunks.forEach(sae, rows, 97, (r0, n, xb, code) -> {
                for (int b = 0; b <= 16; b++) se[b] += be.quantisedSqError(code, maxBuf, b, sae.dec(), sae.bDec(), xb, D);
                return false;
            });
        }
        double nd = (double) N * D;
        assertEquals(se[0] / nd, r.mse(), 0.0);
        assertEquals(se[0] / Stats.sumSqDeviation(x, N, D), r.fvu(), 0.0);
        for (int b = 1; b <= 16; b++) assertEquals(se[b] / nd, r.mseByBits()[b - 1], 0.0);
    }

    /** Blocks computed in any order, joined in runs in any order, give exactly the local doubles and counts. */
    @Test
    void blocksMergedInAnyOrderGiveTheSameDoubles() {
        Fakes.TopK sae = new Fakes.TopK(D, 40, 4, 5);
        float[] x = Fakes.gaussian(N, D, 6);
        float[] calib = Fakes.gaussian(700, D, 7);
        for (boolean fvu : new boolean[] {false, true}) {
            Mdl m = Mdl.of(sae, x, N).calibration(calib, 700).chunkRows(16).blockChunks(3);
            if (fvu) m.toleranceFvu(0.95);
            else m.tolerance(0.95);
            assertEquals(21, m.blocks().count()); // 48-row blocks
            assertEquals(15, m.calibrationBlocks().count());
            DlReport local = m.evaluate();
            assertTrue(local.admissible());
            DlReport shuffled = m.evaluate(new Shuffled(sae, Rows.of("x", x, N, D), Rows.of("c", calib, 700, D), 17));
            assertSameFigures(local, shuffled);
        }
    }

    /** A streamed evaluation over many blocks differs from one over a single block only through the block order. */
    @Test
    void theBlockOrderIsTheOnlyDifference() {
        Fakes.TopK sae = new Fakes.TopK(D, 40, 4, 5);
        float[] x = Fakes.gaussian(N, D, 6);
        DlReport one = Mdl.of(sae, x, N).chunkRows(16).tolerance(0.95).evaluate();
        DlReport many = Mdl.of(sae, x, N).chunkRows(16).blockChunks(3).tolerance(0.95).evaluate();
        assertEquals(one.bits(), many.bits());
        assertEquals(one.dlBits(), many.dlBits(), 0.0); // counts are exact: the entropy is the same double
        assertEquals(one.l0(), many.l0(), 0.0);
        assertEquals(one.mse(), many.mse(), 1e-12 * one.mse());
        assertEquals(one.fvu(), many.fvu(), 1e-12 * one.fvu());
    }

    @Test
    void blockSumsJoinInBlockOrderAndRefuseGaps() {
        BlockSums a = BlockSums.of(0, new double[] {1e16}, new long[] {1});
        BlockSums b = BlockSums.of(1, new double[] {1}, new long[] {2});
        BlockSums c = BlockSums.of(2, new double[] {-1e16}, new long[] {3});
        BlockSums all = BlockSums.join(List.of(c, BlockSums.join(List.of(b, a))));
        // ((0 + 1e16) + 1) + -1e16 = 0 in doubles; another order would give 1
        assertArrayEquals(new double[] {0}, all.total(3));
        assertArrayEquals(new long[] {6}, all.counts());
        assertThrows(IllegalArgumentException.class, () -> BlockSums.join(List.of(a, c)));
        assertThrows(IllegalArgumentException.class, () -> BlockSums.join(List.of(a, a)));
        assertThrows(IllegalStateException.class, () -> BlockSums.join(List.of(a, b)).total(3));
        assertThrows(IllegalStateException.class, () -> BlockSums.join(List.of(b, c)).total(2));
    }

    @Test
    void gridCoversTheRowsInChunkMultiples() {
        DlBlocks g = DlBlocks.of(40, D, 1000, 16, 3);
        assertEquals(48, g.blockRows());
        assertEquals(21, g.count());
        assertEquals(960, g.start(20));
        assertEquals(1000, g.end(20));
        // wide SAEs get smaller chunks (chunk·width ≤ 2^24) and so smaller blocks
        DlBlocks wide = DlBlocks.of(1 << 16, D, 1 << 20, 4096, DlBlocks.DEFAULT_CHUNKS);
        assertEquals(256L * 256, wide.blockRows());
        float[] x = Fakes.gaussian(1000, D, 1);
        Rows last = g.block(Rows.of("x", x, 1000, D), 20);
        assertEquals("x[960:1000]", last.name());
        float[] got = new float[40 * D];
        last.read(0, 40, got, 0);
        assertArrayEquals(java.util.Arrays.copyOfRange(x, 960 * D, 1000 * D), got);
        assertThrows(IndexOutOfBoundsException.class, () -> last.read(1, 40, got, 0));
    }

    static void assertSameFigures(DlReport a, DlReport b) {
        assertEquals(a.bits(), b.bits());
        assertEquals(a.mse(), b.mse(), 0.0);
        assertEquals(a.fvu(), b.fvu(), 0.0);
        assertEquals(a.l0(), b.l0(), 0.0);
        assertEquals(a.deadFraction(), b.deadFraction(), 0.0);
        assertEquals(a.mseQuantized(), b.mseQuantized());
        assertEquals(a.dlBits(), b.dlBits());
        assertEquals(a.eps(), b.eps());
        assertEquals(a.epsFvu(), b.epsFvu());
        assertArrayEquals(a.mseByBits(), b.mseByBits(), 0.0);
    }

    /** The passes with every block computed in a shuffled order and joined in shuffled runs, as a cluster might. */
    private static final class Shuffled implements DlPasses {
        private final SparseEncoder sae;
        private final Rows eval, calib;
        private final Random rnd;

        Shuffled(SparseEncoder sae, Rows eval, Rows calib, long seed) {
            this.sae = sae;
            this.eval = eval;
            this.calib = calib;
            this.rnd = new Random(seed);
        }

        private BlockSums scrambled(int blocks, IntFunction<BlockSums> block) {
            List<Integer> order = new ArrayList<>();
            for (int b = 0; b < blocks; b++) order.add(b);
            Collections.shuffle(order, rnd);
            BlockSums[] done = new BlockSums[blocks];
            for (int b : order) done[b] = block.apply(b);
            // contiguous runs of random length, each joined, then the runs joined in shuffled order
            List<BlockSums> runs = new ArrayList<>();
            for (int b = 0; b < blocks; ) {
                int len = 1 + rnd.nextInt(4);
                List<BlockSums> run = new ArrayList<>();
                for (int i = b; i < Math.min(blocks, b + len); i++) run.add(done[i]);
                Collections.shuffle(run, rnd);
                runs.add(BlockSums.join(run));
                b += len;
            }
            Collections.shuffle(runs, rnd);
            return BlockSums.join(runs);
        }

        @Override
        public BlockSums columnSums(DlBlocks grid) {
            return scrambled(grid.count(), b -> grid.columnSums(eval, b, "x"));
        }

        @Override
        public BlockSums deviation(DlBlocks grid, double[] mean) {
            return scrambled(grid.count(), b -> grid.deviation(eval, b, mean));
        }

        @Override
        public float[] maxima(DlBlocks g) {
            float[] max = new float[sae.width()];
            for (int b = g.count() - 1; b >= 0; b--) DlBlocks.maxOf(max, g.maxima(sae, calib, b));
            return max;
        }

        @Override
        public BlockSums errors(DlBlocks grid, float[] max) {
            return scrambled(grid.count(), b -> grid.errors(sae, eval, b, max));
        }

        @Override
        public BinCounts bins(DlBlocks grid, float[] max, int bits) {
            BinCounts acc = new BinCounts(bits, new long[0], new long[0]);
            for (int b = grid.count() - 1; b >= 0; b--) acc = grid.bins(sae, eval, b, max, bits).merge(acc);
            return acc;
        }
    }
}
