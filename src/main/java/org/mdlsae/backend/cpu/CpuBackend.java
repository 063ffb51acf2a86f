package org.mdlsae.backend.cpu;

import java.util.Arrays;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.BackendException;
import org.mdlsae.backend.BinCounts;
import org.mdlsae.backend.BackendContract;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.Quantise;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.math.Entropy;
import org.mdlsae.math.Stats;

/**
 * The CPU back end: Java arrays, a Vector API GEMM for the encoder product, gather/scatter loops for
 * everything sparse. It is the reference twin of the GPU kernels and is deterministic: parallel loops
 * split work into a fixed number of chunks and reduce in chunk order.
 */
public final class CpuBackend implements Backend {

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public boolean hostMemory() {
        return true;
    }

    @Override
    public String description() {
        return "CPU, " + Runtime.getRuntime().availableProcessors() + " threads, "
                + (Gemm.vectorized() ? "Vector API GEMM" : "plain-Java GEMM (jdk.incubator.vector absent)");
    }

    // ---------------------------------------------------------------- memory

    static float[] f(FloatBuf b) {
        if (b instanceof CpuFloatBuf c) return c.a;
        throw new BackendException("cpu", "buffer was made by another backend: " + b.getClass().getSimpleName());
    }

    static int[] i(IntBuf b) {
        if (b instanceof CpuIntBuf c) return c.a;
        throw new BackendException("cpu", "buffer was made by another backend: " + b.getClass().getSimpleName());
    }

    private static int size(long n, String op) {
        if (n < 0 || n > Integer.MAX_VALUE - 8) throw new BackendException(op, "buffer size " + n + " out of range");
        return (int) n;
    }

    /** Wraps a host array without copying (CPU only). */
    public static FloatBuf wrap(float[] a) {
        return new CpuFloatBuf(a);
    }

    /** Wraps a host array without copying (CPU only). */
    public static IntBuf wrap(int[] a) {
        return new CpuIntBuf(a);
    }

    @Override
    public FloatBuf floats(long n) {
        return new CpuFloatBuf(new float[size(n, "floats")]);
    }

    @Override
    public IntBuf ints(long n) {
        return new CpuIntBuf(new int[size(n, "ints")]);
    }

    @Override
    public void write(FloatBuf dst, long dstOff, float[] src, int srcOff, int len) {
        float[] d = f(dst);
        BackendContract.write(d.length, dstOff, src.length, srcOff, len);
        System.arraycopy(src, srcOff, d, (int) dstOff, len);
    }

    @Override
    public void read(FloatBuf src, long srcOff, float[] dst, int dstOff, int len) {
        float[] s = f(src);
        BackendContract.read(s.length, srcOff, dst.length, dstOff, len);
        System.arraycopy(s, (int) srcOff, dst, dstOff, len);
    }

    @Override
    public void write(IntBuf dst, long dstOff, int[] src, int srcOff, int len) {
        int[] d = i(dst);
        BackendContract.write(d.length, dstOff, src.length, srcOff, len);
        System.arraycopy(src, srcOff, d, (int) dstOff, len);
    }

    @Override
    public void read(IntBuf src, long srcOff, int[] dst, int dstOff, int len) {
        int[] s = i(src);
        BackendContract.read(s.length, srcOff, dst.length, dstOff, len);
        System.arraycopy(s, (int) srcOff, dst, dstOff, len);
    }

    @Override
    public void copy(FloatBuf src, long srcOff, FloatBuf dst, long dstOff, long len) {
        float[] s = f(src), d = f(dst);
        BackendContract.copy(s.length, srcOff, d.length, dstOff, len);
        System.arraycopy(s, (int) srcOff, d, (int) dstOff, (int) len);
    }

    @Override
    public void fill(FloatBuf buf, float value) {
        Arrays.fill(f(buf), value);
    }

    @Override
    public void fill(IntBuf buf, int value) {
        Arrays.fill(i(buf), value);
    }

