package org.mdlsae.backend.opencl;

import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_TRUE;
import static org.jocl.CL.clCreateBuffer;
import static org.jocl.CL.clCreateKernel;
import static org.jocl.CL.clEnqueueCopyBuffer;
import static org.jocl.CL.clEnqueueFillBuffer;
import static org.jocl.CL.clEnqueueNDRangeKernel;
import static org.jocl.CL.clEnqueueReadBuffer;
import static org.jocl.CL.clEnqueueWriteBuffer;
import static org.jocl.CL.clFinish;
import static org.jocl.CL.clReleaseCommandQueue;
import static org.jocl.CL.clReleaseKernel;
import static org.jocl.CL.clReleaseMemObject;
import static org.jocl.CL.clSetKernelArg;

import java.util.HashMap;
import java.util.Map;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.mdlsae.backend.BackendException;
import org.mdlsae.backend.gpu.DeviceBuf;
import org.mdlsae.backend.gpu.KernelBackend;

/**
 * The OpenCL back end: buffers are {@code cl_mem}, kernels come from the program {@link OpenCl} builds once
 * per JVM, and every instance has its own in-order command queue and kernel objects (kernel arguments are
 * per-object state). Blocking reads order everything else. Runs on GPUs and on pocl's CPU device.
 */
public final class OpenClBackend extends KernelBackend {
    private final OpenCl.Shared shared;
    private final cl_command_queue queue;
    private final Map<String, cl_kernel> kernels = new HashMap<>();

    OpenClBackend(OpenCl.Shared shared) {
        this.shared = shared;
        try {
            @SuppressWarnings("deprecation") // clCreateCommandQueueWithProperties is OpenCL 2.0; 1.2 devices lack it
            cl_command_queue q = CL.clCreateCommandQueue(shared.context(), shared.device(), 0, null);
            this.queue = q;
        } catch (CLException e) {
            throw new BackendException("clCreateCommandQueue", e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String description() {
        return "OpenCL: " + shared.description();
    }

    @Override
    public long deviceMemoryBytes() {
        // OpenCL 1.2 reports capacity only, not what is free
        return OpenCl.deviceLong(shared.device(), CL.CL_DEVICE_GLOBAL_MEM_SIZE, Sizeof.cl_ulong);
    }

    @Override
    protected boolean cpuDevice() {
        return shared.cpu();
    }

    private static cl_mem mem(Object h) {
        return (cl_mem) h;
    }

    private static BackendException fail(String op, CLException e) {
        return new BackendException(op, e.getMessage(), e);
    }

    @Override
    protected Object allocBytes(long bytes, String op) {
        try {
            cl_mem m = clCreateBuffer(shared.context(), CL_MEM_READ_WRITE, bytes, null, null);
            clEnqueueFillBuffer(queue, m, Pointer.to(new int[] {0}), 4, 0, bytes, 0, null, null);
            return m;
        } catch (CLException e) {
            throw fail(op, e);
        }
    }

    @Override
    protected void freeHandle(Object handle) {
        try {
            clReleaseMemObject(mem(handle));
        } catch (Throwable ignored) {
            // freeing must not throw (close() is idempotent and runs in finally blocks)
        }
    }

    @Override
    protected void writeFloats(Object h, long elemOff, float[] src, int srcOff, int len, String op) {
        try {
            clEnqueueWriteBuffer(queue, mem(h), CL_TRUE, 4L * elemOff, 4L * len,
                    Pointer.to(src).withByteOffset(4L * srcOff), 0, null, null);
        } catch (CLException e) {
            throw fail(op, e);
        }
    }

    @Override
    protected void writeInts(Object h, long elemOff, int[] src, int srcOff, int len, String op) {
        try {
            clEnqueueWriteBuffer(queue, mem(h), CL_TRUE, 4L * elemOff, 4L * len,
                    Pointer.to(src).withByteOffset(4L * srcOff), 0, null, null);
        } catch (CLException e) {
            throw fail(op, e);
        }
    }

    @Override
    protected void readFloats(Object h, long elemOff, float[] dst, int dstOff, int len, String op) {
        try {
            clEnqueueReadBuffer(queue, mem(h), CL_TRUE, 4L * elemOff, 4L * len,
                    Pointer.to(dst).withByteOffset(4L * dstOff), 0, null, null);
        } catch (CLException e) {
            throw fail(op, e);
        }
    }

    @Override
    protected void readInts(Object h, long elemOff, int[] dst, int dstOff, int len, String op) {
        try {
            clEnqueueReadBuffer(queue, mem(h), CL_TRUE, 4L * elemOff, 4L * len,
                    Pointer.to(dst).withByteOffset(4L * dstOff), 0, null, null);
        } catch (CLException e) {
            throw fail(op, e);
        }
    }

    @Override
    protected void copyElems(Object src, long srcOff, Object dst, long dstOff, long count, String op) {
        try {
            clEnqueueCopyBuffer(queue, mem(src), mem(dst), 4L * srcOff, 4L * dstOff, 4L * count, 0, null, null);
        } catch (CLException e) {
            throw fail(op, e);
        }
    }

    @Override
    protected void fill32(Object h, long off, long count, int pattern, String op) {
        try {
            clEnqueueFillBuffer(queue, mem(h), Pointer.to(new int[] {pattern}), 4, 4L * off, 4L * count, 0, null, null);
        } catch (CLException e) {
            throw fail(op, e);
        }
    }

    private cl_kernel kernel(String name, String op) {
        cl_kernel k = kernels.get(name);
        if (k == null) {
            try {
                k = clCreateKernel(shared.program(), name, null);
            } catch (CLException e) {
                throw new BackendException(op, "kernel " + name + ": " + e.getMessage(), e);
            }
            kernels.put(name, k);
        }
        return k;
    }

    @Override
    protected void launch(String op, String name, int groupsX, int groupsY, int localX, int localY, Object... args) {
        cl_kernel k = kernel(name, op);
        try {
            for (int a = 0; a < args.length; a++) {
                Object v = args[a];
                if (v instanceof DeviceBuf b) {
                    if (b.closed()) throw new BackendException(op, "kernel " + name + ": argument " + a + " is a closed buffer");
                    clSetKernelArg(k, a, Sizeof.cl_mem, Pointer.to(mem(b.handle())));
                } else if (v instanceof Integer iv) {
                    clSetKernelArg(k, a, Sizeof.cl_int, Pointer.to(new int[] {iv}));
                } else if (v instanceof Float fv) {
                    clSetKernelArg(k, a, Sizeof.cl_float, Pointer.to(new float[] {fv}));
                } else {
                    throw new BackendException(op, "kernel " + name + ": unsupported argument " + a + ": " + v);
                }
            }
            long[] global = {(long) groupsX * localX, (long) groupsY * localY};
            long[] local = {localX, localY};
            clEnqueueNDRangeKernel(queue, k, 2, null, global, local, 0, null, null);
        } catch (CLException e) {
            throw new BackendException(op, "kernel " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected void closeDevice() {
        try {
            clFinish(queue);
        } catch (Throwable ignored) {
            // closing must not throw
        }
        for (cl_kernel k : kernels.values()) {
            try {
                clReleaseKernel(k);
            } catch (Throwable ignored) {
                // see above
            }
        }
        kernels.clear();
        try {
            clReleaseCommandQueue(queue);
        } catch (Throwable ignored) {
            // see above
        }
    }
}
