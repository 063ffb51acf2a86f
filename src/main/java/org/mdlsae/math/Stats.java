package org.mdlsae.math;

/** Summary statistics of row-major activation matrices. */
public final class Stats {
    private Stats() {
    }

    /**
     * Σ‖x − x̄‖² over the rows of an n×d matrix (x̄ the per-dimension mean), two passes in double: the
     * denominator of FVU.
     */
    public static double sumSqDeviation(float[] x, int n, int d) {
        double[] mean = new double[d];
        for (int r = 0; r < n; r++) for (int c = 0; c < d; c++) mean[c] += x[r * d + c];
        for (int c = 0; c < d; c++) mean[c] /= n;
        double s = 0;
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < d; c++) {
                double v = x[r * d + c] - mean[c];
                s += v * v;
            }
        }
        return s;
    }
}
