package org.mdlsae.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.mdlsae.data.DataSpec;
import org.mdlsae.sweep.Sweep;
import org.mdlsae.sweep.SweepRun;

/**
 * The widths of an annealing sweep as Spark tasks (docs/design.md §14). Each width is one job of one task, submitted
 * widest first (the longest tasks start first) and run concurrently as executor cores free up; a finished width's run
 * reaches the driver at once, so results.json is rewritten as widths finish, as in a local sweep.
 *
 * <p>Shipped to the executor: the sweep's settings ({@link Sweep.RunJob}: the config, ε, the normalisation, the sweep
 * directory's path, the checkpoint cadence, provenance), the width, and the {@link DataSpec}s of the training and
 * selection rows. The task reopens the rows, trains with {@link Sweep#annealWidth} — the code a local sweep runs —,
 * publishes {@code runs/w{D}-anneal} (and its checkpoints while it trains) into the sweep directory with the engine's
 * atomic publish, and sends back only the run's row of results.json. The sweep directory must therefore be on a file
 * system every executor sees at the same path; the driver holds its lock and writes results.json and the report.
 */
final class SparkSweep implements Sweep.Remote {
    private static final Logger LOG = Logger.getLogger(SparkSweep.class.getName());

    private final JavaSparkContext sc;
    private final DataSpec train;
    private final DataSpec eval;
    private final String backend;
    private final String precision;

    SparkSweep(JavaSparkContext sc, DataSpec train, DataSpec eval, String backend, String precision) {
        this.sc = sc;
        this.train = train;
        this.eval = eval;
        this.backend = backend;
        this.precision = precision;
    }

    @Override
    public void anneal(Sweep.RunJob job, List<Sweep.Point> points, Consumer<SweepRun> done) throws IOException {
        // the widest first: the longest tasks start while the short ones fill the gaps
        List<Sweep.Point> order = new ArrayList<>(points);
        order.sort(Comparator.comparingInt(Sweep.Point::width).reversed().thenComparingLong(Sweep.Point::seed));
        DataSpec t = train, e = eval;
        String be = backend, prec = precision;
        List<JavaFutureAction<List<SweepRun>>> jobs = new ArrayList<>();
        for (Sweep.Point point : order) {
            sc.setJobDescription("mdlsae sweep: width " + point.width() + " seed " + point.seed());
            jobs.add(sc.parallelize(List.of(point), 1).map(w -> {
                try (Worker worker = Worker.open(true, null, be, prec, t, e)) {
                    return Sweep.annealWidth(worker.backend(), job, w, worker.rows(0), worker.rows(1), null);
                }
            }).collectAsync());
        }
        LOG.info("sweep: " + order.size() + " runs submitted to Spark (" + sc.defaultParallelism() + " cores)");
        RuntimeException failed = null;
        List<JavaFutureAction<List<SweepRun>>> open = new ArrayList<>(jobs);
        while (!open.isEmpty()) {
            for (var it = open.iterator(); it.hasNext(); ) {
                JavaFutureAction<List<SweepRun>> f = it.next();
                if (!f.isDone()) continue;
                it.remove();
                try {
                    done.accept(f.get().get(0));
                } catch (ExecutionException x) {
                    // the other widths go on: their runs are written and reused when the sweep is run again
                    if (failed == null) failed = SparkJobs.unwrap(x.getCause());
                } catch (InterruptedException x) { // not reached: f is done
                    Thread.currentThread().interrupt();
                }
            }
            if (!open.isEmpty() && !waitForAny(open)) {
                for (JavaFutureAction<?> j : open) j.cancel(true);
                throw new IOException("interrupted while the sweep's widths ran");
            }
        }
        if (failed != null) throw failed;
    }

    /** Waits briefly on the first unfinished job (the loop above then looks at all); false if interrupted. */
    private static boolean waitForAny(List<JavaFutureAction<List<SweepRun>>> open) {
        try {
            open.get(0).get(200, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // still running, or failed: the loop handles both
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return true;
    }
}
