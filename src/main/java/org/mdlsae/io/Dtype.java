package org.mdlsae.io;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * A stored float element type, decoded from raw file bytes to float32 only when a batch is formed (docs/design.md §8):
 * shards keep their 2-byte float16/bfloat16 values in memory until then. Decoding is exact (every half and bfloat16
 * value is a float; float64 is rounded to nearest).
 */
public enum Dtype {
    /** IEEE 754 binary16. */
    F16(2),
    /** bfloat16: the upper 16 bits of a float32. */
    BF16(2),
    /** IEEE 754 binary32. */
    F32(4),
    /** IEEE 754 binary64. */
    F64(8);

    /** Every binary16 bit pattern as a float: decoding is one table look-up. */
    private static final float[] HALF = new float[1 << 16];

    static {
        for (int h = 0; h < HALF.length; h++) HALF[h] = Dtypes.halfToFloat((short) h);
    }

    private static final VarHandle SHORT_LE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT_BE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle FLOAT_LE = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FLOAT_BE = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle DOUBLE_LE = MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle DOUBLE_BE = MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.BIG_ENDIAN);

    private final int size;

    Dtype(int size) {
        this.size = size;
    }

    /**
     * Bytes per value.
     *
     * @return 2, 4 or 8
     */
    public int size() {
        return size;
    }

    /**
     * The safetensors name of the type ({@code F16}, {@code BF16}, {@code F32}, {@code F64}).
     *
     * @param name a dtype name
     * @return the type, or null for names that are not float types this engine reads
     */
    public static Dtype ofName(String name) {
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "F16" -> F16;
            case "BF16" -> BF16;
            case "F32" -> F32;
            case "F64" -> F64;
            default -> null;
        };
    }

    /**
     * Decodes {@code n} values.
     *
     * @param src       raw bytes
     * @param srcOff    offset of the first value's first byte
     * @param bigEndian byte order of the stored values
     * @param dst       receives the floats
     * @param dstOff    where the first float goes
     * @param n         values
     */
    public void decode(byte[] src, int srcOff, boolean bigEndian, float[] dst, int dstOff, int n) {
        int p = srcOff;
        switch (this) {
            case F16 -> {
                VarHandle h = bigEndian ? SHORT_BE : SHORT_LE;
                for (int i = 0; i < n; i++, p += 2) dst[dstOff + i] = HALF[(short) h.get(src, p) & 0xffff];
            }
            case BF16 -> {
                VarHandle h = bigEndian ? SHORT_BE : SHORT_LE;
                for (int i = 0; i < n; i++, p += 2) dst[dstOff + i] = Float.intBitsToFloat(((short) h.get(src, p) & 0xffff) << 16);
            }
            case F32 -> {
                VarHandle h = bigEndian ? FLOAT_BE : FLOAT_LE;
                for (int i = 0; i < n; i++, p += 4) dst[dstOff + i] = (float) h.get(src, p);
            }
            case F64 -> {
                VarHandle h = bigEndian ? DOUBLE_BE : DOUBLE_LE;
                for (int i = 0; i < n; i++, p += 8) dst[dstOff + i] = (float) (double) h.get(src, p);
            }
            default -> throw new AssertionError(this);
        }
    }
}
