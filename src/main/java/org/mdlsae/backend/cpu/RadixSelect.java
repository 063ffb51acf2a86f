package org.mdlsae.backend.cpu;

/**
 * Exact k-th largest positive float in O(count) by two 16-bit radix passes over the IEEE bit patterns
 * (positive floats order like their bits as ints). The CPU twin of the BatchTopK threshold kernel.
 */
final class RadixSelect {
    private RadixSelect() {
    }

    static float kthLargestPositive(float[] a, int count, long keep) {
        long[] hi = new long[1 << 16];
        long positives = 0;
        float smallest = Float.POSITIVE_INFINITY;
        for (int q = 0; q < count; q++) {
            float v = a[q];
            if (v > 0f) {
                hi[Float.floatToRawIntBits(v) >>> 16]++;
                positives++;
                if (v < smallest) smallest = v;
            }
        }
        if (positives == 0) return Float.POSITIVE_INFINITY;
        if (positives <= keep) return smallest;
        // bucket holding the keep-th largest, walking from the top
        long above = 0;
        int bucket = (1 << 16) - 1;
        while (above + hi[bucket] < keep) above += hi[bucket--];
        long rank = keep - above; // 1-based rank inside the bucket, from the top
        long[] lo = new long[1 << 16];
        for (int q = 0; q < count; q++) {
            float v = a[q];
            if (v > 0f) {
                int bitsV = Float.floatToRawIntBits(v);
                if ((bitsV >>> 16) == bucket) lo[bitsV & 0xFFFF]++;
            }
        }
        int low = (1 << 16) - 1;
        long seen = 0;
        while (seen + lo[low] < rank) seen += lo[low--];
        return Float.intBitsToFloat((bucket << 16) | low);
    }
}
