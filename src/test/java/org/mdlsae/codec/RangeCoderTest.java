package org.mdlsae.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mdlsae.math.Entropy;

class RangeCoderTest {
    /** Symbols drawn from skewed tables of various sizes come back exactly, in about their entropy. */
    @Test
    void roundTripNearEntropy() throws Exception {
        SplittableRandom r = new SplittableRandom(7);
        for (int alphabet : new int[] {2, 3, 17, 256, 4000}) {
            long[] counts = new long[alphabet];
            for (int s = 0; s < alphabet; s++) counts[s] = 1 + (long) (1000 * Math.pow(r.nextDouble(), 6));
            counts[0] = 200_000; // one very likely symbol: many renormalisations, carries
            int[] cum = Frequencies.cumulative(counts);
            int n = 60_000;
            int[] sym = new int[n];
            long total = 0;
            for (long c : counts) total += c;
            double ideal = 0;
            for (int i = 0; i < n; i++) {
                long u = r.nextLong(total);
                int s = 0;
                while (u >= counts[s]) u -= counts[s++];
                sym[i] = s;
                ideal -= Entropy.log2((double) (cum[s + 1] - cum[s]) / RangeEncoder.TOTAL);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            RangeEncoder enc = new RangeEncoder(out);
            for (int s : sym) enc.encode(cum[s], cum[s + 1] - cum[s]);
            long bytes = enc.finish();
            assertEquals(out.size(), bytes);
            // the coder's own loss: the 7 flushed bytes plus far less than a bit per thousand symbols
            assertTrue(8.0 * bytes <= ideal + 8 * 7 + 1e-3 * n, alphabet + ": " + 8.0 * bytes + " bits for " + ideal);
            assertTrue(8.0 * bytes >= ideal - 8, alphabet + ": below the ideal length " + ideal);
            RangeDecoder dec = new RangeDecoder(new ByteArrayInputStream(out.toByteArray()), bytes);
            int[] back = new int[n];
            for (int i = 0; i < n; i++) {
                int s = Frequencies.find(cum, dec.target());
                dec.consume(cum[s], cum[s + 1] - cum[s]);
                back[i] = s;
            }
            assertArrayEquals(sym, back, "alphabet " + alphabet);
            assertFalse(dec.overran());
            assertEquals(bytes, dec.bytesRead(), "the decoder reads exactly the encoder's bytes");
        }
    }

    /** A long run of the most likely symbol (0xFF bytes pending) followed by unlikely ones propagates carries. */
    @Test
    void carriesThroughPendingBytes() throws Exception {
        int[] cum = {0, RangeEncoder.TOTAL - 1, RangeEncoder.TOTAL};
        SplittableRandom r = new SplittableRandom(3);
        for (int trial = 0; trial < 50; trial++) {
            int n = 2000;
            int[] sym = new int[n];
            for (int i = 0; i < n; i++) sym[i] = r.nextInt(100) == 0 ? 1 : 0;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            RangeEncoder enc = new RangeEncoder(out);
            for (int s : sym) enc.encode(cum[s], cum[s + 1] - cum[s]);
            long bytes = enc.finish();
            RangeDecoder dec = new RangeDecoder(new ByteArrayInputStream(out.toByteArray()), bytes);
            for (int i = 0; i < n; i++) {
                int s = Frequencies.find(cum, dec.target());
                assertEquals(sym[i], s, "trial " + trial + " symbol " + i);
                dec.consume(cum[s], cum[s + 1] - cum[s]);
            }
            assertFalse(dec.overran());
        }
    }

    @Test
    void frequenciesSumExactlyAndKeepEverySymbol() {
        SplittableRandom r = new SplittableRandom(1);
        for (int t = 0; t < 200; t++) {
            int n = 1 + r.nextInt(t < 100 ? 10 : 70_000 / 1);
            n = Math.min(n, RangeEncoder.TOTAL);
            long[] c = new long[n];
            for (int s = 0; s < n; s++) c[s] = 1 + (r.nextInt(4) == 0 ? r.nextLong(1L << 45) : r.nextInt(5));
            int[] cum = Frequencies.cumulative(c);
            assertEquals(RangeEncoder.TOTAL, cum[n]);
            for (int s = 0; s < n; s++) assertTrue(cum[s + 1] > cum[s], "symbol " + s + " has no room");
            for (int v = 0; v < RangeEncoder.TOTAL; v += 997) {
                int s = Frequencies.find(cum, v);
                assertTrue(cum[s] <= v && v < cum[s + 1]);
            }
        }
        int[] two = Frequencies.cumulative(new long[] {3, 1});
        assertEquals(3 * RangeEncoder.TOTAL / 4, two[1], "proportional when exact");
    }
}
