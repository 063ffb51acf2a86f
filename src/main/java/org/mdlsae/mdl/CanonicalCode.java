package org.mdlsae.mdl;

import java.util.Arrays;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.SparseCode;

/**
 * The canonical form of a sparse code (docs/design.md §13): each row holds only its active entries (v &gt; 0), in
 * increasing latent order.
 *
 * <p>Why it exists: a decoder sums a row's entries in stored order and float addition is not associative, so the
 * order fixes the last bits of a reconstruction. A TopK code lists a row by decreasing value, an order that
 * quantisation destroys (two latents in one bin), so a decompressor can only restore latent order. The DL
 * evaluation ({@link Mdl}, through {@link Chunks}) therefore scores the canonical form, and the codec's decompressed
 * reconstruction is bit-identical to the one scored. Threshold (BatchTopK) codes are already canonical and pass
 * through unchanged; TopK's padding entries (value 0, inactive by definition) are dropped.
 */
public final class CanonicalCode {
    private CanonicalCode() {
    }

    /**
     * A code on the host: row {@code i} owns entries {@code rowPtr[i] .. rowPtr[i+1]-1} of {@code idx} and {@code val}.
     *
     * @param n      rows
     * @param width  dictionary width D
     * @param rowPtr n+1 row offsets
     * @param idx    latent indices (arrays may be longer than {@code rowPtr[n]})
     * @param val    values
     */
    public record Host(int n, int width, int[] rowPtr, int[] idx, float[] val) {
        /**
         * Number of entries.
         *
         * @return rowPtr[n]
         */
        public int nnz() {
            return rowPtr[n];
        }

        /**
         * Copies the code onto a back end (buffers of at least one element, as the back ends' own codes).
         *
         * @param be the back end
         * @return a code the caller closes
         */
        public SparseCode upload(Backend be) {
            int nnz = nnz();
            int len = Math.max(1, nnz);
            return new SparseCode(n, width, nnz, be.upload(rowPtr.clone()),
                    be.upload(Arrays.copyOf(idx, len)), be.upload(Arrays.copyOf(val, len)));
        }
    }

    /**
     * The canonical form of {@code z} on the host (z is left open and unchanged).
     *
     * @param be the back end holding z
     * @param z  a code
     * @return its canonical form
     */
    public static Host download(Backend be, SparseCode z) {
        return canonical(raw(be, z));
    }

    /** The code's arrays as stored. */
    private static Host raw(Backend be, SparseCode z) {
        int n = z.n(), nnz = z.nnz();
        int[] rp = new int[n + 1];
        int[] ix = new int[nnz];
        float[] vs = new float[nnz];
        be.read(z.rowPtr(), 0, rp, 0, n + 1);
        if (nnz > 0) {
            be.read(z.idx(), 0, ix, 0, nnz);
            be.read(z.val(), 0, vs, 0, nnz);
        }
        return new Host(n, z.width(), rp, ix, vs);
    }

    /**
     * The canonical form of {@code z} on its back end: {@code z} itself when it already is canonical, else a new code
     * (and {@code z} is closed).
     *
     * @param be the back end holding z
     * @param z  a code, owned by the caller
     * @return a code owned by the caller
     */
    public static SparseCode of(Backend be, SparseCode z) {
        Host h = raw(be, z);
        if (isCanonical(h)) return z;
        Host c = canonical(h);
        z.close();
        return c.upload(be);
    }

    /**
     * Whether every row lists only positive values in strictly increasing latent order.
     *
     * @param h a host code
     * @return true if canonical
     */
    public static boolean isCanonical(Host h) {
        int[] rp = h.rowPtr(), ix = h.idx();
        float[] vs = h.val();
        for (int r = 0; r < h.n(); r++) {
            for (int q = rp[r]; q < rp[r + 1]; q++) {
                if (!(vs[q] > 0f) || q > rp[r] && ix[q] <= ix[q - 1]) return false;
            }
        }
        return true;
    }

    /** Sorts each row by latent index and drops entries with value ≤ 0. */
    static Host canonical(Host h) {
        if (isCanonical(h)) return h;
        int n = h.n();
        int[] rp = h.rowPtr(), ix = h.idx();
        float[] vs = h.val();
        int[] orp = new int[n + 1];
        int[] oix = new int[h.nnz()];
        float[] ovs = new float[h.nnz()];
        long[] row = new long[0];
        int o = 0;
        for (int r = 0; r < n; r++) {
            int len = 0;
            if (row.length < rp[r + 1] - rp[r]) row = new long[rp[r + 1] - rp[r]];
            for (int q = rp[r]; q < rp[r + 1]; q++) {
                // a positive float's bits sort as the float; the index in the high word sorts first
                if (vs[q] > 0f) row[len++] = (long) ix[q] << 32 | (Float.floatToRawIntBits(vs[q]) & 0xffffffffL);
            }
            Arrays.sort(row, 0, len);
            for (int u = 0; u < len; u++) {
                oix[o] = (int) (row[u] >>> 32);
                ovs[o++] = Float.intBitsToFloat((int) row[u]);
            }
            orp[r + 1] = o;
        }
        return new Host(n, h.width(), orp, oix, ovs);
    }
}