    @Override
    public void gatherRows(FloatBuf data, IntBuf order, int from, int rows, int d, FloatBuf out) {
        BackendContract.gatherRows(data, order, from, rows, d, out);
        float[] src = f(data), dst = f(out);
        int[] ord = i(order);
        int dataRows = src.length / d;
        for (int r = 0; r < rows; r++) {
            int row = ord[from + r];
            if (row < 0 || row >= dataRows) {
                throw new BackendException("gatherRows", "order[" + (from + r) + "] = " + row + " is outside 0.." + (dataRows - 1));
            }
            System.arraycopy(src, row * d, dst, r * d, d);
        }
    }

    // ---------------------------------------------------------------- forward

    @Override
    public void encode(FloatBuf x, FloatBuf bDec, FloatBuf enc, FloatBuf bEnc, int n, int d, int width, FloatBuf pre) {
        BackendContract.encode(x, bDec, enc, bEnc, n, d, width, pre);
        Gemm.ntCentred(f(x), f(bDec), n, d, f(enc), width, f(bEnc), f(pre));
    }

    @Override
    public void topK(FloatBuf pre, IntBuf mask, int n, int width, int k, IntBuf idx, FloatBuf val) {
        BackendContract.topK(pre, mask, n, width, k, idx, val);
        float[] p = f(pre), vo = f(val);
        int[] io = i(idx);
        int[] mk = mask == null ? null : i(mask);
        int chunks = Math.min(Parallel.CHUNKS, n);
        Parallel.forChunks(chunks, (long) n * width, ch -> {
            for (int r = Parallel.start(ch, chunks, n), e = Parallel.start(ch + 1, chunks, n); r < e; r++) {
                TopK.row(p, r * width, width, k, mk, io, vo, r * k);
            }
        });
    }

    @Override
    public void encodeTopK(FloatBuf x, FloatBuf bDec, FloatBuf enc, FloatBuf bEnc, int n, int d, int width, int k,
                           IntBuf idx, FloatBuf val, FloatBuf pre) {
        BackendContract.encodeTopK(x, bDec, enc, bEnc, n, d, width, k, idx, val, pre);
        if (pre != null) {
            // the product over all rows, exactly as encode then topK (the trainer's bits do not move)
            encode(x, bDec, enc, bEnc, n, d, width, pre);
            topK(pre, null, n, width, k, idx, val);
            return;
        }
        // Row blocks bound the dense scratch to block×width floats.
        int block = Math.max(1, Math.min(n, (1 << 22) / width));
        FloatBuf scratch = floats((long) block * width);
        for (int r0 = 0; r0 < n; r0 += block) {
            int rows = Math.min(block, n - r0);
            FloatBuf xs = new CpuFloatBuf(Arrays.copyOfRange(f(x), r0 * d, (r0 + rows) * d));
            encode(xs, bDec, enc, bEnc, rows, d, width, scratch);
            CpuIntBuf io = new CpuIntBuf(new int[rows * k]);
            CpuFloatBuf vo = new CpuFloatBuf(new float[rows * k]);
            topK(scratch, null, rows, width, k, io, vo);
            System.arraycopy(io.a, 0, i(idx), r0 * k, rows * k);
            System.arraycopy(vo.a, 0, f(val), r0 * k, rows * k);
        }
    }

    @Override
    public float encodeBatchThreshold(FloatBuf x, FloatBuf bDec, FloatBuf enc, FloatBuf bEnc, int n, int d, int width,
                                      FloatBuf pre, long keep) {
        BackendContract.encodeBatchThreshold(x, bDec, enc, bEnc, n, d, width, pre, keep);
        encode(x, bDec, enc, bEnc, n, d, width, pre);
        return kthLargestPositive(pre, (long) n * width, keep);
    }

    @Override
    public float kthLargestPositive(FloatBuf pre, long count, long keep) {
        BackendContract.kthLargestPositive(pre, count, keep);
        return RadixSelect.kthLargestPositive(f(pre), size(count, "kthLargestPositive"), keep);
    }

