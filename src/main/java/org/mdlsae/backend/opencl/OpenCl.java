package org.mdlsae.backend.opencl;

import org.mdlsae.backend.Availability;
import org.mdlsae.backend.Backend;

/** Entry point of the OpenCL (JOCL) back end. Placeholder until the kernels land. */
public final class OpenCl {
    private OpenCl() {
    }

    /** Probes once and caches: is there an OpenCL platform with a device? */
    public static Availability probe() {
        return Availability.no("OpenCL back end not built yet");
    }

    /** True when an OpenCL GPU (not a CPU device such as pocl) is present. */
    public static boolean hasGpu() {
        return false;
    }

    public static Backend create() {
        throw new UnsupportedOperationException("OpenCL back end not built yet");
    }
}
