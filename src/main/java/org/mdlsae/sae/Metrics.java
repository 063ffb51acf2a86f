package org.mdlsae.sae;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.math.Rows;
import org.mdlsae.math.Stats;

/**
 * Reconstruction quality of an SAE on a data set, evaluated per sample in row chunks (bounded memory).
 *
 * @param samples      N
 * @param mse          mean over N·d elements of (x − x̂)²
 * @param fvu          Σ‖x − x̂‖² / Σ‖x − x̄‖² (x̄ the per-dimension mean of this data)
 * @param l0           mean number of active latents per sample
 * @param deadFraction fraction of latents never active on this data
 * @param fireCounts   per-latent number of samples in which it is active
 */
public record Metrics(long samples, double mse, double fvu, double l0, double deadFraction, long[] fireCounts) {

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
        double[] sums = {0, 0}; // Σ‖x − x̂‖², Σ‖x − x̄‖²
        long[] fires = new long[sae.width()];
        try (IntBuf counts = be.ints(sae.width())) {
            data.forEachChunk(CHUNK, (r0, rows, buf, off) -> {
                try (FloatBuf xb = be.floats((long) rows * d);
                     FloatBuf xhat = be.floats((long) rows * d);
                     FloatBuf g = be.floats((long) rows * d)) {
                    be.write(xb, 0, buf, off, rows * d);
                    try (SparseCode z = sae.encode(xb, rows)) {
                        sae.decode(z, xhat);
                        sums[0] += be.residual(xb, xhat, (long) rows * d, 0f, g);
                        be.countActive(z, counts);
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
        return new Metrics(n, sse / ((double) n * d), var > 0 ? sse / var : Double.NaN, (double) active / n,
                (double) dead / sae.width(), fires);
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
