package org.mdlsae.backend.opencl;

import static org.jocl.CL.CL_CONTEXT_PLATFORM;
import static org.jocl.CL.CL_DEVICE_LOCAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_NOT_FOUND;
import static org.jocl.CL.CL_DEVICE_TYPE;
import static org.jocl.CL.CL_DEVICE_TYPE_ALL;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_DEVICE_VERSION;
import static org.jocl.CL.CL_PLATFORM_NAME;
import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;
import static org.jocl.CL.clBuildProgram;
import static org.jocl.CL.clCreateContext;
import static org.jocl.CL.clCreateProgramWithSource;
import static org.jocl.CL.clGetDeviceIDs;
import static org.jocl.CL.clGetDeviceInfo;
import static org.jocl.CL.clGetPlatformIDs;
import static org.jocl.CL.clGetPlatformInfo;
import static org.jocl.CL.clGetProgramBuildInfo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.logging.Logger;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;
import org.jocl.cl_program;
import org.mdlsae.backend.Availability;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.BackendException;
import org.mdlsae.backend.gpu.DeviceBuf;
import org.mdlsae.backend.gpu.KernelBackend;
import org.mdlsae.backend.gpu.KernelSources;

/**
 * Entry point of the OpenCL (JOCL) back end. The platform and device are probed once per JVM (GPU devices
 * first; {@code MDLSAE_OPENCL_DEVICE} picks a device by a substring of its name); the context and the
 * program (prelude + every kernel file, OpenCL C 1.2) are built at the first {@link #create()} and shared by
 * every {@link OpenClBackend} of the JVM.
 */
public final class OpenCl {
    private static final Logger LOG = Logger.getLogger(OpenCl.class.getName());
    static final int MIN_WORK_GROUP = 256;

    private OpenCl() {
    }

    /** The chosen device, or why there is none. */
    static final class Probe {
        static final Probe RESULT = run();

        final Availability availability;
        final cl_platform_id platform;
        final cl_device_id device;
        final boolean gpu;

        private Probe(Availability a, cl_platform_id p, cl_device_id d, boolean gpu) {
            this.availability = a;
            this.platform = p;
            this.device = d;
            this.gpu = gpu;
        }

        private static Probe run() {
            Probe p;
            try {
                p = find();
            } catch (UnsatisfiedLinkError e) {
                p = no("no OpenCL runtime (libOpenCL.so not found: " + firstLine(e.getMessage()) + ")");
            } catch (Throwable e) {
                p = no("OpenCL probe failed: " + firstLine(String.valueOf(e.getMessage())));
            }
            LOG.fine("OpenCL: " + p.availability.detail());
            return p;
        }

        private static Probe no(String why) {
            return new Probe(Availability.no(why), null, null, false);
        }

