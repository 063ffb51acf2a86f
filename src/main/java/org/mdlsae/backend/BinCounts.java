package org.mdlsae.backend;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Sparse per-feature histogram: ascending {@code keys} (feature·2^bits + bin) with their {@code counts}. Serializable:
 * the tasks of a distributed description length return it (docs/design.md §14).
 *
 * @param bits precision B the bins were made at
 */
public record BinCounts(int bits, long[] keys, long[] counts) implements Serializable {

    public BinCounts {
        if (keys.length != counts.length) {
            throw new IllegalArgumentException("keys and counts differ in length");
        }
    }

    /** Builds counts from unsorted keys (sorts a copy). */
    public static BinCounts ofKeys(int bits, long[] rawKeys, int len) {
        long[] k = Arrays.copyOf(rawKeys, len);
        Arrays.sort(k);
        int distinct = 0;
        for (int i = 0; i < len; i++) {
            if (i == 0 || k[i] != k[i - 1]) distinct++;
        }
        long[] keys = new long[distinct];
        long[] counts = new long[distinct];
        int o = -1;
        for (int i = 0; i < len; i++) {
            if (i == 0 || k[i] != k[i - 1]) keys[++o] = k[i];
            counts[o]++;
        }
        return new BinCounts(bits, keys, counts);
    }

    /** The union of two histograms made at the same precision, counts added. */
    public BinCounts merge(BinCounts other) {
        if (other.bits != bits) throw new IllegalArgumentException("merging bin counts of different precision");
        long[] k = new long[keys.length + other.keys.length];
        long[] c = new long[k.length];
        int a = 0, b = 0, o = 0;
        while (a < keys.length || b < other.keys.length) {
            long ka = a < keys.length ? keys[a] : Long.MAX_VALUE;
            long kb = b < other.keys.length ? other.keys[b] : Long.MAX_VALUE;
            if (ka == kb) {
                k[o] = ka; c[o++] = counts[a++] + other.counts[b++];
            } else if (ka < kb) {
                k[o] = ka; c[o++] = counts[a++];
            } else {
                k[o] = kb; c[o++] = other.counts[b++];
            }
        }
        return new BinCounts(bits, Arrays.copyOf(k, o), Arrays.copyOf(c, o));
    }

    /** Feature index of key i. */
    public int feature(int i) {
        return (int) (keys[i] >>> bits);
    }

    /** Bin index of key i. */
    public int bin(int i) {
        return (int) (keys[i] & ((1L << bits) - 1));
    }
}
