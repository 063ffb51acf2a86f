package org.mdlsae.backend.cpu;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Exact k-th largest positive float (the CPU twin of the BatchTopK threshold kernel). Positive floats order like
 * their bit patterns as ints, so two 16-bit radix passes find it exactly.
 *
 * <p>BatchTopK keeps a small fraction of the n·D pre-activations, so large inputs are first cut down: a fixed
 * pseudo-random sample gives a lower bound below the answer with high probability, one vectorised parallel pass
 * keeps the values at or above it, and the radix passes run on those candidates only. If the bound was too high
 * (fewer candidates than {@code keep}) the radix passes run on everything. Either way the result is exact, so it
 * does not depend on the sample, the chunking or the thread count.
 */
final class RadixSelect {
    /** Inputs at least this long use the sampled prefilter. */
    static final int PREFILTER_MIN = 1 << 17;
    private static final int SAMPLES = 1 << 14;
    private static final int CHUNKS = 16;
    /** The radix passes run in parallel chunks from this length on (below it, merging 16 histograms costs more). */
    static final int PARALLEL_RADIX_MIN = 1 << 21;

    private RadixSelect() {
    }

    static float kthLargestPositive(float[] a, int count, long keep) {
        if (count >= PREFILTER_MIN && keep <= count / 4) {
            float lo = sampledBound(a, count, keep);
            if (lo > 0f) {
                float[] cand = collectAtLeast(a, count, lo);
                if (cand.length >= keep) return radix(cand, cand.length, keep);
            }
        }
        return radix(a, count, keep);
    }

    /**
     * A value that about 1.25·keep + 4σ entries of a[0, count) reach, estimated from a fixed sample; 0 when the
     * sample has too few positives to say.
     */
    static float sampledBound(float[] a, int count, long keep) {
        SplittableRandom rnd = new SplittableRandom(0x5EEDL);
        float[] s = new float[SAMPLES];
        int pos = 0;
        for (int i = 0; i < SAMPLES; i++) {
            float v = a[rnd.nextInt(count)];
            if (v > 0f) s[pos++] = v;
        }
        double expected = (double) keep / count * SAMPLES;
        long rank = (long) Math.ceil(1.25 * expected + 4 * Math.sqrt(expected) + 8);
        if (rank > pos) return 0f;
        Arrays.sort(s, 0, pos);
        return s[(int) (pos - rank)];
    }

    /** The values of a[0, count) that are ≥ lo (lo &gt; 0), in index order; parallel over fixed chunks. */
    static float[] collectAtLeast(float[] a, int count, float lo) {
        float[][] parts = new float[CHUNKS][];
        int[] lens = new int[CHUNKS];
        Parallel.forChunks(CHUNKS, count, ch -> {
            int from = Parallel.start(ch, CHUNKS, count), to = Parallel.start(ch + 1, CHUNKS, count);
            float[] buf = new float[1024];
            int w = 0;
            final int block = 4096;
            for (int q = from; q < to; q += block) {
                int e = Math.min(to, q + block);
                if (buf.length - w < e - q) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, w + (e - q)));
                w = Scan.collectAtLeast(a, q, e, lo, buf, w);
            }
            parts[ch] = buf;
            lens[ch] = w;
        });
        int total = 0;
        for (int l : lens) total += l;
        float[] out = new float[total];
        int o = 0;
        for (int c = 0; c < CHUNKS; c++) {
            System.arraycopy(parts[c], 0, out, o, lens[c]);
            o += lens[c];
        }
        return out;
    }

    /** The two radix passes over a[0, count): histograms made per chunk in parallel (integer counts: exact). */
    static float radix(float[] a, int count, long keep) {
        int chunks = count >= PARALLEL_RADIX_MIN ? CHUNKS : 1;
        int[][] hists = new int[chunks][];
        long[] posPart = new long[chunks];
        float[] minPart = new float[chunks];
        Parallel.forChunks(chunks, count, ch -> {
            int[] h = new int[1 << 16];
            long positives = 0;
            float smallest = Float.POSITIVE_INFINITY;
            for (int q = Parallel.start(ch, chunks, count), e = Parallel.start(ch + 1, chunks, count); q < e; q++) {
                float v = a[q];
                if (v > 0f) {
                    h[Float.floatToRawIntBits(v) >>> 16]++;
                    positives++;
                    if (v < smallest) smallest = v;
                }
            }
            hists[ch] = h;
            posPart[ch] = positives;
            minPart[ch] = smallest;
        });
        long[] hi = new long[1 << 16];
        long positives = 0;
        float smallest = Float.POSITIVE_INFINITY;
        for (int c = 0; c < chunks; c++) {
            int[] h = hists[c];
            for (int b = 0; b < h.length; b++) hi[b] += h[b];
            positives += posPart[c];
            smallest = Math.min(smallest, minPart[c]);
        }
        if (positives == 0) return Float.POSITIVE_INFINITY;
        if (positives <= keep) return smallest;
        // bucket holding the keep-th largest, walking from the top
        long above = 0;
        int bucket = (1 << 16) - 1;
        while (above + hi[bucket] < keep) above += hi[bucket--];
        long rank = keep - above; // 1-based rank inside the bucket, from the top
        final int bk = bucket;
        Parallel.forChunks(chunks, count, ch -> {
            int[] h = hists[ch];
            Arrays.fill(h, 0);
            for (int q = Parallel.start(ch, chunks, count), e = Parallel.start(ch + 1, chunks, count); q < e; q++) {
                float v = a[q];
                if (v > 0f) {
                    int bitsV = Float.floatToRawIntBits(v);
                    if ((bitsV >>> 16) == bk) h[bitsV & 0xFFFF]++;
                }
            }
        });
        long[] lo = new long[1 << 16];
        for (int c = 0; c < chunks; c++) {
            int[] h = hists[c];
            for (int b = 0; b < h.length; b++) lo[b] += h[b];
        }
        int low = (1 << 16) - 1;
        long seen = 0;
        while (seen + lo[low] < rank) seen += lo[low--];
        return Float.intBitsToFloat((bucket << 16) | low);
    }
}
