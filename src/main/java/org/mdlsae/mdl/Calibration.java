package org.mdlsae.mdl;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.math.Rows;
import org.mdlsae.sae.Sae;

/**
 * Quantiser calibration (docs/design.md §2.3): max_i, the largest activation of each feature i over a calibration
 * set (the train split). A feature never active there has max 0: it decodes to 0 and costs 0 bits.
 * Work is chunked (≤ 4096 rows at a time, streamed when the rows are) and linear in the code size via
 * {@link Backend#featureMax}.
 */
public final class Calibration {
    private Calibration() {
    }

    /**
     * Per-feature maxima of the codes of {@code rows} rows of {@code data} (row-major rows×d, d = model.dIn()).
     *
     * @return a host array of length D
     * @param model the SAE (or any sparse encoder) whose codes are calibrated
     * @param data   row-major rows×d calibration activations
     * @param rows   number of rows in {@code data}
     */
    public static float[] maxima(SparseEncoder model, float[] data, int rows) {
        return maxima(model, data, rows, Chunks.DEFAULT_ROWS);
    }

    /**
     * Per-feature maxima of an SAE's codes of {@code rows} rows of {@code data}.
     *
     * @param sae  the SAE
     * @param data row-major rows×d calibration activations
     * @param rows number of rows in {@code data}
     * @return max_i per latent (length D; 0 for latents never active)
     */
    public static float[] maxima(Sae sae, float[] data, int rows) {
        return maxima(SparseEncoder.of(sae), data, rows, Chunks.DEFAULT_ROWS);
    }

    /**
     * Per-feature maxima of an SAE's codes of a calibration data set.
     *
     * @param sae   the SAE
     * @param calib the calibration set (normally the train split)
     * @return max_i per latent (length D; 0 for latents never active)
     */
    public static float[] maxima(Sae sae, Rows calib) {
        SparseEncoder m = SparseEncoder.of(sae);
        Mdl.checkDim(m, calib, "calibration");
        return maxima(m, calib, Chunks.DEFAULT_ROWS);
    }

    /**
     * As {@link #maxima(SparseEncoder, float[], int)} with an explicit chunk size.
     *
     * @param model     the sparse encoder
     * @param data      row-major rows×d calibration activations
     * @param rows      number of rows in {@code data}
     * @param chunkRows rows encoded at a time
     * @return max_i per latent (length D)
     */
    public static float[] maxima(SparseEncoder model, float[] data, int rows, int chunkRows) {
        Mdl.checkData(model, data, rows, "calibration data");
        return maxima(model, Rows.of("calibration data", data, rows, model.dIn()), chunkRows);
    }

    /**
     * Per-feature maxima of a sparse encoder's codes of rows in memory or streamed, chunk by chunk; NaN/Inf rows are
     * rejected as they are read.
     *
     * @param model     the sparse encoder
     * @param data      the calibration rows
     * @param chunkRows rows encoded at a time
     * @return max_i per latent (length D)
     */
    public static float[] maxima(SparseEncoder model, Rows data, int chunkRows) {
        Mdl.checkDim(model, data, "calibration");
        int d = model.dIn();
        Backend be = model.backend();
        try (FloatBuf max = be.floats(model.width())) {
            Chunks.forEach(model, data, chunkRows, (r0, n, buf, off) -> Mdl.checkFinite(r0, n, buf, off, d, "calibration data"),
                    (r0, n, x, code) -> {
                        be.featureMax(code, max);
                        return false;
                    });
            return be.download(max);
        }
    }
}
