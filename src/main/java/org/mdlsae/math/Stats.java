package org.mdlsae.math;

/**
 * Summary statistics of row-major activation matrices, in memory or streamed ({@link Rows}). The streamed forms add
 * in exactly the order of the in-memory ones (rows in order, values of a row in order), so both give the same double
 * for the same rows.
 */
public final class Stats {
    private Stats() {
    }

    /**
     * Σ‖x − x̄‖² over the rows of an n×d matrix (x̄ the per-dimension mean), two passes in double: the
     * denominator of FVU.
     */
    public static double sumSqDeviation(float[] x, int n, int d) {
        double[] mean = new double[d];
        addColumnSums(mean, x, 0, n);
        return addSqDeviation(0, divide(mean, n), x, 0, n);
    }

    /**
     * Σ‖x − x̄‖² over all rows, streamed: one pass for the mean, one for the deviations.
     *
     * @param x         the rows
     * @param chunkRows rows read at a time
     * @return the sum of squared deviations
     */
    public static double sumSqDeviation(Rows x, int chunkRows) {
        double[] mean = mean(x, chunkRows);
        double[] s = {0};
        x.forEachChunk(chunkRows, (r0, n, buf, off) -> s[0] = addSqDeviation(s[0], mean, buf, off, n));
        return s[0];
    }

    /**
     * The per-dimension mean of all rows (column sums in double, rows in order, then divided by n).
     *
     * @param x         the rows
     * @param chunkRows rows read at a time
     * @return d means
     */
    public static double[] mean(Rows x, int chunkRows) {
        double[] sum = new double[x.dim()];
        x.forEachChunk(chunkRows, (r0, n, buf, off) -> addColumnSums(sum, buf, off, n));
        return divide(sum, x.rowCount());
    }

    /**
     * Adds the values of n rows to per-column sums.
     *
     * @param sum  d running sums
     * @param buf  the rows, row-major
     * @param off  offset of the first value
     * @param n    rows
     */
    public static void addColumnSums(double[] sum, float[] buf, int off, int n) {
        int d = sum.length;
        for (int r = 0; r < n; r++) {
            int base = off + r * d;
            for (int c = 0; c < d; c++) sum[c] += buf[base + c];
        }
    }

    /**
     * Divides sums by a count in place.
     *
     * @param sum   the sums
     * @param count the count
     * @return {@code sum}, now means
     */
    public static double[] divide(double[] sum, long count) {
        for (int c = 0; c < sum.length; c++) sum[c] /= count;
        return sum;
    }

    /**
     * Continues a sum of squared deviations from {@code mean} over n more rows.
     *
     * @param acc  the sum so far
     * @param mean d means
     * @param buf  the rows, row-major
     * @param off  offset of the first value
     * @param n    rows
     * @return {@code acc} plus their squared deviations, added value by value in row-major order
     */
    public static double addSqDeviation(double acc, double[] mean, float[] buf, int off, int n) {
        int d = mean.length;
        double s = acc;
        for (int r = 0; r < n; r++) {
            int base = off + r * d;
            for (int c = 0; c < d; c++) {
                double v = buf[base + c] - mean[c];
                s += v * v;
            }
        }
        return s;
    }
}
