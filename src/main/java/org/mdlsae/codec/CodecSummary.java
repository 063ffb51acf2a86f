package org.mdlsae.codec;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import org.mdlsae.backend.Backend;
import org.mdlsae.math.Rows;
import org.mdlsae.mdl.SparseEncoder;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;

/**
 * What the codec adds to a sweep's {@code results.json} under {@code "codec"} (docs/design.md §13), for the report:
 * the rate–distortion curve of each width's selected SAE and where they cross, the two-part code of those SAEs, and
 * (with {@code sweep --compare}) the comparison table of the selected SAE.
 *
 * @param rateDistortion the curves, narrow to wide
 * @param crossings      where pairs of curves cross
 * @param twoPart        the two-part table
 * @param comparison     the comparison at ε, or null when not asked for
 */
public record CodecSummary(@JsonProperty("rate_distortion") List<RateDistortion.Curve> rateDistortion,
                           @JsonProperty("crossings") List<RateDistortion.Crossing> crossings,
                           @JsonProperty("two_part") TwoPart.Table twoPart,
                           @JsonProperty("comparison") Comparison comparison) {

    /**
     * Measures the section: one statistics pass per SAE over {@code eval}, calibrated on {@code calib} as the sweep's
     * DL evaluation is, so each curve passes through its run's (B*, DL) exactly.
     *
     * @param be      the back end
     * @param saes    the selected SAE of each admissible width, narrow to wide
     * @param eval    the evaluation rows
     * @param calib   the calibration rows
     * @param eps     ε (MSE)
     * @param compare the SAE to run the comparison with, or null for none
     * @param zstd    zstd-jni for the comparison, or null
     * @return the section
     */
    public static CodecSummary measure(Backend be, List<SaeWeights> saes, Rows eval, Rows calib, double eps,
                                       SaeWeights compare, Zstd zstd) {
        List<RateDistortion.Curve> curves = new ArrayList<>();
        int n = saes.size();
        int[] widths = new int[n], ks = new int[n];
        double[] dl = new double[n];
        for (int i = 0; i < n; i++) {
            SaeWeights w = saes.get(i);
            try (Sae sae = Sae.upload(be, w)) {
                SparseEncoder m = SparseEncoder.of(sae);
                CodeStats s = CodeStats.measure(m, eval, CodeStats.maxima(m, calib));
                curves.add(RateDistortion.of(s));
                Integer b = s.bStar(eps);
                widths[i] = w.width();
                ks[i] = w.k();
                dl[i] = b == null ? Double.NaN : s.dlBits(b);
            }
        }
        Comparison cmp = null;
        if (compare != null) {
            try (Sae sae = Sae.upload(be, compare)) {
                cmp = Comparison.run(SparseEncoder.of(sae), SaeDigest.of(compare), eval, calib, eps, zstd);
            }
        }
        return new CodecSummary(curves, RateDistortion.crossings(curves), TwoPart.table(eval.rowCount(), eval.dim(), widths, ks, dl),
                cmp);
    }
}
