package org.mdlsae.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector API bodies of {@link Sparse}; loaded only when the incubator module is present. */
final class VectorSparse {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private VectorSparse() {
    }

    static void axpyMany(float[] y, int yo, float[] base, boolean zero, float[] x, int[] xo, float[] alpha, int m, int d) {
        int vecEnd = d - d % L;
        int c = 0;
        for (; c + 4 * L <= vecEnd; c += 4 * L) {
            FloatVector a0, a1, a2, a3;
            if (base != null) {
                a0 = FloatVector.fromArray(S, base, c);
                a1 = FloatVector.fromArray(S, base, c + L);
                a2 = FloatVector.fromArray(S, base, c + 2 * L);
                a3 = FloatVector.fromArray(S, base, c + 3 * L);
            } else if (zero) {
                a0 = a1 = a2 = a3 = FloatVector.zero(S);
            } else {
                a0 = FloatVector.fromArray(S, y, yo + c);
                a1 = FloatVector.fromArray(S, y, yo + c + L);
                a2 = FloatVector.fromArray(S, y, yo + c + 2 * L);
                a3 = FloatVector.fromArray(S, y, yo + c + 3 * L);
            }
            for (int q = 0; q < m; q++) {
                FloatVector va = FloatVector.broadcast(S, alpha[q]);
                int o = xo[q] + c;
                a0 = FloatVector.fromArray(S, x, o).fma(va, a0);
                a1 = FloatVector.fromArray(S, x, o + L).fma(va, a1);
                a2 = FloatVector.fromArray(S, x, o + 2 * L).fma(va, a2);
                a3 = FloatVector.fromArray(S, x, o + 3 * L).fma(va, a3);
            }
            a0.intoArray(y, yo + c);
            a1.intoArray(y, yo + c + L);
            a2.intoArray(y, yo + c + 2 * L);
            a3.intoArray(y, yo + c + 3 * L);
        }
        for (; c < vecEnd; c += L) {
            FloatVector a0 = base != null ? FloatVector.fromArray(S, base, c)
                    : zero ? FloatVector.zero(S) : FloatVector.fromArray(S, y, yo + c);
            for (int q = 0; q < m; q++) a0 = FloatVector.fromArray(S, x, xo[q] + c).fma(FloatVector.broadcast(S, alpha[q]), a0);
            a0.intoArray(y, yo + c);
        }
        for (; c < d; c++) {
            float s = base != null ? base[c] : zero ? 0f : y[yo + c];
            for (int q = 0; q < m; q++) s += alpha[q] * x[xo[q] + c];
            y[yo + c] = s;
        }
    }

    static void axpySubMany(float[] y, int yo, float[] x, int[] xo, float[] sub, float[] alpha, int m, int d) {
        int vecEnd = d - d % L;
        int c = 0;
        for (; c + 4 * L <= vecEnd; c += 4 * L) {
            FloatVector a0 = FloatVector.fromArray(S, y, yo + c);
            FloatVector a1 = FloatVector.fromArray(S, y, yo + c + L);
            FloatVector a2 = FloatVector.fromArray(S, y, yo + c + 2 * L);
            FloatVector a3 = FloatVector.fromArray(S, y, yo + c + 3 * L);
            FloatVector s0 = FloatVector.fromArray(S, sub, c);
            FloatVector s1 = FloatVector.fromArray(S, sub, c + L);
            FloatVector s2 = FloatVector.fromArray(S, sub, c + 2 * L);
            FloatVector s3 = FloatVector.fromArray(S, sub, c + 3 * L);
            for (int q = 0; q < m; q++) {
                FloatVector va = FloatVector.broadcast(S, alpha[q]);
                int o = xo[q] + c;
                a0 = FloatVector.fromArray(S, x, o).sub(s0).fma(va, a0);
                a1 = FloatVector.fromArray(S, x, o + L).sub(s1).fma(va, a1);
                a2 = FloatVector.fromArray(S, x, o + 2 * L).sub(s2).fma(va, a2);
                a3 = FloatVector.fromArray(S, x, o + 3 * L).sub(s3).fma(va, a3);
            }
            a0.intoArray(y, yo + c);
            a1.intoArray(y, yo + c + L);
            a2.intoArray(y, yo + c + 2 * L);
            a3.intoArray(y, yo + c + 3 * L);
        }
        for (; c < vecEnd; c += L) {
            FloatVector a0 = FloatVector.fromArray(S, y, yo + c);
            FloatVector s0 = FloatVector.fromArray(S, sub, c);
            for (int q = 0; q < m; q++) {
                a0 = FloatVector.fromArray(S, x, xo[q] + c).sub(s0).fma(FloatVector.broadcast(S, alpha[q]), a0);
            }
            a0.intoArray(y, yo + c);
        }
        for (; c < d; c++) {
            float s = y[yo + c];
            for (int q = 0; q < m; q++) s += alpha[q] * (x[xo[q] + c] - sub[c]);
            y[yo + c] = s;
        }
    }

