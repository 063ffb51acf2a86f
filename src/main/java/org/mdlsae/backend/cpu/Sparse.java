package org.mdlsae.backend.cpu;

/**
 * Register-blocked kernels of the sparse ops: a row of d floats updated by a group of m entries at once, so the
 * row is loaded and stored once per group instead of once per entry. Each element still sees exactly the
 * operations of the one-entry loops of {@link Simd} in the same order (vector FMA over the first
 * ⌊d/L⌋·L elements, unfused multiply-add in the scalar tail), so results are bit-identical to them.
 */
final class Sparse {
    private static final boolean VECTOR = Gemm.vectorized();
    /** Entries per group (scratch size). */
    static final int GROUP = 16;

    private Sparse() {
    }

    /**
     * y[yo + c] = init + Σ_{q &lt; m} alpha[q]·x[xo[q] + c] for c &lt; d, entries applied in order. init is
     * base[c] (base non-null), 0 (zero), or the current y (otherwise).
     */
    static void axpyMany(float[] y, int yo, float[] base, boolean zero, float[] x, int[] xo, float[] alpha, int m, int d) {
        if (VECTOR) {
            VectorSparse.axpyMany(y, yo, base, zero, x, xo, alpha, m, d);
            return;
        }
        if (base != null) System.arraycopy(base, 0, y, yo, d);
        else if (zero) java.util.Arrays.fill(y, yo, yo + d, 0f);
        for (int q = 0; q < m; q++) Simd.axpy(alpha[q], x, xo[q], y, yo, d);
    }

    /** y[yo + c] += Σ_{q &lt; m} alpha[q]·(x[xo[q] + c] − sub[c]) for c &lt; d, entries applied in order. */
    static void axpySubMany(float[] y, int yo, float[] x, int[] xo, float[] sub, float[] alpha, int m, int d) {
        if (VECTOR) {
            VectorSparse.axpySubMany(y, yo, x, xo, sub, alpha, m, d);
            return;
        }
        for (int q = 0; q < m; q++) Simd.axpySub(alpha[q], x, xo[q], sub, y, yo, d);
    }

    /** out[q] = Σ_c a[ao + c]·b[bo[q] + c] for q &lt; m, each exactly as {@link Simd#dot}. */
    static void dotMany(float[] a, int ao, float[] b, int[] bo, float[] out, int m, int d) {
        if (VECTOR) {
            VectorSparse.dotMany(a, ao, b, bo, out, m, d);
            return;
        }
        for (int q = 0; q < m; q++) out[q] = Simd.dot(a, ao, b, bo[q], d);
    }
}
