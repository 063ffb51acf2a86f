package org.mdlsae.codec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code mdlsae compress} reports (docs/design.md §13). Per-sample figures are bits per sample (one row); MSE is
 * the mean over N·d elements.
 *
 * @param samples          N
 * @param dIn              d
 * @param width            D
 * @param k                the SAE's k
 * @param eps              ε (MSE)
 * @param bStar            uniform B* at ε
 * @param precision        "uniform" or "per-feature"
 * @param mse              unquantised MSE
 * @param mseQuantized     MSE of the reconstruction the file decodes to
 * @param l0               mean active latents per sample
 * @param dlBits           entropy DL of the coded models (bits per sample); N·dlBits is what the payload achieves
 * @param payloadBytes     coded rows
 * @param headerBytes      everything else in the file
 * @param uniformDlBits    entropy DL at uniform B* (= {@code mdlsae dl}'s dl_bits)
 * @param uniformMse       quantised MSE at uniform B* (= {@code mdlsae dl}'s mse_quantized)
 * @param allocationChecks exact passes the per-feature allocation made (null for uniform)
 * @param bitsHistogram    coded features per precision B = 1..16
 * @param activityBits     the activity part of the DL, Σ h(p_j), bits per sample
 * @param indexSetBits     what index-set coding would spend on the same information instead
 * @param dictionaryBits   the dictionary's own cost ({@link TwoPart}), float16
 * @param mseFloat16       the quantised MSE with the decoder rounded to float16 (is that precision enough for ε?)
 */
public record CompressReport(long samples, int dIn, int width, int k, double eps, int bStar, String precision,
                             double mse, double mseQuantized, double l0, double dlBits, long payloadBytes,
                             long headerBytes, double uniformDlBits, double uniformMse, Integer allocationChecks,
                             int[] bitsHistogram, double activityBits, double indexSetBits, long dictionaryBits,
                             double mseFloat16) {

    /**
     * Payload over the entropy DL × N: 1 would be a coder without loss.
     *
     * @return 8·payload / (N·DL)
     */
    public double payloadOverDl() {
        return 8.0 * payloadBytes / (dlBits * samples);
    }

    /**
     * The {@code compress --json} object (snake_case keys).
     *
     * @return an insertion-ordered map for Jackson
     */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", samples);
        m.put("d_in", dIn);
        m.put("d_sae", width);
        m.put("k", k);
        m.put("eps", eps);
        m.put("precision", precision);
        m.put("bits", bStar);
        m.put("mse", mse);
        m.put("mse_quantized", mseQuantized);
        m.put("l0", l0);
        m.put("dl_bits", dlBits);
        m.put("dl_total_bytes", dlBits * samples / 8);
        m.put("payload_bytes", payloadBytes);
        m.put("header_bytes", headerBytes);
        m.put("file_bytes", payloadBytes + headerBytes);
        m.put("payload_over_dl", payloadOverDl());
        m.put("payload_bits_per_sample", 8.0 * payloadBytes / samples);
        m.put("header_bits_per_sample", 8.0 * headerBytes / samples);
        m.put("file_bits_per_sample", 8.0 * (payloadBytes + headerBytes) / samples);
        m.put("uniform_dl_bits", uniformDlBits);
        m.put("uniform_mse_quantized", uniformMse);
        m.put("per_feature_saving_bits", uniformDlBits - dlBits);
        m.put("allocation_checks", allocationChecks);
        List<Integer> h = new ArrayList<>();
        for (int v : bitsHistogram) h.add(v);
        m.put("features_by_bits", h);
        m.put("activity_bits", activityBits);
        m.put("index_set_bits", indexSetBits);
        m.put("dictionary_bits", dictionaryBits);
        m.put("dictionary_precision", "float16");
        m.put("mse_quantized_float16_dictionary", mseFloat16);
        m.put("float16_dictionary_meets_eps", mseFloat16 <= eps);
        m.put("two_part_bits_per_sample", (dictionaryBits + 8.0 * (payloadBytes + headerBytes)) / samples);
        return m;
    }

    /**
     * Several lines for people.
     *
     * @return a summary
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "N = %d rows, d = %d, D = %d, k = %d; ε = %.6g%n", samples, dIn, width, k, eps));
        sb.append(String.format(Locale.ROOT, "precision %s (uniform B* = %d); MSE %.6g, quantised %.6g%n", precision, bStar,
                mse, mseQuantized));
        sb.append(String.format(Locale.ROOT, "entropy DL %.3f bits/sample x N = %.0f bytes; payload %d bytes (%.4f of it, "
                + "%.3f bits/sample)%n", dlBits, dlBits * samples / 8, payloadBytes, payloadOverDl(), 8.0 * payloadBytes / samples));
        sb.append(String.format(Locale.ROOT, "header %d bytes (%.3f bits/sample); file %d bytes%n", headerBytes,
                8.0 * headerBytes / samples, payloadBytes + headerBytes));
        if (!"uniform".equals(precision)) {
            sb.append(String.format(Locale.ROOT, "per-feature precision saves %.3f bits/sample over uniform B* (%.3f)%n",
                    uniformDlBits - dlBits, uniformDlBits));
        }
        sb.append(String.format(Locale.ROOT, "dictionary (W_dec, b_dec at float16): %d bits = %.1f bits/sample at this N; "
                + "with it the quantised MSE is %.6g (%s ε)%n", dictionaryBits, (double) dictionaryBits / samples, mseFloat16,
                mseFloat16 <= eps ? "meets" : "misses"));
        return sb.toString();
    }
}
