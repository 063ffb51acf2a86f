package org.mdlsae.codec;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.mdlsae.InputException;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.mdl.CanonicalCode;
import org.mdlsae.mdl.SparseEncoder;

/**
 * Reads a compressed file (docs/design.md §13). {@link #open} checks the whole file before anything is decoded: the
 * magic, the lengths, both checksums and every constraint on the models, so a truncated or corrupted file is refused
 * with one line (an {@link InputException}) and nothing is written. {@link #decode} then streams the reconstruction
 * chunk by chunk through {@link Reconstruction}, the path the compressor scored.
 */
public final class Decompressor {
    private final Path file;
    private final CodecFile.Header header;
    private final long payloadOffset;
    private final long payloadBytes;

    private Decompressor(Path file, CodecFile.Header header, long payloadOffset, long payloadBytes) {
        this.file = file;
        this.header = header;
        this.payloadOffset = payloadOffset;
        this.payloadBytes = payloadBytes;
    }

    /** Receives reconstructed rows. */
    @FunctionalInterface
    public interface RowSink {
        /**
         * Rows [row0, row0 + n) of the reconstruction, {@code xhat[0 .. n·d)} row-major (the array is reused).
         *
         * @param row0 first row
         * @param n    rows
         * @param xhat values
         * @throws IOException if the sink fails
         */
        void accept(long row0, int n, float[] xhat) throws IOException;
    }

