package org.mdlsae.sae;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
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

    /** Evaluates {@code sae} on n×d row-major {@code x}. */
    public static Metrics evaluate(Sae sae, float[] x, int n) {
        int d = sae.dIn();
        Backend be = sae.backend();
        double sse = 0, cosSum = 0, ratioSum = 0;
        long cosRows = 0;
        long[] fires = new long[sae.width()];
        try (IntBuf counts = be.ints(sae.width())) {
            for (int r0 = 0; r0 < n; r0 += CHUNK) {
                int rows = Math.min(CHUNK, n - r0);
                float[] h = new float[rows * d];
                try (FloatBuf xb = be.floats((long) rows * d);
                     FloatBuf xhat = be.floats((long) rows * d);
                     FloatBuf g = be.floats((long) rows * d)) {
                    be.write(xb, 0, x, r0 * d, rows * d);
                    try (SparseCode z = sae.encode(xb, rows)) {
                        sae.decode(z, xhat);
                        sse += be.residual(xb, xhat, (long) rows * d, 0f, g);
                        be.countActive(z, counts);
                    }
                    // cosine and norm ratio need per-row sums of x̂: O(n·d) on the host, small next to the encoder
                    be.read(xhat, 0, h, 0, h.length);
                }
                for (int i = 0; i < rows; i++) {
                    double xx = 0, hh = 0, xh = 0;
                    for (int c = 0, o = (r0 + i) * d, p = i * d; c < d; c++) {
                        double a = x[o + c], b = h[p + c];
                        xx += a * a;
                        hh += b * b;
                        xh += a * b;
                    }
                    double nx = Math.sqrt(xx), nh = Math.sqrt(hh);
                    ratioSum += nh / (nx < 1e-4 ? 1.0 : nx);
                    if (nx > 0 && nh > 0) {
                        cosSum += xh / (nx * nh);
                        cosRows++;
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
        double fvu = var > 0 ? sse / var : Double.NaN;
        return new Metrics(n, sse / ((double) n * d), sse / n, fvu, 1 - fvu, cosRows > 0 ? cosSum / cosRows : Double.NaN,
                ratioSum / n, (double) active / n, (double) dead / sae.width(), fires);
    }
}
