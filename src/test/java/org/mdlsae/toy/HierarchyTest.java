package org.mdlsae.toy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mdlsae.math.Entropy;

class HierarchyTest {
    @Test
    void designVector() {
        Hierarchy.Codes c = Hierarchy.codes(0.1, 0.5);
        assertEquals(0.755393, c.coactiveFlat(), 1e-6);
        assertEquals(0.572794, c.exclusiveFlat(), 1e-6);
        assertEquals(0.568996, c.tree(), 1e-6);
        assertEquals(0.755393 - 0.568996, c.treeSavingVsCoactive(), 2e-6);
    }

    /** The tree code is the joint entropy of (P, C_1..C_N) and never longer than either flat code. */
    @Test
    void treeIsJointEntropyAndLeast() {
        for (double p : new double[] {0.01, 0.1, 0.3, 0.6, 0.95}) {
            for (int n = 1; n <= 5; n++) {
                for (double r : new double[] {0.05, 0.1, 1.0 / n}) {
                    Hierarchy.Codes c = Hierarchy.codes(p, r, n);
                    double[] joint = new double[n + 2];
                    for (int i = 0; i < n; i++) joint[i] = p * r;
                    joint[n] = p * (1 - n * r);
                    joint[n + 1] = 1 - p;
                    double s = 0;
                    for (double v : joint) s += v;
                    for (int i = 0; i < joint.length; i++) joint[i] /= s;
                    assertEquals(Entropy.ofProbabilities(joint), c.tree(), 1e-9);
                    assertTrue(c.tree() <= c.exclusiveFlat() + 1e-12);
                    assertTrue(c.tree() <= c.coactiveFlat() + 1e-12);
                }
            }
        }
    }

    /** The exclusive code's excess over the tree grows with the number of children and with p. */
    @Test
    void exclusiveExcessGrowsWithChildrenAndP() {
        double one = Hierarchy.codes(0.1, 0.2, 1).treeSavingVsExclusive();
        double four = Hierarchy.codes(0.1, 0.2, 4).treeSavingVsExclusive();
        assertTrue(four > one, one + " vs " + four);
        assertTrue(Hierarchy.codes(0.4, 0.2, 4).treeSavingVsExclusive() > four);
    }

    @Test
    void generalisedFormulas() {
        double p = 0.2;
        double[] r = {0.1, 0.3, 0.4};
        assertEquals(Entropy.h(p) + Entropy.h(0.02) + Entropy.h(0.06) + Entropy.h(0.08), Hierarchy.coactiveFlat(p, r), 1e-12);
        assertEquals(Entropy.h(0.02) + Entropy.h(0.06) + Entropy.h(0.08) + Entropy.h(p * 0.2), Hierarchy.exclusiveFlat(p, r), 1e-12);
        assertEquals(Entropy.h(p) + p * Entropy.ofProbabilities(0.1, 0.3, 0.4, 0.2), Hierarchy.tree(p, r), 1e-12);
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> Hierarchy.codes(0.1, 0.5, 3)); // Σ r = 1.5
        assertThrows(IllegalArgumentException.class, () -> Hierarchy.codes(1.1, 0.5));
        assertThrows(IllegalArgumentException.class, () -> Hierarchy.codes(0.1, -0.5));
        assertThrows(IllegalArgumentException.class, () -> Hierarchy.codes(0.1, 0.5, 0));
        assertThrows(IllegalArgumentException.class, () -> Hierarchy.codes(0.1));
    }
}
