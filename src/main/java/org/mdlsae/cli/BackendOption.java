package org.mdlsae.cli;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.choice.Backends;
import picocli.CommandLine.Option;

/** {@code --backend cpu|opencl|cuda|auto} (default: $MDLSAE_BACKEND, else auto). */
public final class BackendOption {
    @Option(names = "--backend", paramLabel = "NAME",
            description = "cpu, opencl, cuda or auto (default: $MDLSAE_BACKEND, else auto: a GPU if present, else the CPU).")
    String backend;

    Backend create() {
        return Backends.create(backend);
    }
}
