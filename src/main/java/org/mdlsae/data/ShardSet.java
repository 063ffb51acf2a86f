package org.mdlsae.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.mdlsae.InputException;
import org.mdlsae.io.Dtype;
import org.mdlsae.io.Npy;
import org.mdlsae.io.SafeTensors;
import org.mdlsae.math.Rows;

/**
 * Activation rows stored in shard files, read from disk on demand and never held whole in the heap
 * (docs/design.md §8). A shard set is a directory whose {@code *.npy} and {@code *.safetensors} files, in file-name
 * order, hold consecutive rows (other files — {@code tokens.tsv}, a manifest — are ignored), or a single such file.
 * Every shard is a 2-D float array (float16, bfloat16, float32 or float64; dtypes may differ between shards) with the
 * same number of columns d. {@link #open} validates every header before anything is read, so a bad shard is named in
 * one line before any work starts; non-finite values are found as rows are read, naming the shard, row and column.
 *
 * <p>Reads are positional reads of at most one chunk of rows into a reused byte buffer, decoded straight into the
 * caller's floats: nothing is memory-mapped, so the process's resident memory stays at the heap plus small buffers,
 * and the total size is limited only by the disk (rows and offsets are longs). Stored bytes stay stored bytes until
 * a caller asks for floats ({@link #readRaw} hands them out unconverted).
 *
 * <p>{@link #slice} gives a view of a row range sharing the open files; only the set returned by {@link #open} closes
 * them. Reads are serialised on the shared files, so a set may be read from several threads.
 */
public final class ShardSet implements Rows, AutoCloseable {
    /** The file-name suffixes of shard files. */
    public static final List<String> SUFFIXES = List.of(".npy", ".safetensors");
    /** Most files kept open at once (reads reopen evicted ones). */
    private static final int MAX_OPEN = 64;
    /** Largest single read. */
    private static final int MAX_READ_BYTES = 8 << 20;

    /**
     * One shard.
     *
     * @param file       the file
     * @param tensor     the safetensors tensor read, or null for .npy
     * @param dtype      how values are stored
     * @param bigEndian  whether they are stored big-endian
     * @param rows       rows in the shard
     * @param dataOffset byte offset of its first value in the file
     * @param firstRow   index of its first row in the whole set
     */
    public record Shard(Path file, String tensor, Dtype dtype, boolean bigEndian, long rows, long dataOffset,
                        long firstRow) {
        /** @return the file (and tensor) as messages name it */
        public String label() {
            return tensor == null ? file.toString() : file + " (tensor " + tensor + ")";
        }
    }

    /**
     * The part of one shard inside a view.
     *
     * @param shard  index into {@link #shards()}
     * @param first  the view's row where the segment starts
     * @param rows   rows in the segment
     */
    public record Segment(int shard, long first, long rows) {
    }

    private final String name;
    private final int dim;
    private final List<Shard> shards;
    private final long first;
    private final long count;
    private final OpenFiles files;
    private final boolean owner;

    private ShardSet(String name, int dim, List<Shard> shards, long first, long count, OpenFiles files, boolean owner) {
        this.name = name;
        this.dim = dim;
        this.shards = shards;
        this.first = first;
        this.count = count;
        this.files = files;
        this.owner = owner;
    }

    /**
     * Whether a file name is a shard's ({@code *.npy}, {@code *.safetensors}, any case).
     *
     * @param file a path
     * @return true for a shard name
     */
    public static boolean isShardName(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return SUFFIXES.stream().anyMatch(n::endsWith);
    }

    /**
     * Opens a directory of shards or a single .npy/safetensors file, validating every header.
     *
     * @param path   a directory or a file
     * @param tensor for safetensors shards: the tensor to read ({@code null}: each shard's only 2-D tensor)
     * @return the open set; close it when done
     * @throws InputException naming the shard for a missing or malformed file, a non-2-D array, an unreadable dtype, a
     *                        d that differs from the first shard's, or an empty set
     */
    public static ShardSet open(Path path, String tensor) {
        if (!Files.exists(path)) throw new InputException("file not found: " + path);
        List<Path> files;
        if (Files.isDirectory(path)) {
            try (Stream<Path> s = Files.list(path)) {
                files = s.filter(p -> isShardName(p) && Files.isRegularFile(p))
                        .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                        .collect(Collectors.toList());
            } catch (IOException e) {
                throw new InputException(path + ": cannot list the directory (" + e.getMessage() + ")");
            }
            if (files.isEmpty()) {
                throw new InputException("--data " + path + ": the directory holds no *.npy or *.safetensors shards");
            }
        } else {
            files = List.of(path);
        }
        List<Shard> shards = new ArrayList<>(files.size());
        int dim = -1;
        long total = 0;
        Path firstFile = null;
        for (Path f : files) {
            Header h = header(f, tensor);
            if (h.cols < 1 || h.cols > Integer.MAX_VALUE / 16) {
                throw new InputException(f + ": has " + h.cols + " columns; need 1 ≤ d ≤ " + Integer.MAX_VALUE / 16);
            }
            if (dim < 0) {
                dim = (int) h.cols;
                firstFile = f;
            } else if (h.cols != dim) {
                throw new InputException(f + ": has d = " + h.cols + " columns but the first shard " + firstFile.getFileName()
                        + " has d = " + dim + "; every shard needs the same number of columns");
            }
            shards.add(new Shard(f, h.tensor, h.dtype, h.bigEndian, h.rows, h.dataOffset, total));
            total = Math.addExact(total, h.rows);
        }
        if (total == 0) throw new InputException("--data " + path + ": holds no rows (every shard is empty)");
        String label = path.getFileName() == null ? path.toString() : path.getFileName().toString();
        return new ShardSet(label, dim, List.copyOf(shards), 0, total, new OpenFiles(shards), true);
    }

