package org.mdlsae.backend.cpu;

/**
 * Vector kernels of the sparse ops (dot products and axpy over a row of d floats). C2 does not vectorise
 * float reductions, so dot products go through the Vector API when the incubator module is present;
 * otherwise a plain loop with four independent accumulators.
 */
final class Simd {
    private static final boolean VECTOR = Gemm.vectorized();

    private Simd() {
    }

    /** Σ_c a[ao+c]·b[bo+c] for c &lt; n. */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        if (VECTOR) return VectorSimd.dot(a, ao, b, bo, n);
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int c = 0;
        for (; c + 4 <= n; c += 4) {
            s0 += a[ao + c] * b[bo + c];
            s1 += a[ao + c + 1] * b[bo + c + 1];
            s2 += a[ao + c + 2] * b[bo + c + 2];
            s3 += a[ao + c + 3] * b[bo + c + 3];
        }
        for (; c < n; c++) s0 += a[ao + c] * b[bo + c];
        return (s0 + s1) + (s2 + s3);
    }

    /** y[yo+c] += alpha·x[xo+c] for c &lt; n. */
    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        if (VECTOR) {
            VectorSimd.axpy(alpha, x, xo, y, yo, n);
            return;
        }
        for (int c = 0; c < n; c++) y[yo + c] += alpha * x[xo + c];
    }

    /** y[yo+c] += alpha·(x[xo+c] − sub[c]) for c &lt; n. */
    static void axpySub(float alpha, float[] x, int xo, float[] sub, float[] y, int yo, int n) {
        if (VECTOR) {
            VectorSimd.axpySub(alpha, x, xo, sub, y, yo, n);
            return;
        }
        for (int c = 0; c < n; c++) y[yo + c] += alpha * (x[xo + c] - sub[c]);
    }
}
