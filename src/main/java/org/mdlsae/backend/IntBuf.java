package org.mdlsae.backend;

/** An int array owned by a {@link Backend}; see {@link FloatBuf}. */
public interface IntBuf extends AutoCloseable {
    /** Number of int elements. */
    long length();

    /** Frees device memory (no-op on the CPU). Idempotent. */
    @Override
    void close();
}
