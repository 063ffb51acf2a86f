package org.mdlsae.spark;

import org.mdlsae.api.Cluster;

/** Registers {@link SparkCluster} as the engine's cluster ({@code META-INF/services}). */
public final class SparkProvider implements Cluster.Provider {
    @Override
    public Cluster connect(String master) {
        return SparkCluster.connect(master);
    }
}
