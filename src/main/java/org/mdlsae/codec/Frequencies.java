package org.mdlsae.codec;

import java.math.BigInteger;

/**
 * Turns symbol counts into a range-coder table (docs/design.md §13): frequencies proportional to the counts, every
 * counted symbol at least 1, summing to exactly {@link RangeEncoder#TOTAL}. Integer arithmetic only, so encoder and
 * decoder derive the same table from the counts stored in the file's header.
 */
final class Frequencies {
    private Frequencies() {
    }

    /**
     * The cumulative table of {@code counts} (all ≥ 1, at most {@link RangeEncoder#TOTAL} of them): entry s is the sum
     * of the frequencies of symbols before s; entry {@code counts.length} is {@link RangeEncoder#TOTAL}.
     *
     * @param counts occurrences of each symbol, ≥ 1
     * @return the cumulative table, length counts.length + 1
     */
    static int[] cumulative(long[] counts) {
        int n = counts.length;
        if (n == 0 || n > RangeEncoder.TOTAL) throw new IllegalArgumentException("cannot code " + n + " symbols");
        long sum = 0;
        for (long c : counts) {
            if (c < 1) throw new IllegalArgumentException("count " + c + " < 1");
            sum = Math.addExact(sum, c);
        }
        long total = RangeEncoder.TOTAL;
        long[] f = new long[n];
        long given = 0;
        for (int s = 0; s < n; s++) {
            f[s] = Math.max(1, scaled(counts[s], sum));
            given += f[s];
        }
        // the rounding remainder goes to (or comes from) the most frequent symbols, where it costs least
        while (given != total) {
            int big = 0;
            for (int s = 1; s < n; s++) if (f[s] > f[big]) big = s;
            long change = given < total ? total - given : -Math.min(f[big] - 1, given - total);
            f[big] += change;
            given += change;
        }
        int[] cum = new int[n + 1];
        for (int s = 0; s < n; s++) cum[s + 1] = (int) (cum[s] + f[s]);
        return cum;
    }

    /** floor(c·TOTAL / sum), exact for every c ≤ sum. */
    private static long scaled(long c, long sum) {
        if (c < 1L << (63 - RangeEncoder.TOTAL_BITS)) return (c << RangeEncoder.TOTAL_BITS) / sum;
        return BigInteger.valueOf(c).shiftLeft(RangeEncoder.TOTAL_BITS).divide(BigInteger.valueOf(sum)).longValueExact();
    }

    /**
     * The symbol whose interval holds {@code target}: the largest s with cum[s] ≤ target.
     *
     * @param cum    a cumulative table
     * @param target a value in [0, TOTAL)
     * @return the symbol index
     */
    static int find(int[] cum, int target) {
        int lo = 0, hi = cum.length - 2;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (cum[mid] <= target) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }
}
