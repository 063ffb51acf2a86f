package org.mdlsae.spark;

import java.util.ArrayList;
import java.util.List;
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
 * {@link DataSpec}s (docs/design.md §14). A task that was given a GPU by Spark's resource scheduling
 * ({@code spark.task.resource.gpu.amount}) makes the CUDA back end use that device.
 */
final class Worker implements AutoCloseable {
    private final List<DataSpec.Open> data;
    private final Backend backend;
    private final Sae sae;

    private Worker(List<DataSpec.Open> data, Backend backend, Sae sae) {
        this.data = data;
        this.backend = backend;
        this.sae = sae;
    }

    /**
     * Opens rows and, when asked, a back end (with the SAE on it when one is given).
     *
     * @param needsBackend whether the task computes on a back end
     * @param weights      the SAE to upload, or null
     * @param backend      the back end name (null: {@code $MDLSAE_BACKEND}, else the best available)
     * @param precision    fp32 or tf32 (null: fp32)
     * @param rows         the rows to open, in the order {@link #rows(int)} returns them
     * @return the worker; close it
     */
    static Worker open(boolean needsBackend, SaeWeights weights, String backend, String precision, DataSpec... rows) {
        List<DataSpec.Open> data = new ArrayList<>();
        Backend be = null;
        try {
            for (DataSpec r : rows) data.add(r.open());
            if (!needsBackend) return new Worker(data, null, null);
            useAssignedGpu();
            be = Backends.create(backend, precision == null ? Precision.FP32 : Precision.parse(precision));
            return new Worker(data, be, weights == null ? null : Sae.upload(be, weights));
        } catch (RuntimeException | Error e) {
            if (be != null) be.close();
            for (DataSpec.Open o : data) o.close();
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

    /** @return the rows of the first spec */
    Rows rows() {
        return rows(0);
    }

    /**
     * @param i a spec's position in {@link #open}
     * @return its rows
     */
    Rows rows(int i) {
        return data.get(i).rows();
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
            for (DataSpec.Open o : data) o.close();
        }
    }
}
