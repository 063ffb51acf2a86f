package org.mdlsae.codec;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.math.Rows;
import org.mdlsae.mdl.SparseEncoder;

/**
 * Two-part MDL (docs/design.md §13): the data's code costs N·DL bits, and the dictionary it is written in costs bits
 * once. The dictionary is what a receiver needs to decode: W_dec (D×d) and b_dec (d), stated at float16, 16 bits a
 * parameter. (The encoder is not needed to decode; the quantiser scales and models are in the compressed file's
 * header and are counted there.) {@link #float16Mse} checks that the stated precision is enough: the reconstruction
 * with the decoder rounded to float16 still meets ε.
 */
public final class TwoPart {
    /** Bits per dictionary parameter (float16). */
    public static final int PARAM_BITS = 16;

    private TwoPart() {
    }

    /**
     * The dictionary's cost at float16.
     *
     * @param width D
     * @param d     input dimension
     * @return (D·d + d)·16 bits
     */
    public static long dictionaryBits(int width, int d) {
        return ((long) width * d + d) * PARAM_BITS;
    }

    /**
     * The nearest float16 value of {@code f} (round to nearest, ties to even; ±∞ beyond float16's range), as a float.
     *
     * @param f a value
     * @return f rounded to float16
     */
    public static float toFloat16(float f) {
        if (!Float.isFinite(f) || f == 0f) return f;
        double a = Math.abs((double) f);
        // float16: 11 significant bits down to 2^-14, then a fixed step of 2^-24 (subnormals)
        double ulp = a < 0x1p-14 ? 0x1p-24 : Math.scalb(1.0, Math.getExponent(a) - 10);
        double r = Math.rint(a / ulp) * ulp;
        if (r >= 65520.0) r = Double.POSITIVE_INFINITY; // halfway to the next binade above float16's largest, 65504
        return (float) Math.copySign(r, f);
    }

    /**
     * Quantised MSE of {@code data}'s code at per-feature precision {@code bits} when the decoder (W_dec, b_dec) is
     * rounded to float16, the precision its cost is stated at: one pass through {@link Reconstruction}.
     *
     * @param model the SAE
     * @param data  the rows
     * @param max   the quantiser's scales
     * @param bits  precision per feature
     * @return the MSE with a float16 dictionary
     */
    public static double float16Mse(SparseEncoder model, Rows data, float[] max, byte[] bits) {
        Backend be = model.backend();
        float[] dec = be.download(model.dec()), bDec = be.download(model.bDec());
        for (int i = 0; i < dec.length; i++) dec[i] = toFloat16(dec[i]);
        for (int i = 0; i < bDec.length; i++) bDec[i] = toFloat16(bDec[i]);
        try (FloatBuf d16 = be.upload(dec); FloatBuf b16 = be.upload(bDec)) {
            SparseEncoder rounded = new SparseEncoder() {
                @Override public Backend backend() { return be; }
                @Override public int dIn() { return model.dIn(); }
                @Override public int width() { return model.width(); }
                @Override public int k() { return model.k(); }
                @Override public FloatBuf dec() { return d16; }
                @Override public FloatBuf bDec() { return b16; }
                @Override public SparseCode encode(FloatBuf x, int n) { return model.encode(x, n); }
            };
            long nd = data.rowCount() * data.dim();
            return Reconstruction.sqError(rounded, data, max, bits) / nd;
        }
    }

    /**
     * The number of samples from which a dictionary with per-sample DL {@code dlWide} and cost {@code costWide} codes
     * data in fewer total bits than one with {@code dlNarrow} and {@code costNarrow}: N* = ΔC / ΔDL.
     *
     * @return N* (rounded up; 0 if it is never worse), or null if it never pays (its DL is not smaller)
     */
    public static Long breakEven(double dlNarrow, long costNarrow, double dlWide, long costWide) {
        double saved = dlNarrow - dlWide;
        long extra = costWide - costNarrow;
        if (saved > 0) return Math.max(0L, (long) Math.ceil(extra / saved));
        return saved == 0 && extra <= 0 ? Long.valueOf(0L) : null;
    }

    /**
     * One dictionary of the table.
     *
     * @param width          D
     * @param k              k
     * @param dlBits         per-sample entropy DL at ε
     * @param dictionaryBits its dictionary's cost
     * @param totalBits      two-part total at the table's N: dictionary + N·DL
     * @param paysFrom       the N from which it codes in fewer total bits than every narrower dictionary of the table
     *                       (0 for the narrowest; null if some narrower one is never beaten)
     */
    public record Entry(@JsonProperty("width") int width, @JsonProperty("k") int k, @JsonProperty("dl_bits") double dlBits,
                        @JsonProperty("dictionary_bits") long dictionaryBits, @JsonProperty("total_bits") double totalBits,
                        @JsonProperty("pays_from_samples") Long paysFrom) {
    }

    /**
     * From {@code fromSamples} on (until the next segment), {@code width} is the two-part optimum.
     *
     * @param fromSamples first N of the segment
     * @param width       the optimal D there
     */
    public record Segment(@JsonProperty("from_samples") long fromSamples, @JsonProperty("width") int width) {
    }

    /**
     * The two-part comparison of several dictionaries on the same data at the same ε.
     *
     * @param samples   N the totals are given at (the evaluation rows)
     * @param paramBits bits per dictionary parameter
     * @param entries   the dictionaries, narrow to wide
     * @param optimal   which dictionary is two-part optimal for which N (the lower envelope of C + N·DL)
     */
    public record Table(@JsonProperty("samples") long samples, @JsonProperty("param_bits") int paramBits,
                        @JsonProperty("entries") List<Entry> entries, @JsonProperty("optimal") List<Segment> optimal) {
    }

    /**
     * Builds the table for dictionaries given as {width, k} with their per-sample DLs (ascending width).
     *
     * @param samples N for the totals
     * @param d       input dimension
     * @param widths  D of each
     * @param ks      k of each
     * @param dl      per-sample DL of each
     * @return the table
     */
    public static Table table(long samples, int d, int[] widths, int[] ks, double[] dl) {
        int n = widths.length;
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long c = dictionaryBits(widths[i], d);
            Long from = 0L;
            for (int a = 0; a < i && from != null; a++) {
                Long be = breakEven(dl[a], dictionaryBits(widths[a], d), dl[i], c);
                from = be == null ? null : Math.max(from, be);
            }
            entries.add(new Entry(widths[i], ks[i], dl[i], c, c + samples * dl[i], from));
        }
        List<Segment> optimal = new ArrayList<>();
        if (n > 0) {
            // walk the lower envelope of C_i + N·DL_i from N = 0: the cheapest dictionary first, then each line that
            // dips below the current one soonest
            int cur = 0;
            for (int i = 1; i < n; i++) {
                long ci = dictionaryBits(widths[i], d), cc = dictionaryBits(widths[cur], d);
                if (ci < cc || ci == cc && dl[i] < dl[cur]) cur = i;
            }
            long at = 0;
            optimal.add(new Segment(0, widths[cur]));
            while (true) {
                int next = -1;
                double when = Double.POSITIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    if (!(dl[i] < dl[cur])) continue;
                    double x = (dictionaryBits(widths[i], d) - dictionaryBits(widths[cur], d)) / (dl[cur] - dl[i]);
                    if (x >= at && x < when) {
                        when = x;
                        next = i;
                    }
                }
                if (next < 0) break;
                cur = next;
                at = (long) Math.ceil(when);
                optimal.add(new Segment(at, widths[cur]));
            }
        }
        return new Table(samples, PARAM_BITS, entries, optimal);
    }
}
