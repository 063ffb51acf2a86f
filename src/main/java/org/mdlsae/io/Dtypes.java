package org.mdlsae.io;

import java.nio.ByteBuffer;

/** Conversions from stored element types to float; the buffer's byte order is used as is. */
final class Dtypes {
    private Dtypes() {
    }

    /**
     * Decodes {@code n} elements from {@code buf} into {@code out[from..from+n)}.
     *
     * @param dtype safetensors-style name: F32, F16, BF16, F64, or (exact for the small integers of buffers
     *              such as a stored k) I64, I32, I16, I8, U8, BOOL
     */
    static void decode(String dtype, ByteBuffer buf, float[] out, int from, int n) {
        switch (dtype) {
            case "F32" -> buf.asFloatBuffer().get(out, from, n);
            case "F64" -> {
                for (int i = 0; i < n; i++) {
                    out[from + i] = (float) buf.getDouble(i * 8);
                }
            }
            case "F16" -> {
                for (int i = 0; i < n; i++) {
                    out[from + i] = halfToFloat(buf.getShort(i * 2));
                }
            }
            case "BF16" -> {
                for (int i = 0; i < n; i++) {
                    out[from + i] = Float.intBitsToFloat((buf.getShort(i * 2) & 0xffff) << 16);
                }
            }
            case "I64" -> {
                for (int i = 0; i < n; i++) out[from + i] = buf.getLong(i * 8);
            }
            case "I32" -> {
                for (int i = 0; i < n; i++) out[from + i] = buf.getInt(i * 4);
            }
            case "I16" -> {
                for (int i = 0; i < n; i++) out[from + i] = buf.getShort(i * 2);
            }
            case "I8" -> {
                for (int i = 0; i < n; i++) out[from + i] = buf.get(i);
            }
            case "U8", "BOOL" -> {
                for (int i = 0; i < n; i++) out[from + i] = buf.get(i) & 0xff;
            }
            default -> throw new IllegalArgumentException("unsupported dtype " + dtype);
        }
    }

    /** Bytes per element of a dtype {@link #decode} reads, or 0 when it reads no such dtype. */
    static int size(String dtype) {
        return switch (dtype) {
            case "F64", "I64" -> 8;
            case "F32", "I32" -> 4;
            case "F16", "BF16", "I16" -> 2;
            case "I8", "U8", "BOOL" -> 1;
            default -> 0;
        };
    }

    /** IEEE 754 binary16 to float, exact (every half value is a float), NaN and infinities kept. */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            // zero or subnormal: mant × 2^-24
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /**
     * Float to IEEE 754 binary16, rounded to nearest with ties to even (as numpy's {@code astype(float16)}):
     * values beyond the largest half (65504) round to ±∞, tiny ones to subnormals or ±0; NaN stays NaN.
     */
    static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        int e = exp - 127 + 15; // the half exponent field
        if (e >= 0x1f) return (short) (sign | 0x7c00);
        if (e <= 0) {
            if (e < -10) return (short) sign; // below half the smallest subnormal: ±0
            // subnormal: the 24-bit significand (implicit 1) shifted right, rounded to nearest even
            int m = mant | 0x800000;
            int shift = 14 - e;
            int half = m >>> shift;
            int rest = m & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rest > mid || rest == mid && (half & 1) == 1) half++;
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        // a carry out of the mantissa moves to the next exponent (and to ∞ at the top), as it should
        if (rest > 0x1000 || rest == 0x1000 && (half & 1) == 1) half++;
        return (short) (sign | half);
    }
}
