package org.mdlsae.backend;

/**
 * A float array owned by a {@link Backend}: host memory for the CPU back end, device memory for GPU
 * back ends. Only the backend that made it may use it. Lengths are in elements.
 */
public interface FloatBuf extends AutoCloseable {
    /** Number of float elements. */
    long length();

    /** Frees device memory (no-op on the CPU). Idempotent. */
    @Override
    void close();
}
