package org.mdlsae.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes test shards in every stored dtype, byte for byte as numpy / safetensors do. Values must be exactly
 * representable in the target type ({@link #representable}); anything else is a test bug and throws.
 */
public final class ShardFiles {
    private ShardFiles() {
    }

    /**
     * Values k/64 with |k| ≤ 255: exact in float16 and bfloat16 (8 significant bits), as the same-rows tests need.
     *
     * @param n    rows
     * @param d    columns
     * @param seed seed
     * @return n·d values
     */
    public static float[] representable(int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) x[i] = (r.nextInt(511) - 255) / 64f;
        return x;
    }

    /**
     * An .npy file of rows {@code [from, to)} of x.
     *
     * @param file  the file
     * @param x     row-major values
     * @param d     columns
     * @param from  first row
     * @param to    end row
     * @param descr {@code <f2}, {@code <f4}, {@code >f4}, {@code <f8} …
     */
    public static void npy(Path file, float[] x, int d, int from, int to, String descr) throws IOException {
        int n = to - from;
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + n + ", " + d + "), }";
        int pad = 64 - (10 + dict.length() + 1) % 64;
        String header = dict + " ".repeat(pad % 64) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer pre = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        pre.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                .putShort((short) header.length());
        out.write(pre.array());
        out.write(header.getBytes(StandardCharsets.ISO_8859_1));
        ByteOrder order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        out.write(values(x, from * d, n * d, "F" + (descr.charAt(2) - '0') * 8, order));
        Files.write(file, out.toByteArray());
    }

    /**
     * A safetensors file holding rows {@code [from, to)} of x as tensor {@code name}, plus a 1-D tensor
     * {@code positions} (so the 2-D one must be found among several).
     *
     * @param file  the file
     * @param name  the 2-D tensor's name
     * @param x     row-major values
     * @param d     columns
     * @param from  first row
     * @param to    end row
     * @param dtype F16, BF16, F32 or F64
     */
    public static void safetensors(Path file, String name, float[] x, int d, int from, int to, String dtype)
            throws IOException {
        int n = to - from;
        byte[] data = values(x, from * d, n * d, dtype, ByteOrder.LITTLE_ENDIAN);
        byte[] pos = values(new float[] {from, to}, 0, 2, "F32", ByteOrder.LITTLE_ENDIAN);
        String json = "{\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + n + "," + d + "],\"data_offsets\":[0,"
                + data.length + "]},\"positions\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + data.length + ","
                + (data.length + 8) + "]}}";
        while (json.length() % 8 != 0) json += " ";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length()).array());
        out.write(json.getBytes(StandardCharsets.UTF_8));
        out.write(data);
        out.write(pos);
        Files.write(file, out.toByteArray());
    }

    private static byte[] values(float[] x, int off, int n, String dtype, ByteOrder order) {
        int size = switch (dtype) {
            case "F16", "BF16" -> 2;
            case "F32" -> 4;
            case "F64" -> 8;
            default -> throw new IllegalArgumentException(dtype);
        };
        ByteBuffer b = ByteBuffer.allocate(n * size).order(order);
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            switch (dtype) {
                case "F16" -> b.putShort(half(v));
                case "BF16" -> {
                    int bits = Float.floatToIntBits(v);
                    if ((bits & 0xffff) != 0) throw new IllegalArgumentException(v + " is not a bfloat16 value");
                    b.putShort((short) (bits >>> 16));
                }
                case "F32" -> b.putFloat(v);
                default -> b.putDouble(v);
            }
        }
        return b.array();
    }

    /** float → binary16 for values that are exactly representable as normal halves (or zero, or NaN/Inf). */
    static short half(float v) {
        int bits = Float.floatToIntBits(v);
        int sign = (bits >>> 16) & 0x8000;
        if (Float.isNaN(v)) return (short) (sign | 0x7e00);
        if (Float.isInfinite(v)) return (short) (sign | 0x7c00);
        if (v == 0) return (short) sign;
        int exp = ((bits >>> 23) & 0xff) - 127 + 15;
        int mant = bits & 0x7fffff;
        if (exp <= 0 || exp >= 31 || (mant & 0x1fff) != 0) throw new IllegalArgumentException(v + " is not a normal half");
        return (short) (sign | exp << 10 | mant >>> 13);
    }
}
