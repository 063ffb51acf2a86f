package org.mdlsae.mdl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every figure of docs/design.md §2.3 for one SAE on one evaluation set, as produced by {@link Mdl#evaluate()}.
 * Per-sample quantities are in bits per sample; MSE is the mean over all N·d elements.
 *
 * <p>When the SAE is not admissible (its unquantised MSE exceeds ε, or no B ≤ 16 meets the tolerance)
 * {@code bits}, {@code mseQuantized}, {@code dlBits}, {@code dlBoundBits}, {@code denseBits} and
 * {@code bitsSavedVsDense} are null: there is no B* to measure them at, and a DL at an arbitrary reference
 * precision would invite comparing it with admissible SAEs. {@code mseByBits} still shows the whole
 * rate–distortion curve.
 *
 * @param d                input dimension
 * @param width            dictionary width D
 * @param k                k of the SAE (TopK) or its target mean k (BatchTopK); 0 for SAEs without one (ReLU, JumpReLU)
 * @param samples          N, rows of the evaluation set
 * @param l0               mean number of active latents per sample on the evaluation set
 * @param mse              unquantised reconstruction MSE
 * @param fvu              unquantised fraction of variance unexplained, Σ‖x − x̂‖² / Σ‖x − x̄‖² (NaN if the data has no variance)
 * @param deadFraction     fraction of the D latents never active on the evaluation set
 * @param bits             effective precision B*, null when inadmissible
 * @param mseQuantized     MSE of the reconstruction from latents quantised at B*
 * @param dlBits           entropy DL Σ H_i at B*
 * @param dlBoundBits      upper bound L0·(B* + log2 D)
 * @param denseBits        dense code d·B*
 * @param bitsSavedVsDense denseBits − dlBits
 * @param admissible       whether B* exists
 * @param eps              tolerance ε in MSE units (null in δ mode)
 * @param epsFvu           the same tolerance as FVU (null in δ mode or if the data has no variance)
 * @param delta            δ of the δ mode, null otherwise
 * @param mseByBits        quantised MSE at B = 1..16 (index B − 1)
 */
public record DlReport(int d, int width, int k, long samples, double l0, double mse, double fvu, double deadFraction,
                       Integer bits, Double mseQuantized, Double dlBits, Double dlBoundBits, Long denseBits,
                       Double bitsSavedVsDense, boolean admissible, Double eps, Double epsFvu, Double delta,
                       double[] mseByBits) implements Selection.Candidate {

    /**
     * The {@code dl --json} object: snake_case keys {@code bits} (int or null), {@code dl_bits}, {@code dl_bound_bits},
     * {@code dense_bits}, {@code mse}, {@code mse_quantized}, {@code fvu}, {@code l0}, {@code d_sae},
     * {@code admissible}, plus {@code d_in}, {@code k}, {@code samples}, {@code dead_fraction}, {@code eps},
     * {@code eps_fvu}, {@code delta}, {@code bits_saved_vs_dense}, {@code mse_by_bits}. Non-finite numbers
     * become null. Serialise with Jackson ({@code new ObjectMapper().writeValueAsString(report.toJson())}).
     *
     * @return an insertion-ordered map for Jackson
     */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bits", bits);
        m.put("dl_bits", num(dlBits));
        m.put("dl_bound_bits", num(dlBoundBits));
        m.put("dense_bits", denseBits);
        m.put("mse", num(mse));
        m.put("mse_quantized", num(mseQuantized));
        m.put("fvu", num(fvu));
        m.put("l0", num(l0));
        m.put("d_sae", width);
        m.put("admissible", admissible);
        m.put("d_in", d);
        m.put("k", k > 0 ? k : null);
        m.put("samples", samples);
        m.put("dead_fraction", num(deadFraction));
        m.put("eps", num(eps));
        m.put("eps_fvu", num(epsFvu));
        m.put("delta", num(delta));
        m.put("bits_saved_vs_dense", num(bitsSavedVsDense));
        List<Double> curve = new ArrayList<>();
        if (mseByBits != null) for (double v : mseByBits) curve.add(num(v));
        m.put("mse_by_bits", curve);
        return m;
    }

    private static Double num(Double v) {
        return v == null || v.isNaN() || v.isInfinite() ? null : v;
    }

    /**
     * Several lines for people: the figures with their units.
     *
     * @return a multi-line summary
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(java.util.Locale.ROOT, "d = %d, D = %d, k = %s, N = %d%n", d, width,
                k > 0 ? String.valueOf(k) : "–", samples));
        sb.append(String.format(java.util.Locale.ROOT, "L0 = %.3f, MSE = %.6g, FVU = %.4g, dead = %.1f%%%n",
                l0, mse, fvu, 100 * deadFraction));
        if (eps != null) {
            sb.append(String.format(java.util.Locale.ROOT, "tolerance: MSE <= %.6g", eps));
            if (epsFvu != null) sb.append(String.format(java.util.Locale.ROOT, " (FVU %.4g)", epsFvu));
            sb.append(System.lineSeparator());
        } else {
            sb.append(String.format(java.util.Locale.ROOT, "tolerance: quantised MSE - MSE <= %.6g%n", delta));
        }
        if (admissible) {
            sb.append(String.format(java.util.Locale.ROOT, "B* = %d bits, quantised MSE = %.6g%n", bits, mseQuantized));
            sb.append(String.format(java.util.Locale.ROOT,
                    "DL = %.2f bits/sample (bound L0(B + log2 D) = %.2f, dense d*B = %d, saved %.2f)%n",
                    dlBits, dlBoundBits, denseBits, bitsSavedVsDense));
        } else {
            sb.append("not admissible: no precision B <= 16 meets the tolerance").append(System.lineSeparator());
        }
        return sb.toString();
    }
}
