package org.mdlsae.io;

import java.nio.ByteBuffer;

/** Conversions from stored element types to float; the buffer's byte order is used as is. */
final class Dtypes {
    private Dtypes() {
    }

    /**
     * Decodes {@code n} elements from {@code buf} into {@code out[from..from+n)}.
     *
     * @param dtype safetensors-style name: F32, F16, BF16 or F64
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
            default -> throw new IllegalArgumentException("unsupported dtype " + dtype);
        }
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
}
