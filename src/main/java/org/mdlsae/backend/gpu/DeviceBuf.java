package org.mdlsae.backend.gpu;

/**
 * Device memory of a {@link KernelBackend} (OpenCL or CUDA): a handle ({@code cl_mem} or {@code CUdeviceptr})
 * with its length in elements. Only the back end that made it may use it; closing is idempotent.
 */
public abstract class DeviceBuf {
    final KernelBackend owner;
    final long length;
    Object handle;

    DeviceBuf(KernelBackend owner, long length, Object handle) {
        this.owner = owner;
        this.length = length;
        this.handle = handle;
    }

    /** Number of elements. */
    public long length() {
        return length;
    }

    /** The API handle (for the back end that made the buffer). */
    public Object handle() {
        return handle;
    }

    public void close() {
        Object h;
        synchronized (this) {
            h = handle;
            handle = null;
        }
        if (h != null) owner.freeHandle(h);
    }

    /** Whether {@link #close} has run. */
    public boolean closed() {
        return handle == null;
    }
}
