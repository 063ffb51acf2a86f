package org.mdlsae.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.mdlsae.backend.choice.Backends;
import org.mdlsae.backend.cuda.Cuda;
import org.mdlsae.backend.opencl.OpenCl;

/** The GPU entry points that {@link Backends} calls: probed once, one-line answers, graceful absence. */
class GpuEntryPointsTest {

    @Test
    void probesAreCachedAndOneLine() {
        for (Availability a : new Availability[] {OpenCl.probe(), Cuda.probe()}) {
            assertFalse(a.detail().isBlank(), "probe detail is empty");
            assertFalse(a.detail().contains("\n"), "probe detail must be one line: " + a.detail());
        }
        assertSame(OpenCl.probe(), OpenCl.probe(), "OpenCL probe runs once");
        assertSame(Cuda.probe(), Cuda.probe(), "CUDA probe runs once");
        assertEquals(Cuda.probe().available(), Cuda.hasGpu());
        if (OpenCl.hasGpu()) assertTrue(OpenCl.probe().available());
    }

    @Test
    void missingCudaFailsCleanly() {
        assumeTrue(!Cuda.probe().available(), "a CUDA GPU is present");
        BackendException e = assertThrows(BackendException.class, Cuda::create);
        assertTrue(e.getMessage().contains(Cuda.probe().detail()), e.getMessage());
        IllegalArgumentException ie = assertThrows(IllegalArgumentException.class, () -> Backends.create("cuda"));
        assertTrue(ie.getMessage().contains("cuda"), ie.getMessage());
    }

    @Test
    void openClThroughBackends() {
        assumeTrue(OpenCl.probe().available(), "no OpenCL device");
        try (Backend be = Backends.create("opencl")) {
            assertEquals("opencl", be.name());
            assertTrue(be.description().startsWith("OpenCL: "), be.description());
            FloatBuf b = be.upload(new float[] {1, 2, 3});
            be.axpby(2f, b, 1f, b, 3);
            assertEquals(9f, be.download(b)[2]);
            b.close();
        }
        if (OpenCl.probe().detail().endsWith("CPU)")) assertFalse(OpenCl.hasGpu(), "pocl's CPU device is not a GPU");
    }
}
