package org.mdlsae.spark;

import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.Precision;
import org.mdlsae.backend.choice.Backends;
import org.mdlsae.data.DataSpec;
import org.mdlsae.math.Rows;
import org.mdlsae.mdl.SparseEncoder;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;

/**
 * What one task holds on an executor: its back end, the SAE uploaded to it, and the rows reopened from their
 * {@link DataSpec} (docs/design.md §14). A task that was given a GPU by Spark's resource scheduling
 * ({@code spark.task.resource.gpu.amount}) makes the CUDA back end use that device.
 */
final class Worker implements AutoCloseable {
    private final DataSpec.Open data;
    private final Backend backend;
    private final Sae sae;

    private Worker(DataSpec.Open data, Backend backend, Sae sae) {
        this.data = data;
        this.backend = backend;
        this.sae = sae;
    }

    /**
     * Opens the rows and, when an SAE is given, a back end with the SAE on it.
     *
     * @param rows      the rows
     * @param weights   the SAE, or null for passes that do not encode
     * @param backend   the back end name (null: {@code $MDLSAE_BACKEND}, else the best available)
     * @param precision fp32 or tf32 (null: fp32)
     * @return the worker; close it
     */
    static Worker open(DataSpec rows, SaeWeights weights, String backend, String precision) {
        DataSpec.Open data = rows.open();
        if (weights == null) return new Worker(data, null, null);
        Backend be = null;
        try {
            useAssignedGpu();
            be = Backends.create(backend, precision == null ? Precision.FP32 : Precision.parse(precision));
            return new Worker(data, be, Sae.upload(be, weights));
        } catch (RuntimeException | Error e) {
            if (be != null) be.close();
            data.close();
            throw e;
        }
    }

    /**
     * The CUDA device is chosen once per JVM (docs/design.md §9): the first task of an executor that Spark gave a GPU
     * fixes it to that GPU's address. One GPU per executor is the supported layout; a later task given another GPU
     * of the same executor is refused rather than silently sharing the first.
     */
    private static void useAssignedGpu() {
        TaskContext tc = TaskContext.get();
        if (tc == null) return;
        Map<String, ResourceInformation> res = tc.resourcesJMap();
        ResourceInformation gpu = res.get("gpu");
        if (gpu == null || gpu.addresses().length == 0) return;
        String address = gpu.addresses()[0];
        synchronized (Worker.class) {
            String fixed = System.getProperty("mdlsae.cuda.device");
            if (fixed == null) System.setProperty("mdlsae.cuda.device", address);
            else if (!fixed.equals(address)) {
                throw new IllegalStateException("this executor already uses GPU " + fixed + " and was given GPU " + address
                        + "; give each executor one GPU (spark.executor.resource.gpu.amount=1)");
            }
        }
    }

    /** @return the rows */
    Rows rows() {
        return data.rows();
    }

    /** @return the SAE as the DL evaluation's encoder */
    SparseEncoder encoder() {
        return SparseEncoder.of(sae);
    }

    /** @return the back end (null for passes that do not encode) */
    Backend backend() {
        return backend;
    }

    @Override
    public void close() {
        try {
            if (sae != null) sae.close();
            if (backend != null) backend.close();
        } finally {
            data.close();
        }
    }
}
