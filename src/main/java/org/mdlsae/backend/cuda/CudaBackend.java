package org.mdlsae.backend.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD32;

import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import org.mdlsae.backend.BackendException;
import org.mdlsae.backend.Precision;
import org.mdlsae.backend.gpu.DeviceBuf;
import org.mdlsae.backend.gpu.KernelBackend;

/**
 * The CUDA back end: device memory is {@code CUdeviceptr}, kernels are the committed PTX loaded by
 * {@link Cuda}'s probe, launches go to the legacy default stream (ordered with the synchronous copies).
 * Every op first makes the device's primary context current on the calling thread. With
 * {@code MDLSAE_CUDA_SYNC=1} every launch is followed by a synchronisation, so an asynchronous fault is
 * reported with the kernel that caused it.
 */
final class CudaBackend extends KernelBackend {
    /** Read once: synchronise and check after every launch (debugging; costs the launch overlap). */
    private static final boolean SYNC = "1".equals(System.getenv("MDLSAE_CUDA_SYNC"));

    private final Cuda.Probe probe;

    CudaBackend(Cuda.Probe probe) {
        this.probe = probe;
    }

    @Override
    protected boolean tensorCores() {
        return true;
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String description() {
        return "CUDA: " + probe.availability.detail() + (precision() == Precision.TF32
                ? ", TF32 tensor-core encoder" : "");
    }

    @Override
    public long deviceMemoryBytes() {
        bind();
        long[] free = new long[1], total = new long[1];
        jcuda.driver.JCudaDriver.cuMemGetInfo(free, total);
        return free[0];
    }

    private void bind() {
        cuCtxSetCurrent(probe.context);
    }

    private static CUdeviceptr ptr(Object h) {
        return (CUdeviceptr) h;
    }

    private static BackendException fail(String op, CudaException e) {
        return new BackendException(op, e.getMessage(), e);
    }

    @Override
    protected Object allocBytes(long bytes, String op) {
        try {
            bind();
            CUdeviceptr p = new CUdeviceptr();
            cuMemAlloc(p, bytes);
            cuMemsetD32(p, 0, bytes / 4);
            return p;
        } catch (CudaException e) {
            throw fail(op, e);
        }
    }

    @Override
    protected void freeHandle(Object handle) {
        try {
            bind();
            cuMemFree(ptr(handle));
        } catch (Throwable ignored) {
            // freeing must not throw (close() is idempotent and runs in finally blocks)
        }
    }

    @Override
    protected void writeFloats(Object h, long elemOff, float[] src, int srcOff, int len, String op) {
        try {
            bind();
            cuMemcpyHtoD(ptr(h).withByteOffset(4L * elemOff), Pointer.to(src).withByteOffset(4L * srcOff), 4L * len);
        } catch (CudaException e) {
            throw fail(op, e);
        }
    }

    @Override
    protected void writeInts(Object h, long elemOff, int[] src, int srcOff, int len, String op) {
        try {
            bind();
            cuMemcpyHtoD(ptr(h).withByteOffset(4L * elemOff), Pointer.to(src).withByteOffset(4L * srcOff), 4L * len);
        } catch (CudaException e) {
            throw fail(op, e);
        }
    }

    @Override
    protected void readFloats(Object h, long elemOff, float[] dst, int dstOff, int len, String op) {
        try {
            bind();
            cuMemcpyDtoH(Pointer.to(dst).withByteOffset(4L * dstOff), ptr(h).withByteOffset(4L * elemOff), 4L * len);
        } catch (CudaException e) {
            throw fail(op, e);
        }
    }

    @Override
    protected void readInts(Object h, long elemOff, int[] dst, int dstOff, int len, String op) {
        try {
            bind();
            cuMemcpyDtoH(Pointer.to(dst).withByteOffset(4L * dstOff), ptr(h).withByteOffset(4L * elemOff), 4L * len);
        } catch (CudaException e) {
            throw fail(op, e);
        }
    }

    @Override
    protected void copyElems(Object src, long srcOff, Object dst, long dstOff, long count, String op) {
        try {
            bind();
            cuMemcpyDtoD(ptr(dst).withByteOffset(4L * dstOff), ptr(src).withByteOffset(4L * srcOff), 4L * count);
        } catch (CudaException e) {
            throw fail(op, e);
        }
    }

    @Override
    protected void fill32(Object h, long off, long count, int pattern, String op) {
        try {
            bind();
            cuMemsetD32(ptr(h).withByteOffset(4L * off), pattern, count);
        } catch (CudaException e) {
            throw fail(op, e);
        }
    }

    @Override
    protected void launch(String op, String kernel, int groupsX, int groupsY, int localX, int localY, Object... args) {
        Pointer[] params = new Pointer[args.length];
        for (int a = 0; a < args.length; a++) {
            Object v = args[a];
            if (v instanceof DeviceBuf b) {
                Object h = b.handle();
                if (h == null) throw new BackendException(op, "kernel " + kernel + ": argument " + a + " is a closed buffer");
                params[a] = Pointer.to(ptr(h));
            } else if (v instanceof Integer iv) {
                params[a] = Pointer.to(new int[] {iv});
            } else if (v instanceof Float fv) {
                params[a] = Pointer.to(new float[] {fv});
            } else {
                throw new BackendException(op, "kernel " + kernel + ": unsupported argument " + a + ": " + v);
            }
        }
        if (groupsY > 65535) throw new BackendException(op, "kernel " + kernel + ": grid Y of " + groupsY + " exceeds 65535");
        try {
            bind();
            cuLaunchKernel(probe.function(kernel), groupsX, groupsY, 1, localX, localY, 1, 0, null,
                    Pointer.to(params), null);
        } catch (CudaException e) {
            throw new BackendException(op, "kernel " + kernel + ": " + e.getMessage(), e);
        }
        if (SYNC) {
            try {
                cuCtxSynchronize();
            } catch (CudaException e) {
                throw new BackendException(op, "kernel " + kernel + " (grid " + groupsX + "x" + groupsY + ", block "
                        + localX + "x" + localY + ") failed: " + e.getMessage() + " [MDLSAE_CUDA_SYNC=1]", e);
            }
        }
    }

    @Override
    protected void closeDevice() {
        try {
            bind();
            cuCtxSynchronize();
        } catch (Throwable ignored) {
            // closing must not throw; the primary context stays retained for the JVM's other back ends
        }
    }
}