    /**
     * Opens and verifies a compressed file.
     *
     * @param file the file
     * @return the verified file, ready to decode
     * @throws InputException if it is missing, not a compressed file of this engine, truncated or corrupt
     */
    public static Decompressor open(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < CodecFile.PREFIX + CodecFile.TRAILER) throw corrupt(file, "it is only " + size + " bytes long");
            ByteBuffer pre = read(ch, 0, CodecFile.PREFIX);
            byte[] magic = new byte[CodecFile.MAGIC.length];
            pre.get(magic);
            if (!Arrays.equals(Arrays.copyOf(magic, magic.length - 1), Arrays.copyOf(CodecFile.MAGIC, magic.length - 1))) {
                throw new InputException(file + ": not a compressed file of this engine (it does not start with MDLSAEZ); "
                        + "give a file written by 'mdlsae compress'");
            }
            if (magic[magic.length - 1] != CodecFile.MAGIC[magic.length - 1]) {
                throw new InputException(file + ": compressed file format version " + (magic[magic.length - 1] & 0xFF)
                        + " is not supported (this engine reads version " + CodecFile.MAGIC[magic.length - 1] + ")");
            }
            long h = pre.getInt() & 0xFFFFFFFFL;
            long crc = pre.getInt() & 0xFFFFFFFFL;
            if (h > size - CodecFile.PREFIX - CodecFile.TRAILER) throw corrupt(file, "the header runs past the end (truncated?)");
            byte[] body = new byte[(int) h];
            read(ch, CodecFile.PREFIX, (int) h).get(body);
            if (CodecFile.crc(body, 0, body.length) != crc) throw corrupt(file, "header checksum mismatch");
            CodecFile.Header header;
            try {
                header = CodecFile.parse(body);
            } catch (IllegalArgumentException | java.nio.BufferUnderflowException e) {
                throw corrupt(file, e.getMessage());
            }
            long payloadOffset = CodecFile.PREFIX + h;
            long payload = size - payloadOffset - CodecFile.TRAILER;
            ByteBuffer tr = read(ch, size - CodecFile.TRAILER, CodecFile.TRAILER);
            long stated = tr.getLong();
            long payloadCrc = tr.getInt() & 0xFFFFFFFFL;
            if (stated != payload) throw corrupt(file, "payload length " + stated + " does not match the file's " + payload + " bytes (truncated?)");
            if (payloadCrc(ch, payloadOffset, payload) != payloadCrc) throw corrupt(file, "payload checksum mismatch");
            return new Decompressor(file, header, payloadOffset, payload);
        } catch (NoSuchFileException e) {
            throw new InputException(file + ": no such file");
        } catch (IOException e) {
            throw new InputException(file + ": cannot be read (" + e.getMessage() + ")");
        }
    }

    private static ByteBuffer read(FileChannel ch, long pos, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        long p = pos;
        while (b.hasRemaining()) {
            int r = ch.read(b, p);
            if (r < 0) throw new IOException("unexpected end of file");
            p += r;
        }
        return b.flip();
    }

    private static long payloadCrc(FileChannel ch, long pos, long len) throws IOException {
        CRC32C c = new CRC32C();
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        long p = pos, end = pos + len;
        while (p < end) {
            b.clear().limit((int) Math.min(b.capacity(), end - p));
            int r = ch.read(b, p);
            if (r < 0) throw new IOException("unexpected end of file");
            b.flip();
            c.update(b);
            p += r;
        }
        return c.getValue();
    }

    private static InputException corrupt(Path file, String why) {
        return new InputException(file + ": corrupt or truncated compressed file (" + why + "); compress the data again");
    }

    /**
     * Rows N.
     *
     * @return N
     */
    public long rows() {
        return header.rows();
    }

    /**
     * Input dimension d.
     *
     * @return d
     */
    public int dim() {
        return header.d();
    }

    /**
     * Bytes of payload.
     *
     * @return P
     */
    public long payloadBytes() {
        return payloadBytes;
    }

    /**
     * Refuses an SAE other than the one the file was made with.
     *
     * @param digest  the offered SAE's {@link SaeDigest}
     * @param saeName how messages name it (e.g. its directory)
     * @throws InputException if the digests differ
     */
    public void checkSae(byte[] digest, String saeName) {
        if (!Arrays.equals(digest, header.digest())) {
            throw new InputException(file + " was compressed with another SAE (digest " + SaeDigest.shortHex(header.digest())
                    + "…), not " + saeName + " (" + SaeDigest.shortHex(digest) + "…); decompress with the SAE it was made with");
        }
    }

    /**
     * Decodes every row and hands the reconstruction to {@code sink}, chunk by chunk.
     *
     * @param model the SAE (checked with {@link #checkSae} first)
     * @param sink  receives the rows
     * @throws IOException if reading or the sink fails
     * @throws InputException if the model's shape differs from the file's, or the payload does not decode cleanly
     */
    public void decode(SparseEncoder model, RowSink sink) throws IOException {
        if (model.dIn() != header.d() || model.width() != header.width()) {
            throw new InputException(file + " holds codes of an SAE with d = " + header.d() + ", D = " + header.width()
                    + ", not d = " + model.dIn() + ", D = " + model.width() + "; decompress with the SAE it was made with");
        }
        FeatureModels m = header.models();
        RowCoder coder = new RowCoder(m);
        int d = model.dIn(), width = model.width();
        int chunk = EncodedChunks.chunkRows(model);
        int[] rp = new int[chunk + 1];
        int[] idx = new int[Math.max(16, m.coded.length)];
        int[] bin = new int[idx.length];
        float[] out = new float[chunk * d];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             InputStream in = new BufferedInputStream(Channels.newInputStream(ch.position(payloadOffset)), 1 << 16);
             FloatBuf xhat = model.backend().floats((long) (int) Math.min(chunk, header.rows()) * d)) {
            RangeDecoder dec = new RangeDecoder(in, payloadBytes);
            for (long r0 = 0; r0 < header.rows(); r0 += chunk) {
                int n = (int) Math.min(chunk, header.rows() - r0);
                for (int r = 0; r < n; r++) {
                    if (idx.length < rp[r] + m.coded.length) { // a row holds at most one entry per coded feature
                        idx = Arrays.copyOf(idx, Math.max(2 * idx.length, rp[r] + m.coded.length));
                        bin = Arrays.copyOf(bin, idx.length);
                    }
                    rp[r + 1] = coder.decode(dec, idx, bin, rp[r]);
                }
                if (dec.overran()) throw corrupt(file, "the payload does not decode to " + header.rows() + " rows");
                CanonicalCode.Host q = Reconstruction.fromBins(n, width, Arrays.copyOf(rp, n + 1), idx, bin, m.max, m.bits);
                Reconstruction.decode(model, q, xhat, out);
                sink.accept(r0, n, out);
            }
            if (dec.bytesRead() != payloadBytes) throw corrupt(file, "the payload has bytes after the last row");
        }
    }
}
