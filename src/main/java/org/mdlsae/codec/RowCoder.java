package org.mdlsae.codec;

import java.io.IOException;
import org.mdlsae.backend.Quantise;

/**
 * Codes rows of a canonical code with {@link FeatureModels}' tables (docs/design.md §13): for each feature with
 * a_j &gt; 0 in index order, its activity symbol (unless a_j = N), then, if active, its bin (unless it uses one bin).
 * Entries of features with max 0 are not coded (they decode to 0, as in the DL evaluation).
 */
final class RowCoder {
    private final FeatureModels m;

    RowCoder(FeatureModels models) {
        this.m = models;
    }

    /**
     * Codes one row: entries {@code [from, to)} of a canonical code (ascending latents, values &gt; 0).
     *
     * @throws IOException if the output fails
     */
    void encode(RangeEncoder enc, int[] idx, float[] val, int from, int to) throws IOException {
        int q = from;
        for (int j : m.coded) {
            while (q < to && idx[q] < j) q++; // features with max 0: not coded
            boolean on = q < to && idx[q] == j;
            int[] act = m.activityCum[j];
            if (act != null) {
                if (on) enc.encode(act[1], act[2] - act[1]);
                else enc.encode(0, act[1]);
            } else if (!on) {
                throw new IllegalStateException("feature " + j + " is inactive in a row, but was active in every row of "
                        + "the statistics pass; the data changed between the codec's passes");
            }
            if (!on) continue;
            int[] cum = m.binCum[j];
            int bin = Quantise.bin(val[q], m.max[j], m.bits[j]);
            int s = m.symbol(j, bin);
            if (cum != null) enc.encode(cum[s], cum[s + 1] - cum[s]);
            q++;
        }
    }

    /**
     * Decodes one row into {@code idx}/{@code bin} from position {@code at}.
     *
     * @return the position after the row's entries
     * @throws IOException if reading fails
     */
    int decode(RangeDecoder dec, int[] idx, int[] bin, int at) throws IOException {
        int o = at;
        for (int j : m.coded) {
            int[] act = m.activityCum[j];
            if (act != null) {
                int t = dec.target();
                boolean on = t >= act[1];
                if (on) dec.consume(act[1], act[2] - act[1]);
                else dec.consume(0, act[1]);
                if (!on) continue;
            }
            int[] cum = m.binCum[j];
            int s = 0;
            if (cum != null) {
                s = Frequencies.find(cum, dec.target());
                dec.consume(cum[s], cum[s + 1] - cum[s]);
            }
            idx[o] = j;
            bin[o++] = m.bins[j][s];
        }
        return o;
    }
}
