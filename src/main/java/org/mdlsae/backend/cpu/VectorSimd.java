package org.mdlsae.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector API bodies of {@link Simd}; loaded only when the incubator module is present. */
final class VectorSimd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private VectorSimd() {
    }

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc0 = FloatVector.zero(S), acc1 = FloatVector.zero(S);
        int c = 0;
        for (; c + 2 * L <= n; c += 2 * L) {
            acc0 = FloatVector.fromArray(S, a, ao + c).fma(FloatVector.fromArray(S, b, bo + c), acc0);
            acc1 = FloatVector.fromArray(S, a, ao + c + L).fma(FloatVector.fromArray(S, b, bo + c + L), acc1);
        }
        for (; c + L <= n; c += L) {
            acc0 = FloatVector.fromArray(S, a, ao + c).fma(FloatVector.fromArray(S, b, bo + c), acc0);
        }
        float s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; c < n; c++) s += a[ao + c] * b[bo + c];
        return s;
    }

    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        int c = 0;
        for (; c + L <= n; c += L) {
            FloatVector.fromArray(S, x, xo + c).fma(va, FloatVector.fromArray(S, y, yo + c)).intoArray(y, yo + c);
        }
        for (; c < n; c++) y[yo + c] += alpha * x[xo + c];
    }

    static void axpySub(float alpha, float[] x, int xo, float[] sub, float[] y, int yo, int n) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        int c = 0;
        for (; c + L <= n; c += L) {
            FloatVector d = FloatVector.fromArray(S, x, xo + c).sub(FloatVector.fromArray(S, sub, c));
            d.fma(va, FloatVector.fromArray(S, y, yo + c)).intoArray(y, yo + c);
        }
        for (; c < n; c++) y[yo + c] += alpha * (x[xo + c] - sub[c]);
    }
}
