package org.mdlsae.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateDistortionTest {
    private static RateDistortion.Curve curve(int width, double[] mse, double[] dl) {
        List<RateDistortion.Point> p = new ArrayList<>();
        for (int b = 0; b < mse.length; b++) p.add(new RateDistortion.Point(b + 1, mse[b], dl[b]));
        return new RateDistortion.Curve(width, 4, mse[mse.length - 1], p);
    }

    /** Two straight lines in (log10 MSE, DL) that cross once, where the arithmetic says. */
    @Test
    void crossingWhereTheLinesMeet() {
        // a: DL = 10 − 10·log10 MSE at MSE 1e-1, 1e-2, 1e-3 → 20, 30, 40; b: DL = 25 − 2.5·log10 MSE → 27.5, 30, 32.5
        RateDistortion.Curve a = curve(16, new double[] {1e-1, 1e-2, 1e-3}, new double[] {20, 30, 40});
        RateDistortion.Curve b = curve(32, new double[] {1e-1, 1e-2, 1e-3}, new double[] {27.5, 30, 32.5});
        List<RateDistortion.Crossing> x = RateDistortion.crossings(List.of(a, b));
        assertEquals(1, x.size());
        assertEquals(1e-2, x.get(0).mse(), 1e-12);
        assertEquals(30, x.get(0).dlBits(), 1e-9);
        assertEquals(b.label(), x.get(0).cheaperBelow(), "at tighter tolerance the flatter curve is cheaper");
        RateDistortion.Curve c = curve(64, new double[] {1e-1, 1e-2, 1e-3}, new double[] {50, 60, 70});
        assertTrue(RateDistortion.crossings(List.of(a, c)).isEmpty(), "a curve always above another never crosses it");
    }

    /** Precisions past the unquantised MSE (more bits, no less error) are off the frontier. */
    @Test
    void frontierDropsPrecisionsThatBuyNothing() {
        RateDistortion.Curve a = curve(16, new double[] {0.5, 0.2, 0.1, 0.1, 0.1000001}, new double[] {5, 8, 12, 16, 20});
        double[][] f = RateDistortion.frontier(a);
        assertEquals(3, f.length);
        assertEquals(Math.log10(0.1), f[0][0], 1e-12);
        assertEquals(12, f[0][1], 0.0);
    }
}
