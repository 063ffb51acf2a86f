package org.mdlsae.cli;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.Precision;
import org.mdlsae.backend.choice.Backends;
import picocli.CommandLine.Option;

/**
 * {@code --backend cpu|opencl|cuda|auto} (default: $MDLSAE_BACKEND, else auto) and {@code --precision fp32|tf32}
 * (default fp32; tf32 only on cuda, docs/design.md §9).
 */
public final class BackendOption {
    @Option(names = "--backend", paramLabel = "NAME",
            description = "cpu, opencl, cuda or auto (default: $MDLSAE_BACKEND, else auto: a GPU if present, else the CPU).")
    String backend;

    @Option(names = "--precision", paramLabel = "P",
            description = "Encoder product arithmetic: fp32 (default) or tf32 (cuda only: tensor cores, operands rounded "
                    + "to TF32, error per pre-activation at most 2^-9 of the sum of |products|).")
    String precision;

    Backend create() {
        return Backends.create(backend, precision == null ? Precision.FP32 : Precision.parse(precision));
    }
}
