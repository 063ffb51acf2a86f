package org.mdlsae.backend;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.mdlsae.backend.opencl.OpenCl;

/**
 * CPU ↔ OpenCL parity ({@link ParityHarness}). Skips without an OpenCL device, unless
 * {@code MDLSAE_REQUIRE_OPENCL=1} (CI, which installs pocl) makes that a failure.
 */
class OpenClParityTest extends ParityHarness {
    @Override
    protected Backend createGpu() {
        Availability a = OpenCl.probe();
        if (!a.available()) {
            if ("1".equals(System.getenv("MDLSAE_REQUIRE_OPENCL"))) {
                fail("MDLSAE_REQUIRE_OPENCL=1 but OpenCL is not available: " + a.detail());
            }
            assumeTrue(false, "OpenCL not available: " + a.detail());
        }
        return OpenCl.create();
    }
}
