package org.mdlsae.codec;

import java.util.Arrays;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.mdlsae.InputException;
import org.mdlsae.math.Entropy;
import org.mdlsae.math.Rows;

/**
 * The PCA code of the comparison (docs/design.md §13): the principal components of the calibration rows (Commons Math's
 * symmetric eigen-solver on the d×d covariance), each evaluation row sent as its first m coefficients, quantised with
 * one uniform step Δ (q = round(c/Δ), decoded q·Δ; a common step is the rate–distortion-optimal choice for
 * entropy-coded uniform quantisers) and entropy-coded per component. Because the basis is orthonormal, the squared
 * error splits exactly into the residual of the dropped components plus each kept component's quantisation error, so
 * every (m, Δ) on a grid of steps is priced without reconstructing; the cheapest pair that meets ε is then
 * reconstructed in full and checked.
 *
 * <p>Memory: the d×d covariance and basis and the evaluation rows' d coefficients each (N·d floats).
 */
final class Pca {
    /** Steps tried: Δ = σ_1·2^(−g/8), g = 0..GRID−1 (σ_1 the largest component's standard deviation). */
    static final int GRID = 120;

    private Pca() {
    }

    /**
     * The PCA code at ε.
     *
     * @param mMin         fewest components whose unquantised reconstruction meets ε
     * @param m            components the cheapest code keeps
     * @param step         its quantiser step Δ
     * @param entropyBits  Σ over kept components of the plug-in entropy of q, bits per sample
     * @param payloadBytes the range-coded coefficients
     * @param modelBytes   the per-component models (deflated)
     * @param mse          MSE of the full reconstruction (checked, ≤ ε)
     */
    record Result(int mMin, int m, double step, double entropyBits, long payloadBytes, long modelBytes, double mse) {
    }

