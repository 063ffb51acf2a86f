package org.mdlsae.codec;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.mdlsae.math.Entropy;
import org.mdlsae.mdl.PrecisionSearch;

/**
 * The per-feature models the codec codes with (docs/design.md §13), the same ones the entropy DL is measured with:
 * for each feature j its precision B_j, its quantiser scale max_j, how many of the N rows it is active in (a_j), and
 * the counts of its used bins. The coder's tables are derived from these counts by {@link Frequencies}, identically
 * on both sides, so the header stores counts, never floating-point probabilities.
 *
 * <p>A row is coded feature by feature, in index order, over the features with a_j &gt; 0: an activity symbol
 * (skipped when a_j = N), then, if active, the bin (skipped when the feature uses a single bin). Its cost is
 * N·h(a_j/N) + a_j·H(bins_j) up to the coder's loss: exactly the entropy DL.
 */
final class FeatureModels {
    final int width;
    final long rows;
    /** Precision per feature, 1..16. */
    final byte[] bits;
    /** Quantiser scale per feature, ≥ 0 (0: never coded). */
    final float[] max;
    /** Rows in which each feature is coded active. */
    final long[] active;
    /** Used bins of each feature, ascending. */
    final int[][] bins;
    /** Their counts. */
    final long[][] counts;
    /** The features with a_j &gt; 0, ascending. */
    final int[] coded;
    /** Activity tables {0, N − a_j, N} (inactive, active); null where a_j = N. */
    final int[][] activityCum;
    /** Bin tables; null where a feature uses one bin. */
    final int[][] binCum;

    FeatureModels(long rows, byte[] bits, float[] max, long[] active, int[][] bins, long[][] counts) {
        this.width = max.length;
        this.rows = rows;
        this.bits = bits;
        this.max = max;
        this.active = active;
        this.bins = bins;
        this.counts = counts;
        int live = 0;
        for (long a : active) if (a > 0) live++;
        coded = new int[live];
        activityCum = new int[width][];
        binCum = new int[width][];
        int o = 0;
        for (int j = 0; j < width; j++) {
            if (active[j] == 0) continue;
            coded[o++] = j;
            if (active[j] < rows) activityCum[j] = Frequencies.cumulative(new long[] {rows - active[j], active[j]});
            if (bins[j].length > 1) binCum[j] = Frequencies.cumulative(counts[j]);
        }
    }

    /**
     * The models of the code measured in {@code stats} at per-feature precision {@code bits}.
     *
     * @param stats the statistics pass
     * @param bits  B_j per feature
     * @return the models
     */
    static FeatureModels of(CodeStats stats, byte[] bits) {
        int width = stats.width;
        CodeStats.Histograms[] byBits = new CodeStats.Histograms[PrecisionSearch.MAX_BITS];
        int[][] bins = new int[width][];
        long[][] counts = new long[width][];
        long[] active = new long[width];
        for (int j = 0; j < width; j++) {
            int b = bits[j];
            if (byBits[b - 1] == null) byBits[b - 1] = stats.histograms(b);
            bins[j] = byBits[b - 1].bins()[j];
            counts[j] = byBits[b - 1].counts()[j];
            for (long c : counts[j]) active[j] += c;
        }
        return new FeatureModels(stats.rows, bits.clone(), stats.max.clone(), active, bins, counts);
    }

    /**
     * Entropy DL of these models, bits per sample: Σ_j h(a_j/N) + (a_j/N)·H(bins_j).
     *
     * @return bits per sample
     */
    double dlBits() {
        double s = 0;
        for (int j : coded) {
            double p = (double) active[j] / rows;
            s += Entropy.h(p) + p * Entropy.ofCounts(counts[j]);
        }
        return s;
    }