    @Override
    public int countAbove(FloatBuf pre, int n, int width, float t, boolean strict, IntBuf rowPtr) {
        BackendContract.countAbove(pre, n, width, rowPtr);
        float[] p = f(pre);
        int[] rp = i(rowPtr);
        float lo = scanBound(t);
        boolean st = scanStrict(t, strict);
        int chunks = Math.min(Parallel.CHUNKS, n);
        Parallel.forChunks(chunks, (long) n * width, ch -> {
            for (int r = Parallel.start(ch, chunks, n), e = Parallel.start(ch + 1, chunks, n); r < e; r++) {
                rp[r + 1] = Scan.count(p, r * width, r * width + width, lo, st);
            }
        });
        long total = 0;
        rp[0] = 0;
        for (int r = 0; r < n; r++) {
            total += rp[r + 1];
            if (total > Integer.MAX_VALUE) throw new BackendException("countAbove", "more than 2^31 active entries");
            rp[r + 1] = (int) total;
        }
        return (int) total;
    }

    /**
     * The scans' single comparison for "v &gt; 0 and v (&gt; or ≥) t": v &gt; t (strict) or v ≥ t when t &gt; 0,
     * v &gt; 0 when t ≤ 0; a NaN t passes nothing (every comparison with NaN is false).
     */
    private static float scanBound(float t) {
        return t > 0 || Float.isNaN(t) ? t : 0f;
    }

    private static boolean scanStrict(float t, boolean strict) {
        return t > 0 || Float.isNaN(t) ? strict : true;
    }

    @Override
    public void gatherAbove(FloatBuf pre, int n, int width, float t, boolean strict, IntBuf rowPtr, IntBuf idx,
                            FloatBuf val) {
        BackendContract.gatherAbove(pre, n, width, rowPtr, idx, val, () -> i(rowPtr)[n]);
        int[] rp = i(rowPtr);
        float[] p = f(pre), vo = f(val);
        int[] io = i(idx);
        float lo = scanBound(t);
        boolean st = scanStrict(t, strict);
        int chunks = Math.min(Parallel.CHUNKS, n);
        Parallel.forChunks(chunks, (long) n * width, ch -> {
            for (int r = Parallel.start(ch, chunks, n), e = Parallel.start(ch + 1, chunks, n); r < e; r++) {
                Scan.gather(p, r * width, width, lo, st, io, vo, rp[r]);
            }
        });
    }

    @Override
    public void decode(SparseCode z, FloatBuf dec, FloatBuf bDec, int d, FloatBuf xhat) {
        BackendContract.decode("decode", z, dec, bDec, d, xhat);
        decodeWith(z, dec, bDec, d, xhat, null, 0);
    }

    /** Decode (arguments checked), optionally replacing each value by its bin centre at the given precision. */
    private void decodeWith(SparseCode z, FloatBuf dec, FloatBuf bDec, int d, FloatBuf xhat, float[] max, int bits) {
        int n = z.n();
        int[] rp = i(z.rowPtr()), ix = i(z.idx());
        float[] vs = f(z.val()), w = f(dec), out = f(xhat);
        float[] bd = bDec == null ? null : f(bDec);
        int chunks = Math.min(Parallel.CHUNKS, n);
        Parallel.forChunks(chunks, (long) z.nnz() * d, ch -> {
            Scratch sc = new Scratch();
            for (int r = Parallel.start(ch, chunks, n), e = Parallel.start(ch + 1, chunks, n); r < e; r++) {
                decodeRow(r, rp, ix, vs, w, bd, d, out, max, bits, sc);
            }
        });
    }

    /** Per-thread index and coefficient groups of the sparse kernels. */
    private static final class Scratch {
        final int[] off = new int[Sparse.GROUP];
        final int[] off2 = new int[Sparse.GROUP];
        final int[] at = new int[Sparse.GROUP];
        final float[] co = new float[Sparse.GROUP];
        final float[] co2 = new float[Sparse.GROUP];
        final float[] dots = new float[Sparse.GROUP];
    }