    /** Four dot products per pass over a, each with {@link VectorSimd#dot}'s exact accumulation pattern. */
    static void dotMany(float[] a, int ao, float[] b, int[] bo, float[] out, int m, int d) {
        int q = 0;
        for (; q + 4 <= m; q += 4) {
            int b0 = bo[q], b1 = bo[q + 1], b2 = bo[q + 2], b3 = bo[q + 3];
            FloatVector e0 = FloatVector.zero(S), o0 = FloatVector.zero(S);
            FloatVector e1 = FloatVector.zero(S), o1 = FloatVector.zero(S);
            FloatVector e2 = FloatVector.zero(S), o2 = FloatVector.zero(S);
            FloatVector e3 = FloatVector.zero(S), o3 = FloatVector.zero(S);
            int c = 0;
            for (; c + 2 * L <= d; c += 2 * L) {
                FloatVector xa = FloatVector.fromArray(S, a, ao + c);
                FloatVector xb = FloatVector.fromArray(S, a, ao + c + L);
                e0 = xa.fma(FloatVector.fromArray(S, b, b0 + c), e0);
                o0 = xb.fma(FloatVector.fromArray(S, b, b0 + c + L), o0);
                e1 = xa.fma(FloatVector.fromArray(S, b, b1 + c), e1);
                o1 = xb.fma(FloatVector.fromArray(S, b, b1 + c + L), o1);
                e2 = xa.fma(FloatVector.fromArray(S, b, b2 + c), e2);
                o2 = xb.fma(FloatVector.fromArray(S, b, b2 + c + L), o2);
                e3 = xa.fma(FloatVector.fromArray(S, b, b3 + c), e3);
                o3 = xb.fma(FloatVector.fromArray(S, b, b3 + c + L), o3);
            }
            for (; c + L <= d; c += L) {
                FloatVector xa = FloatVector.fromArray(S, a, ao + c);
                e0 = xa.fma(FloatVector.fromArray(S, b, b0 + c), e0);
                e1 = xa.fma(FloatVector.fromArray(S, b, b1 + c), e1);
                e2 = xa.fma(FloatVector.fromArray(S, b, b2 + c), e2);
                e3 = xa.fma(FloatVector.fromArray(S, b, b3 + c), e3);
            }
            float s0 = e0.add(o0).reduceLanes(VectorOperators.ADD);
            float s1 = e1.add(o1).reduceLanes(VectorOperators.ADD);
            float s2 = e2.add(o2).reduceLanes(VectorOperators.ADD);
            float s3 = e3.add(o3).reduceLanes(VectorOperators.ADD);
            for (; c < d; c++) {
                float av = a[ao + c];
                s0 += av * b[b0 + c];
                s1 += av * b[b1 + c];
                s2 += av * b[b2 + c];
                s3 += av * b[b3 + c];
            }
            out[q] = s0;
            out[q + 1] = s1;
            out[q + 2] = s2;
            out[q + 3] = s3;
        }
        for (; q < m; q++) out[q] = VectorSimd.dot(a, ao, b, bo[q], d);
    }
}
