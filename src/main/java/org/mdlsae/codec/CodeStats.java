package org.mdlsae.codec;

import java.util.Arrays;
import org.apache.commons.math3.util.CombinatoricsUtils;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.BinCounts;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.Quantise;
import org.mdlsae.math.Entropy;
import org.mdlsae.math.Rows;
import org.mdlsae.mdl.DescriptionLength;
import org.mdlsae.mdl.PrecisionSearch;
import org.mdlsae.mdl.SparseEncoder;

/**
 * The codec's statistics pass (docs/design.md §13): in one pass over the rows, everything the DL evaluation measures,
 * at every precision B = 1..16: the squared error of the quantised reconstruction (the back end's
 * {@code quantisedSqError}, the op {@code mdlsae dl} scores with, on the same chunks), the per-feature bin histograms
 * ({@code binCounts}) from which the entropy DL and the coder's models come, and, per feature, the squared
 * quantisation error of its values (what the per-feature precision allocation trades against bits).
 *
 * <p>Memory: the 16 merged histograms hold at most min(nnz, D·2^B) keys each, plus O(16·D); nothing grows with N
 * beyond the histograms.
 */
public final class CodeStats {
    final int d;
    final int width;
    final int k;
    final long rows;
    final float[] max;
    final double se0;
    final double[] se = new double[PrecisionSearch.MAX_BITS];
    final BinCounts[] bins = new BinCounts[PrecisionSearch.MAX_BITS];
    /** Entries with v &gt; 0 per feature (whatever its maximum). */
    final long[] active;
    /** Rows by their number of coded entries (v &gt; 0 on a feature with max &gt; 0). */
    final long[] l0Histogram;
    /** [B − 1][j]: Σ over feature j's coded entries of (centre_B(v) − v)². */
    final double[][] valueError;
    /** ‖W_dec[j]‖² per feature. */
    final double[] decNorm2;

    private CodeStats(SparseEncoder model, long rows, float[] max, double se0, double[] se, BinCounts[] bins, long[] active,
                      long[] l0Histogram, double[][] valueError, double[] decNorm2) {
        this.d = model.dIn();
        this.width = model.width();
        this.k = model.k();
        this.rows = rows;
        this.max = max;
        this.se0 = se0;
        System.arraycopy(se, 0, this.se, 0, se.length);
        System.arraycopy(bins, 0, this.bins, 0, bins.length);
        this.active = active;
        this.l0Histogram = l0Histogram;
        this.valueError = valueError;
        this.decNorm2 = decNorm2;
    }

    /**
     * The quantiser's calibration: each feature's largest activation over {@code calib} (0 for a feature never active
     * there: it then decodes to 0 and costs nothing), as {@code Calibration.maxima} computes it.
     *
     * @param model the SAE
     * @param calib calibration rows (normally the train split)
     * @return max_i per latent, length D
     */
    public static float[] maxima(SparseEncoder model, Rows calib) {
        Backend be = model.backend();
        try (FloatBuf mx = be.floats(model.width())) {
            EncodedChunks.forEach(model, calib, "calibration data", (row0, n, x, off, xBuf, code, host) -> be.featureMax(code, mx));
            return be.download(mx);
        }
    }

    /**
     * Measures the code of every row of {@code data} at every precision.
     *
     * @param model the SAE
     * @param data  the rows to code
     * @param max   the quantiser's per-feature maxima ({@link #maxima})
     * @return the statistics
     */
    public static CodeStats measure(SparseEncoder model, Rows data, float[] max) {
        Backend be = model.backend();
        int d = model.dIn(), width = model.width();
        if (max.length != width) throw new IllegalArgumentException("need " + width + " maxima, got " + max.length);
        double[] se0 = {0};
        double[] se = new double[PrecisionSearch.MAX_BITS];
        BinCounts[] bins = new BinCounts[PrecisionSearch.MAX_BITS];
        for (int b = 1; b <= bins.length; b++) bins[b - 1] = new BinCounts(b, new long[0], new long[0]);
        long[] active = new long[width];
        long[] l0 = new long[width + 1];
        double[][] valueError = new double[PrecisionSearch.MAX_BITS][width];
        try (FloatBuf maxBuf = be.upload(max)) {
            EncodedChunks.forEach(model, data, "--data", (row0, n, x, off, xBuf, code, host) -> {
                se0[0] += be.quantisedSqError(code, maxBuf, 0, model.dec(), model.bDec(), xBuf, d);
                for (int b = 1; b <= PrecisionSearch.MAX_BITS; b++) {
                    se[b - 1] += be.quantisedSqError(code, maxBuf, b, model.dec(), model.bDec(), xBuf, d);
                    bins[b - 1] = bins[b - 1].merge(be.binCounts(code, maxBuf, b));
                }
                int[] rp = host.rowPtr(), ix = host.idx();
                float[] vs = host.val();
                for (int r = 0; r < n; r++) {
                    int coded = 0;
                    for (int q = rp[r]; q < rp[r + 1]; q++) {
                        int j = ix[q];
                        active[j]++;
                        float m = max[j];
                        if (m <= 0f) continue;
                        coded++;
                        for (int b = 1; b <= PrecisionSearch.MAX_BITS; b++) {
                            double e = Quantise.centre(vs[q], m, b) - vs[q];
                            valueError[b - 1][j] += e * e;
                        }
                    }
                    l0[coded]++;
                }
            });
        }
        return new CodeStats(model, data.rowCount(), max.clone(), se0[0], se, bins, active, l0, valueError,
                rowNorms2(be.download(model.dec()), width, d));
    }