    /**
     * x̂ of row r: b_dec (or 0) plus its active entries' decoder rows in groups of {@link Sparse#GROUP}, values
     * optionally replaced by their bin centres.
     */
    private static void decodeRow(int r, int[] rp, int[] ix, float[] vs, float[] w, float[] bd, int d, float[] out,
                                  float[] max, int bits, Scratch sc) {
        int o = r * d;
        boolean first = true; // the first group starts from b_dec (or 0), later ones from the row
        int m = 0;
        for (int q = rp[r]; q < rp[r + 1]; q++) {
            float v = vs[q];
            if (v == 0f) continue;
            int j = ix[q];
            if (max != null) v = Quantise.centre(v, max[j], bits);
            if (v == 0f) continue;
            sc.off[m] = j * d;
            sc.co[m++] = v;
            if (m == Sparse.GROUP) {
                Sparse.axpyMany(out, o, first ? bd : null, first && bd == null, w, sc.off, sc.co, m, d);
                first = false;
                m = 0;
            }
        }
        if (first || m > 0) Sparse.axpyMany(out, o, first ? bd : null, first && bd == null, w, sc.off, sc.co, m, d);
    }

    /** gz of row r's entries: g[r,:]·dec[j,:] for v ≠ 0 (dot products in groups), 0 for v = 0. */
    private static void gradZRow(int r, int[] rp, int[] ix, float[] vs, float[] gs, float[] w, int d, float[] gzs,
                                 Scratch sc) {
        int o = r * d;
        int m = 0;
        for (int q = rp[r]; q < rp[r + 1]; q++) {
            if (vs[q] == 0f) {
                gzs[q] = 0f;
                continue;
            }
            sc.off[m] = ix[q] * d;
            sc.at[m++] = q;
            if (m == Sparse.GROUP) {
                Sparse.dotMany(gs, o, w, sc.off, sc.dots, m, d);
                for (int u = 0; u < m; u++) gzs[sc.at[u]] = sc.dots[u];
                m = 0;
            }
        }
        if (m > 0) {
            Sparse.dotMany(gs, o, w, sc.off, sc.dots, m, d);
            for (int u = 0; u < m; u++) gzs[sc.at[u]] = sc.dots[u];
        }
    }

    /** gb[c] += Σ_r g[r,c]: column blocks in parallel; within a column the rows are summed in order. */
    private static void addColumnSums(float[] gs, int n, int d, float[] gb) {
        int cb = Math.min(8, d);
        Parallel.forChunks(cb, (long) n * d, ch -> {
            int c0 = Parallel.start(ch, cb, d), c1 = Parallel.start(ch + 1, cb, d);
            for (int r = 0; r < n; r++) {
                int o = r * d;
                for (int c = c0; c < c1; c++) gb[c] += gs[o + c];
            }
        });
    }

    /** gb −= Σ_j colSum[j]·enc[j,:] over the latents with a non-zero sum, in latent order, in groups. */
    private static void subtractEncoderRows(float[] colSum, float[] we, int width, int d, float[] gb) {
        int[] off = new int[Sparse.GROUP];
        float[] co = new float[Sparse.GROUP];
        int m = 0;
        for (int j = 0; j < width; j++) {
            float s = colSum[j];
            if (s == 0f) continue;
            off[m] = j * d;
            co[m++] = -s;
            if (m == Sparse.GROUP) {
                Sparse.axpyMany(gb, 0, null, false, we, off, co, m, d);
                m = 0;
            }
        }
        if (m > 0) Sparse.axpyMany(gb, 0, null, false, we, off, co, m, d);
    }

    // ---------------------------------------------------------------- losses and backward

    @Override
    public double residual(FloatBuf target, FloatBuf xhat, long count, float scale, FloatBuf grad) {
        BackendContract.residual(target, xhat, count, grad);
        float[] t = f(target), h = f(xhat), g = f(grad);
        int cnt = size(count, "residual");
        double[] part = new double[Parallel.CHUNKS];
        Parallel.forChunks(Parallel.CHUNKS, cnt, ch -> {
            double s = 0;
            for (int q = Parallel.start(ch, Parallel.CHUNKS, cnt), e = Parallel.start(ch + 1, Parallel.CHUNKS, cnt); q < e; q++) {
                float diff = h[q] - t[q];
                g[q] = scale * diff;
                s += (double) diff * diff;
            }
            part[ch] = s;
        });
        return sum(part);
    }

