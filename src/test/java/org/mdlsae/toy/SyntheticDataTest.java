package org.mdlsae.toy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SyntheticDataTest {
    private static final int D = 32;

    /** IID sampling: empirical p and rho match the requested ones within sampling error (4 sd). */
    @Test
    void iidPairMatchesRequestedPAndRhoWithinSamplingError() {
        int n = 40_000;
        for (double[] pr : new double[][] {{0.1, 0.0}, {0.1, 0.3}, {0.3, 0.6}, {0.05, 0.2}}) {
            double p = pr[0], rho = pr[1];
            SyntheticData.Sample s = SyntheticData.pair(p, rho, n, D, SyntheticData.Magnitudes.BOOLEAN, 0,
                    SyntheticData.Sampling.IID, 3, 11);
            double sdP = Math.sqrt(p * (1 - p) / n);
            assertEquals(p, s.frequency(0), 4 * sdP, "P(A) at p=" + p + " rho=" + rho);
            assertEquals(p, s.frequency(1), 4 * sdP, "P(B)");
            double q = FeatureSplitting.q(p, p, rho);
            assertEquals(q, s.jointFrequency(0, 1), 4 * Math.sqrt(q * (1 - q) / n) + 1e-12, "P(A and B)");
            // The phi coefficient's sampling sd is about 1/sqrt(n) (plus the spread of p-hat it divides by).
            assertEquals(rho, s.correlation(0, 1), 4 / Math.sqrt(n) + 4 * sdP, "rho");
        }
    }

    /** EXACT sampling: frequencies equal the requested ones to within 1/n. */
    @Test
    void exactPairHitsRequestedFrequencies() {
        int n = 10_007;
        double p = 0.1, rho = 0.25, q = FeatureSplitting.q(p, p, rho);
        SyntheticData.Sample s = SyntheticData.pair(p, rho, n, D, SyntheticData.Magnitudes.BOOLEAN, 0,
                SyntheticData.Sampling.EXACT, 3, 5);
        assertEquals(p, s.frequency(0), 2.0 / n);
        assertEquals(p, s.frequency(1), 2.0 / n);
        assertEquals(q, s.jointFrequency(0, 1), 1.0 / n);
        assertEquals(rho, s.correlation(0, 1), 20.0 / n);
    }

    @Test
    void rowsAreTheSumOfActiveDirectionsAndDeterministic() {
        SyntheticData.Sample a = SyntheticData.pair(0.2, 0.4, 500, D, SyntheticData.Magnitudes.BOOLEAN, 0,
                SyntheticData.Sampling.IID, 9, 1);
        SyntheticData.Sample b = SyntheticData.pair(0.2, 0.4, 500, D, SyntheticData.Magnitudes.BOOLEAN, 0,
                SyntheticData.Sampling.IID, 9, 1);
        assertArrayEquals(a.x(), b.x());
        for (int i = 0; i < 2; i++) {
            double s = 0;
            for (float v : a.direction(i)) s += v * v;
            assertEquals(1, s, 1e-5);
        }
        for (int r = 0; r < a.n(); r++) {
            for (int c = 0; c < D; c++) {
                double e = 0;
                for (int i = 0; i < 2; i++) if (a.active(r, i)) e += a.direction(i)[c];
                assertEquals(e, a.x()[r * D + c], 1e-6);
            }
        }
        SyntheticData.Sample other = SyntheticData.pair(0.2, 0.4, 500, D, SyntheticData.Magnitudes.BOOLEAN, 0,
                SyntheticData.Sampling.IID, 9, 2);
        assertTrue(!java.util.Arrays.equals(a.x(), other.x()));
    }

    @Test
    void orthogonalDirectionsAndNoise() {
        float[] f = SyntheticData.randomDirections(5, 8, 4, true);
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) {
                double dot = 0;
                for (int c = 0; c < 8; c++) dot += f[i * 8 + c] * f[j * 8 + c];
                assertEquals(i == j ? 1 : 0, dot, 1e-6);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> SyntheticData.randomDirections(9, 8, 4, true));
        SyntheticData.Sample s = SyntheticData.pair(0.1, 0, 20_000, D, SyntheticData.Magnitudes.BOOLEAN, 0.05,
                SyntheticData.Sampling.EXACT, 1, 1);
        // Rows with no feature are pure noise: per-coordinate variance sigma^2.
        double ss = 0;
        long cnt = 0;
        for (int r = 0; r < s.n(); r++) {
            if (s.active(r, 0) || s.active(r, 1)) continue;
            for (int c = 0; c < D; c++) ss += s.x()[r * D + c] * s.x()[r * D + c];
            cnt += D;
        }
        assertEquals(0.05 * 0.05, ss / cnt, 0.05 * 0.05 * 0.05);
    }

    @Test
    void hierarchyChildrenOnlyWithParentAndRatesMatch() {
        double p = 0.4;
        double[] r = {0.1, 0.2, 0.3};
        int n = 30_000;
        SyntheticData.Sample s = SyntheticData.hierarchy(p, r, n, D, SyntheticData.Magnitudes.BOOLEAN, 0,
                SyntheticData.Sampling.IID, 2, 3);
        long parent = 0;
        long[] child = new long[r.length];
        for (int row = 0; row < n; row++) {
            int kids = 0;
            for (int i = 0; i < r.length; i++) {
                if (s.active(row, i + 1)) {
                    kids++;
                    child[i]++;
                    assertTrue(s.active(row, 0), "child without parent in row " + row);
                }
            }
            assertTrue(kids <= 1, "children are exclusive");
            if (s.active(row, 0)) parent++;
        }
        assertEquals(p, (double) parent / n, 4 * Math.sqrt(p * (1 - p) / n));
        for (int i = 0; i < r.length; i++) {
            assertEquals(r[i], (double) child[i] / parent, 4 * Math.sqrt(r[i] * (1 - r[i]) / parent));
        }
    }

    @Test
    void continuousMagnitudesStayInRange() {
        SyntheticData.Sample s = SyntheticData.pair(0.3, 0.2, 2000, D, new SyntheticData.Magnitudes(0.5, 1.5), 0,
                SyntheticData.Sampling.IID, 1, 1);
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (float m : s.magnitude()) {
            if (m == 0) continue;
            lo = Math.min(lo, m);
            hi = Math.max(hi, m);
        }
        assertTrue(lo >= 0.5 && hi <= 1.5 && hi - lo > 0.9, lo + " " + hi);
        assertThrows(IllegalArgumentException.class, () -> new SyntheticData.Magnitudes(0, 1));
    }

    @Test
    void rejectsImpossibleRequests() {
        assertThrows(IllegalArgumentException.class, () -> SyntheticData.pairProbabilities(0.1, 1.5));
        assertThrows(IllegalArgumentException.class, () -> SyntheticData.pairProbabilities(0.6, -0.9));
        assertThrows(IllegalArgumentException.class, () -> SyntheticData.hierarchyProbabilities(0.3, 0.6, 0.6));
        assertThrows(IllegalArgumentException.class, () -> SyntheticData.pair(0.1, 0, 0, D, SyntheticData.Magnitudes.BOOLEAN, 0,
                SyntheticData.Sampling.IID, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> SyntheticData.pair(0.1, 0, 10, D, SyntheticData.Magnitudes.BOOLEAN, -1,
                SyntheticData.Sampling.IID, 1, 1));
    }
}
