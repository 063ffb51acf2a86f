package org.mdlsae.toy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.InputException;
import org.mdlsae.backend.cpu.CpuBackend;

/**
 * The empirical feature-splitting experiment on a small, fast configuration: p = 0.1, ρ in [0.05, 0.30] on 6
 * points, 4000 rows, 2 restarts (≈ 5 s on two cores).
 */
class SplitExperimentTest {
    /** Tolerance on the measured boundary: the grid step is 0.05, linear interpolation of the smooth gap is off by ~1e-3. */
    static final double RHO_TOL = 0.01;

    static SplitExperiment.Result small;

    @BeforeAll
    static void run() {
        SplitExperiment.Config c = new SplitExperiment.Config(0.1, 0.05, 0.30, 6, 4000, 32, 0, SyntheticData.Sampling.EXACT,
                false, 0.01, 10, 2, 0, false, 0);
        small = SplitExperiment.run(c, new CpuBackend(), null);
    }

    @Test
    void measuredBoundaryLandsOnTheAnalyticOne() {
        assertEquals(0.1626, small.rhoStar(), 1e-4);
        assertNotNull(small.rhoStarMeasured(), "measured DL3 - DL2 must change sign on the grid");
        assertEquals(small.rhoStar(), small.rhoStarMeasured(), RHO_TOL);
        assertEquals(1, small.signChanges());
    }

    @Test
    void measuredDlFollowsTheAnalyticCurves() {
        for (SplitExperiment.Row r : small.rows()) {
            assertNotNull(r.two().dlBits(), "2-latent SAE inadmissible at rho " + r.rho());
            assertNotNull(r.three().dlBits(), "3-latent SAE inadmissible at rho " + r.rho());
            // Exact counts and exact codes: the plug-in entropy equals the analytic one up to 1/n rounding.
            assertEquals(r.analytic2(), r.two().dlBits(), 2e-3, "DL2 at rho " + r.rho());
            assertEquals(r.analytic3(), r.three().dlBits(), 2e-3, "DL3 at rho " + r.rho());
            assertEquals(r.data2(), r.two().dlBits(), 2e-3);
            // Boolean magnitudes: the value bins carry (almost) nothing.
            assertEquals(0, r.two().valueBits(), 1e-3);
            assertEquals(0, r.three().valueBits(), 1e-3);
            // The 3-latent SAE uses its composite latent: L0 = 2p - q, less than the 2-latent SAE's 2p.
            assertEquals(0.2 - r.q(), r.three().l0(), 2e-3);
            assertEquals(0.2, r.two().l0(), 2e-3);
            assertTrue(r.two().recovery() > 0.99 && r.three().recovery() > 0.99, "decoder rows match the true directions");
        }
    }

    @Test
    void writesCsvAndPng(@TempDir Path dir) throws Exception {
        var files = small.write(dir.resolve("out"));
        assertEquals(2, files.size());
        String csv = Files.readString(dir.resolve("out").resolve(SplitExperiment.CSV));
        assertEquals(7, csv.lines().count());
        assertTrue(csv.startsWith("p,rho,q,dl2_analytic"));
        byte[] png = Files.readAllBytes(dir.resolve("out").resolve(SplitExperiment.PNG));
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
        try (var s = Files.list(dir.resolve("out"))) {
            assertEquals(2, s.count(), "no temp files left behind");
        }
    }

    @Test
    void crossingInterpolatesTheFirstDownwardSignChange() {
        double[] rho = {0, 0.1, 0.2, 0.3};
        assertEquals(0.15, SplitExperiment.crossing(rho, new Double[] {2.0, 1.0, -1.0, -2.0}), 1e-12);
        assertEquals(0.2, SplitExperiment.crossing(rho, new Double[] {2.0, 1.0, null, -1.0}), 1e-12);
        assertNull(SplitExperiment.crossing(rho, new Double[] {1.0, 1.0, 1.0, 1.0}));
        assertNull(SplitExperiment.crossing(rho, new Double[] {-1.0, 1.0, null, null}));
    }

    @Test
    void configRejectsBadValues() {
        SplitExperiment.Config d = SplitExperiment.Config.defaults(0.1);
        assertEquals(0.5, d.rhoMax(), 1e-12);
        assertThrows(InputException.class, () -> SplitExperiment.Config.defaults(1.5));
        assertThrows(InputException.class, () -> new SplitExperiment.Config(0.1, 0, 2, 11, 1000, 32, 0, SyntheticData.Sampling.EXACT,
                false, 0.01, 10, 1, 0, false, 0));
        assertThrows(InputException.class, () -> new SplitExperiment.Config(0.1, 0, 0.5, 1, 1000, 32, 0, SyntheticData.Sampling.EXACT,
                false, 0.01, 10, 1, 0, false, 0));
        assertThrows(InputException.class, () -> new SplitExperiment.Config(0.1, 0, 0.5, 11, 10, 32, 0, SyntheticData.Sampling.EXACT,
                false, 0.01, 10, 1, 0, false, 0));
        assertThrows(InputException.class, () -> new SplitExperiment.Config(0.1, 0, 0.5, 11, 1000, 32, 0, SyntheticData.Sampling.EXACT,
                false, 0, 10, 1, 0, false, 0));
    }
}