    private static double sum(double[] part) {
        double s = 0;
        for (double v : part) s += v;
        return s;
    }

    @Override
    public double sumSqDeviation(FloatBuf a, int n, int d) {
        BackendContract.sumSqDeviation(a, n, d);
        return Stats.sumSqDeviation(f(a), n, d);
    }

    @Override
    public void axpby(float alpha, FloatBuf x, float beta, FloatBuf y, long count) {
        BackendContract.axpby(x, y, count);
        float[] xs = f(x), ys = f(y);
        int cnt = size(count, "axpby");
        for (int q = 0; q < cnt; q++) ys[q] = alpha * xs[q] + beta * ys[q];
    }

    @Override
    public void decodeBackward(SparseCode z, FloatBuf g, FloatBuf dec, int d, FloatBuf gradDec, FloatBuf gz,
                               FloatBuf gradBDec) {
        BackendContract.decodeBackward(z, g, dec, d, gradDec, gz, gradBDec);
        int n = z.n(), width = z.width();
        int[] rp = i(z.rowPtr()), ix = i(z.idx());
        float[] vs = f(z.val()), gs = f(g), w = f(dec), gd = f(gradDec), gzs = f(gz);
        // gz: one dot product per entry, parallel over rows.
        int chunks = Math.min(Parallel.CHUNKS, n);
        Parallel.forChunks(chunks, (long) z.nnz() * d, ch -> {
            Scratch sc = new Scratch();
            for (int r = Parallel.start(ch, chunks, n), e = Parallel.start(ch + 1, chunks, n); r < e; r++) {
                gradZRow(r, rp, ix, vs, gs, w, d, gzs, sc);
            }
        });
        // gradDec: scatter by latent through a column index, so each row of gradDec has one writer.
        Columns cols = Columns.of(z, rp, ix, vs);
        int cc = Math.min(Parallel.CHUNKS, width);
        int[] bounds = cols.balanced(cc);
        Parallel.forChunks(cc, (long) z.nnz() * d, ch -> {
            int[] off = new int[Sparse.GROUP];
            float[] co = new float[Sparse.GROUP];
            for (int j = bounds[ch], e = bounds[ch + 1]; j < e; j++) {
                int wo = j * d;
                for (int q0 = cols.start[j]; q0 < cols.start[j + 1]; q0 += Sparse.GROUP) {
                    int m = Math.min(Sparse.GROUP, cols.start[j + 1] - q0);
                    for (int u = 0; u < m; u++) {
                        off[u] = cols.row[q0 + u] * d;
                        co[u] = vs[cols.entry[q0 + u]];
                    }
                    Sparse.axpyMany(gd, wo, null, false, gs, off, co, m, d);
                }
            }
        });
        if (gradBDec != null) addColumnSums(gs, n, d, f(gradBDec));
    }