    /**
     * Fits PCA on {@code calib} and codes {@code data} at ε.
     *
     * @throws InputException if no m ≤ d meets ε (ε below what the data's float precision allows)
     */
    static Result code(Rows calib, Rows data, double eps) {
        int d = calib.dim();
        double[] mean = new double[d];
        calib.forEachChunk(4096, (row0, n, x, off) -> {
            for (int r = 0; r < n; r++) for (int c = 0; c < d; c++) mean[c] += x[off + r * d + c];
        });
        for (int c = 0; c < d; c++) mean[c] /= calib.rowCount();
        double[][] cov = new double[d][d];
        double[] v = new double[d];
        calib.forEachChunk(4096, (row0, n, x, off) -> {
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < d; c++) v[c] = x[off + r * d + c] - mean[c];
                for (int a = 0; a < d; a++) {
                    double va = v[a];
                    if (va == 0) continue;
                    double[] row = cov[a];
                    for (int b = a; b < d; b++) row[b] += va * v[b];
                }
            }
        });
        for (int a = 0; a < d; a++) for (int b = a; b < d; b++) cov[b][a] = cov[a][b] /= calib.rowCount();
        EigenDecomposition eig = new EigenDecomposition(new Array2DRowRealMatrix(cov, false));
        double[] lambda = eig.getRealEigenvalues();
        Integer[] order = new Integer[d];
        for (int i = 0; i < d; i++) order[i] = i;
        Arrays.sort(order, (p, q) -> Double.compare(lambda[q], lambda[p]));
        RealMatrix vecs = eig.getV();
        double[][] basis = new double[d][]; // basis[i] = i-th component (length d)
        for (int i = 0; i < d; i++) basis[i] = vecs.getColumn(order[i]);

        long rows = data.rowCount();
        if (rows * d > Integer.MAX_VALUE - 8) throw new InputException("PCA comparison: too many rows to hold in memory");
        int nRows = (int) rows;
        float[][] coef = new float[d][nRows];
        double[] c2 = new double[d];
        double[] total = {0};
        data.forEachChunk(4096, (row0, n, x, off) -> {
            double[] u = new double[d];
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < d; c++) {
                    u[c] = x[off + r * d + c] - mean[c];
                    total[0] += u[c] * u[c];
                }
                for (int i = 0; i < d; i++) {
                    double s = 0;
                    double[] b = basis[i];
                    for (int c = 0; c < d; c++) s += u[c] * b[c];
                    coef[i][(int) row0 + r] = (float) s;
                    c2[i] += s * s;
                }
            }
        });
        double budget = eps * rows * d;
        int mMin = -1;
        double resid = total[0];
        for (int m = 0; m <= d && mMin < 0; m++) {
            if (resid <= budget) mMin = m;
            if (m < d) resid -= c2[m];
        }
        if (mMin < 0) throw new InputException("PCA comparison: no number of components meets ε = " + eps);

        double sigma = Math.sqrt(Math.max(lambda[order[0]], 1e-30));
        // candidates: (bits, m, g) for every step on the grid, the cheapest m meeting ε at that step
        double bestBits = Double.POSITIVE_INFINITY;
        int bestM = -1;
        double bestStep = 0;
        double[] seq = new double[d];
        double[] hq = new double[d];
        float[][] sorted = new float[d][];
        for (int i = 0; i < d; i++) {
            sorted[i] = coef[i].clone();
            Arrays.sort(sorted[i]);
        }
        for (int g = 0; g < GRID; g++) {
            double step = sigma * Math.pow(2, -g / 8.0);
            for (int i = 0; i < d; i++) {
                double[] eh = quantStats(sorted[i], step);
                seq[i] = eh[0];
                hq[i] = eh[1];
            }
            double err = total[0], bits = 0;
            for (int m = 0; m <= d; m++) {
                if (m >= mMin && err <= budget && bits < bestBits) {
                    bestBits = bits;
                    bestM = m;
                    bestStep = step;
                }
                if (m < d) {
                    err += seq[m] - c2[m];
                    bits += hq[m];
                }
            }
        }
        if (bestM < 0) throw new InputException("PCA comparison: no quantised PCA code meets ε = " + eps);
        // the split of the error is exact only in real arithmetic: reconstruct and check, refining Δ if it misses
        double step = bestStep;
        double mse = reconstructMse(data, mean, basis, coef, bestM, step);
        while (mse > eps) {
            step *= Math.pow(2, -1 / 32.0);
            mse = reconstructMse(data, mean, basis, coef, bestM, step);
        }
        int[][] sym = new int[bestM][nRows];
        for (int i = 0; i < bestM; i++) for (int r = 0; r < nRows; r++) sym[i][r] = (int) Math.round(coef[i][r] / step);
        ColumnCode.Result cc = ColumnCode.of(sym);
        return new Result(mMin, bestM, step, cc.entropyBits(), cc.payloadBytes(), cc.modelBytes(), mse);
    }

    /**
     * {Σ (c − Δ·round(c/Δ))², plug-in entropy of round(c/Δ)} for one component's coefficients, given sorted: the
     * symbols are then non-decreasing and each symbol's count is a run.
     */
    private static double[] quantStats(float[] sorted, double step) {
        double se = 0;
        long[] counts = new long[sorted.length];
        int k = -1;
        long prev = Long.MIN_VALUE;
        for (float c : sorted) {
            long s = Math.round(c / step);
            double e = c - s * step;
            se += e * e;
            if (s != prev) {
                k++;
                prev = s;
            }
            counts[k]++;
        }
        return new double[] {se, Entropy.ofCounts(counts, 0, k + 1)};
    }

    private static double reconstructMse(Rows data, double[] mean, double[][] basis, float[][] coef, int m, double step) {
        int d = data.dim();
        double[] se = {0};
        data.forEachChunk(4096, (row0, n, x, off) -> {
            double[] xh = new double[d];
            for (int r = 0; r < n; r++) {
                System.arraycopy(mean, 0, xh, 0, d);
                for (int i = 0; i < m; i++) {
                    double a = Math.round(coef[i][(int) row0 + r] / step) * step;
                    if (a == 0) continue;
                    double[] b = basis[i];
                    for (int c = 0; c < d; c++) xh[c] += a * b[c];
                }
                for (int c = 0; c < d; c++) {
                    double e = x[off + r * d + c] - (float) xh[c];
                    se[0] += e * e;
                }
            }
        });
        return se[0] / ((double) data.rowCount() * d);
    }
}
