package org.mdlsae.sae;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.math.Rows;
import org.mdlsae.math.Stats;

/**
 * Reconstruction quality of an SAE on a data set, evaluated per sample in row chunks (bounded memory). The
 * names are the ones SAELens, sparsify and dictionary_learning use; docs/design.md §7 defines each and says
 * where a tool's number differs.
 *
 * @param samples           N
 * @param mse               mean over N·d elements of (x − x̂)² (per element)
 * @param msePerToken       mean over N samples of Σ_c (x − x̂)² (per sample/token: SAELens' training loss)
 * @param fvu               Σ‖x − x̂‖² / Σ‖x − x̄‖² (x̄ the per-dimension mean of this data)
 * @param explainedVariance 1 − fvu
 * @param cossim            mean over samples of cos(x, x̂) (samples where x or x̂ is 0 are left out)
 * @param l2Ratio           mean over samples of ‖x̂‖ / ‖x‖ (‖x‖ below 1e-4 counts as 1, as SAELens does)
 * @param l0                mean number of active latents per sample
 * @param deadFraction      fraction of latents never active on this data
 * @param fireCounts        per-latent number of samples in which it is active
 */
public record Metrics(long samples, double mse, double msePerToken, double fvu, double explainedVariance,
                      double cossim, double l2Ratio, double l0, double deadFraction, long[] fireCounts) {

    /** Rows per chunk when evaluating. */
    public static final int CHUNK = 4096;
    /** Per-latent counts are int on the back end: they are moved to longs at least every this many rows. */
    public static final long DRAIN_ROWS = 1L << 30;

    /** Evaluates {@code sae} on n×d row-major {@code x}. */
    public static Metrics evaluate(Sae sae, float[] x, int n) {
        return evaluate(sae, Rows.of("data", x, n, sae.dIn()));
    }

    /**
     * Evaluates {@code sae} on rows in memory or streamed from disk, {@value #CHUNK} rows at a time: one pass for the
     * per-dimension mean, one that encodes, decodes and accumulates the errors and the deviations. Memory does not
     * grow with the number of rows, and the figures depend only on the rows' values, not on how they are stored.
     *
     * @param sae  the SAE
     * @param data rows of d = sae.dIn() values
     * @return the metrics
     */
    public static Metrics evaluate(Sae sae, Rows data) {
        int d = sae.dIn();
        if (data.dim() != d) {
            throw new IllegalArgumentException(data.name() + " has d = " + data.dim() + ", the SAE d_in = " + d);
        }
        long n = data.rowCount();
        Backend be = sae.backend();
        double[] mean = Stats.mean(data, CHUNK);
        // Σ‖x − x̂‖², Σ‖x − x̄‖², Σ cos(x, x̂), Σ ‖x̂‖/‖x‖
        double[] sums = {0, 0, 0, 0};
        long[] cosRows = {0};
        long[] fires = new long[sae.width()];
        try (IntBuf counts = be.ints(sae.width())) {
            data.forEachChunk(CHUNK, (r0, rows, buf, off) -> {
                float[] h = new float[rows * d];
                try (FloatBuf xb = be.floats((long) rows * d);
                     FloatBuf xhat = be.floats((long) rows * d);
                     FloatBuf g = be.floats((long) rows * d)) {
                    be.write(xb, 0, buf, off, rows * d);
                    try (SparseCode z = sae.encode(xb, rows)) {
                        sae.decode(z, xhat);
                        sums[0] += be.residual(xb, xhat, (long) rows * d, 0f, g);
                        be.countActive(z, counts);
                    }
                    // cosine and norm ratio need per-row sums of x̂: O(n·d) on the host, small next to the encoder
                    be.read(xhat, 0, h, 0, h.length);
                }
                for (int i = 0; i < rows; i++) {
                    double xx = 0, hh = 0, xh = 0;
                    for (int c = 0, o = off + i * d, p = i * d; c < d; c++) {
                        double a = buf[o + c], b = h[p + c];
                        xx += a * a;
                        hh += b * b;
                        xh += a * b;
                    }
                    double nx = Math.sqrt(xx), nh = Math.sqrt(hh);
                    sums[3] += nh / (nx < 1e-4 ? 1.0 : nx);
                    if (nx > 0 && nh > 0) {
                        sums[2] += xh / (nx * nh);
                        cosRows[0]++;
                    }
                }
                sums[1] = Stats.addSqDeviation(sums[1], mean, buf, off, rows);
                if ((r0 + rows) / DRAIN_ROWS != r0 / DRAIN_ROWS) drainCounts(be, counts, fires);
            });
            drainCounts(be, counts, fires);
        }
        long active = 0;
        int dead = 0;
        for (long f : fires) {
            active += f;
            if (f == 0) dead++;
        }
        double sse = sums[0], var = sums[1];
        double fvu = var > 0 ? sse / var : Double.NaN;
        return new Metrics(n, sse / ((double) n * d), sse / n, fvu, 1 - fvu, cosRows[0] > 0 ? sums[2] / cosRows[0] : Double.NaN,
                sums[3] / n, (double) active / n, (double) dead / sae.width(), fires);
    }

    /**
     * Adds per-latent int counts accumulated on the back end to long totals and zeroes them, so counts over any number
     * of rows never overflow (call at least every 2^31 rows).
     *
     * @param be     the back end
     * @param counts the device counts (zeroed)
     * @param totals the host totals
     */
    public static void drainCounts(Backend be, IntBuf counts, long[] totals) {
        int[] c = be.download(counts);
        for (int j = 0; j < c.length; j++) totals[j] += c[j];
        be.write(counts, 0, new int[c.length], 0, c.length);
    }
}