    @Override
    public void encodeBackward(SparseCode z, FloatBuf gz, FloatBuf x, FloatBuf bDec, FloatBuf enc, int d,
                               FloatBuf gradEnc, FloatBuf gradBEnc, FloatBuf gradBDec) {
        BackendContract.encodeBackward(z, gz, x, bDec, enc, d, gradEnc, gradBEnc, gradBDec);
        int width = z.width();
        int[] rp = i(z.rowPtr()), ix = i(z.idx());
        float[] vs = f(z.val()), gzs = f(gz), xs = f(x), bd = f(bDec), ge = f(gradEnc), gbe = f(gradBEnc), we = f(enc);
        Columns cols = Columns.of(z, rp, ix, vs);
        float[] colSum = new float[width];
        int cc = Math.min(Parallel.CHUNKS, width);
        int[] bounds = cols.balanced(cc);
        Parallel.forChunks(cc, (long) z.nnz() * d, ch -> {
            int[] off = new int[Sparse.GROUP];
            float[] co = new float[Sparse.GROUP];
            for (int j = bounds[ch], e = bounds[ch + 1]; j < e; j++) {
                int wo = j * d;
                float s = 0;
                int m = 0;
                for (int q = cols.start[j]; q < cols.start[j + 1]; q++) {
                    float gv = gzs[cols.entry[q]];
                    if (gv == 0f) continue;
                    s += gv;
                    off[m] = cols.row[q] * d;
                    co[m++] = gv;
                    if (m == Sparse.GROUP) {
                        Sparse.axpySubMany(ge, wo, xs, off, bd, co, m, d);
                        m = 0;
                    }
                }
                if (m > 0) Sparse.axpySubMany(ge, wo, xs, off, bd, co, m, d);
                colSum[j] = s;
                gbe[j] += s;
            }
        });
        if (gradBDec != null) subtractEncoderRows(colSum, we, width, d, f(gradBDec));
    }

    /**
     * The fused step (docs/design.md §10): one pass over each row's active latents (decode into x̂, residual and loss,
     * gz by dot products with the decoder rows the decode just read), the column sums of g, and one pass over each
     * latent's entries writing its decoder and encoder gradient rows together (each written once, no zero fill).
     * Every output element sees the operations of the unfused composition in the same order, so the gradients are
     * bit-identical to it; the loss is summed per row chunk.
     */
    @Override
    public double fusedSparseStep(SparseCode z, FloatBuf x, FloatBuf dec, FloatBuf bDec, FloatBuf enc, int d, float scale,
                                  FloatBuf xhat, FloatBuf g, FloatBuf gz, FloatBuf gradDec, FloatBuf gradEnc,
                                  FloatBuf gradBEnc, FloatBuf gradBDec) {
        BackendContract.fusedSparseStep(z, x, dec, bDec, enc, d, xhat, g, gz, gradDec, gradEnc, gradBEnc, gradBDec);
        int n = z.n(), width = z.width();
        int[] rp = i(z.rowPtr()), ix = i(z.idx());
        float[] vs = f(z.val()), xs = f(x), w = f(dec), bd = f(bDec), we = f(enc), out = f(xhat), gs = f(g), gzs = f(gz);
        float[] gd = f(gradDec), ge = f(gradEnc), gbe = f(gradBEnc), gb = f(gradBDec);
        int chunks = Math.min(Parallel.CHUNKS, n);
        double[] part = new double[chunks];
        Parallel.forChunks(chunks, (long) z.nnz() * d, ch -> {
            Scratch sc = new Scratch();
            double sum = 0;
            for (int r = Parallel.start(ch, chunks, n), e = Parallel.start(ch + 1, chunks, n); r < e; r++) {
                decodeRow(r, rp, ix, vs, w, bd, d, out, null, 0, sc);
                for (int q = r * d, end = q + d; q < end; q++) {
                    float diff = out[q] - xs[q];
                    gs[q] = scale * diff;
                    sum += (double) diff * diff;
                }
                gradZRow(r, rp, ix, vs, gs, w, d, gzs, sc);
            }
            part[ch] = sum;
        });
        Arrays.fill(gb, 0f);
        addColumnSums(gs, n, d, gb);
        Columns cols = Columns.of(z, rp, ix, vs);
        float[] colSum = new float[width];
        int cc = Math.min(Parallel.CHUNKS, width);
        int[] bounds = cols.balanced(cc);
        Parallel.forChunks(cc, (long) z.nnz() * d, ch -> {
            Scratch sc = new Scratch();
            for (int j = bounds[ch], e = bounds[ch + 1]; j < e; j++) {
                int wo = j * d;
                Arrays.fill(gd, wo, wo + d, 0f);
                Arrays.fill(ge, wo, wo + d, 0f);
                float s = 0;
                for (int q0 = cols.start[j]; q0 < cols.start[j + 1]; q0 += Sparse.GROUP) {
                    int m = Math.min(Sparse.GROUP, cols.start[j + 1] - q0), m2 = 0;
                    for (int u = 0; u < m; u++) {
                        int q = cols.entry[q0 + u], ro = cols.row[q0 + u] * d;
                        sc.off[u] = ro;
                        sc.co[u] = vs[q];
                        float gv = gzs[q];
                        if (gv == 0f) continue;
                        s += gv;
                        sc.off2[m2] = ro;
                        sc.co2[m2++] = gv;
                    }
                    Sparse.axpyMany(gd, wo, null, false, gs, sc.off, sc.co, m, d);
                    if (m2 > 0) Sparse.axpySubMany(ge, wo, xs, sc.off2, bd, sc.co2, m2, d);
                }
                colSum[j] = s;
                gbe[j] = s;
            }
        });
        subtractEncoderRows(colSum, we, width, d, gb);
        return sum(part);
    }

