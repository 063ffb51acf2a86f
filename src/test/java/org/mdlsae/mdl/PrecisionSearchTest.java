package org.mdlsae.mdl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrecisionSearchTest {
    /** A non-monotone curve: B = 3 passes, B = 4 fails, B = 5.. pass. */
    private static final double[] CURVE = {0.5, 0.2, 0.0093, 0.011, 0.0095, 0.0091, 0.0090, 0.0090, 0.0090, 0.0090, 0.0090,
            0.0090, 0.0090, 0.0090, 0.0090, 0.0090};

    @Test
    void epsilonModeReturnsSmallestPassingB() {
        assertEquals(3, PrecisionSearch.epsilon(0.0089, 0.0100, PrecisionSearch.fromArray(CURVE)));
        assertEquals(6, PrecisionSearch.epsilon(0.0089, 0.0092, PrecisionSearch.fromArray(CURVE)));
        assertEquals(1, PrecisionSearch.epsilon(0.0089, 0.6, PrecisionSearch.fromArray(CURVE)));
    }

    @Test
    void epsilonModeScansUpwardAndStops() {
        List<Integer> probed = new ArrayList<>();
        Integer b = PrecisionSearch.epsilon(0.0089, 0.0100, bits -> {
            probed.add(bits);
            return CURVE[bits - 1];
        });
        assertEquals(3, b);
        assertEquals(List.of(1, 2, 3), probed);
    }

    @Test
    void epsilonModeInadmissible() {
        // unquantised already above ε
        assertNull(PrecisionSearch.epsilon(0.02, 0.015, PrecisionSearch.fromArray(CURVE)));
        // never reached by B ≤ 16
        assertNull(PrecisionSearch.epsilon(0.0089, 0.00895, PrecisionSearch.fromArray(CURVE)));
        assertNull(PrecisionSearch.epsilon(Double.NaN, 0.01, PrecisionSearch.fromArray(CURVE)));
        assertThrows(IllegalArgumentException.class, () -> PrecisionSearch.epsilon(0.01, 0, b -> 0));
        assertThrows(IllegalArgumentException.class, () -> PrecisionSearch.epsilon(0.01, -1, b -> 0));
    }

    @Test
    void deltaMode() {
        assertEquals(3, PrecisionSearch.delta(0.0089, 0.0005, PrecisionSearch.fromArray(CURVE)));
        assertEquals(6, PrecisionSearch.delta(0.0089, 0.00025, PrecisionSearch.fromArray(CURVE)));
        assertEquals(2, PrecisionSearch.delta(0.0089, 0.2, PrecisionSearch.fromArray(CURVE)));
        assertNull(PrecisionSearch.delta(0.0089, 0.00005, PrecisionSearch.fromArray(CURVE)));
        // δ mode has no ε: even an SAE with large unquantised MSE gets a B*
        assertEquals(1, PrecisionSearch.delta(5.0, 0.0, b -> 4.0));
        assertThrows(IllegalArgumentException.class, () -> PrecisionSearch.delta(0.01, -1e-3, b -> 0));
    }
}
