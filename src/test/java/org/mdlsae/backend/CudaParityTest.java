package org.mdlsae.backend;

import org.mdlsae.backend.cuda.Cuda;

/** CPU ↔ CUDA parity ({@link ParityHarness}); skips without a CUDA GPU (or a driver that loads the PTX). */
class CudaParityTest extends ParityHarness {
    @Override
    protected Availability probe() {
        return Cuda.probe();
    }

    @Override
    protected Backend createGpu() {
        return Cuda.create();
    }
}
