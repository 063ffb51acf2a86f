package org.mdlsae.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.mdlsae.backend.BinCounts;
import org.mdlsae.data.DataSpec;
import org.mdlsae.mdl.BlockSums;
import org.mdlsae.mdl.DlBlocks;
import org.mdlsae.mdl.DlPasses;
import org.mdlsae.sae.SaeWeights;

/**
 * The passes of a description-length evaluation as Spark jobs (docs/design.md §14). Each pass is one job over the block
 * indices of its grid: a task takes a run of consecutive blocks, reopens the rows on its executor ({@link Worker}),
 * computes each block with the engine's {@link DlBlocks} method and merges its blocks; the driver merges the tasks'
 * results. Block sums of doubles are joined, never added, until the driver adds them in block order
 * ({@link BlockSums#total}); counts, maxima and histograms merge exactly. So the figures are the local {@code dl}'s to
 * the last bit, whatever the number of tasks or executors.
 *
 * <p>Shipped to executors: the SAE's weights once per executor (a broadcast), the rows' {@link DataSpec} (a path and a
 * row range: the data are read where they lie, on a file system every executor sees), the grid, and per pass the
 * per-column mean (d doubles) or the calibration maxima (D floats). Sent back per task: d or 17 doubles per block, D
 * longs, D floats, or a histogram of at most the task's active entries.
 */
final class SparkDlPasses implements DlPasses {
    private final JavaSparkContext sc;
    private final Broadcast<SaeWeights> sae;
    private final DataSpec eval;
    private final DataSpec calib;
    private final String backend;
    private final String precision;
    private final int maxTasks;

    SparkDlPasses(JavaSparkContext sc, SaeWeights sae, DataSpec eval, DataSpec calib, String backend, String precision,
                  int maxTasks) {
        this.sc = sc;
        this.sae = sc.broadcast(sae);
        this.eval = eval.streamed();
        this.calib = calib.streamed();
        this.backend = backend;
        this.precision = precision;
        this.maxTasks = maxTasks;
    }

    /** One block's work on an executor. */
    interface BlockWork<T> extends Serializable {
        T run(Worker w, int block);
    }

    @Override
    public BlockSums columnSums(DlBlocks grid) {
        return run("column sums", grid, eval, false, (w, b) -> grid.columnSums(w.rows(), b, "evaluation data"), SparkDlPasses::join);
    }

    @Override
    public BlockSums deviation(DlBlocks grid, double[] mean) {
        return run("deviation", grid, eval, false, (w, b) -> grid.deviation(w.rows(), b, mean), SparkDlPasses::join);
    }

    @Override
    public float[] maxima(DlBlocks calibGrid) {
        return run("calibration", calibGrid, calib, true, (w, b) -> calibGrid.maxima(w.encoder(), w.rows(), b),
                DlBlocks::maxOf);
    }

    @Override
    public BlockSums errors(DlBlocks grid, float[] max) {
        return run("errors at B = 0..16", grid, eval, true, (w, b) -> grid.errors(w.encoder(), w.rows(), b, max),
                SparkDlPasses::join);
    }

    @Override
    public BinCounts bins(DlBlocks grid, float[] max, int bits) {
        return run("bin counts at B* = " + bits, grid, eval, true, (w, b) -> grid.bins(w.encoder(), w.rows(), b, max, bits),
                BinCounts::merge);
    }

    private static BlockSums join(BlockSums a, BlockSums b) {
        return BlockSums.join(List.of(a, b));
    }

    /**
     * Runs {@code work} on every block of {@code grid}, in tasks of consecutive blocks, and merges the results: within a
     * task in block order, then the tasks' results in task (= block) order on the driver.
     */
    private <T> T run(String pass, DlBlocks grid, DataSpec rows, boolean encodes, BlockWork<T> work, Function2<T, T, T> merge) {
        int blocks = grid.count();
        int tasks = Math.max(1, Math.min(blocks, maxTasks));
        List<Integer> ids = IntStream.range(0, blocks).boxed().collect(Collectors.toList());
        Broadcast<SaeWeights> w = sae;
        String be = backend, prec = precision;
        sc.setJobDescription("mdlsae dl: " + pass + " (" + blocks + " blocks of " + grid.blockRows() + " rows)");
        List<T> parts = SparkJobs.collect(sc.parallelize(ids, tasks).mapPartitions(it -> {
            List<T> mine = new ArrayList<>();
            if (!it.hasNext()) return Collections.emptyIterator();
            try (Worker worker = Worker.open(encodes, encodes ? w.value() : null, be, prec, rows)) {
                T acc = null;
                while (it.hasNext()) {
                    T r = work.run(worker, it.next());
                    acc = acc == null ? r : merge.call(acc, r);
                }
                mine.add(acc);
            }
            return mine.iterator();
        }));
        T acc = null;
        for (T p : parts) acc = acc == null ? p : SparkJobs.call(merge, acc, p);
        return acc;
    }
}
