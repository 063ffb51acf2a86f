package org.mdlsae.backend;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.mdlsae.backend.cuda.Cuda;

/** CPU ↔ CUDA parity ({@link ParityHarness}); skips without a CUDA GPU. */
class CudaParityTest extends ParityHarness {
    @Override
    protected Backend createGpu() {
        Availability a = Cuda.probe();
        assumeTrue(a.available(), "CUDA not available: " + a.detail());
        return Cuda.create();
    }
}