    @Override
    public void addPerLatent(SparseCode z, FloatBuf perLatent) {
        BackendContract.addPerLatent(z, perLatent);
        int[] ix = i(z.idx());
        float[] vs = f(z.val()), add = f(perLatent);
        for (int q = 0; q < z.nnz(); q++) if (vs[q] > 0f) vs[q] += add[ix[q]];
    }

    @Override
    public void countActive(SparseCode z, IntBuf counts) {
        BackendContract.countActive(z, counts);
        int[] ix = i(z.idx()), cnt = i(counts);
        float[] vs = f(z.val());
        for (int q = 0; q < z.nnz(); q++) if (vs[q] > 0f) cnt[ix[q]]++;
    }

    @Override
    public long[] updateDead(IntBuf counts, IntBuf since, IntBuf mask, int width, int rows, int deadAfter) {
        BackendContract.updateDead(counts, since, mask, width, rows, deadAfter);
        int[] c = i(counts), s = i(since), m = i(mask);
        long active = 0, dead = 0;
        for (int j = 0; j < width; j++) {
            // saturating at deadAfter: the same "dead" test as an unbounded count, without overflow
            s[j] = c[j] > 0 ? 0 : (deadAfter - s[j] <= rows ? deadAfter : s[j] + rows);
            m[j] = s[j] >= deadAfter ? 1 : 0;
            active += c[j];
            dead += m[j];
        }
        return new long[] {active, dead};
    }

    // ---------------------------------------------------------------- optimiser

    @Override
    public void removeParallelGrad(FloatBuf dec, FloatBuf gradDec, int width, int d) {
        BackendContract.removeParallelGrad(dec, gradDec, width, d);
        float[] w = f(dec), g = f(gradDec);
        int cc = Math.min(Parallel.CHUNKS, width);
        Parallel.forChunks(cc, (long) width * d, ch -> {
            for (int j = Parallel.start(ch, cc, width), e = Parallel.start(ch + 1, cc, width); j < e; j++) {
                int o = j * d;
                Simd.axpy(-Simd.dot(w, o, g, o, d), w, o, g, o, d);
            }
        });
    }

    @Override
    public void normaliseRows(FloatBuf dec, int width, int d) {
        BackendContract.normaliseRows(dec, width, d);
        float[] w = f(dec);
        for (int j = 0; j < width; j++) {
            int o = j * d;
            double s = 0;
            for (int c = 0; c < d; c++) s += (double) w[o + c] * w[o + c];
            if (s == 0) continue;
            float inv = (float) (1.0 / Math.sqrt(s));
            for (int c = 0; c < d; c++) w[o + c] *= inv;
        }
    }

