package org.mdlsae.codec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.mdlsae.math.Rows;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/**
 * The dense code of the comparison (docs/design.md §13): every input dimension quantised to B bits on its own range
 * [lo_c, hi_c] from the calibration rows (2^B levels from lo to hi inclusive, so an exact 0 at lo stays 0; constant
 * dimensions cost nothing), the symbols stored a byte each (two above 8 bits), row by row, and that byte stream put
 * through general-purpose compressors: gzip −9, xz −9 and, when zstd-jni is on the class path, zstd −19. Also its
 * per-dimension entropy (the SAE code's kind of model applied to pixels).
 */
final class DenseCode {
    private final int d;
    private final float[] lo;
    private final float[] hi;

    private DenseCode(float[] lo, float[] hi) {
        this.d = lo.length;
        this.lo = lo;
        this.hi = hi;
    }

    /** Ranges from the calibration rows. */
    static DenseCode calibrate(Rows calib) {
        int d = calib.dim();
        float[] lo = new float[d], hi = new float[d];
        java.util.Arrays.fill(lo, Float.POSITIVE_INFINITY);
        java.util.Arrays.fill(hi, Float.NEGATIVE_INFINITY);
        calib.forEachChunk(4096, (row0, n, x, off) -> {
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < d; c++) {
                    float v = x[off + r * d + c];
                    if (v < lo[c]) lo[c] = v;
                    if (v > hi[c]) hi[c] = v;
                }
            }
        });
        return new DenseCode(lo, hi);
    }

    /** Symbol of v in dimension c at B bits. */
    int symbol(float v, int c, int bits) {
        float span = hi[c] - lo[c];
        if (!(span > 0)) return 0;
        int top = (1 << bits) - 1;
        long s = Math.round((double) (v - lo[c]) / span * top);
        return (int) Math.max(0, Math.min(top, s));
    }

    /** The value symbol s decodes to. */
    float value(int s, int c, int bits) {
        float span = hi[c] - lo[c];
        if (!(span > 0)) return lo[c];
        return (float) (lo[c] + (double) s * span / ((1 << bits) - 1));
    }

    /**
     * The data at B bits.
     *
     * @param mse           its MSE
     * @param symbols       column-major symbols
     * @param bytes         the row-major byte stream (1 or 2 bytes a value)
     */
    record Quantised(double mse, int[][] symbols, byte[] bytes) {
    }

    Quantised quantise(Rows data, int bits) {
        int n = (int) data.rowCount();
        int[][] sym = new int[d][n];
        int width = bits > 8 ? 2 : 1;
        byte[] bytes = new byte[n * d * width];
        double[] se = {0};
        data.forEachChunk(4096, (row0, m, x, off) -> {
            for (int r = 0; r < m; r++) {
                int row = (int) row0 + r;
                for (int c = 0; c < d; c++) {
                    float v = x[off + r * d + c];
                    int s = symbol(v, c, bits);
                    sym[c][row] = s;
                    double e = v - value(s, c, bits);
                    se[0] += e * e;
                    int at = (row * d + c) * width;
                    bytes[at] = (byte) s;
                    if (width == 2) bytes[at + 1] = (byte) (s >>> 8);
                }
            }
        });
        return new Quantised(se[0] / ((double) n * d), sym, bytes);
    }

    /** The smallest B whose dense code meets ε, or 16. */
    int bitsFor(Rows data, double eps) {
        for (int b = 1; b < 16; b++) if (quantise(data, b).mse() <= eps) return b;
        return 16;
    }

    static long gzip(byte[] b) {
        return compressed(b, o -> new GZIPOutputStream(o, 1 << 16) {
            {
                def.setLevel(Deflater.BEST_COMPRESSION);
            }
        });
    }

    static long xz(byte[] b) {
        return compressed(b, o -> {
            LZMA2Options opt = new LZMA2Options();
            opt.setPreset(9);
            return new XZOutputStream(o, opt);
        });
    }

    private interface Wrap {
        OutputStream wrap(OutputStream o) throws IOException;
    }

    private static long compressed(byte[] b, Wrap w) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (OutputStream z = w.wrap(out)) {
                z.write(b);
            }
            return out.size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
