package org.mdlsae.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class EntropyTest {
    @Test
    void binaryEntropyVectors() {
        assertEquals(0.468996, Entropy.h(0.1), 1e-6);
        assertEquals(1.0, Entropy.h(0.5), 1e-15);
        assertEquals(0.0, Entropy.h(0.0));
        assertEquals(0.0, Entropy.h(1.0));
        assertEquals(Entropy.h(0.3), Entropy.h(0.7), 1e-15);
    }

    @Test
    void binaryEntropyRejectsOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> Entropy.h(-0.1));
        assertThrows(IllegalArgumentException.class, () -> Entropy.h(1.1));
        assertThrows(IllegalArgumentException.class, () -> Entropy.h(Double.NaN));
    }

    @Test
    void countsAndProbabilities() {
        assertEquals(1.5, Entropy.ofCounts(4, 2, 2), 1e-12);
        assertEquals(1.5, Entropy.ofProbabilities(0.5, 0.25, 0.25), 1e-12);
        assertEquals(0.0, Entropy.ofCounts(0, 0));
        assertEquals(0.0, Entropy.ofCounts(7));
        assertEquals(5.0, Entropy.ofCounts(new long[] {9, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                1, 1, 1, 1, 1, 1, 1, 1, 9}, 1, 33), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Entropy.ofCounts(1, -1));
        assertThrows(IllegalArgumentException.class, () -> Entropy.ofProbabilities(0.5, 0.6));
    }
}
