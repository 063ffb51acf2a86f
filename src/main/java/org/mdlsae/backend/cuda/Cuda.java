package org.mdlsae.backend.cuda;

import org.mdlsae.backend.Availability;
import org.mdlsae.backend.Backend;

/** Entry point of the CUDA (JCuda) back end. Placeholder until the kernels land. */
public final class Cuda {
    private Cuda() {
    }

    /** Probes once and caches: is there an CUDA platform with a device? */
    public static Availability probe() {
        return Availability.no("CUDA back end not built yet");
    }

    /** True when an CUDA GPU (not a CPU device such as pocl) is present. */
    public static boolean hasGpu() {
        return false;
    }

    public static Backend create() {
        throw new UnsupportedOperationException("CUDA back end not built yet");
    }
}
