package org.mdlsae.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * Work splitting for the CPU back end. Work is cut into a fixed number of chunks that does not depend
 * on the core count, so reductions made per chunk and summed in chunk order give the same floats on
 * any machine: the CPU back end is deterministic.
 */
final class Parallel {
    /** Chunks per parallel loop; independent of the number of cores. */
    static final int CHUNKS = 32;

    /** Own pool sized to the cores: the common pool leaves one core to the caller, which then idles in join. */
    private static final ForkJoinPool POOL = new ForkJoinPool(threads(), pool -> {
        var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
        t.setDaemon(true);
        t.setName("mdlsae-cpu-" + t.getPoolIndex());
        return t;
    }, null, false);

    /** Worker threads: {@code mdlsae.threads} system property, else the number of cores. */
    static int threads() {
        int n = Integer.getInteger("mdlsae.threads", Runtime.getRuntime().availableProcessors());
        return Math.max(1, n);
    }

    private Parallel() {
    }

    /** Runs body(chunk) for chunk in [0, chunks), in parallel when work is large enough. */
    static void forChunks(int chunks, long work, IntConsumer body) {
        if (chunks <= 1 || work < 32_768 || POOL.getParallelism() == 1) {
            for (int c = 0; c < chunks; c++) body.accept(c);
            return;
        }
        POOL.invoke(new Range(body, 0, chunks));
    }

    /** Start of chunk c when [0, total) is cut into chunks pieces. */
    static int start(int c, int chunks, int total) {
        return (int) ((long) total * c / chunks);
    }

    private static final class Range extends RecursiveAction {
        private final IntConsumer body;
        private final int lo;
        private final int hi;

        Range(IntConsumer body, int lo, int hi) {
            this.body = body;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                body.accept(lo);
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Range(body, lo, mid), new Range(body, mid, hi));
        }
    }
}