    private record Header(String tensor, Dtype dtype, boolean bigEndian, long rows, long cols, long dataOffset) {
    }

    private static Header header(Path f, String tensor) {
        DataSources.Format format = DataSources.detect(f);
        switch (format) {
            case NPY -> {
                if (tensor != null) {
                    throw new InputException("--tensor applies to safetensors files only; " + f + " is .npy; drop --tensor "
                            + "or keep only safetensors shards in the directory");
                }
                Npy.Layout l = Npy.layout(f);
                return new Header(null, l.dtype(), l.bigEndian(), l.rows(), l.cols(), l.dataOffset());
            }
            case SAFETENSORS -> {
                SafeTensors.Header h = SafeTensors.header(f);
                SafeTensors.Info info = DataSources.pickTensor(f, h, tensor);
                Dtype dt = Dtype.ofName(info.dtype());
                if (dt == null) {
                    throw new InputException(f + ": tensor '" + info.name() + "' has dtype " + info.dtype()
                            + ", which cannot be read as floats (supported: F16, BF16, F32, F64); convert it, e.g. "
                            + "t.astype(np.float32)");
                }
                long[] shape = info.shape();
                return new Header(info.name(), dt, false, shape[0], shape[1], h.dataStart() + info.begin());
            }
            default -> throw new InputException(f + ": is an IDX file; a shard must be .npy or safetensors "
                    + "(IDX files are read whole: pass the file itself)");
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long rowCount() {
        return count;
    }

    @Override
    public int dim() {
        return dim;
    }

    /**
     * The shards of the whole set (not only of this view), in file-name order.
     *
     * @return the shards
     */
    public List<Shard> shards() {
        return shards;
    }

    /**
     * Index of this view's first row in the whole set.
     *
     * @return the offset
     */
    public long firstRow() {
        return first;
    }

    /**
     * The view's rows shard by shard, in order (empty shards left out).
     *
     * @return the segments
     */
    public List<Segment> segments() {
        List<Segment> out = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) {
            Shard s = shards.get(i);
            long a = Math.max(first, s.firstRow()), b = Math.min(first + count, s.firstRow() + s.rows());
            if (b > a) out.add(new Segment(i, a - first, b - a));
        }
        return out;
    }

    /**
     * Bytes the view's values take on disk.
     *
     * @return the stored size
     */
    public long storedBytes() {
        long b = 0;
        for (Segment s : segments()) b += s.rows() * dim * shards.get(s.shard()).dtype().size();
        return b;
    }

    /**
     * The largest element size among the view's shards.
     *
     * @return 2, 4 or 8
     */
    public int maxElementBytes() {
        int m = 1;
        for (Segment s : segments()) m = Math.max(m, shards.get(s.shard()).dtype().size());
        return m;
    }

    /**
     * Rows {@code [from, to)} of this view, sharing its files.
     *
     * @param from first row
     * @param to   end row (exclusive)
     * @return the view
     */
    public ShardSet slice(long from, long to) {
        Objects.checkFromToIndex(from, to, count);
        return new ShardSet(name + "[" + (first + from) + ":" + (first + to) + "]", dim, shards, first + from, to - from,
                files, false);
    }

    /**
     * Which shard holds a row, and where.
     *
     * @param row a row of this view
     * @return its shard's index into {@link #shards()}
     */
    public int shardOf(long row) {
        Objects.checkIndex(row, count);
        long g = first + row;
        int lo = 0, hi = shards.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (shards.get(mid).firstRow() <= g) lo = mid;
            else hi = mid - 1;
        }
        while (shards.get(lo).rows() == 0 || g >= shards.get(lo).firstRow() + shards.get(lo).rows()) lo++;
        return lo;
    }

    /**
     * Names a value for messages: the shard, the row inside it and the column.
     *
     * @param row    a row of this view
     * @param column a column
     * @return e.g. {@code dir/b.npy: row 17, column 3}
     */
    public String describe(long row, int column) {
        Shard s = shards.get(shardOf(row));
        return s.label() + ": row " + (first + row - s.firstRow()) + ", column " + column;
    }

