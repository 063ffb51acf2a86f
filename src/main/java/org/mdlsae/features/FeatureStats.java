package org.mdlsae.features;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.math.Rows;
import org.mdlsae.mdl.CanonicalCode;
import org.mdlsae.mdl.Chunks;
import org.mdlsae.sae.Sae;

/**
 * What each latent of an SAE does on a set of rows (docs/design.md §12): how often it fires (density), its largest
 * activation, the mean of its non-zero activations, the histogram of those activations over [0, max] and the rows of
 * its {@code top} largest activations. Two passes over the rows, chunk by chunk (memory: D·(top + bins) numbers, not
 * growing with the rows): the first finds counts, sums, maxima and the top rows, the second the histograms.
 *
 * @param rows    rows read
 * @param width   D
 * @param count   per latent: rows where it is active (value &gt; 0)
 * @param max     per latent: largest activation (0 if never active)
 * @param sum     per latent: sum of its activations
 * @param top     top rows kept per latent
 * @param topRows D × top rows of the largest activations, best first (−1 where fewer)
 * @param topVals their activations
 * @param bins    histogram bins per latent
 * @param hist    D × bins counts of the non-zero activations, bin b = [b, b + 1)·max/bins (the maximum in the last)
 */
public record FeatureStats(long rows, int width, long[] count, float[] max, double[] sum, int top, long[] topRows,
                           float[] topVals, int bins, long[] hist) {
    /** Default top rows kept per latent. */
    public static final int DEFAULT_TOP = 10;
    /** Default histogram bins. */
    public static final int DEFAULT_BINS = 24;

    /**
     * Measures an SAE on rows.
     *
     * @param sae  the SAE
     * @param data rows of d = sae.dIn()
     * @param top  largest activations kept per latent (≥ 1)
     * @param bins histogram bins (≥ 1)
     * @return the statistics
     */
    public static FeatureStats measure(Sae sae, Rows data, int top, int bins) {
        if (data.dim() != sae.dIn()) {
            throw new IllegalArgumentException(data.name() + " has d = " + data.dim() + ", the SAE d_in = " + sae.dIn());
        }
        if (top < 1 || bins < 1) throw new IllegalArgumentException("top and bins must be ≥ 1");
        int w = sae.width();
        long[] count = new long[w];
        float[] max = new float[w];
        double[] sum = new double[w];
        long[] topRows = new long[Math.multiplyExact(w, top)];
        float[] topVals = new float[topRows.length];
        java.util.Arrays.fill(topRows, -1);
        int[] kept = new int[w];
        visit(sae, data, (row, j, v) -> {
            count[j]++;
            sum[j] += v;
            if (v > max[j]) max[j] = v;
            insert(topRows, topVals, j * top, kept[j], top, row, v);
            if (kept[j] < top) kept[j]++;
        });
        long[] hist = new long[Math.multiplyExact(w, bins)];
        visit(sae, data, (row, j, v) -> hist[j * bins + bin(v, max[j], bins)]++);
        return new FeatureStats(data.rowCount(), w, count, max, sum, top, topRows, topVals, bins, hist);
    }

    /** The histogram bin of a value: [0, max] cut into {@code bins} equal parts, the maximum in the last. */
    static int bin(float v, float max, int bins) {
        if (!(max > 0)) return 0;
        return Math.min(bins - 1, (int) (v / max * bins));
    }

    /** Keeps the {@code top} largest (value, row) pairs of one latent, best first; ties keep the earlier row. */
    private static void insert(long[] rows, float[] vals, int base, int kept, int top, long row, float v) {
        int at = kept;
        if (kept == top) {
            if (!(v > vals[base + top - 1])) return;
            at = top - 1;
        }
        while (at > 0 && v > vals[base + at - 1]) {
            vals[base + at] = vals[base + at - 1];
            rows[base + at] = rows[base + at - 1];
            at--;
        }
        vals[base + at] = v;
        rows[base + at] = row;
    }

    /** Receives every active entry of the code. */
    @FunctionalInterface
    interface Entry {
        void accept(long row, int latent, float value);
    }

    /** Encodes the rows chunk by chunk and hands on every entry with a positive value, rows in order. */
    static void visit(Sae sae, Rows data, Entry e) {
        Backend be = sae.backend();
        int d = sae.dIn();
        int chunk = Chunks.rows(Chunks.DEFAULT_ROWS, sae.width(), d);
        data.forEachChunk(chunk, (r0, n, buf, off) -> {
            try (FloatBuf x = be.floats((long) n * d)) {
                be.write(x, 0, buf, off, n * d);
                CanonicalCode.Host h;
                try (SparseCode z = sae.encode(x, n)) {
                    h = CanonicalCode.download(be, z);
                }
                for (int i = 0; i < n; i++) {
                    for (int p = h.rowPtr()[i]; p < h.rowPtr()[i + 1]; p++) e.accept(r0 + i, h.idx()[p], h.val()[p]);
                }
            }
        });
    }

    /**
     * One latent's activations on a few rows (for the tokens around a context's maximum).
     *
     * @param sae    the SAE
     * @param data   the rows
     * @param row0   first row
     * @param n      rows
     * @param latent the latent
     * @return its activation on each row (0 where inactive)
     */
    public static float[] activations(Sae sae, Rows data, long row0, int n, int latent) {
        int d = sae.dIn();
        float[] x = new float[n * d];
        data.read(row0, n, x, 0);
        Backend be = sae.backend();
        float[] out = new float[n];
        try (FloatBuf xb = be.floats((long) n * d)) {
            be.write(xb, 0, x, 0, n * d);
            CanonicalCode.Host h;
            try (SparseCode z = sae.encode(xb, n)) {
                h = CanonicalCode.download(be, z);
            }
            for (int i = 0; i < n; i++) {
                for (int p = h.rowPtr()[i]; p < h.rowPtr()[i + 1]; p++) if (h.idx()[p] == latent) out[i] = h.val()[p];
            }
        }
        return out;
    }

    /** @return per latent, the fraction of rows where it fires */
    public double density(int latent) {
        return rows == 0 ? 0 : (double) count[latent] / rows;
    }

    /** @return the mean of a latent's non-zero activations (0 if it never fires) */
    public double meanActive(int latent) {
        return count[latent] == 0 ? 0 : sum[latent] / count[latent];
    }

    /** @return true if the latent never fires on these rows */
    public boolean dead(int latent) {
        return count[latent] == 0;
    }
}
