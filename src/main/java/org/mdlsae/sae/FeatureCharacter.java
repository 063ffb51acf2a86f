package org.mdlsae.sae;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.math.Rows;

/**
 * What kind of features an SAE learned, measured on rows (docs/design.md §11): the paper's MNIST regimes are told apart
 * by whether the decoder rows look like whole inputs (memorisation) and how many input dimensions they spread over
 * (extent). Measured on at most the first {@value #MAX_ROWS} rows:
 * <ul>
 *   <li>{@code live}: latents active (value &gt; 0 in the SAE's inference code) on at least one of those rows;</li>
 *   <li>{@code dead_fraction} = 1 − live/D;</li>
 *   <li>{@code memorisation}: the mean over live latents j of max_i cos(W_dec[j], x_i), the largest cosine between the
 *       decoder row and any of the rows — raw, uncentred (rows of norm 0 are left out; a zero decoder row counts 0);</li>
 *   <li>{@code extent}: the mean over live latents of the participation ratio (Σ_c w_c²)² / (d·Σ_c w_c⁴) of the decoder
 *       row w: 1 for a row spread evenly over all d dimensions, 1/d for a single dimension (a zero row counts 0).</li>
 * </ul>
 * Memorisation and extent are null when no latent is live (or, memorisation, when every row is 0).
 *
 * @param rows         rows measured
 * @param live         latents active at least once on them
 * @param deadFraction 1 − live/D
 * @param memorisation mean over live latents of the largest cosine with a row, or null
 * @param extent       mean over live latents of the decoder row's participation ratio, or null
 * @param usage        per latent, rows on which it is active (for sorting pictures; not written to JSON)
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record FeatureCharacter(
        @JsonProperty("rows") long rows,
        @JsonProperty("live") int live,
        @JsonProperty("dead_fraction") double deadFraction,
        @JsonProperty("memorisation") Double memorisation,
        @JsonProperty("extent") Double extent,
        @JsonIgnore long[] usage) implements java.io.Serializable {

    /** Rows measured at most: the first this many. */
    public static final int MAX_ROWS = 10_000;
    /** Pre-activations held per chunk at most (the chunk's rows × D). */
    private static final long CHUNK_VALUES = 1L << 22;

    /**
     * Measures an SAE on the first min(n, {@value #MAX_ROWS}) rows.
     *
     * @param sae  the SAE
     * @param data rows of d = sae.dIn() values, in memory or streamed
     * @return the measurement
     */
    public static FeatureCharacter measure(Sae sae, Rows data) {
        int d = sae.dIn(), width = sae.width();
        if (data.dim() != d) throw new IllegalArgumentException(data.name() + " has d = " + data.dim() + ", the SAE d_in = " + d);
        Backend be = sae.backend();
        long m = Math.min(data.rowCount(), MAX_ROWS);
        float[] dec = be.download(sae.dec());
        double[] extent = new double[width];
        float[] unit = new float[dec.length];
        for (int j = 0; j < width; j++) {
            double pr = participation(dec, j * d, d);
            extent[j] = Double.isNaN(pr) ? 0 : pr;
            double s2 = 0;
            for (int c = 0, o = j * d; c < d; c++) s2 += (double) dec[o + c] * dec[o + c];
            double inv = s2 > 0 ? 1 / Math.sqrt(s2) : 0;
            for (int c = 0, o = j * d; c < d; c++) unit[o + c] = (float) (dec[o + c] * inv);
        }
        double[] maxCos = new double[width];
        java.util.Arrays.fill(maxCos, Double.NEGATIVE_INFINITY);
        long[] usage = new long[width];
        int chunk = (int) Math.max(1, Math.min(4096, CHUNK_VALUES / width));
        float[] x = new float[chunk * d];
        float[] pre = new float[chunk * width];
        // cos(x_i, w_j) is the encoder product of the unit rows with the unit decoder rows as the "encoder", no biases
        try (FloatBuf units = be.upload(unit); FloatBuf zeroD = be.floats(d); FloatBuf zeroW = be.floats(width);
             IntBuf counts = be.ints(width); FloatBuf xb = be.floats((long) chunk * d);
             FloatBuf cos = be.floats((long) chunk * width)) {
            be.fill(zeroD, 0f);
            be.fill(zeroW, 0f);
            be.fill(counts, 0);
            for (long r0 = 0; r0 < m; r0 += chunk) {
                int n = (int) Math.min(chunk, m - r0);
                data.read(r0, n, x, 0);
                be.write(xb, 0, x, 0, n * d);
                try (SparseCode z = sae.encode(xb, n)) {
                    be.countActive(z, counts);
                }
                boolean[] zero = new boolean[n];
                for (int i = 0; i < n; i++) {
                    double s = 0;
                    for (int c = 0, o = i * d; c < d; c++) s += (double) x[o + c] * x[o + c];
                    zero[i] = s == 0;
                    double inv = s > 0 ? 1 / Math.sqrt(s) : 0;
                    for (int c = 0, o = i * d; c < d; c++) x[o + c] = (float) (x[o + c] * inv);
                }
                be.write(xb, 0, x, 0, n * d);
                be.encode(xb, zeroD, units, zeroW, n, d, width, cos);
                be.read(cos, 0, pre, 0, n * width);
                for (int i = 0; i < n; i++) {
                    if (zero[i]) continue;
                    for (int j = 0, o = i * width; j < width; j++) if (pre[o + j] > maxCos[j]) maxCos[j] = pre[o + j];
                }
            }
            int[] c = be.download(counts);
            for (int j = 0; j < width; j++) usage[j] = c[j];
        }
        int live = 0;
        double memo = 0, ext = 0;
        boolean anyRow = false;
        for (int j = 0; j < width; j++) {
            if (usage[j] == 0) continue;
            live++;
            ext += extent[j];
            if (maxCos[j] > Double.NEGATIVE_INFINITY) {
                anyRow = true;
                memo += maxCos[j];
            }
        }
        return new FeatureCharacter(m, live, 1 - (double) live / width, live > 0 && anyRow ? memo / live : null,
                live > 0 ? ext / live : null, usage);
    }

    /**
     * The mean participation ratio (Σx²)²/(d·Σx⁴) of the rows themselves (the first {@value #MAX_ROWS}; rows of norm 0
     * left out): the extent of a feature that copies an average row, for comparing extents with.
     *
     * @param data the rows
     * @return the mean, or NaN when every row is 0
     */
    public static double rowsExtent(Rows data) {
        int d = data.dim();
        long m = Math.min(data.rowCount(), MAX_ROWS);
        float[] x = new float[(int) Math.min(m, 4096) * d];
        double sum = 0;
        long counted = 0;
        for (long r0 = 0; r0 < m; r0 += 4096) {
            int n = (int) Math.min(4096, m - r0);
            data.read(r0, n, x, 0);
            for (int i = 0; i < n; i++) {
                double pr = participation(x, i * d, d);
                if (!Double.isNaN(pr)) {
                    sum += pr;
                    counted++;
                }
            }
        }
        return counted > 0 ? sum / counted : Double.NaN;
    }

    /** (Σw²)²/(d·Σw⁴) of the d values from {@code off}; NaN when they are all 0. */
    private static double participation(float[] a, int off, int d) {
        double s2 = 0, s4 = 0;
        for (int c = off; c < off + d; c++) {
            double v2 = (double) a[c] * a[c];
            s2 += v2;
            s4 += v2 * v2;
        }
        return s4 > 0 ? s2 * s2 / (d * s4) : Double.NaN;
    }

    /** The same figures without the per-latent usage (what results keep: equal after a JSON round trip). */
    public FeatureCharacter withoutUsage() {
        return new FeatureCharacter(rows, live, deadFraction, memorisation, extent, null);
    }

    /**
     * Latents by decreasing usage, ties by index; latents never active are left out.
     *
     * @return the live latents' indices, most used first
     */
    public int[] liveByUsage() {
        return java.util.stream.IntStream.range(0, usage.length).filter(j -> usage[j] > 0).boxed()
                .sorted((a, b) -> usage[a] != usage[b] ? Long.compare(usage[b], usage[a]) : Integer.compare(a, b))
                .mapToInt(Integer::intValue).toArray();
    }
}