    /**
     * Position of {@code bin} among feature j's used bins.
     *
     * @return its symbol index
     * @throws IllegalStateException if the bin was not seen by the statistics pass (the data changed between passes)
     */
    int symbol(int j, int bin) {
        int s = java.util.Arrays.binarySearch(bins[j], bin);
        if (s < 0) throw new IllegalStateException("feature " + j + " bin " + bin + " was not in the statistics pass; "
                + "the data changed between the codec's passes");
        return s;
    }

    /**
     * The model section, uncompressed: per feature its precision byte and its scale (float32), then for each feature
     * with max &gt; 0: a_j, and if a_j &gt; 0 the number of used bins − 1, the bins as gaps, and all counts but the last
     * (implied by a_j), as unsigned LEB128 numbers.
     *
     * @return the bytes
     */
    byte[] serialise() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer head = ByteBuffer.allocate(5 * width).order(ByteOrder.LITTLE_ENDIAN);
        for (int j = 0; j < width; j++) head.put(bits[j]);
        for (int j = 0; j < width; j++) head.putFloat(max[j]);
        out.writeBytes(head.array());
        for (int j = 0; j < width; j++) {
            if (!(max[j] > 0f)) continue;
            VarInts.write(out, active[j]);
            if (active[j] == 0) continue;
            VarInts.write(out, bins[j].length - 1L);
            int prev = -1;
            for (int b : bins[j]) {
                VarInts.write(out, b - prev - 1L);
                prev = b;
            }
            for (int s = 0; s < bins[j].length - 1; s++) VarInts.write(out, counts[j][s]);
        }
        return out.toByteArray();
    }

    /**
     * Parses {@link #serialise()}'s bytes, checking every constraint a valid file meets.
     *
     * @throws IllegalArgumentException naming the first violated constraint
     */
    static FeatureModels parse(byte[] raw, int width, long rows) {
        ByteBuffer in = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        if (raw.length < 5L * width) throw new IllegalArgumentException("model section is shorter than its scales");
        byte[] bits = new byte[width];
        float[] max = new float[width];
        for (int j = 0; j < width; j++) {
            bits[j] = in.get();
            if (bits[j] < PrecisionSearch.MIN_BITS || bits[j] > PrecisionSearch.MAX_BITS) {
                throw new IllegalArgumentException("feature " + j + " has precision " + bits[j]);
            }
        }
        for (int j = 0; j < width; j++) {
            max[j] = in.getFloat();
            if (!(max[j] >= 0f) || Float.isInfinite(max[j])) throw new IllegalArgumentException("feature " + j + " has scale " + max[j]);
        }
        long[] active = new long[width];
        int[][] bins = new int[width][];
        long[][] counts = new long[width][];
        for (int j = 0; j < width; j++) {
            bins[j] = new int[0];
            counts[j] = new long[0];
            if (!(max[j] > 0f)) continue;
            active[j] = VarInts.read(in, rows, "feature " + j + " active count");
            if (active[j] == 0) continue;
            int levels = 1 << bits[j];
            int used = (int) VarInts.read(in, Math.min(levels, active[j]) - 1L, "feature " + j + " bins") + 1;
            bins[j] = new int[used];
            counts[j] = new long[used];
            int prev = -1;
            for (int s = 0; s < used; s++) {
                bins[j][s] = (int) (prev + 1 + VarInts.read(in, levels - 1L - (prev + 1), "feature " + j + " bin gap"));
                prev = bins[j][s];
            }
            long left = active[j];
            for (int s = 0; s < used - 1; s++) {
                counts[j][s] = VarInts.read(in, left - (used - 1 - s), "feature " + j + " bin count");
                if (counts[j][s] < 1) throw new IllegalArgumentException("feature " + j + " has an empty bin");
                left -= counts[j][s];
            }
            counts[j][used - 1] = left;
        }
        if (in.hasRemaining()) throw new IllegalArgumentException(in.remaining() + " stray bytes after the models");
        return new FeatureModels(rows, bits, max, active, bins, counts);
    }
}
