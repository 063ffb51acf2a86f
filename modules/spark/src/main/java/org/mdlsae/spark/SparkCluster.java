package org.mdlsae.spark;

import java.util.logging.Logger;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.mdlsae.InputException;
import org.mdlsae.api.Cluster;
import org.mdlsae.data.DataSpec;
import org.mdlsae.mdl.DlPasses;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.sweep.Sweep;

/**
 * The engine's work on Apache Spark (docs/design.md §14). Settings come from {@code spark.*} system properties and,
 * under {@code spark-submit}, from its command line and {@code spark-defaults.conf}, as for any Spark application.
 */
public final class SparkCluster implements Cluster {
    private static final Logger LOG = Logger.getLogger(SparkCluster.class.getName());
    /** Most tasks per pass: several per core keeps executors busy; each task opens its rows and uploads the SAE once. */
    static final int TASKS_PER_CORE = 4;

    private final JavaSparkContext sc;

    private SparkCluster(JavaSparkContext sc) {
        this.sc = sc;
    }

    /**
     * Starts a Spark context.
     *
     * @param master the master URL ({@code local[2]}, {@code spark://…}, {@code yarn}, {@code k8s://…}); null or empty:
     *               the one {@code spark-submit} set
     * @return the cluster; close it to stop the context
     * @throws InputException if there is no master, or Spark refuses it
     */
    public static SparkCluster connect(String master) {
        SparkConf conf = new SparkConf().setAppName("mdlsae");
        if (master != null && !master.isBlank()) conf.setMaster(master.strip());
        if (!conf.contains("spark.master")) {
            throw new InputException("--spark needs a master: local[N], spark://HOST:7077, yarn or k8s://URL (or run the "
                    + "module's jar with spark-submit --master ...)");
        }
        // a command-line run on this machine needs no web UI (and no port); -Dspark.ui.enabled=true turns it on
        if (conf.get("spark.master").startsWith("local")) conf.setIfMissing("spark.ui.enabled", "false");
        try {
            JavaSparkContext sc = new JavaSparkContext(conf);
            LOG.info("Spark " + sc.version() + ", master " + sc.master() + ", " + sc.defaultParallelism() + " cores");
            return new SparkCluster(sc);
        } catch (RuntimeException e) {
            throw new InputException("--spark " + conf.get("spark.master") + ": Spark could not start (" + firstLine(e) + ")");
        }
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** @return the Spark context */
    public JavaSparkContext context() {
        return sc;
    }

    @Override
    public DlPasses dlPasses(SaeWeights sae, DataSpec eval, DataSpec calib, String backend, String precision) {
        return new SparkDlPasses(sc, sae, eval, calib, backend, precision, TASKS_PER_CORE * sc.defaultParallelism());
    }

    /**
     * As {@link #dlPasses} with at most {@code maxTasks} tasks per pass (tests: several blocks per task).
     *
     * @param maxTasks most tasks per pass
     * @return the passes
     */
    DlPasses dlPasses(SaeWeights sae, DataSpec eval, DataSpec calib, String backend, String precision, int maxTasks) {
        return new SparkDlPasses(sc, sae, eval, calib, backend, precision, maxTasks);
    }

    @Override
    public Sweep.Remote sweepWidths(DataSpec train, DataSpec eval, String backend, String precision) {
        return new SparkSweep(sc, train, eval, backend, precision);
    }

    @Override
    public void close() {
        sc.stop();
    }
}
