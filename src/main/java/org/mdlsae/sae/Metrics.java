package org.mdlsae.sae;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
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

    /** Evaluates {@code sae} on n×d row-major {@code x}. */
    public static Metrics evaluate(Sae sae, float[] x, int n) {
        int d = sae.dIn();
        Backend be = sae.backend();
        double sse = 0;
        long[] fires = new long[sae.width()];
        try (IntBuf counts = be.ints(sae.width())) {
            for (int r0 = 0; r0 < n; r0 += CHUNK) {
                int rows = Math.min(CHUNK, n - r0);
                try (FloatBuf xb = be.floats((long) rows * d);
                     FloatBuf xhat = be.floats((long) rows * d);
                     FloatBuf g = be.floats((long) rows * d)) {
                    be.write(xb, 0, x, r0 * d, rows * d);
                    try (SparseCode z = sae.encode(xb, rows)) {
                        sae.decode(z, xhat);
                        sse += be.residual(xb, xhat, (long) rows * d, 0f, g);
                        be.countActive(z, counts);
                    }
                }
            }
            int[] c = be.download(counts);
            for (int j = 0; j < c.length; j++) fires[j] = c[j];
        }
        long active = 0;
        int dead = 0;
        for (long f : fires) {
            active += f;
            if (f == 0) dead++;
        }
        double var = Stats.sumSqDeviation(x, n, d);
        return new Metrics(n, sse / ((double) n * d), var > 0 ? sse / var : Double.NaN, (double) active / n,
                (double) dead / sae.width(), fires);
    }
}
