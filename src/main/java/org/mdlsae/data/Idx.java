package org.mdlsae.data;

import org.mdlsae.InputException;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reader for IDX files, the format of the original MNIST distribution ({@code train-images-idx3-ubyte},
 * {@code t10k-labels-idx1-ubyte}, …), raw or gzipped (detected by the {@code 1f 8b} magic, not the name).
 *
 * <p>Layout: two zero bytes, a type byte, the number of dimensions, then each dimension as a big-endian
 * uint32, then the big-endian data. Images (type {@code 0x08}, unsigned bytes) become one row per image
 * with pixels scaled by 1/255 into [0, 1]; float32 ({@code 0x0D}) and float64 ({@code 0x0E}) values are kept
 * as they are. Labels are {@code 0x08} with one dimension. The declared size is checked against the file
 * (raw) or against the bytes actually decompressed (gzip), so a lying header cannot cause a huge allocation.
 */
public final class Idx {
    /** Type code of unsigned bytes. */
    public static final int UBYTE = 0x08;
    /** Type code of big-endian float32. */
    public static final int FLOAT = 0x0D;
    /** Type code of big-endian float64. */
    public static final int DOUBLE = 0x0E;
    private static final int MAX_DIMS = 8;
    private static final int INITIAL_BUFFER = 1 << 22;

    private Idx() {
    }

    /**
     * Returns whether {@code head} looks like a raw IDX header.
     *
     * @param head the first bytes of a file (at least 4)
     * @return true for an IDX file
     */
    public static boolean hasMagic(byte[] head) {
        if (head.length < 4 || head[0] != 0 || head[1] != 0) {
            return false;
        }
        int type = head[2] & 0xff;
        int dims = head[3] & 0xff;
        boolean knownType = type == 0x08 || type == 0x09 || type == 0x0B || type == 0x0C || type == 0x0D || type == 0x0E;
        return knownType && dims >= 1 && dims <= MAX_DIMS;
    }

    /**
     * Returns whether {@code head} starts with the gzip magic.
     *
     * @param head the first bytes of a file
     * @return true for a gzip stream
     */
    public static boolean isGzip(byte[] head) {
        return head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
    }

    /**
     * Reads an image (or any ≥ 2-D) IDX file: the first dimension is the sample, the rest are flattened.
     *
     * @param file the file, raw or gzipped
     * @return n × (d1·d2·…) samples; unsigned bytes scaled into [0, 1]
     * @throws InputException if the file is missing, malformed, truncated or of an unsupported type
     */
    public static Dataset readImages(Path file) {
        Raw raw = read(file);
        if (raw.dims.length < 2) {
            throw new InputException(file + ": IDX file has 1 dimension (a label file?); "
                    + "data needs ≥ 2 dimensions (samples × features…), e.g. *-images-idx3-ubyte");
        }
        long cols = product(raw.dims, 1);
        if (cols > Integer.MAX_VALUE - 8 || raw.dims[0] > Integer.MAX_VALUE - 8) {
            throw new InputException(file + ": IDX dimensions " + Arrays.toString(raw.dims) + " are too large to hold");
        }
        int rows = (int) raw.dims[0];
        return new Dataset(file.getFileName().toString(), rows, (int) cols, raw.toFloats());
    }

    /**
     * Reads a label file (unsigned bytes, one dimension).
     *
     * @param file the file, raw or gzipped
     * @return the labels
     * @throws InputException if the file is not a 1-D unsigned-byte IDX file
     */
    public static int[] readLabels(Path file) {
        Raw raw = read(file);
        if (raw.type != UBYTE || raw.dims.length != 1) {
            throw new InputException(file + ": not an IDX label file (need unsigned bytes with 1 dimension, got type 0x"
                    + Integer.toHexString(raw.type) + " with " + raw.dims.length + " dimensions)");
        }
        int[] out = new int[raw.bytes.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = raw.bytes[i] & 0xff;
        }
        return out;
    }