    @Override
    public void adamStep(FloatBuf param, FloatBuf grad, FloatBuf m, FloatBuf v, long count, float lr, float beta1,
                         float beta2, float eps, int t) {
        String op = "adamStep";
        BackendContract.adamStep(param, grad, m, v, count, t);
        float[] p = f(param), g = f(grad), ms = f(m), vs = f(v);
        float c1 = (float) (1 - Math.pow(beta1, t));
        float c2 = (float) (1 - Math.pow(beta2, t));
        int cnt = size(count, op);
        Parallel.forChunks(Parallel.CHUNKS, cnt, ch -> {
            for (int q = Parallel.start(ch, Parallel.CHUNKS, cnt), e = Parallel.start(ch + 1, Parallel.CHUNKS, cnt); q < e; q++) {
                float gv = g[q];
                float mv = beta1 * ms[q] + (1 - beta1) * gv;
                float vv = beta2 * vs[q] + (1 - beta2) * gv * gv;
                ms[q] = mv;
                vs[q] = vv;
                p[q] -= lr * (mv / c1) / ((float) Math.sqrt(vv / c2) + eps);
            }
        });
    }

    // ---------------------------------------------------------------- description length

    @Override
    public void featureMax(SparseCode z, FloatBuf max) {
        BackendContract.featureMax(z, max);
        int[] ix = i(z.idx());
        float[] vs = f(z.val()), mx = f(max);
        for (int q = 0; q < z.nnz(); q++) if (vs[q] > mx[ix[q]]) mx[ix[q]] = vs[q];
    }

    @Override
    public BinCounts binCounts(SparseCode z, FloatBuf max, int bits) {
        BackendContract.binCounts(z, max, bits);
        int[] ix = i(z.idx());
        float[] vs = f(z.val()), mx = f(max);
        long[] keys = new long[z.nnz()];
        int len = 0;
        for (int q = 0; q < z.nnz(); q++) {
            float v = vs[q];
            int j = ix[q];
            if (v <= 0f || mx[j] <= 0f) continue;
            keys[len++] = ((long) j << bits) | Quantise.bin(v, mx[j], bits);
        }
        return BinCounts.ofKeys(bits, keys, len);
    }

    @Override
    public void binHistogram(SparseCode z, FloatBuf max, int bits, IntBuf hist) {
        BackendContract.binHistogram(z, max, bits, hist);
        int[] ix = i(z.idx()), h = i(hist);
        float[] vs = f(z.val()), mx = f(max);
        for (int q = 0; q < z.nnz(); q++) {
            float v = vs[q];
            int j = ix[q];
            if (v <= 0f || mx[j] <= 0f) continue;
            h[(j << bits) | Quantise.bin(v, mx[j], bits)]++;
        }
    }

    /**
     * The arithmetic of mdl.DescriptionLength.perFeatureBits (h(p) + p·H of the feature's bins, through
     * {@link Entropy}), so the DL figures are bit-identical; CpuBackendTest pins the equality.
     */
    @Override
    public double[] entropyBits(IntBuf hist, int width, int bits, long samples) {
        BackendContract.entropyBits(hist, width, bits, samples);
        int[] h = i(hist);
        int levels = 1 << bits;
        long[] row = new long[levels];
        double[] out = new double[width];
        for (int j = 0; j < width; j++) {
            long total = 0;
            for (int b = 0; b < levels; b++) {
                row[b] = h[j * levels + b];
                total += row[b];
            }
            if (total == 0) continue;
            if (total > samples) {
                throw new BackendException("entropyBits", "feature " + j + " is counted more often than the " + samples + " samples");
            }
            double p = (double) total / samples;
            out[j] = Entropy.h(p) + p * Entropy.ofCounts(row, 0, levels);
        }
        return out;
    }

    @Override
    public double quantisedSqError(SparseCode z, FloatBuf max, int bits, FloatBuf dec, FloatBuf bDec, FloatBuf x, int d) {
        BackendContract.quantisedSqError(z, max, bits, dec, bDec, x, d);
        FloatBuf xhat = floats((long) z.n() * d);
        decodeWith(z, dec, bDec, d, xhat, bits > 0 ? f(max) : null, bits);
        float[] xs = f(x), h = f(xhat);
        double s = 0;
        for (int q = 0, end = z.n() * d; q < end; q++) {
            double e = xs[q] - h[q];
            s += e * e;
        }
        return s;
    }

    @Override
    public void close() {
    }
}
