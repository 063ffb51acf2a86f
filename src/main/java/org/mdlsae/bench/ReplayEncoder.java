package org.mdlsae.bench;

import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.mdl.SparseEncoder;

/**
 * A {@link SparseEncoder} that hands out precomputed codes: successive {@code encode} calls return successive row
 * ranges of one host CSR code (wrapping at the end), so that description-length evaluation can be timed without the
 * encoder product, on exactly the codes the numpy peer gets.
 */
final class ReplayEncoder implements SparseEncoder {
    private final Backend be;
    private final int d;
    private final int width;
    private final int k;
    private final FloatBuf dec;
    private final FloatBuf bDec;
    private final int[] rowPtr;
    private final int[] idx;
    private final float[] val;
    private final int rows;
    private int next;

    ReplayEncoder(Backend be, int d, int width, int k, FloatBuf dec, FloatBuf bDec, int[] rowPtr, int[] idx, float[] val) {
        this.be = be;
        this.d = d;
        this.width = width;
        this.k = k;
        this.dec = dec;
        this.bDec = bDec;
        this.rowPtr = rowPtr;
        this.idx = idx;
        this.val = val;
        this.rows = rowPtr.length - 1;
    }

    @Override public Backend backend() { return be; }
    @Override public int dIn() { return d; }
    @Override public int width() { return width; }
    @Override public int k() { return k; }
    @Override public FloatBuf dec() { return dec; }
    @Override public FloatBuf bDec() { return bDec; }

    @Override
    public SparseCode encode(FloatBuf x, int n) {
        if (next + n > rows) next = 0;
        int r0 = next, e0 = rowPtr[r0], e1 = rowPtr[r0 + n];
        next = (r0 + n) % rows;
        int[] rp = new int[n + 1];
        for (int r = 0; r <= n; r++) rp[r] = rowPtr[r0 + r] - e0;
        int nnz = e1 - e0;
        int[] ix = new int[Math.max(1, nnz)];
        float[] vs = new float[Math.max(1, nnz)];
        System.arraycopy(idx, e0, ix, 0, nnz);
        System.arraycopy(val, e0, vs, 0, nnz);
        return new SparseCode(n, width, nnz, be.upload(rp), be.upload(ix), be.upload(vs));
    }
}
