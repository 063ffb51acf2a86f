package org.mdlsae.backend.cuda;

import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;
import jcuda.CudaException;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;
import org.mdlsae.backend.Availability;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.BackendException;
import org.mdlsae.backend.gpu.KernelSources;

/**
 * Entry point of the CUDA (JCuda driver API) back end. The probe runs once per JVM: it loads the driver,
 * picks device 0 (the system property {@code mdlsae.cuda.device}, else {@code MDLSAE_CUDA_DEVICE}, picks another
 * ordinal: a Spark executor sets the property to the GPU Spark assigned it, docs/design.md §14), retains its primary
 * context and loads
 * the committed PTX module (every kernel) with {@code cuModuleLoadData}, so "available" means the kernels
 * really load (an old driver that cannot JIT the PTX's ISA version is reported here, in one line).
 * Runtime never runs nvcc.
 */
public final class Cuda {
    private static final Logger LOG = Logger.getLogger(Cuda.class.getName());

    private Cuda() {
    }

    /** The probed device, context and kernels, or why there are none. */
    static final class Probe {
        static final Probe RESULT = run();

        final Availability availability;
        final CUcontext context;
        final Map<String, CUfunction> functions;
        final CUmodule module;

        private Probe(Availability a, CUcontext context, CUmodule module) {
            this.availability = a;
            this.context = context;
            this.module = module;
            this.functions = Collections.synchronizedMap(new HashMap<>());
        }

        private static Probe no(String why) {
            return new Probe(Availability.no(why), null, null);
        }

        private static Probe run() {
            Probe p;
            try {
                p = find();
            } catch (UnsatisfiedLinkError e) {
                p = no("no CUDA driver (libcuda.so not found)");
            } catch (NoClassDefFoundError e) {
                p = no("no CUDA driver (JCuda could not initialise: " + firstLine(e.getMessage()) + ")");
            } catch (CudaException e) {
                p = no("CUDA unavailable: " + firstLine(e.getMessage()));
            } catch (Throwable e) {
                p = no("CUDA probe failed: " + e.getClass().getSimpleName() + ": " + firstLine(e.getMessage()));
            }
            LOG.fine("CUDA: " + p.availability.detail());
            return p;
        }

        private static Probe find() {
            JCudaDriver.setExceptionsEnabled(true);
            try {
                cuInit(0);
            } catch (CudaException e) {
                return no("CUDA driver present but cuInit failed: " + firstLine(e.getMessage()));
            }
            int[] count = new int[1];
            cuDeviceGetCount(count);
            if (count[0] == 0) return no("CUDA driver present but no CUDA device");
            int ordinal = 0;
            String want = System.getProperty("mdlsae.cuda.device", System.getenv("MDLSAE_CUDA_DEVICE"));
            if (want != null && !want.isBlank()) {
                try {
                    ordinal = Integer.parseInt(want.trim());
                } catch (NumberFormatException e) {
                    return no("MDLSAE_CUDA_DEVICE=" + want + " is not a device ordinal");
                }
                if (ordinal < 0 || ordinal >= count[0]) {
                    return no("MDLSAE_CUDA_DEVICE=" + want + " but there are " + count[0] + " CUDA devices");
                }
            }
            CUdevice device = new CUdevice();
            cuDeviceGet(device, ordinal);
            byte[] nameBytes = new byte[256];
            cuDeviceGetName(nameBytes, nameBytes.length, device);
            String name = cString(nameBytes);
            int[] major = new int[1], minor = new int[1], driver = new int[1];
            cuDeviceGetAttribute(major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
            cuDeviceGetAttribute(minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
            cuDriverGetVersion(driver);
            if (major[0] < 8) {
                return no("CUDA device " + name + " has compute capability " + major[0] + "." + minor[0]
                        + "; the kernels' PTX targets compute_80 (Ampere) or newer");
            }
            CUcontext context = new CUcontext();
            cuDevicePrimaryCtxRetain(context, device);
            cuCtxSetCurrent(context);
            CUmodule module = new CUmodule();
            try {
                cuModuleLoadData(module, KernelSources.ptx());
            } catch (CudaException e) {
                return no("CUDA driver " + version(driver[0]) + " cannot load the kernels' PTX ("
                        + firstLine(e.getMessage()) + "); update the driver or rebuild the PTX with native/build-ptx.sh");
            }
            String detail = name + " (sm_" + major[0] + minor[0] + ", driver " + version(driver[0]) + ")";
            return new Probe(Availability.yes(detail), context, module);
        }

        /** The kernel of that name (looked up once, then cached). */
        CUfunction function(String name) {
            CUfunction f = functions.get(name);
            if (f != null) return f;
            CUfunction g = new CUfunction();
            try {
                cuModuleGetFunction(g, module, name);
            } catch (CudaException e) {
                throw new BackendException("cuModuleGetFunction", "no kernel named " + name + " in the PTX", e);
            }
            functions.put(name, g);
            return g;
        }
    }

    /** Probes once and caches: is there a CUDA GPU whose driver loads the kernels? */
    public static Availability probe() {
        return Probe.RESULT.availability;
    }

    /** True when {@link #probe()} found a usable CUDA GPU. */
    public static boolean hasGpu() {
        return probe().available();
    }

    /** A new back end on the probed GPU (kernels are already loaded by the probe). */
    public static Backend create() {
        Probe p = Probe.RESULT;
        if (!p.availability.available()) throw new BackendException("cuda", "not available: " + p.availability.detail());
        return new CudaBackend(p);
    }


    private static String version(int v) {
        return (v / 1000) + "." + (v % 1000) / 10;
    }

    private static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
