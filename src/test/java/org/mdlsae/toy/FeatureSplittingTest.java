package org.mdlsae.toy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mdlsae.math.Entropy;

class FeatureSplittingTest {
    @Test
    void designVectors() {
        assertEquals(0.937991, FeatureSplitting.dl2(0.1), 1e-6);
        assertEquals(0.953733, FeatureSplitting.dl3(0.1, 0.0), 1e-6);
        assertEquals(0.468996, FeatureSplitting.dl3(0.1, 1.0), 1e-6);
        assertEquals(0.01, FeatureSplitting.q(0.1, 0.1, 0.0), 1e-15);
        assertEquals(0.1, FeatureSplitting.q(0.1, 0.1, 1.0), 1e-15);
    }

    @Test
    void rhoStarTable() {
        double[][] table = {{0.01, 0.0172}, {0.05, 0.0843}, {0.1, 0.1626}, {0.2, 0.2945}, {0.3, 0.3956}};
        for (double[] row : table) {
            double rs = FeatureSplitting.rhoStar(row[0]);
            assertEquals(row[1], rs, 1e-3, "rho*(" + row[0] + ")");
            assertEquals(0.0, FeatureSplitting.gap(row[0], row[0], rs), 1e-9);
        }
    }

    @Test
    void splitPreferredAboveBoundaryAndL0AlwaysPrefersIt() {
        double p = 0.1, rs = FeatureSplitting.rhoStar(p);
        FeatureSplitting.Point below = FeatureSplitting.point(p, p, rs - 0.02);
        FeatureSplitting.Point above = FeatureSplitting.point(p, p, rs + 0.02);
        assertFalse(below.splitPreferred());
        assertTrue(above.splitPreferred());
        assertTrue(below.l0Split() < below.l0Unsplit());
    }

    @Test
    void unequalProbabilities() {
        double pa = 0.1, pb = 0.2;
        double q = FeatureSplitting.q(pa, pb, 0.3);
        assertEquals(pa * pb + 0.3 * Math.sqrt(pa * 0.9 * pb * 0.8), q, 1e-15);
        assertEquals(Entropy.h(pa - q) + Entropy.h(pb - q) + Entropy.h(q), FeatureSplitting.dl3(pa, pb, 0.3), 1e-15);
        double rmax = FeatureSplitting.rhoMax(pa, pb);
        assertEquals(pa, FeatureSplitting.q(pa, pb, rmax), 1e-12);
        double rs = FeatureSplitting.rhoStar(pa, pb);
        assertTrue(rs > 0 && rs < rmax);
        assertEquals(0.0, FeatureSplitting.gap(pa, pb, rs), 1e-9);
    }

    @Test
    void rejectsImpossibleDistributions() {
        assertThrows(IllegalArgumentException.class, () -> FeatureSplitting.q(0.0, 0.1, 0.5));
        assertThrows(IllegalArgumentException.class, () -> FeatureSplitting.q(0.1, 1.0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> FeatureSplitting.q(0.1, 0.1, 1.5));
        // ρ = 1 with unequal p would need q > min(p_A, p_B)
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeatureSplitting.q(0.1, 0.2, 1.0));
        assertTrue(e.getMessage().contains("min(p_A, p_B)"), e.getMessage());
        // strongly negative ρ makes q < 0
        assertThrows(IllegalArgumentException.class, () -> FeatureSplitting.q(0.1, 0.1, -0.5));
        // p_A + p_B − q > 1
        assertThrows(IllegalArgumentException.class, () -> FeatureSplitting.q(0.9, 0.9, -0.5));
        assertThrows(IllegalArgumentException.class, () -> FeatureSplitting.dl2(Double.NaN));
    }
}
