package org.mdlsae.codec;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.Quantise;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.math.Rows;
import org.mdlsae.mdl.CanonicalCode;
import org.mdlsae.mdl.SparseEncoder;

/**
 * The one reconstruction path of quantised codes (docs/design.md §13), used by the decompressor and by every
 * figure the codec scores with per-feature precision: the canonical code's entries of features with max &gt; 0, each
 * replaced by its bin's centre at the feature's precision, decoded by the back end's {@code decode}. With one
 * precision B for all features this sums exactly what the back end's {@code quantisedSqError} sums (same entries,
 * same order, same centres), so on the same back end the decompressed rows are bit-identical to the reconstruction
 * the DL evaluation scored.
 */
final class Reconstruction {
    private Reconstruction() {
    }

    /**
     * The quantised form of a canonical code: coded entries at their bin centres.
     *
     * @param h    a canonical code
     * @param max  per-feature scales
     * @param bits per-feature precision
     * @return a canonical code of the centres
     */
    static CanonicalCode.Host quantised(CanonicalCode.Host h, float[] max, byte[] bits) {
        int n = h.n();
        int[] rp = h.rowPtr(), ix = h.idx();
        float[] vs = h.val();
        int[] orp = new int[n + 1];
        int[] oix = new int[h.nnz()];
        float[] ovs = new float[h.nnz()];
        int o = 0;
        for (int r = 0; r < n; r++) {
            for (int q = rp[r]; q < rp[r + 1]; q++) {
                int j = ix[q];
                if (!(max[j] > 0f)) continue;
                oix[o] = j;
                ovs[o++] = Quantise.centre(vs[q], max[j], bits[j]);
            }
            orp[r + 1] = o;
        }
        return new CanonicalCode.Host(n, h.width(), orp, oix, ovs);
    }

    /**
     * A code from decoded bins.
     *
     * @return a canonical code of the centres of bins[0..rowPtr[n])
     */
    static CanonicalCode.Host fromBins(int n, int width, int[] rowPtr, int[] idx, int[] bin, float[] max, byte[] bits) {
        int nnz = rowPtr[n];
        float[] val = new float[nnz];
        for (int q = 0; q < nnz; q++) val[q] = Quantise.centreOfBin(bin[q], max[idx[q]], bits[idx[q]]);
        return new CanonicalCode.Host(n, width, rowPtr, idx, val);
    }

    /**
     * Decodes a quantised code with the SAE's decoder into {@code out[0 .. n·d)}.
     *
     * @param model the SAE (its back end, W_dec, b_dec)
     * @param q     the quantised code
     * @param xhat  a back-end buffer of at least n·d floats
     * @param out   host array of at least n·d floats
     */
    static void decode(SparseEncoder model, CanonicalCode.Host q, FloatBuf xhat, float[] out) {
        Backend be = model.backend();
        try (SparseCode z = q.upload(be)) {
            be.decode(z, model.dec(), model.bDec(), model.dIn(), xhat);
        }
        be.read(xhat, 0, out, 0, q.n() * model.dIn());
    }

    /**
     * Σ (x − x̂)² over n·d values, in the CPU back end's arithmetic (float difference, double sum, in order).
     *
     * @return the squared error
     */
    static double sqError(float[] x, int xOff, float[] xhat, int len) {
        double s = 0;
        for (int q = 0; q < len; q++) {
            double e = x[xOff + q] - xhat[q];
            s += e * e;
        }
        return s;
    }

    /**
     * Squared error of the whole source reconstructed at per-feature precision {@code bits}: one pass.
     *
     * @return Σ over rows of ‖x − x̂_q‖²
     */
    static double sqError(SparseEncoder model, Rows data, float[] max, byte[] bits) {
        int d = model.dIn();
        int chunk = EncodedChunks.chunkRows(model);
        float[] out = new float[chunk * d];
        double[] se = {0};
        try (FloatBuf xhat = model.backend().floats((long) chunk * d)) {
            EncodedChunks.forEach(model, data, "--data", (row0, n, x, off, xBuf, code, host) -> {
                decode(model, quantised(host, max, bits), xhat, out);
                se[0] += sqError(x, off, out, n * d);
            });
        }
        return se[0];
    }
}
