package org.mdlsae.codec;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.mdlsae.io.OutputKind;

/**
 * The compressed file's layout (docs/design.md §13), all numbers little-endian:
 * <pre>
 * offset     size  field
 * 0          8     magic "MDLSAEZ" + format version 1 ({@link OutputKind#COMPRESSED})
 * 8          4     H, length of the header body
 * 12         4     CRC-32C of the header body
 * 16         H     header body:
 *                    32  SHA-256 of the SAE ({@link SaeDigest})
 *                    4   d        4  D        8  N (rows)
 *                    1   precision: 0 uniform, 1 per feature
 *                    4   length of the model section, uncompressed
 *                    4   Z, its length deflated
 *                    Z   the model section, deflated ({@link FeatureModels#serialise()})
 * 16 + H     P     payload: the range coder's bytes ({@link RangeEncoder}), rows in order
 * 16 + H + P 8     P
 *            4     CRC-32C of the payload
 * </pre>
 * The header (everything but the payload) is {@code 28 + H} bytes. The payload length and checksum trail the payload
 * so that the file is written in one streaming pass.
 */
final class CodecFile {
    /** Magic and version. */
    static final byte[] MAGIC = OutputKind.COMPRESSED.magic();
    /** Bytes before the header body. */
    static final int PREFIX = 16;
    /** Bytes after the payload. */
    static final int TRAILER = 12;
    /** Length of the SAE digest. */
    static final int DIGEST = 32;
    /** Fixed part of the header body before the deflated models. */
    static final int FIXED = DIGEST + 4 + 4 + 8 + 1 + 4 + 4;
    /** Largest d and D a file may declare. */
    static final int MAX_DIM = 1 << 24;
    /** Largest N a file may declare (counts times 2^20 stay exact below 2^63 in {@link Frequencies}). */
    static final long MAX_ROWS = 1L << 40;

    private CodecFile() {
    }

    /**
     * What the header says.
     *
     * @param digest     SHA-256 of the SAE the file was made with
     * @param d          input dimension
     * @param width      dictionary width D
     * @param rows       N
     * @param perFeature whether precision varies by feature
     * @param models     the per-feature models
     */
    record Header(byte[] digest, int d, int width, long rows, boolean perFeature, FeatureModels models) {
    }

    /** The header body of {@code h}. */
    static byte[] body(Header h) {
        byte[] raw = h.models().serialise();
        Deflater z = new Deflater(Deflater.BEST_COMPRESSION, true);
        z.setInput(raw);
        z.finish();
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        while (!z.finished()) packed.write(buf, 0, z.deflate(buf));
        z.end();
        ByteBuffer b = ByteBuffer.allocate(FIXED + packed.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(h.digest()).putInt(h.d()).putInt(h.width()).putLong(h.rows()).put((byte) (h.perFeature() ? 1 : 0))
                .putInt(raw.length).putInt(packed.size()).put(packed.toByteArray());
        return b.array();
    }

    /** The 16 bytes before the body. */
    static byte[] prefix(byte[] body) {
        return ByteBuffer.allocate(PREFIX).order(ByteOrder.LITTLE_ENDIAN).put(MAGIC).putInt(body.length)
                .putInt((int) crc(body, 0, body.length)).array();
    }

    /** The 12 bytes after the payload. */
    static byte[] trailer(long payloadBytes, long payloadCrc) {
        return ByteBuffer.allocate(TRAILER).order(ByteOrder.LITTLE_ENDIAN).putLong(payloadBytes).putInt((int) payloadCrc)
                .array();
    }

    static long crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return c.getValue();
    }

    /**
     * Parses a header body whose checksum has been verified.
     *
     * @throws IllegalArgumentException naming the first inconsistency
     */
    static Header parse(byte[] body) {
        if (body.length < FIXED) throw new IllegalArgumentException("header is too short");
        ByteBuffer b = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        byte[] digest = new byte[DIGEST];
        b.get(digest);
        int d = b.getInt(), width = b.getInt();
        long rows = b.getLong();
        int mode = b.get();
        int rawLen = b.getInt(), zLen = b.getInt();
        if (d < 1 || d > MAX_DIM || width < 1 || width > MAX_DIM) {
            throw new IllegalArgumentException("shape d = " + d + ", D = " + width + " is out of range");
        }
        if (rows < 1 || rows > MAX_ROWS) throw new IllegalArgumentException(rows + " rows is out of range");
        if (mode != 0 && mode != 1) throw new IllegalArgumentException("unknown precision mode " + mode);
        if (zLen != b.remaining()) throw new IllegalArgumentException("model section length " + zLen + " does not match the header");
        // deflate expands at most ~1032:1; a larger claim is corruption, and bounding it bounds the memory spent
        if (rawLen < 5L * width || rawLen > 1100L * zLen + 1024) {
            throw new IllegalArgumentException("model section length " + rawLen + " is impossible");
        }
        byte[] raw = new byte[rawLen];
        Inflater z = new Inflater(true);
        try {
            z.setInput(body, FIXED, zLen);
            int got = 0;
            while (got < rawLen) {
                int n = z.inflate(raw, got, rawLen - got);
                if (n == 0 && (z.finished() || z.needsInput() || z.needsDictionary())) break;
                got += n;
            }
            if (got != rawLen || !z.finished() && z.inflate(new byte[1]) != 0) {
                throw new IllegalArgumentException("model section does not inflate to its stated length");
            }
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("model section is not valid deflate data");
        } finally {
            z.end();
        }
        FeatureModels m = FeatureModels.parse(raw, width, rows);
        if (mode == 0) {
            for (byte x : m.bits) if (x != m.bits[0]) throw new IllegalArgumentException("uniform precision varies by feature");
        }
        return new Header(digest, d, width, rows, mode == 1, m);
    }
}
