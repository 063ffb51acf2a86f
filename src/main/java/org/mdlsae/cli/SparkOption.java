package org.mdlsae.cli;

import org.mdlsae.api.Cluster;
import picocli.CommandLine.Option;

/**
 * {@code --spark MASTER}: run the command's work as Apache Spark jobs (the optional module, docs/design.md §14). Without
 * the module on the class path the command stops before any work with one line saying how to get it (exit 2).
 */
public final class SparkOption {
    @Option(names = "--spark", paramLabel = "MASTER",
            description = "Run on Apache Spark (optional module modules/spark, built by ./mdlsae on first use): local[N], "
                    + "spark://HOST:7077, yarn or k8s://URL; data and output paths must be on a file system every "
                    + "executor sees. --backend then names the executors' back end.")
    String master;

    /** @return whether {@code --spark} was given */
    boolean on() {
        return master != null;
    }

    /** @return the cluster (the module's), connected */
    Cluster connect() {
        return Cluster.connect(master);
    }
}