    private static double[] rowNorms2(float[] dec, int width, int d) {
        double[] out = new double[width];
        for (int j = 0; j < width; j++) {
            double s = 0;
            for (int c = 0; c < d; c++) s += (double) dec[j * d + c] * dec[j * d + c];
            out[j] = s;
        }
        return out;
    }

    /**
     * Number of rows N.
     *
     * @return N
     */
    public long rows() {
        return rows;
    }

    /**
     * Unquantised reconstruction MSE (mean over N·d elements).
     *
     * @return MSE
     */
    public double mse() {
        long nd = rows * d;
        return se0 / nd;
    }

    /**
     * Quantised MSE at B = 1..16 (index B − 1), exactly as {@code mdlsae dl} reports {@code mse_by_bits}.
     *
     * @return a new array
     */
    public double[] mseByBits() {
        double[] out = new double[se.length];
        long nd = rows * d;
        for (int b = 0; b < se.length; b++) out[b] = se[b] / nd;
        return out;
    }

    /**
     * B*: the smallest B whose quantised MSE is ≤ ε ({@link PrecisionSearch#epsilon}).
     *
     * @param eps ε in MSE units
     * @return B*, or null if the SAE is not ε-admissible
     */
    public Integer bStar(double eps) {
        return PrecisionSearch.epsilon(mse(), eps, PrecisionSearch.fromArray(mseByBits()));
    }

    /**
     * Entropy DL at uniform precision B, bits per sample ({@link DescriptionLength#entropyBits}).
     *
     * @param bits B in 1..16
     * @return Σ_i H_i
     */
    public double dlBits(int bits) {
        return DescriptionLength.entropyBits(bins[bits - 1], rows, width);
    }

    /**
     * Mean number of active latents per sample.
     *
     * @return L0
     */
    public double l0() {
        long s = 0;
        for (long a : active) s += a;
        return (double) s / rows;
    }

    /**
     * Bits per sample of the activity part of the entropy DL, Σ_i h(p_i) over the coded features: what the codec's
     * activity symbols cost.
     *
     * @return bits per sample
     */
    public double activityBits() {
        long[] coded = codedCounts();
        double s = 0;
        for (long a : coded) s += Entropy.h((double) a / rows);
        return s;
    }

    /**
     * What index-set coding would spend on the same information per sample: the number of coded latents m of each
     * row (its plug-in entropy) and then which m of the D' codable features (log2 C(D', m)), the alternative to
     * {@link #activityBits()} (docs/design.md §13 says why the codec codes activity instead).
     *
     * @return bits per sample
     */
    public double indexSetBits() {
        int live = 0;
        for (float m : max) if (m > 0f) live++;
        double s = Entropy.ofCounts(l0Histogram);
        for (int m = 0; m < l0Histogram.length; m++) {
            if (l0Histogram[m] == 0 || m > live) continue;
            s += (double) l0Histogram[m] / rows * CombinatoricsUtils.binomialCoefficientLog(live, m) / Math.log(2);
        }
        return s;
    }

    /** Coded entries (v &gt; 0, max &gt; 0) per feature, from the B = 1 histogram. */
    long[] codedCounts() {
        long[] out = new long[width];
        BinCounts c = bins[0];
        for (int i = 0; i < c.keys().length; i++) out[c.feature(i)] += c.counts()[i];
        return out;
    }

    /**
     * The per-feature bin histogram at precision B: counts[j] lists feature j's counts over its used bins, in bin
     * order, and bins[j] the bins.
     *
     * @param bits B
     * @return {bins, counts} per feature (empty arrays for features never coded)
     */
    Histograms histograms(int bits) {
        int[][] b = new int[width][];
        long[][] c = new long[width][];
        BinCounts h = bins[bits - 1];
        int i = 0;
        for (int j = 0; j < width; j++) {
            int from = i;
            while (i < h.keys().length && h.feature(i) == j) i++;
            b[j] = new int[i - from];
            c[j] = Arrays.copyOfRange(h.counts(), from, i);
            for (int u = from; u < i; u++) b[j][u - from] = h.bin(u);
        }
        return new Histograms(b, c);
    }

    /** Per-feature histograms: used bins (ascending) and their counts. */
    record Histograms(int[][] bins, long[][] counts) {
    }
}
