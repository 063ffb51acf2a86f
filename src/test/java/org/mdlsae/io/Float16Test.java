package org.mdlsae.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mdlsae.codec.TwoPart;

/** float → float16 bits (the activation shards' default type): exact where exact, nearest-even otherwise. */
class Float16Test {
    @Test
    void everyHalfRoundTrips() {
        for (int h = 0; h < 1 << 16; h++) {
            float f = Dtypes.halfToFloat((short) h);
            if (Float.isNaN(f)) continue;
            assertEquals(h, Dtypes.floatToHalf(f) & 0xffff, "half 0x" + Integer.toHexString(h));
        }
    }

    @Test
    void roundsToNearestEvenLikeTheCodecsReference() {
        // TwoPart.toFloat16 is an independent (double arithmetic) rounding to float16
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            float f = switch (i % 4) {
                case 0 -> (float) (r.nextGaussian() * 3);
                case 1 -> (float) (r.nextGaussian() * 1e-5); // subnormal halves
                case 2 -> (float) (r.nextGaussian() * 7e4); // near and past the largest half
                default -> Float.intBitsToFloat(r.nextInt()); // any bits
            };
            if (Float.isNaN(f)) continue;
            float want = TwoPart.toFloat16(f);
            assertEquals(want, Dtypes.halfToFloat(Dtypes.floatToHalf(f)), "f = " + f);
        }
        // ties: 1 + 2^-11 lies half-way between 1 and 1 + 2^-10 and goes to the even one (1)
        assertEquals(1f, Dtypes.halfToFloat(Dtypes.floatToHalf(1f + 0x1p-11f)));
        assertEquals(1f + 0x1p-9f, Dtypes.halfToFloat(Dtypes.floatToHalf(1f + 0x1p-10f + 0x1p-11f)));
        assertEquals(Float.POSITIVE_INFINITY, Dtypes.halfToFloat(Dtypes.floatToHalf(65520f)));
        assertEquals(65504f, Dtypes.halfToFloat(Dtypes.floatToHalf(65519f)));
        assertEquals(0x1p-24f, Dtypes.halfToFloat(Dtypes.floatToHalf(0x1.8p-25f)));
        assertEquals(0f, Dtypes.halfToFloat(Dtypes.floatToHalf(0x1p-25f)));
        assertEquals(0x8000, Dtypes.floatToHalf(-0f) & 0xffff);
    }
}
