package org.mdlsae.backend.choice;

import java.util.Locale;
import java.util.logging.Logger;
import org.mdlsae.backend.Availability;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.BackendException;
import org.mdlsae.backend.Precision;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.backend.cuda.Cuda;
import org.mdlsae.backend.gpu.KernelBackend;
import org.mdlsae.backend.opencl.OpenCl;
import org.mdlsae.backend.opencl.OpenClProbe;

/**
 * The one place back ends are chosen: an explicit option, then the {@code MDLSAE_BACKEND} environment
 * variable, then the best available (CUDA, then OpenCL on a GPU, then the CPU). Probes run once per JVM.
 * Falling back logs one line, never a stack trace.
 */
public final class Backends {
    private static final Logger LOG = Logger.getLogger(Backends.class.getName());

    /** Names accepted by {@link #create(String)}. */
    public static final String[] NAMES = {"auto", "cpu", "opencl", "cuda"};

    private Backends() {
    }

    /**
     * Creates the back end named by {@code choice} with the encoder product in {@code precision}
     * (docs/design.md §9).
     *
     * @throws IllegalArgumentException as {@link #create(String)}, and for TF32 on a back end without tensor-core
     *                                  kernels (only CUDA has them)
     */
    public static Backend create(String choice, Precision precision) {
        Backend be = create(choice);
        if (precision == null || precision == Precision.FP32) return be;
        boolean ok = false;
        if (be instanceof KernelBackend kb) {
            try {
                kb.setPrecision(precision);
                ok = true;
            } catch (BackendException e) {
                // reported below, in the flag's words
            }
        }
        if (!ok) {
            be.close();
            throw new IllegalArgumentException("--precision " + precision.id() + " needs the cuda back end; " + be.name()
                    + " computes fp32 only");
        }
        return be;
    }

    /**
     * Creates the back end named by {@code choice} (null or blank: {@code MDLSAE_BACKEND}, else auto).
     *
     * @throws IllegalArgumentException for an unknown name, or when an explicitly named GPU back end is not
     *                                  available (the message says why)
     */
    public static Backend create(String choice) {
        String name = choice;
        if (name == null || name.isBlank()) {
            name = System.getenv("MDLSAE_BACKEND");
        }
        if (name == null || name.isBlank()) {
            name = "auto";
        }
        name = name.trim().toLowerCase(Locale.ROOT);
        switch (name) {
            case "cpu":
                return new CpuBackend();
            case "opencl": {
                Availability a = OpenCl.probe();
                if (!a.available()) throw new IllegalArgumentException("backend opencl is not available: " + a.detail());
                return OpenCl.create();
            }
            case "cuda": {
                Availability a = Cuda.probe();
                if (!a.available()) throw new IllegalArgumentException("backend cuda is not available: " + a.detail());
                return Cuda.create();
            }
            case "auto":
                return best();
            default:
                throw new IllegalArgumentException("unknown backend '" + choice + "': use one of auto, cpu, opencl, cuda");
        }
    }

    /**
     * CUDA if a GPU is there, then an OpenCL GPU, else the CPU (pocl's CPU device is slower than ours). OpenCL is
     * probed in a child process ({@link OpenClProbe}): loading pocl here would install LLVM's signal handlers in a JVM
     * that then runs on the CPU back end (docs/design.md §6).
     */
    private static Backend best() {
        Availability cuda = Cuda.probe();
        if (cuda.available()) return Cuda.create();
        if (OpenClProbe.hasGpuInChildProcess()) return OpenCl.create();
        LOG.fine(() -> "no GPU back end (" + cuda.detail() + "); using the CPU");
        return new CpuBackend();
    }
}