    /**
     * Copies the stored bytes of {@code n} rows, all in one shard, unconverted.
     *
     * @param row first row of this view
     * @param n   rows (they must not cross a shard boundary)
     * @param dst receives n·d·(element size) bytes
     * @param off where the first byte goes
     */
    public void readRaw(long row, int n, byte[] dst, int off) {
        int si = shardOf(row);
        Shard s = shards.get(si);
        long inShard = first + row - s.firstRow();
        if (inShard + n > s.rows()) {
            throw new IllegalArgumentException("rows " + row + "+" + n + " cross the end of shard " + s.label());
        }
        long rowBytes = (long) dim * s.dtype().size();
        files.read(si, s.dataOffset() + inShard * rowBytes, dst, off, Math.toIntExact(n * rowBytes));
    }

    @Override
    public void read(long row0, int n, float[] dst, int off) {
        Objects.checkFromIndexSize(row0, n, count);
        long row = row0;
        int out = off;
        int left = n;
        while (left > 0) {
            int si = shardOf(row);
            Shard s = shards.get(si);
            int es = s.dtype().size();
            long inShard = first + row - s.firstRow();
            int perRead = Math.max(1, MAX_READ_BYTES / (dim * es));
            int m = (int) Math.min(Math.min(left, perRead), s.rows() - inShard);
            int bytes = m * dim * es;
            files.readDecoded(si, s.dataOffset() + inShard * dim * es, bytes, s.dtype(), s.bigEndian(), dst, out, m * dim);
            int bad = firstNonFinite(dst, out, m * dim);
            if (bad >= 0) {
                throw new InputException(s.label() + ": row " + (inShard + bad / dim) + ", column " + bad % dim + " is "
                        + dst[out + bad] + "; remove or replace non-finite values (e.g. np.nan_to_num) before using the data");
            }
            row += m;
            out += m * dim;
            left -= m;
        }
    }

    /** Index of the first NaN/Inf in {@code x[off, off + n)}, relative to off, or −1. */
    static int firstNonFinite(float[] x, int off, int n) {
        for (int i = 0; i < n; i++) {
            // x − x is 0 for finite x and NaN for NaN/Inf: one compare per value in the common case
            float v = x[off + i];
            if (v - v != 0f) return i;
        }
        return -1;
    }

    /** Closes the files (only the set returned by {@link #open} owns them; views do nothing). */
    @Override
    public void close() {
        if (owner) files.close();
    }

    @Override
    public String toString() {
        return "ShardSet[" + name + ", " + count + "×" + dim + ", " + shards.size() + " shard(s)]";
    }

    /** The open files, shared by a set and its views; every read holds the lock. */
    private static final class OpenFiles {
        private final List<Shard> shards;
        private final Map<Integer, FileChannel> open = new LinkedHashMap<>(16, 0.75f, true);
        private byte[] scratch = new byte[0];
        private boolean closed;

        OpenFiles(List<Shard> shards) {
            this.shards = shards;
        }

        synchronized void read(int shard, long pos, byte[] dst, int off, int len) {
            ByteBuffer buf = ByteBuffer.wrap(dst, off, len);
            FileChannel ch = channel(shard);
            long p = pos;
            try {
                while (buf.hasRemaining()) {
                    int r = ch.read(buf, p);
                    if (r < 0) {
                        throw new InputException(shards.get(shard).label() + ": unexpected end of file at byte " + p
                                + " (the file changed after it was opened?)");
                    }
                    p += r;
                }
            } catch (IOException e) {
                throw new InputException(shards.get(shard).label() + ": cannot read (" + e.getMessage() + ")", e);
            }
        }

        synchronized void readDecoded(int shard, long pos, int len, Dtype dtype, boolean bigEndian, float[] dst,
                                      int dstOff, int values) {
            if (scratch.length < len) scratch = new byte[len];
            read(shard, pos, scratch, 0, len);
            dtype.decode(scratch, 0, bigEndian, dst, dstOff, values);
        }

        private FileChannel channel(int shard) {
            if (closed) throw new IllegalStateException("the shard set is closed");
            FileChannel ch = open.get(shard);
            if (ch != null && ch.isOpen()) return ch;
            Path f = shards.get(shard).file();
            try {
                ch = FileChannel.open(f, StandardOpenOption.READ);
            } catch (IOException e) {
                throw new InputException(f + ": cannot open (" + e.getMessage() + ")", e);
            }
            open.put(shard, ch);
            if (open.size() > MAX_OPEN) {
                Map.Entry<Integer, FileChannel> eldest = open.entrySet().iterator().next();
                closeQuietly(eldest.getValue());
                open.remove(eldest.getKey());
            }
            return ch;
        }

        synchronized void close() {
            for (FileChannel ch : open.values()) closeQuietly(ch);
            open.clear();
            scratch = new byte[0];
            closed = true;
        }

        private static void closeQuietly(FileChannel ch) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // read-only: nothing is lost
            }
        }
    }
}
