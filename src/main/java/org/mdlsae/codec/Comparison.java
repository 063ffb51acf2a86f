package org.mdlsae.codec;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mdlsae.math.Rows;
import org.mdlsae.mdl.SparseEncoder;

/**
 * The comparison of codes at one tolerance ε on the same rows (docs/design.md §13): the SAE's code (its entropy DL and
 * the file {@link Compressor} achieves, uniform and per-feature precision), the dense code at B* bits through gzip,
 * xz and zstd, and PCA with entropy-coded coefficients. All in bits per sample (one row), with the MSE each code
 * decodes to.
 *
 * @param data    the rows' name
 * @param samples N
 * @param dIn     d
 * @param width   the SAE's D
 * @param k       its k
 * @param eps     ε (MSE)
 * @param bits    the SAE's B*
 * @param rows    the codes
 */
public record Comparison(@JsonProperty("data") String data, @JsonProperty("samples") long samples,
                         @JsonProperty("d_in") int dIn, @JsonProperty("d_sae") int width, @JsonProperty("k") int k,
                         @JsonProperty("eps") double eps, @JsonProperty("bits") int bits,
                         @JsonProperty("rows") List<Row> rows) {

    /**
     * One code.
     *
     * @param code          what it is
     * @param bitsPerSample its size, bits per sample (null: not measured)
     * @param mse           the MSE of what it decodes to (null where the row is a size of a code already listed)
     * @param note          how it was made
     */
    public record Row(@JsonProperty("code") String code, @JsonProperty("bits_per_sample") Double bitsPerSample,
                      @JsonProperty("mse") Double mse, @JsonProperty("note") String note) {
    }

    /**
     * Runs every code of the comparison.
     *
     * @param model  the SAE
     * @param digest its {@link SaeDigest}
     * @param data   the rows compared on (normally the test split)
     * @param calib  calibration rows (the SAE quantiser's scales, the dense ranges, the PCA basis)
     * @param eps    ε (MSE)
     * @param zstd   zstd-jni, or null to leave zstd out
     * @return the table
     */
    public static Comparison run(SparseEncoder model, byte[] digest, Rows data, Rows calib, double eps, Zstd zstd) {
        long n = data.rowCount();
        int d = data.dim();
        List<Row> rows = new ArrayList<>();
        float[] max = CodeStats.maxima(model, calib);
        Compressor.Plan uniform = Compressor.plan(model, digest, data, max, eps, Compressor.Precision.UNIFORM);
        CompressReport u = write(uniform);
        int bStar = u.bStar();
        String sae = String.format(Locale.ROOT, "SAE D=%d k=%d", model.width(), model.k());
        rows.add(new Row(sae + ": entropy DL at B*=" + bStar, u.dlBits(), u.mseQuantized(), "mdlsae dl's dl_bits"));
        rows.add(new Row(sae + ": compressed file, payload", 8.0 * u.payloadBytes() / n, null, "range coder, DL models"));
        rows.add(new Row(sae + ": compressed file, payload + header", 8.0 * (u.payloadBytes() + u.headerBytes()) / n, null,
                u.headerBytes() + " header bytes"));
        Compressor.Plan perFeature = Compressor.plan(model, digest, data, max, eps, Compressor.Precision.PER_FEATURE);
        CompressReport p = write(perFeature);
        rows.add(new Row(sae + ": per-feature precision, entropy DL", p.dlBits(), p.mseQuantized(), "rate-distortion allocation"));
        rows.add(new Row(sae + ": per-feature precision, file payload + header", 8.0 * (p.payloadBytes() + p.headerBytes()) / n,
                null, p.headerBytes() + " header bytes"));

        DenseCode dense = DenseCode.calibrate(calib);
        DenseCode.Quantised q = dense.quantise(data, bStar);
        String at = "dense at B*=" + bStar;
        rows.add(new Row(at + ": raw d·B*", (double) d * bStar, q.mse(), "every input value at B* bits"));
        rows.add(new Row(at + ": per-dimension entropy", ColumnCode.of(q.symbols()).entropyBits(), q.mse(), "plug-in, as the SAE's DL"));
        rows.add(new Row(at + " + gzip -9", 8.0 * DenseCode.gzip(q.bytes()) / n, q.mse(), "a byte per value"));
        rows.add(new Row(at + " + xz -9", 8.0 * DenseCode.xz(q.bytes()) / n, q.mse(), "a byte per value"));
        if (zstd != null) {
            rows.add(new Row(at + " + zstd -" + Zstd.LEVEL, 8.0 * zstd.size(q.bytes()) / n, q.mse(), "a byte per value"));
        } else {
            rows.add(new Row(at + " + zstd", null, q.mse(), "not measured: zstd-jni not available (--zstd-jar)"));
        }
        int own = dense.bitsFor(data, eps);
        if (own != bStar) {
            DenseCode.Quantised qo = dense.quantise(data, own);
            String at2 = "dense at its own B=" + own;
            rows.add(new Row(at2 + ": per-dimension entropy", ColumnCode.of(qo.symbols()).entropyBits(), qo.mse(),
                    "smallest B meeting ε"));
            rows.add(new Row(at2 + " + xz -9", 8.0 * DenseCode.xz(qo.bytes()) / n, qo.mse(), "smallest B meeting ε"));
        }
        Pca.Result pca = Pca.code(calib, data, eps);
        String pc = String.format(Locale.ROOT, "PCA m=%d (fewest meeting ε: %d), step %.4g", pca.m(), pca.mMin(), pca.step());
        rows.add(new Row(pc + ": entropy", pca.entropyBits(), pca.mse(), "basis fitted on the calibration rows"));
        rows.add(new Row(pc + ": coded payload + models", 8.0 * (pca.payloadBytes() + pca.modelBytes()) / n, null,
                pca.modelBytes() + " model bytes"));
        return new Comparison(data.name(), n, d, model.width(), model.k(), eps, bStar, rows);
    }

    private static CompressReport write(Compressor.Plan plan) {
        try {
            return plan.write(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The table in Markdown (as the README shows it).
     *
     * @return a Markdown table
     */
    public String markdown() {
        StringBuilder sb = new StringBuilder("| code | bits/sample | MSE | note |\n|---|---:|---:|---|\n");
        for (Row r : rows) {
            sb.append("| ").append(r.code()).append(" | ")
                    .append(r.bitsPerSample() == null ? "—" : String.format(Locale.ROOT, "%.1f", r.bitsPerSample()))
                    .append(" | ").append(r.mse() == null ? "" : String.format(Locale.ROOT, "%.5f", r.mse()))
                    .append(" | ").append(r.note()).append(" |\n");
        }
        return sb.toString();
    }
}
