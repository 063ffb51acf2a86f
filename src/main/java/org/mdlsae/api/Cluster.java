package org.mdlsae.api;

import java.util.Iterator;
import java.util.ServiceLoader;
import org.mdlsae.InputException;
import org.mdlsae.data.DataSpec;
import org.mdlsae.mdl.DlPasses;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.sweep.Sweep;

/**
 * A cluster that runs the engine's work as distributed jobs (docs/design.md §14). The core jar has no implementation:
 * the optional Spark module ({@code modules/spark}) provides one through {@link ServiceLoader}, so Spark never enters
 * the core jar. The CLI's {@code --spark MASTER} connects through {@link #connect}.
 */
public interface Cluster extends AutoCloseable {
    /** The one line a user sees when the module is not on the class path. */
    String MISSING = "--spark needs the optional Spark module (Spark is not in the core jar): run through ./mdlsae, "
            + "which builds modules/spark on first use, or build it with 'mvn install -DskipTests && mvn -f "
            + "modules/spark/pom.xml package' and submit modules/spark/target/mdlsae-spark.jar with spark-submit";

    /**
     * The passes of one description-length evaluation as jobs on the cluster ({@code Mdl.evaluate(DlPasses)}): each
     * pass's tasks open the rows of {@code eval} (and {@code calib}), compute their blocks with the engine's
     * {@code mdl.DlBlocks} and send back block sums, exact counts and histograms, which the driver merges in block order.
     *
     * @param sae     the SAE (shipped to the executors)
     * @param eval    the evaluation rows
     * @param calib   the calibration rows
     * @param backend   the executors' back end name ({@code cpu}, {@code cuda}, …; null: their default)
     * @param precision the encoder's arithmetic ({@code fp32}, {@code tf32}; null: fp32)
     * @return the passes
     */
    DlPasses dlPasses(SaeWeights sae, DataSpec eval, DataSpec calib, String backend, String precision);

    /**
     * The widths of an annealing sweep as tasks on the cluster ({@code Sweep.remote}): each task reopens the sweep's
     * training and selection rows, runs {@link Sweep#annealWidth} (train, publish {@code runs/w{D}-anneal} into the
     * sweep directory, measure) on its executor and sends back the run's row of results.json.
     *
     * @param train     the sweep's training rows (control rows included)
     * @param eval      the selection rows
     * @param backend   the executors' back end name (null: their default)
     * @param precision the encoder's arithmetic (null: fp32)
     * @return the remote runner
     */
    Sweep.Remote sweepWidths(DataSpec train, DataSpec eval, String backend, String precision);

    /** Stops what {@link #connect} started. */
    @Override
    void close();

    /** Connects to a kind of cluster; registered as a {@link ServiceLoader} service. */
    interface Provider {
        /**
         * Connects.
         *
         * @param master where to run, e.g. {@code local[2]}, {@code spark://host:7077}, {@code yarn},
         *               {@code k8s://https://host:443}; null or empty inside {@code spark-submit} (its master)
         * @return the cluster; close it when done
         */
        Cluster connect(String master);
    }

    /**
     * Connects through the provider on the class path.
     *
     * @param master the master (see {@link Provider#connect})
     * @return the cluster
     * @throws InputException with {@link #MISSING} when no provider is on the class path
     */
    static Cluster connect(String master) {
        Iterator<Provider> it = ServiceLoader.load(Provider.class).iterator();
        if (!it.hasNext()) throw new InputException(MISSING);
        return it.next().connect(master);
    }
}
