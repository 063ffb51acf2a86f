package org.mdlsae.codec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.zip.Deflater;
import org.mdlsae.math.Entropy;

/**
 * Static per-column entropy coding of a table of integer symbols (the baselines of the comparison,
 * docs/design.md §13): each column gets its own model (plug-in frequencies, as the SAE code's features do), rows are
 * range-coded in order with {@link RangeEncoder}. Reports the entropy, the coded payload and the bytes of the models.
 */
final class ColumnCode {
    private ColumnCode() {
    }

    /**
     * Sizes of one coding.
     *
     * @param entropyBits  Σ over columns of the plug-in entropy, bits per row
     * @param payloadBytes the range coder's output
     * @param modelBytes   the models (distinct symbols and counts per column), deflated
     */
    record Result(double entropyBits, long payloadBytes, long modelBytes) {
    }

    /**
     * Codes {@code cols[c][r]} (columns of equal length).
     *
     * @param cols the symbols, column-major
     * @return entropy, payload and model sizes
     */
    static Result of(int[][] cols) {
        int m = cols.length, rows = m == 0 ? 0 : cols[0].length;
        int[][] syms = new int[m][];
        int[][] cums = new int[m][];
        double entropy = 0;
        ByteArrayOutputStream model = new ByteArrayOutputStream();
        for (int c = 0; c < m; c++) {
            int[] sorted = cols[c].clone();
            Arrays.sort(sorted);
            int distinct = 0;
            for (int i = 0; i < rows; i++) if (i == 0 || sorted[i] != sorted[i - 1]) distinct++;
            int[] s = new int[distinct];
            long[] n = new long[distinct];
            int o = -1;
            for (int i = 0; i < rows; i++) {
                if (i == 0 || sorted[i] != sorted[i - 1]) s[++o] = sorted[i];
                n[o]++;
            }
            syms[c] = s;
            entropy += Entropy.ofCounts(n);
            if (distinct > 1) cums[c] = Frequencies.cumulative(n);
            VarInts.write(model, distinct);
            long prev = 0;
            for (int i = 0; i < distinct; i++) {
                long gap = (long) s[i] - prev; // zigzag: symbols may be negative
                VarInts.write(model, gap << 1 ^ gap >> 63);
                prev = s[i];
                VarInts.write(model, n[i]);
            }
        }
        long[] bytes = {0};
        OutputStream counter = new OutputStream() {
            @Override
            public void write(int b) {
                bytes[0]++;
            }
        };
        try {
            RangeEncoder enc = new RangeEncoder(counter);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < m; c++) {
                    if (cums[c] == null) continue;
                    int s = Arrays.binarySearch(syms[c], cols[c][r]);
                    enc.encode(cums[c][s], cums[c][s + 1] - cums[c][s]);
                }
            }
            enc.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Result(entropy, bytes[0], deflatedSize(model.toByteArray()));
    }

    static long deflatedSize(byte[] raw) {
        Deflater z = new Deflater(Deflater.BEST_COMPRESSION, true);
        z.setInput(raw);
        z.finish();
        byte[] buf = new byte[1 << 16];
        long n = 0;
        while (!z.finished()) n += z.deflate(buf);
        z.end();
        return n;
    }
}
