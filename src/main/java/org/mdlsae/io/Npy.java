package org.mdlsae.io;

import org.mdlsae.InputException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Reader and writer for NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0) holding 2-D float arrays.
 *
 * <p>Reading accepts dtypes {@code <f2}, {@code <f4}, {@code <f8} and their big-endian forms
 * ({@code >f2}, {@code >f4}, {@code >f8}), converted to float, in C order. Writing produces exactly the
 * bytes of {@code numpy.save} for a C-contiguous {@code float32} array (version 1.0 header, padded so the
 * data starts on a 64-byte boundary). The declared shape is checked against the file size before any
 * allocation.
 */
public final class Npy {
    /** The six magic bytes {@code \x93NUMPY}. */
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ALIGN = 64;
    /** numpy leaves room in the header to grow the first axis in place. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;
    private static final long MAX_HEADER_BYTES = 1 << 20;
    private static final int CHUNK_BYTES = 1 << 20;
    /** numpy's descr of little-endian float32. */
    public static final String F4 = "<f4";
    /** numpy's descr of little-endian float16. */
    public static final String F2 = "<f2";
    private static final String SUPPORTED = "<f4, <f2, <f8 (or big-endian >f4, >f2, >f8)";

    private Npy() {
    }

    /**
     * A 2-D float array, row-major.
     *
     * @param rows  number of rows
     * @param cols  number of columns
     * @param data  {@code rows × cols} values
     * @param descr the dtype it was stored with, e.g. {@code <f4}
     */
    public record Matrix(int rows, int cols, float[] data, String descr) {
        /**
         * Checks the length.
         *
         * @param rows number of rows
         * @param cols number of columns
         * @param data the values
         * @param descr the stored dtype
         */
        public Matrix {
            if (rows < 0 || cols < 0 || (long) rows * cols != data.length) {
                throw new IllegalArgumentException(rows + "×" + cols + " matrix needs " + (long) rows * cols
                        + " values, got " + data.length);
            }
        }
    }

