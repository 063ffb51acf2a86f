package org.mdlsae.codec;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.mdlsae.InputException;
import org.mdlsae.backend.Quantise;
import org.mdlsae.math.Rows;
import org.mdlsae.mdl.SparseEncoder;

/**
 * The compressor (docs/design.md §13). {@link #plan} makes the statistics pass (the DL evaluation's measurements at
 * every precision), chooses the precision (uniform B*, or per feature) and builds the models; {@link Plan#write}
 * makes the coding pass, streaming the file. Memory is bounded by a chunk of rows plus the models.
 */
public final class Compressor {
    private Compressor() {
    }

    /** How precision is chosen. */
    public enum Precision {
        /** B* for every feature: the precision {@code mdlsae dl} reports; the MSE is exactly its {@code mse_quantized}. */
        UNIFORM,
        /** A per-feature allocation under the same ε ({@link Allocation}). */
        PER_FEATURE
    }

    /**
     * Plans the compression of {@code data}.
     *
     * @param model     the SAE
     * @param digest    its {@link SaeDigest}
     * @param data      the rows to compress
     * @param max       the quantiser's scales ({@link CodeStats#maxima})
     * @param eps       tolerance ε in MSE units
     * @param precision uniform or per feature
     * @return the plan; write it to produce the file
     * @throws InputException if the SAE does not meet ε at any precision
     */
    public static Plan plan(SparseEncoder model, byte[] digest, Rows data, float[] max, double eps,
                            Precision precision) {
        if (!(eps > 0) || Double.isInfinite(eps)) throw new InputException("--eps: the MSE tolerance must be a finite number > 0, got " + eps);
        if (digest == null || digest.length != CodecFile.DIGEST) throw new IllegalArgumentException("need a 32-byte SAE digest");
        if (data.rowCount() > CodecFile.MAX_ROWS) throw new InputException("--data: " + data.rowCount() + " rows exceed the codec's limit of " + CodecFile.MAX_ROWS);
        CodeStats s = CodeStats.measure(model, data, max);
        Integer bStar = s.bStar(eps);
        if (bStar == null) {
            throw new InputException(String.format(java.util.Locale.ROOT, "--eps %.6g: the SAE is not admissible on %s "
                    + "(unquantised MSE %.6g; at 16 bits %.6g); nothing to compress at this tolerance: raise --eps or use "
                    + "a better SAE", eps, data.name(), s.mse(), s.mseByBits()[15]));
        }
        byte[] uniform = new byte[s.width];
        Arrays.fill(uniform, (byte) (int) bStar);
        double nd = (double) (s.rows * s.d);
        double uniformMse = s.mseByBits()[bStar - 1];
        double uniformDl = s.dlBits(bStar);
        byte[] bits = uniform;
        double mseQ = uniformMse;
        Allocation.Result alloc = null;
        if (precision == Precision.PER_FEATURE) {
            alloc = Allocation.allocate(s, eps, bStar, b -> Reconstruction.sqError(model, data, s.max, b));
            bits = alloc.bits();
            mseQ = alloc.sqError() / nd;
        }
        FeatureModels models = FeatureModels.of(s, bits);
        double mse16 = TwoPart.float16Mse(model, data, s.max, bits);
        CodecFile.Header h = new CodecFile.Header(digest.clone(), s.d, s.width, s.rows, precision == Precision.PER_FEATURE, models);
        return new Plan(model, data, s, eps, bStar, uniformMse, uniformDl, h, mseQ, alloc, mse16);
    }

    /** A planned compression: the models are fixed; {@link #write} codes the rows. */
    public static final class Plan {
        private final SparseEncoder model;
        private final Rows data;
        private final CodeStats stats;
        private final double eps;
        private final int bStar;
        private final double uniformMse;
        private final double uniformDl;
        private final CodecFile.Header header;
        private final byte[] body;
        private final double mseQuantized;
        private final Allocation.Result allocation;
        private final double mseFloat16;

        Plan(SparseEncoder model, Rows data, CodeStats stats, double eps, int bStar, double uniformMse,
             double uniformDl, CodecFile.Header header, double mseQuantized, Allocation.Result allocation,
             double mseFloat16) {
            this.model = model;
            this.data = data;
            this.stats = stats;
            this.eps = eps;
            this.bStar = bStar;
            this.uniformMse = uniformMse;
            this.uniformDl = uniformDl;
            this.header = header;
            this.body = CodecFile.body(header);
            this.mseQuantized = mseQuantized;
            this.allocation = allocation;
            this.mseFloat16 = mseFloat16;
        }

        /**
         * Bytes of the file that are not payload: magic, lengths, checksums and the header body.
         *
         * @return header bytes
         */
        public long headerBytes() {
            return CodecFile.PREFIX + body.length + CodecFile.TRAILER;
        }

        /**
         * Codes the rows (the second pass over the data) and writes the whole file.
         *
         * @param out where the file goes (not closed)
         * @return the report
         * @throws IOException if writing fails
         */
        public CompressReport write(OutputStream out) throws IOException {
            BufferedOutputStream buf = new BufferedOutputStream(out, 1 << 16);
            buf.write(CodecFile.prefix(body));
            buf.write(body);
            CRC32C crc = new CRC32C();
            OutputStream payload = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    crc.update(b);
                    buf.write(b);
                }
            };
            RangeEncoder enc = new RangeEncoder(payload);
            FeatureModels m = header.models();
            RowCoder coder = new RowCoder(m);
            try {
                EncodedChunks.forEach(model, data, "--data", (row0, n, x, off, xBuf, code, host) -> {
                    try {
                        for (int r = 0; r < n; r++) {
                            coder.encode(enc, host.idx(), host.val(), host.rowPtr()[r], host.rowPtr()[r + 1]);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            long payloadBytes = enc.finish();
            buf.write(CodecFile.trailer(payloadBytes, crc.getValue()));
            buf.flush();
            return report(payloadBytes);
        }

        private CompressReport report(long payloadBytes) {
            FeatureModels m = header.models();
            return new CompressReport(stats.rows, stats.d, stats.width, stats.k, eps, bStar,
                    header.perFeature() ? "per-feature" : "uniform", stats.mse(), mseQuantized, stats.l0(),
                    m.dlBits(), payloadBytes, headerBytes(), uniformDl, uniformMse,
                    allocation == null ? null : allocation.checks(), bitsHistogram(m.bits, m.active),
                    stats.activityBits(), stats.indexSetBits(), TwoPart.dictionaryBits(stats.width, stats.d), mseFloat16);
        }
    }

    /** How many coded features got each precision (index B − 1). */
    static int[] bitsHistogram(byte[] bits, long[] active) {
        int[] h = new int[Quantise.MAX_BITS];
        for (int j = 0; j < bits.length; j++) if (active[j] > 0) h[bits[j] - 1]++;
        return h;
    }
}
