package org.mdlsae.data.text;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mdlsae.InputException;
import org.mdlsae.io.AtomicFiles;
import org.mdlsae.io.Npy;

/**
 * Writes activation rows as {@code .npy} shards of at most {@code shardRows} rows each ({@code acts-00000.npy}, ...;
 * file-name order is row order, as {@code data.ShardSet} reads a directory), each shard written atomically once it is
 * full (memory: one shard), with its SHA-256 and the SHA-256 of all shard files in order.
 */
final class ActivationWriter {
    /** The largest finite float16 value. */
    static final float HALF_MAX = 65504f;
    private final Path dir;
    private final int dim;
    private final String descr;
    private final int shardRows;
    private final long maxRows;
    private final List<Map<String, Object>> shards = new ArrayList<>();
    private final MessageDigest all = sha256();
    private ByteBuffer buf;
    private int inShard;
    private long rows;

    /**
     * @param dir       the directory to write into
     * @param dim       values per row
     * @param float16   store {@code <f2} rather than {@code <f4}
     * @param shardRows most rows per shard
     * @param maxRows   most rows in all (sizes the first buffer)
     */
    ActivationWriter(Path dir, int dim, boolean float16, int shardRows, long maxRows) {
        this.dir = dir;
        this.dim = dim;
        this.descr = float16 ? Npy.F2 : Npy.F4;
        this.shardRows = shardRows;
        this.maxRows = maxRows;
    }

    /** Appends one row, {@code src[from .. from + dim)}. */
    void add(float[] src, int from) throws IOException {
        if (buf == null) {
            long n = Math.min(shardRows, maxRows - rows);
            buf = ByteBuffer.allocate(Math.toIntExact(n * dim * (descr.equals(Npy.F2) ? 2 : 4))).order(ByteOrder.LITTLE_ENDIAN);
        }
        for (int c = 0; c < dim; c++) {
            float v = src[from + c];
            // float16 ends at 65504: a larger value would be stored as ∞ and refused by every reader (§8)
            if (!Float.isFinite(v) || descr.equals(Npy.F2) && Math.abs(v) > HALF_MAX) {
                throw new InputException("row " + rows + ", column " + c + " is " + v + (Float.isFinite(v)
                        ? ", beyond float16's range; extract with --dtype float32" : "; the model produced a non-finite value"));
            }
        }
        Npy.encode(descr, src, from, dim, buf);
        inShard++;
        rows++;
        if (inShard == shardRows) flush();
    }

    /** Writes the last, partial shard. */
    void finish() throws IOException {
        if (inShard > 0) flush();
    }

    private void flush() throws IOException {
        String name = String.format(Locale.ROOT, "acts-%05d.npy", shards.size());
        byte[] header = Npy.header(descr, inShard, dim);
        MessageDigest one = sha256();
        one.update(header);
        one.update(buf.array(), 0, buf.position());
        all.update(header);
        all.update(buf.array(), 0, buf.position());
        ByteBuffer b = buf;
        AtomicFiles.writeAtomic(dir.resolve(name), out -> {
            out.write(header);
            out.write(b.array(), 0, b.position());
        });
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("file", name);
        s.put("rows", inShard);
        s.put("sha256", HexFormat.of().formatHex(one.digest()));
        shards.add(s);
        inShard = 0;
        buf = null;
    }

    /** @return rows written */
    long rows() {
        return rows;
    }

    /** @return one entry per shard: file, rows, sha256 */
    List<Map<String, Object>> shards() {
        return shards;
    }

    /** @return the SHA-256 of all shard files, concatenated in order */
    String digest() {
        return HexFormat.of().formatHex(all.digest());
    }

    /** @return numpy's dtype of the shards */
    String descr() {
        return descr;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every Java platform has SHA-256
        }
    }
}