    /**
     * An array of any rank held as floats (row-major).
     *
     * @param shape its shape ({@code []} for a scalar)
     * @param data  its values
     * @param descr the dtype it was stored with, e.g. {@code <f4}
     */
    public record Array(long[] shape, float[] data, String descr) {
        /** @return a defensive copy of the shape */
        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    /**
     * Parses a whole {@code .npy} file held in memory (e.g. a member of an {@code .npz} archive): any rank, float
     * dtypes ({@code f2}, {@code f4}, {@code f8}) of either byte order, C order.
     *
     * @param what  the name used in messages, e.g. {@code params.npz:W_enc.npy}
     * @param bytes the file's bytes
     * @return the array
     * @throws InputException if the bytes are not such a file
     */
    public static Array parse(String what, byte[] bytes) {
        Path name = Path.of(what.replace('\0', '?'));
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10 || !hasMagic(bytes)) throw bad(name, "missing the \\x93NUMPY magic");
        int major = bytes[6] & 0xff;
        long headerLen;
        int prefix;
        if (major == 1) {
            headerLen = b.getShort(8) & 0xffff;
            prefix = 10;
        } else if ((major == 2 || major == 3) && bytes.length >= 12) {
            headerLen = b.getInt(8) & 0xffffffffL;
            prefix = 12;
        } else {
            throw bad(name, "unsupported format version " + major);
        }
        if (prefix + headerLen > bytes.length) throw bad(name, "declared header length " + headerLen + " exceeds the data");
        String text = new String(bytes, prefix, (int) headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        NpyHeader header = NpyHeader.parse(name, text);
        Dtype dtype = dtypeOf(header.descr());
        if (dtype == null) {
            throw new InputException(what + ": dtype '" + header.descr() + "' is not supported (supported: " + SUPPORTED
                    + "); convert with a.astype(np.float32)");
        }
        if (header.fortranOrder()) throw new InputException(what + ": array is stored in Fortran order; save it in C order");
        long numel = 1;
        try {
            for (long s : header.shape()) numel = Math.multiplyExact(numel, s);
        } catch (ArithmeticException e) {
            throw bad(name, "shape " + NpyHeader.shapeString(header.shape()) + " overflows");
        }
        int item = dtype.size();
        long start = prefix + headerLen;
        if (numel > Integer.MAX_VALUE - 8 || numel * item != bytes.length - start) {
            throw new InputException(what + ": shape " + NpyHeader.shapeString(header.shape()) + " " + header.descr()
                    + " needs " + numel * item + " data bytes but there are " + (bytes.length - start) + "; re-save it with np.save");
        }
        float[] out = new float[(int) numel];
        ByteBuffer data = ByteBuffer.wrap(bytes, (int) start, (int) (numel * item)).slice()
                .order(header.descr().charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        Dtypes.decode(dtype.name(), data, out, 0, out.length);
        return new Array(header.shape(), out, header.descr());
    }

    /**
     * Returns whether {@code head} starts with the {@code .npy} magic.
     *
     * @param head the first bytes of a file
     * @return true for an npy file
     */
    public static boolean hasMagic(byte[] head) {
        if (head.length < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (head[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Where and how a 2-D float array is stored in an {@code .npy} file: what {@link #layout} reads from the header,
     * checked against the file size, without reading the data.
     *
     * @param rows       number of rows
     * @param cols       number of columns
     * @param dtype      the element type
     * @param bigEndian  whether the values are stored big-endian
     * @param dataOffset byte offset of the first value
     * @param descr      the stored dtype string, e.g. {@code <f2}
     */
    public record Layout(long rows, long cols, Dtype dtype, boolean bigEndian, long dataOffset, String descr) {
    }

    /**
     * Reads and checks the header of a 2-D float array.
     *
     * @param file the {@code .npy} file
     * @return its layout
     * @throws InputException if the file is missing, malformed, not 2-D, Fortran-ordered, of another dtype, or its size
     *                        does not match the header
     */
    public static Layout layout(Path file) {
        try (FileChannel ch = open(file)) {
            return layout(file, ch);
        } catch (IOException e) {
            throw new InputException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Reads a 2-D float array.
     *
     * @param file the {@code .npy} file
     * @return the array
     * @throws InputException if the file is missing, malformed, not 2-D, Fortran-ordered or of another dtype
     */
    public static Matrix read(Path file) {
        try (FileChannel ch = open(file)) {
            return read(file, ch);
        } catch (IOException e) {
            throw new InputException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static FileChannel open(Path file) {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new InputException("file not found: " + file);
        } catch (IOException e) {
            throw new InputException(file + ": cannot read (" + e.getMessage() + "); check the path and permissions", e);
        }
    }

    private static Layout layout(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 10) {
            throw bad(file, "file is only " + size + " bytes");
        }
        ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        pre.limit((int) Math.min(12, size));
        readFully(file, ch, pre, 0);
        pre.flip();
        byte[] magic = new byte[6];
        pre.get(magic);
        if (!hasMagic(magic)) {
            throw bad(file, "missing the \\x93NUMPY magic");
        }
        int major = pre.get() & 0xff;
        int minor = pre.get() & 0xff;
        long headerLen;
        int prefix;
        if (major == 1) {
            headerLen = pre.getShort() & 0xffff;
            prefix = 10;
        } else if (major == 2 || major == 3) {
            if (size < 12) {
                throw bad(file, "file is only " + size + " bytes");
            }
            headerLen = pre.getInt() & 0xffffffffL;
            prefix = 12;
        } else {
            throw bad(file, "unsupported format version " + major + "." + minor + " (supported: 1.0, 2.0, 3.0)");
        }
        if (headerLen > MAX_HEADER_BYTES || prefix + headerLen > size) {
            throw bad(file, "declared header length " + headerLen + " does not fit in the " + size + "-byte file");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
        readFully(file, ch, hb, prefix);
        String text = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        NpyHeader header = NpyHeader.parse(file, text);
        String descr = header.descr();
        Dtype dtype = dtypeOf(descr);
        if (dtype == null) {
            throw new InputException(file + ": dtype '" + descr + "' is not supported (supported: " + SUPPORTED
                    + "); convert with a.astype(np.float32)");
        }
        if (header.fortranOrder()) {
            throw new InputException(file + ": array is stored in Fortran order; save it in C order with "
                    + "np.save(path, np.ascontiguousarray(a))");
        }
        long[] shape = header.shape();
        if (shape.length != 2) {
            throw new InputException(file + ": array has " + shape.length + " dimensions " + NpyHeader.shapeString(shape)
                    + ", need a 2-D array (samples × features); reshape it, e.g. a.reshape(-1, a.shape[-1])");
        }
        long dataStart = prefix + headerLen;
        long available = size - dataStart;
        long need;
        try {
            need = Math.multiplyExact(Math.multiplyExact(shape[0], shape[1]), (long) dtype.size());
        } catch (ArithmeticException e) {
            throw bad(file, "shape " + NpyHeader.shapeString(shape) + " overflows");
        }
        if (need != available) {
            throw new InputException(file + ": shape " + NpyHeader.shapeString(shape) + " " + descr + " needs " + need
                    + " data bytes but the file has " + available + (need > available ? " (truncated?)" : " (extra bytes)")
                    + "; re-save it with np.save");
        }
        return new Layout(shape[0], shape[1], dtype, descr.charAt(0) == '>', dataStart, descr);
    }

    private static Matrix read(Path file, FileChannel ch) throws IOException {
        Layout l = layout(file, ch);
        long numel = l.rows() * l.cols();
        if (l.rows() > Integer.MAX_VALUE || l.cols() > Integer.MAX_VALUE || numel > Integer.MAX_VALUE - 8) {
            throw new InputException(file + ": " + numel + " elements is more than a Java array holds; split the file "
                    + "or put it in a directory and stream it");
        }
        int itemSize = l.dtype().size();
        float[] out = new float[(int) numel];
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, Math.max(itemSize, numel * itemSize)))
                .order(l.bigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int perChunk = buf.capacity() / itemSize;
        long pos = l.dataOffset();
        for (int from = 0; from < out.length; from += perChunk) {
            int n = Math.min(perChunk, out.length - from);
            buf.clear().limit(n * itemSize);
            readFully(file, ch, buf, pos);
            pos += (long) n * itemSize;
            buf.flip();
            Dtypes.decode(l.dtype().name(), buf, out, from, n);
        }
        return new Matrix((int) l.rows(), (int) l.cols(), out, l.descr());
    }

    /** Maps an npy descr to a {@link Dtype}, or null when unsupported. */
    private static Dtype dtypeOf(String descr) {
        if (descr.length() != 3 || (descr.charAt(0) != '<' && descr.charAt(0) != '>') || descr.charAt(1) != 'f') {
            return null;
        }
        return switch (descr.charAt(2)) {
            case '2' -> Dtype.F16;
            case '4' -> Dtype.F32;
            case '8' -> Dtype.F64;
            default -> null;
        };
    }

    /**
     * Writes a 2-D float32 array ({@code <f4}, C order, format 1.0) atomically, byte-identical to
     * {@code numpy.save}.
     *
     * @param file the file to create or replace
     * @param data {@code rows × cols} values, row-major
     * @param rows number of rows
     * @param cols number of columns
     * @throws IOException if writing fails (the file is then unchanged)
     */
    public static void write(Path file, float[] data, int rows, int cols) throws IOException {
        Objects.requireNonNull(data, "data");
        if (rows < 0 || cols < 0 || (long) rows * cols != data.length) {
            throw new IllegalArgumentException(rows + "×" + cols + " needs " + (long) rows * cols
                    + " values, got " + data.length);
        }
        byte[] header = header(rows, cols);
        AtomicFiles.writeAtomic(file, out -> {
            out.write(header);
            ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            int perChunk = CHUNK_BYTES / 4;
            for (int from = 0; from < data.length; from += perChunk) {
                int n = Math.min(perChunk, data.length - from);
                buf.clear();
                buf.asFloatBuffer().put(data, from, n);
                out.write(buf.array(), 0, n * 4);
            }
        });
    }

    /**
     * Magic, version 1.0, header length and the padded header dict of a 2-D float32 array, as numpy writes them: the
     * rows follow as little-endian float32 (for writers that stream the rows).
     *
     * @param rows number of rows
     * @param cols number of columns
     * @return the header bytes
     */
    public static byte[] header(int rows, int cols) {
        return header(F4, rows, cols);
    }

    /**
     * The header of a 2-D array of a little-endian float type ({@link #F4} or {@link #F2}), as numpy writes it.
     *
     * @param descr {@link #F4} or {@link #F2}
     * @param rows  number of rows
     * @param cols  number of columns
     * @return the header bytes
     */
    public static byte[] header(String descr, int rows, int cols) {
        if (!descr.equals(F4) && !descr.equals(F2)) throw new IllegalArgumentException("unsupported descr " + descr);
        String shape = "(" + rows + ", " + cols + ")";
        StringBuilder dict = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': ")
                .append(shape).append(", }");
        dict.append(" ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - Integer.toString(rows).length())));
        int hlen = dict.length() + 1; // + '\n'
        int padlen = ALIGN - ((MAGIC.length + 2 + 2 + hlen) % ALIGN);
        dict.append(" ".repeat(padlen)).append('\n');
        byte[] text = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer out = ByteBuffer.allocate(10 + text.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length).put(text);
        return out.array();
    }

    /**
     * Appends {@code n} floats to {@code dst} (little-endian) in a stored type: float32 as is, float16 rounded to
     * nearest, ties to even (values beyond float16's range become ±∞).
     *
     * @param descr {@link #F4} or {@link #F2}
     * @param src   the values
     * @param from  first index in {@code src}
     * @param n     how many
     * @param dst   a little-endian buffer with room for {@code n} values
     */
    public static void encode(String descr, float[] src, int from, int n, ByteBuffer dst) {
        if (descr.equals(F4)) {
            for (int i = 0; i < n; i++) dst.putFloat(src[from + i]);
        } else if (descr.equals(F2)) {
            for (int i = 0; i < n; i++) dst.putShort(Dtypes.floatToHalf(src[from + i]));
        } else {
            throw new IllegalArgumentException("unsupported descr " + descr);
        }
    }

    private static InputException bad(Path file, String what) {
        return new InputException(file + ": not a valid .npy file: " + what + "; re-save it with np.save");
    }

    private static void readFully(Path file, FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw bad(file, "unexpected end of file at byte " + pos);
            }
            pos += r;
        }
    }
}
