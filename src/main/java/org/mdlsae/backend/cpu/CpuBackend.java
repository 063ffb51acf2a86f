package org.mdlsae.backend.cpu;

import static org.mdlsae.backend.Checks.need;
import static org.mdlsae.backend.Checks.positive;

import java.util.Arrays;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.BackendException;
import org.mdlsae.backend.BinCounts;
import org.mdlsae.backend.Checks;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.Quantise;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
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
        Checks.range(dstOff, len, d.length, "write", "destination");
        Checks.range(srcOff, len, src.length, "write", "source");
        System.arraycopy(src, srcOff, d, (int) dstOff, len);
    }

    @Override
    public void read(FloatBuf src, long srcOff, float[] dst, int dstOff, int len) {
        float[] s = f(src);
        Checks.range(srcOff, len, s.length, "read", "source");
        Checks.range(dstOff, len, dst.length, "read", "destination");
        System.arraycopy(s, (int) srcOff, dst, dstOff, len);
    }

    @Override
    public void write(IntBuf dst, long dstOff, int[] src, int srcOff, int len) {
        int[] d = i(dst);
        Checks.range(dstOff, len, d.length, "write", "destination");
        Checks.range(srcOff, len, src.length, "write", "source");
        System.arraycopy(src, srcOff, d, (int) dstOff, len);
    }

    @Override
    public void read(IntBuf src, long srcOff, int[] dst, int dstOff, int len) {
        int[] s = i(src);
        Checks.range(srcOff, len, s.length, "read", "source");
        Checks.range(dstOff, len, dst.length, "read", "destination");
        System.arraycopy(s, (int) srcOff, dst, dstOff, len);
    }

    @Override
    public void copy(FloatBuf src, long srcOff, FloatBuf dst, long dstOff, long len) {
        float[] s = f(src), d = f(dst);
        Checks.range(srcOff, len, s.length, "copy", "source");
        Checks.range(dstOff, len, d.length, "copy", "destination");
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

    // ---------------------------------------------------------------- checks

    // ---------------------------------------------------------------- forward

    @Override
    public void encode(FloatBuf x, FloatBuf bDec, FloatBuf enc, FloatBuf bEnc, int n, int d, int width, FloatBuf pre) {
        positive("encode", n, d, width);
        need(x, (long) n * d, "encode", "x");
        need(bDec, d, "encode", "bDec");
        need(enc, (long) width * d, "encode", "enc");
        need(bEnc, width, "encode", "bEnc");
        need(pre, (long) n * width, "encode", "pre");
        Gemm.ntCentred(f(x), f(bDec), n, d, f(enc), width, f(bEnc), f(pre));
    }

    @Override
    public void topK(FloatBuf pre, IntBuf mask, int n, int width, int k, IntBuf idx, FloatBuf val) {
        positive("topK", n, width, k);
        if (k > width) throw new BackendException("topK", "k = " + k + " exceeds width " + width);
        need(pre, (long) n * width, "topK", "pre");
        need(idx, (long) n * k, "topK", "idx");
        need(val, (long) n * k, "topK", "val");
        if (mask != null) need(mask, width, "topK", "mask");
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
                           IntBuf idx, FloatBuf val) {
        positive("encodeTopK", n, d, width, k);
        if (k > width) throw new BackendException("encodeTopK", "k = " + k + " exceeds width " + width);
        need(x, (long) n * d, "encodeTopK", "x");
        need(bDec, d, "encodeTopK", "bDec");
        need(enc, (long) width * d, "encodeTopK", "enc");
        need(bEnc, width, "encodeTopK", "bEnc");
        need(idx, (long) n * k, "encodeTopK", "idx");
        need(val, (long) n * k, "encodeTopK", "val");
        // Row blocks bound the dense scratch to block×width floats.
        int block = Math.max(1, Math.min(n, (1 << 22) / width));
        FloatBuf pre = floats((long) block * width);
        for (int r0 = 0; r0 < n; r0 += block) {
            int rows = Math.min(block, n - r0);
            FloatBuf xs = new CpuFloatBuf(Arrays.copyOfRange(f(x), r0 * d, (r0 + rows) * d));
            encode(xs, bDec, enc, bEnc, rows, d, width, pre);
            CpuIntBuf io = new CpuIntBuf(new int[rows * k]);
            CpuFloatBuf vo = new CpuFloatBuf(new float[rows * k]);
            topK(pre, null, rows, width, k, io, vo);
            System.arraycopy(io.a, 0, i(idx), r0 * k, rows * k);
            System.arraycopy(vo.a, 0, f(val), r0 * k, rows * k);
        }
    }

    @Override
    public float kthLargestPositive(FloatBuf pre, long count, long keep) {
        need(pre, count, "kthLargestPositive", "pre");
        if (keep <= 0) throw new BackendException("kthLargestPositive", "keep must be positive, got " + keep);
        return RadixSelect.kthLargestPositive(f(pre), size(count, "kthLargestPositive"), keep);
    }

    @Override
    public int countAbove(FloatBuf pre, int n, int width, float t, boolean strict, IntBuf rowPtr) {
        positive("countAbove", n, width);
        need(pre, (long) n * width, "countAbove", "pre");
        need(rowPtr, n + 1L, "countAbove", "rowPtr");
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
        positive("gatherAbove", n, width);
        need(pre, (long) n * width, "gatherAbove", "pre");
        need(rowPtr, n + 1L, "gatherAbove", "rowPtr");
        int[] rp = i(rowPtr);
        need(idx, rp[n], "gatherAbove", "idx");
        need(val, rp[n], "gatherAbove", "val");
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
        decodeWith(z, dec, bDec, d, xhat, null, 0, "decode");
    }

    /** Decode, optionally replacing each value by its bin centre at the given precision. */
    private void decodeWith(SparseCode z, FloatBuf dec, FloatBuf bDec, int d, FloatBuf xhat, float[] max, int bits,
                            String op) {
        positive(op, z.n(), d, z.width());
        Checks.code(z, op);
        need(dec, (long) z.width() * d, op, "dec");
        if (bDec != null) need(bDec, d, op, "bDec");
        need(xhat, (long) z.n() * d, op, "xhat");
        int n = z.n();
        int[] rp = i(z.rowPtr()), ix = i(z.idx());
        float[] vs = f(z.val()), w = f(dec), out = f(xhat);
        float[] bd = bDec == null ? null : f(bDec);
        int chunks = Math.min(Parallel.CHUNKS, n);
        Parallel.forChunks(chunks, (long) z.nnz() * d, ch -> {
            int[] off = new int[Sparse.GROUP];
            float[] co = new float[Sparse.GROUP];
            for (int r = Parallel.start(ch, chunks, n), e = Parallel.start(ch + 1, chunks, n); r < e; r++) {
                int o = r * d;
                boolean first = true; // the first group starts from b_dec (or 0), later ones from the row
                int m = 0;
                for (int q = rp[r]; q < rp[r + 1]; q++) {
                    float v = vs[q];
                    if (v == 0f) continue;
                    int j = ix[q];
                    if (max != null) v = Quantise.centre(v, max[j], bits);
                    if (v == 0f) continue;
                    off[m] = j * d;
                    co[m++] = v;
                    if (m == Sparse.GROUP) {
                        Sparse.axpyMany(out, o, first ? bd : null, first && bd == null, w, off, co, m, d);
                        first = false;
                        m = 0;
                    }
                }
                if (first || m > 0) Sparse.axpyMany(out, o, first ? bd : null, first && bd == null, w, off, co, m, d);
            }
        });
    }

    // ---------------------------------------------------------------- losses and backward

    @Override
    public double residual(FloatBuf target, FloatBuf xhat, long count, float scale, FloatBuf grad) {
        need(target, count, "residual", "target");
        need(xhat, count, "residual", "xhat");
        need(grad, count, "residual", "grad");
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
        positive("sumSqDeviation", n, d);
        need(a, (long) n * d, "sumSqDeviation", "a");
        return Stats.sumSqDeviation(f(a), n, d);
    }

    @Override
    public void axpby(float alpha, FloatBuf x, float beta, FloatBuf y, long count) {
        need(x, count, "axpby", "x");
        need(y, count, "axpby", "y");
        float[] xs = f(x), ys = f(y);
        int cnt = size(count, "axpby");
        for (int q = 0; q < cnt; q++) ys[q] = alpha * xs[q] + beta * ys[q];
    }

    @Override
    public void decodeBackward(SparseCode z, FloatBuf g, FloatBuf dec, int d, FloatBuf gradDec, FloatBuf gz,
                               FloatBuf gradBDec) {
        String op = "decodeBackward";
        positive(op, z.n(), d, z.width());
        Checks.code(z, op);
        int n = z.n(), width = z.width();
        need(g, (long) n * d, op, "g");
        need(dec, (long) width * d, op, "dec");
        need(gradDec, (long) width * d, op, "gradDec");
        need(gz, z.nnz(), op, "gz");
        if (gradBDec != null) need(gradBDec, d, op, "gradBDec");
        int[] rp = i(z.rowPtr()), ix = i(z.idx());
        float[] vs = f(z.val()), gs = f(g), w = f(dec), gd = f(gradDec), gzs = f(gz);
        // gz: one dot product per entry, parallel over rows.
        int chunks = Math.min(Parallel.CHUNKS, n);
        Parallel.forChunks(chunks, (long) z.nnz() * d, ch -> {
            int[] off = new int[Sparse.GROUP];
            int[] at = new int[Sparse.GROUP];
            float[] dots = new float[Sparse.GROUP];
            for (int r = Parallel.start(ch, chunks, n), e = Parallel.start(ch + 1, chunks, n); r < e; r++) {
                int o = r * d;
                int m = 0;
                for (int q = rp[r]; q < rp[r + 1]; q++) {
                    if (vs[q] == 0f) {
                        gzs[q] = 0f;
                        continue;
                    }
                    off[m] = ix[q] * d;
                    at[m++] = q;
                    if (m == Sparse.GROUP) {
                        Sparse.dotMany(gs, o, w, off, dots, m, d);
                        for (int u = 0; u < m; u++) gzs[at[u]] = dots[u];
                        m = 0;
                    }
                }
                if (m > 0) {
                    Sparse.dotMany(gs, o, w, off, dots, m, d);
                    for (int u = 0; u < m; u++) gzs[at[u]] = dots[u];
                }
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
        if (gradBDec != null) {
            // column blocks in parallel; within a column the rows are summed in order, as in a serial loop
            float[] gb = f(gradBDec);
            int cb = Math.min(8, d);
            Parallel.forChunks(cb, (long) n * d, ch -> {
                int c0 = Parallel.start(ch, cb, d), c1 = Parallel.start(ch + 1, cb, d);
                for (int r = 0; r < n; r++) {
                    int o = r * d;
                    for (int c = c0; c < c1; c++) gb[c] += gs[o + c];
                }
            });
        }
    }

    @Override
    public void encodeBackward(SparseCode z, FloatBuf gz, FloatBuf x, FloatBuf bDec, FloatBuf enc, int d,
                               FloatBuf gradEnc, FloatBuf gradBEnc, FloatBuf gradBDec) {
        String op = "encodeBackward";
        positive(op, z.n(), d, z.width());
        Checks.code(z, op);
        int n = z.n(), width = z.width();
        need(gz, z.nnz(), op, "gz");
        need(x, (long) n * d, op, "x");
        need(bDec, d, op, "bDec");
        need(enc, (long) width * d, op, "enc");
        need(gradEnc, (long) width * d, op, "gradEnc");
        need(gradBEnc, width, op, "gradBEnc");
        if (gradBDec != null) need(gradBDec, d, op, "gradBDec");
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
        if (gradBDec != null) {
            float[] gb = f(gradBDec);
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
    }

    @Override
    public void countActive(SparseCode z, IntBuf counts) {
        Checks.code(z, "countActive");
        need(counts, z.width(), "countActive", "counts");
        int[] ix = i(z.idx()), cnt = i(counts);
        float[] vs = f(z.val());
        for (int q = 0; q < z.nnz(); q++) if (vs[q] > 0f) cnt[ix[q]]++;
    }

    // ---------------------------------------------------------------- optimiser

    @Override
    public void removeParallelGrad(FloatBuf dec, FloatBuf gradDec, int width, int d) {
        positive("removeParallelGrad", width, d);
        need(dec, (long) width * d, "removeParallelGrad", "dec");
        need(gradDec, (long) width * d, "removeParallelGrad", "gradDec");
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
        positive("normaliseRows", width, d);
        need(dec, (long) width * d, "normaliseRows", "dec");
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
        need(param, count, op, "param");
        need(grad, count, op, "grad");
        need(m, count, op, "m");
        need(v, count, op, "v");
        if (t < 1) throw new BackendException(op, "step t must be ≥ 1, got " + t);
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
        Checks.code(z, "featureMax");
        need(max, z.width(), "featureMax", "max");
        int[] ix = i(z.idx());
        float[] vs = f(z.val()), mx = f(max);
        for (int q = 0; q < z.nnz(); q++) if (vs[q] > mx[ix[q]]) mx[ix[q]] = vs[q];
    }

    @Override
    public BinCounts binCounts(SparseCode z, FloatBuf max, int bits) {
        Checks.code(z, "binCounts");
        need(max, z.width(), "binCounts", "max");
        Checks.bits(bits, "binCounts");
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
    public double quantisedSqError(SparseCode z, FloatBuf max, int bits, FloatBuf dec, FloatBuf bDec, FloatBuf x, int d) {
        String op = "quantisedSqError";
        if (bits > 0) Checks.bits(bits, op);
        need(max, z.width(), op, "max");
        need(x, (long) z.n() * d, op, "x");
        FloatBuf xhat = floats((long) z.n() * d);
        decodeWith(z, dec, bDec, d, xhat, bits > 0 ? f(max) : null, bits, op);
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