        private static Probe find() {
            CL.setExceptionsEnabled(true);
            int[] num = new int[1];
            try {
                clGetPlatformIDs(0, null, num);
            } catch (CLException e) {
                return no("no OpenCL platform (" + CL.stringFor_errorCode(e.getStatus())
                        + "; install an ICD such as pocl-opencl-icd)");
            }
            if (num[0] == 0) return no("no OpenCL platform (install an ICD such as pocl-opencl-icd)");
            cl_platform_id[] platforms = new cl_platform_id[num[0]];
            clGetPlatformIDs(num[0], platforms, null);
            List<cl_platform_id> ps = new ArrayList<>();
            List<cl_device_id> ds = new ArrayList<>();
            for (cl_platform_id p : platforms) {
                int[] nd = new int[1];
                try {
                    clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, null, nd);
                } catch (CLException e) {
                    if (e.getStatus() == CL_DEVICE_NOT_FOUND) continue;
                    throw e;
                }
                cl_device_id[] devs = new cl_device_id[nd[0]];
                clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, nd[0], devs, null);
                for (cl_device_id d : devs) {
                    ps.add(p);
                    ds.add(d);
                }
            }
            if (ds.isEmpty()) return no("OpenCL platform present but it has no device");
            String want = System.getenv("MDLSAE_OPENCL_DEVICE");
            int pick = -1;
            if (want != null && !want.isBlank()) {
                for (int q = 0; q < ds.size() && pick < 0; q++) {
                    if (deviceString(ds.get(q), CL_DEVICE_NAME).toLowerCase(Locale.ROOT)
                            .contains(want.trim().toLowerCase(Locale.ROOT))) pick = q;
                }
                if (pick < 0) return no("no OpenCL device matches MDLSAE_OPENCL_DEVICE=" + want);
            }
            for (int q = 0; q < ds.size() && pick < 0; q++) if (isGpu(ds.get(q))) pick = q;
            if (pick < 0) pick = 0;
            cl_device_id d = ds.get(pick);
            String name = deviceString(d, CL_DEVICE_NAME).trim();
            long wg = deviceLong(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, Sizeof.size_t);
            if (wg < MIN_WORK_GROUP) {
                return no("OpenCL device " + name + " allows work-groups of " + wg + " < " + MIN_WORK_GROUP);
            }
            long local = deviceLong(d, CL_DEVICE_LOCAL_MEM_SIZE, Sizeof.cl_ulong);
            if (local < 24 * 1024) return no("OpenCL device " + name + " has only " + local + " bytes of local memory");
            boolean gpu = isGpu(d);
            long type = deviceLong(d, CL_DEVICE_TYPE, Sizeof.cl_ulong);
            String kind = gpu ? "GPU" : (type & CL_DEVICE_TYPE_CPU) != 0 ? "CPU" : "accelerator";
            String detail = name + " (" + platformString(ps.get(pick)).trim() + ", "
                    + deviceString(d, CL_DEVICE_VERSION).trim() + ", " + kind + ")";
            return new Probe(Availability.yes(detail), ps.get(pick), d, gpu);
        }
    }

    /** Probes once and caches: is there an OpenCL platform with a usable device? */
    public static Availability probe() {
        return Probe.RESULT.availability;
    }

    /** True when the chosen OpenCL device is a GPU (pocl's CPU device is not). */
    public static boolean hasGpu() {
        Probe p = Probe.RESULT;
        return p.availability.available() && p.gpu;
    }

    /** A new back end on the probed device. Builds the kernels on first use (seconds on pocl). */
    public static Backend create() {
        return new OpenClBackend(shared());
    }

    // ---------------------------------------------------------------- shared context and program

    /** Context and program of the probed device, built once per JVM. */
    record Shared(cl_device_id device, cl_context context, cl_program program, String description, boolean cpu) {
    }

    private static Shared shared;

    static synchronized Shared shared() {
        if (shared != null) return shared;
        Probe p = Probe.RESULT;
        if (!p.availability.available()) {
            throw new BackendException("opencl", "not available: " + p.availability.detail());
        }
        cl_context context;
        try {
            cl_context_properties props = new cl_context_properties();
            props.addProperty(CL_CONTEXT_PLATFORM, p.platform);
            context = clCreateContext(props, 1, new cl_device_id[] {p.device}, null, null, null);
        } catch (CLException e) {
            throw new BackendException("clCreateContext", e.getMessage(), e);
        }
        String source = KernelSources.openClProgram();
        cl_program program = clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        // OpenCL 1.2 is the floor (pocl, older GPUs); nothing here relies on later versions.
        String options = "-cl-std=CL1.2";
        try {
            clBuildProgram(program, 1, new cl_device_id[] {p.device}, options, null, null);
        } catch (CLException e) {
            String log = buildLog(program, p.device);
            throw new BackendException("clBuildProgram", e.getMessage() + (log.isBlank() ? "" : "\n" + log), e);
        }
        boolean cpu = (deviceLong(p.device, CL_DEVICE_TYPE, Sizeof.cl_ulong) & CL_DEVICE_TYPE_CPU) != 0;
        shared = new Shared(p.device, context, program, p.availability.detail(), cpu);
        return shared;
    }

    private static String buildLog(cl_program program, cl_device_id device) {
        try {
            long[] size = new long[1];
            clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] b = new byte[(int) size[0]];
            clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, b.length, Pointer.to(b), null);
            return cString(b);
        } catch (Throwable t) {
            return "";
        }
    }

    // ---------------------------------------------------------------- info helpers

    static boolean isGpu(cl_device_id d) {
        return (deviceLong(d, CL_DEVICE_TYPE, Sizeof.cl_ulong) & CL_DEVICE_TYPE_GPU) != 0;
    }

    static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(d, param, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        clGetDeviceInfo(d, param, b.length, Pointer.to(b), null);
        return cString(b);
    }

    static long deviceLong(cl_device_id d, int param, int bytes) {
        if (bytes == 4) {
            int[] v = new int[1];
            clGetDeviceInfo(d, param, 4, Pointer.to(v), null);
            return v[0] & 0xFFFFFFFFL;
        }
        long[] v = new long[1];
        clGetDeviceInfo(d, param, 8, Pointer.to(v), null);
        return v[0];
    }

    private static String platformString(cl_platform_id p) {
        long[] size = new long[1];
        clGetPlatformInfo(p, CL_PLATFORM_NAME, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        clGetPlatformInfo(p, CL_PLATFORM_NAME, b.length, Pointer.to(b), null);
        return cString(b);
    }

    private static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
