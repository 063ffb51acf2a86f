package org.mdlsae.backend;

import org.mdlsae.backend.opencl.OpenCl;

/**
 * CPU ↔ OpenCL parity ({@link ParityHarness}). Skips without an OpenCL device, unless
 * {@code MDLSAE_REQUIRE_OPENCL=1} (CI, which installs pocl) makes that a failure.
 */
class OpenClParityTest extends ParityHarness {
    @Override
    protected Availability probe() {
        return OpenCl.probe();
    }

    @Override
    protected Backend createGpu() {
        return OpenCl.create();
    }

    @Override
    protected boolean required() {
        return "1".equals(System.getenv("MDLSAE_REQUIRE_OPENCL"));
    }
}