    private record Raw(int type, long[] dims, long count, byte[] bytes) {
        float[] toFloats() {
            int n = (int) count;
            float[] out = new float[n];
            ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
            switch (type) {
                case UBYTE -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = (bytes[i] & 0xff) / 255f;
                    }
                }
                case FLOAT -> buf.asFloatBuffer().get(out);
                case DOUBLE -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = (float) buf.getDouble(i * 8);
                    }
                }
                default -> throw new IllegalStateException("type " + type);
            }
            return out;
        }
    }

    private static Raw read(Path file) {
        long fileSize;
        byte[] head = new byte[2];
        try (InputStream in = Files.newInputStream(file)) {
            fileSize = Files.size(file);
            int got = in.readNBytes(head, 0, 2);
            head = Arrays.copyOf(head, got);
        } catch (NoSuchFileException e) {
            throw new InputException("file not found: " + file);
        } catch (IOException e) {
            throw new InputException(file + ": cannot read (" + e.getMessage() + "); check the path and permissions", e);
        }
        boolean gz = isGzip(head);
        try (InputStream fin = Files.newInputStream(file);
             InputStream in = gz ? new GZIPInputStream(new BufferedInputStream(fin, 1 << 16), 1 << 16)
                     : new BufferedInputStream(fin, 1 << 16)) {
            return parse(file, new DataInputStream(in), gz ? -1 : fileSize);
        } catch (EOFException e) {
            throw new InputException(file + ": IDX file ends inside its header (truncated?); re-download it");
        } catch (IOException e) {
            String what = gz ? "corrupt gzip data (" + e.getMessage() + ")" : "read error (" + e.getMessage() + ")";
            throw new InputException(file + ": " + what + "; re-download or re-create the file", e);
        }
    }

    /** @param fileSize the raw file size, or -1 when the stream is decompressed */
    private static Raw parse(Path file, DataInputStream in, long fileSize) throws IOException {
        byte[] magic = new byte[4];
        in.readFully(magic);
        if (!hasMagic(magic)) {
            throw new InputException(file + ": not an IDX file (bad magic " + hex(magic)
                    + "); expected e.g. 00 00 08 03 for images");
        }
        int type = magic[2] & 0xff;
        if (type != UBYTE && type != FLOAT && type != DOUBLE) {
            throw new InputException(file + ": IDX element type 0x" + Integer.toHexString(type)
                    + " is not supported (supported: 0x08 unsigned byte, 0x0D float32, 0x0E float64)");
        }
        int itemSize = type == UBYTE ? 1 : type == FLOAT ? 4 : 8;
        long[] dims = new long[magic[3] & 0xff];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = in.readInt() & 0xffffffffL;
        }
        long headerLen = 4 + 4L * dims.length;
        long count;
        long need;
        try {
            count = product(dims, 0);
            need = Math.multiplyExact(count, (long) itemSize);
        } catch (ArithmeticException e) {
            throw new InputException(file + ": IDX dimensions " + Arrays.toString(dims) + " overflow; the header is corrupt");
        }
        if (fileSize >= 0 && need != fileSize - headerLen) {
            throw sizeMismatch(file, dims, need, fileSize - headerLen);
        }
        if (count > Integer.MAX_VALUE - 8 || need > Integer.MAX_VALUE - 8) {
            throw new InputException(file + ": IDX dimensions " + Arrays.toString(dims)
                    + " give more values than a Java array holds; split the file");
        }
        byte[] data = readUpTo(in, (int) need);
        if (data.length < need) {
            throw sizeMismatch(file, dims, need, data.length);
        }
        if (in.read() >= 0) {
            throw new InputException(file + ": IDX header declares dimensions " + Arrays.toString(dims) + " = " + need
                    + " data bytes but the file holds more (extra bytes); re-download or re-create the file");
        }
        return new Raw(type, dims, count, data);
    }

    private static InputException sizeMismatch(Path file, long[] dims, long declared, long actual) {
        return new InputException(file + ": IDX header declares dimensions " + Arrays.toString(dims) + " = " + declared
                + " data bytes but the file holds " + actual + (actual < declared ? " (truncated?)" : " (extra bytes)")
                + "; re-download or re-create the file");
    }

    /** Reads up to {@code max} bytes, growing the buffer only as data actually arrives. */
    private static byte[] readUpTo(InputStream in, int max) throws IOException {
        byte[] buf = new byte[Math.min(max, INITIAL_BUFFER)];
        int n = 0;
        while (n < max) {
            if (n == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(max, 2L * buf.length));
            }
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n == buf.length ? buf : Arrays.copyOf(buf, n);
    }

    private static long product(long[] dims, int from) {
        long p = 1;
        for (int i = from; i < dims.length; i++) {
            p = Math.multiplyExact(p, dims[i]);
        }
        return p;
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(sb.length() == 0 ? "" : " ").append(String.format("%02x", x & 0xff));
        }
        return sb.toString();
    }
}
