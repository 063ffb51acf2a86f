package org.mdlsae.backend.gpu;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.BackendException;
import org.mdlsae.backend.Checks;
import org.mdlsae.backend.BinCounts;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.backend.Quantise;

/**
 * Every {@link Backend} op written once over the kernels of {@code kernels/*.cu}: shape validation (same
 * messages as the CPU twin), launch geometry, scratch buffers and the few host-side steps (radix bucket
 * walks, partial-sum totals in double, bin-key counting). Subclasses supply only memory and launches:
 * {@link OpenClBackend} (JOCL) and {@code cuda.CudaBackend} (JCuda driver API).
 *
 * <p>Kernel-launch convention: {@code launch(op, kernel, groupsX, groupsY, localX, localY, args...)} runs
 * groupsX·groupsY work-groups of localX·localY work-items; arguments are {@link DeviceBuf}s, {@link Integer}s
 * and {@link Float}s in kernel-parameter order. All buffers hold fewer than 2^31 elements (as on the CPU), so
 * kernels index with int.
 *
 * <p>Not thread-safe: one back-end instance serves one thread at a time (like the trainer uses it).
 */
public abstract class KernelBackend implements Backend {
    /** Work-group size of the 1-D kernels ({@code WG} in the prelude). */
    protected static final int WG = 256;
    private static final int TOPK_LOCAL_MAX = 1024;
    private static final int GEMM_TILE = 64;
    private static final int SCAN_BLOCK = 4 * WG;
    private static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    /** encode_gemm_cpu: GCPU_R×GCPU_C outputs per work-item (see gemm.cu), 16 work-items per group. */
    private static final int CPU_GEMM_ROWS = 3, CPU_GEMM_COLS = 4, CPU_GEMM_LOCAL = 16;

    /** Grow-only device scratch by purpose, freed by {@link #close()}. */
    private final Map<String, DeviceBuf> scratch = new HashMap<>();
    private DeviceFloatBuf dummyF;
    private DeviceIntBuf dummyI;
    private long blockFloats = 1L << 22;
    private boolean portableOnly;
    private boolean closed;

    // ================================================================ device layer (subclasses)

    /** Allocates {@code bytes} (at least 4) of zero-filled device memory and returns its handle. */
    protected abstract Object allocBytes(long bytes, String op);

    /** Frees a handle made by {@link #allocBytes}. Must not throw. */
    protected abstract void freeHandle(Object handle);

    protected abstract void writeFloats(Object h, long elemOff, float[] src, int srcOff, int len, String op);

    protected abstract void writeInts(Object h, long elemOff, int[] src, int srcOff, int len, String op);

    protected abstract void readFloats(Object h, long elemOff, float[] dst, int dstOff, int len, String op);

    protected abstract void readInts(Object h, long elemOff, int[] dst, int dstOff, int len, String op);

    /** Copies {@code count} 4-byte elements between non-overlapping ranges. */
    protected abstract void copyElems(Object src, long srcOff, Object dst, long dstOff, long count, String op);

    /** Sets {@code count} 4-byte elements from {@code off} to the bit pattern {@code pattern}. */
    protected abstract void fill32(Object h, long off, long count, int pattern, String op);

    /** Launches a kernel; see the class comment. Throws {@link BackendException} naming {@code op}. */
    protected abstract void launch(String op, String kernel, int groupsX, int groupsY, int localX, int localY,
                                   Object... args);

    /** Frees API resources beyond buffers (queues, kernels); called once from {@link #close()}. */
    protected abstract void closeDevice();

    /** True for OpenCL CPU devices (pocl), which get the CPU-shaped variants of some kernels. */
    protected boolean cpuDevice() {
        return false;
    }

    // ================================================================ test hooks

    /**
     * With {@code true}, device-specific kernel variants (the CPU-device GEMM) are bypassed and the portable
     * kernels run everywhere; tests use it so the GPU kernels are exercised on pocl too.
     */
    public void setPortableOnly(boolean portableOnly) {
        this.portableOnly = portableOnly;
    }

    /**
     * Caps the dense scratch of {@link #encodeTopK} at {@code floats} floats (rows·width); default 2^22.
     * Tests lower it to exercise the row-block loop on small shapes.
     */
    public void setBlockFloats(long floats) {
        if (floats < 1) throw new IllegalArgumentException("block size must be positive");
        this.blockFloats = floats;
    }

    // ================================================================ buffers and checks

    private void alive(String op) {
        if (closed) throw new BackendException(op, name() + " back end is closed");
    }

    DeviceFloatBuf f(FloatBuf b, String op) {
        if (b instanceof DeviceFloatBuf d && d.owner == this) {
            if (d.closed()) throw new BackendException(op, "buffer is closed");
            return d;
        }
        throw new BackendException(op, "buffer was made by another backend: "
                + (b == null ? "null" : b.getClass().getSimpleName()));
    }

    DeviceIntBuf i(IntBuf b, String op) {
        if (b instanceof DeviceIntBuf d && d.owner == this) {
            if (d.closed()) throw new BackendException(op, "buffer is closed");
            return d;
        }
        throw new BackendException(op, "buffer was made by another backend: "
                + (b == null ? "null" : b.getClass().getSimpleName()));
    }

    private static int size(long n, String op) {
        if (n < 0 || n > MAX_ELEMENTS) throw new BackendException(op, "buffer size " + n + " out of range");
        return (int) n;
    }

    /** Groups for a grid-stride (GRID_LOOP) kernel over {@code count} elements: one element per work-item up
     * to 65 536 groups, so the global size stays far below 2^31. */
    private static int loopGroups(long count) {
        return Math.min(65536, groups(count, WG));
    }

    private static int groups(long items, int per) {
        long g = (items + per - 1) / per;
        if (g > Integer.MAX_VALUE) throw new BackendException("launch", "too many work-groups: " + g);
        return (int) Math.max(1, g);
    }

    private DeviceFloatBuf scratchFloats(String key, long n) {
        DeviceBuf b = scratch.get(key);
        if (b instanceof DeviceFloatBuf fb && fb.length >= n) return fb;
        if (b != null) b.close();
        DeviceFloatBuf nb = newFloats(Math.max(n, b == null ? 0 : b.length + b.length / 2), key);
        scratch.put(key, nb);
        return nb;
    }

    private DeviceIntBuf scratchInts(String key, long n) {
        DeviceBuf b = scratch.get(key);
        if (b instanceof DeviceIntBuf ib && ib.length >= n) return ib;
        if (b != null) b.close();
        DeviceIntBuf nb = newInts(Math.max(n, b == null ? 0 : b.length + b.length / 2), key);
        scratch.put(key, nb);
        return nb;
    }

    private DeviceFloatBuf newFloats(long n, String op) {
        int len = size(n, op);
        return new DeviceFloatBuf(this, len, allocBytes(4L * Math.max(1, len), op));
    }

    private DeviceIntBuf newInts(long n, String op) {
        int len = size(n, op);
        return new DeviceIntBuf(this, len, allocBytes(4L * Math.max(1, len), op));
    }

    /** A 1-element buffer bound to kernel parameters whose optional argument is absent. */
    private DeviceFloatBuf dummyF() {
        if (dummyF == null) dummyF = newFloats(1, "dummy");
        return dummyF;
    }

    private DeviceIntBuf dummyI() {
        if (dummyI == null) dummyI = newInts(1, "dummy");
        return dummyI;
    }

    private int readInt(DeviceIntBuf b, long off, String op) {
        int[] one = new int[1];
        readInts(b.handle, off, one, 0, 1, op);
        return one[0];
    }

    // ================================================================ memory

    @Override
    public FloatBuf floats(long n) {
        alive("floats");
        return newFloats(n, "floats");
    }

    @Override
    public IntBuf ints(long n) {
        alive("ints");
        return newInts(n, "ints");
    }

    @Override
    public void write(FloatBuf dst, long dstOff, float[] src, int srcOff, int len) {
        alive("write");
        DeviceFloatBuf d = f(dst, "write");
        Checks.range(dstOff, len, d.length, "write", "destination");
        Checks.range(srcOff, len, src.length, "write", "source");
        if (len > 0) writeFloats(d.handle, dstOff, src, srcOff, len, "write");
    }

    @Override
    public void read(FloatBuf src, long srcOff, float[] dst, int dstOff, int len) {
        alive("read");
        DeviceFloatBuf s = f(src, "read");
        Checks.range(srcOff, len, s.length, "read", "source");
        Checks.range(dstOff, len, dst.length, "read", "destination");
        if (len > 0) readFloats(s.handle, srcOff, dst, dstOff, len, "read");
    }

    @Override
    public void write(IntBuf dst, long dstOff, int[] src, int srcOff, int len) {
        alive("write");
        DeviceIntBuf d = i(dst, "write");
        Checks.range(dstOff, len, d.length, "write", "destination");
        Checks.range(srcOff, len, src.length, "write", "source");
        if (len > 0) writeInts(d.handle, dstOff, src, srcOff, len, "write");
    }

    @Override
    public void read(IntBuf src, long srcOff, int[] dst, int dstOff, int len) {
        alive("read");
        DeviceIntBuf s = i(src, "read");
        Checks.range(srcOff, len, s.length, "read", "source");
        Checks.range(dstOff, len, dst.length, "read", "destination");
        if (len > 0) readInts(s.handle, srcOff, dst, dstOff, len, "read");
    }

    @Override
    public void copy(FloatBuf src, long srcOff, FloatBuf dst, long dstOff, long len) {
        alive("copy");
        DeviceFloatBuf s = f(src, "copy"), d = f(dst, "copy");
        Checks.range(srcOff, len, s.length, "copy", "source");
        Checks.range(dstOff, len, d.length, "copy", "destination");
        if (len == 0 || (s == d && srcOff == dstOff)) return;
        if (s == d && srcOff < dstOff + len && dstOff < srcOff + len) {
            // overlapping ranges of one buffer (both APIs leave that undefined): go through a scratch copy
            DeviceFloatBuf tmp = newFloats(len, "copy");
            try {
                copyElems(s.handle, srcOff, tmp.handle, 0, len, "copy");
                copyElems(tmp.handle, 0, d.handle, dstOff, len, "copy");
            } finally {
                tmp.close();
            }
            return;
        }
        copyElems(s.handle, srcOff, d.handle, dstOff, len, "copy");
    }

    @Override
    public void fill(FloatBuf buf, float value) {
        alive("fill");
        DeviceFloatBuf b = f(buf, "fill");
        if (b.length > 0) fill32(b.handle, 0, b.length, Float.floatToRawIntBits(value), "fill");
    }

    @Override
    public void fill(IntBuf buf, int value) {
        alive("fill");
        DeviceIntBuf b = i(buf, "fill");
        if (b.length > 0) fill32(b.handle, 0, b.length, value, "fill");
    }

    // ================================================================ forward

    @Override
    public void encode(FloatBuf x, FloatBuf bDec, FloatBuf enc, FloatBuf bEnc, int n, int d, int width, FloatBuf pre) {
        String op = "encode";
        alive(op);
        Checks.positive(op, n, d, width);
        Checks.need(x, (long) n * d, op, "x");
        Checks.need(bDec, d, op, "bDec");
        Checks.need(enc, (long) width * d, op, "enc");
        Checks.need(bEnc, width, op, "bEnc");
        Checks.need(pre, (long) n * width, op, "pre");
        gemm(op, f(x, op), 0, f(bDec, op), f(enc, op), f(bEnc, op), n, d, width, f(pre, op), 0);
    }

    private void gemm(String op, DeviceFloatBuf x, int xOff, DeviceFloatBuf bDec, DeviceFloatBuf enc, DeviceFloatBuf bEnc,
                      int n, int d, int width, DeviceFloatBuf pre, int preOff) {
        if (cpuDevice() && !portableOnly) {
            launch(op, "encode_gemm_cpu", groups(width, CPU_GEMM_COLS * CPU_GEMM_LOCAL), groups(n, CPU_GEMM_ROWS), CPU_GEMM_LOCAL, 1,
                    x, xOff, bDec, enc, bEnc, n, d, width, pre, preOff);
            return;
        }
        int gy = groups(width, GEMM_TILE);
        if (gy > 65535) throw new BackendException(op, "width " + width + " exceeds the kernel grid (max " + 65535 * GEMM_TILE + ")");
        launch(op, "encode_gemm", groups(n, GEMM_TILE), gy, 16, 16, x, xOff, bDec, enc, bEnc, n, d, width, pre, preOff);
    }

    @Override
    public void topK(FloatBuf pre, IntBuf mask, int n, int width, int k, IntBuf idx, FloatBuf val) {
        String op = "topK";
        alive(op);
        Checks.positive(op, n, width, k);
        if (k > width) throw new BackendException(op, "k = " + k + " exceeds width " + width);
        Checks.need(pre, (long) n * width, op, "pre");
        Checks.need(idx, (long) n * k, op, "idx");
        Checks.need(val, (long) n * k, op, "val");
        if (mask != null) Checks.need(mask, width, op, "mask");
        topKRows(op, f(pre, op), 0, mask == null ? null : i(mask, op), n, width, k, i(idx, op), f(val, op), 0);
    }

    private void topKRows(String op, DeviceFloatBuf pre, int preOff, DeviceIntBuf mask, int rows, int width, int k,
                          DeviceIntBuf idx, DeviceFloatBuf val, int outOff) {
        DeviceIntBuf sIdx = dummyI();
        DeviceFloatBuf sVal = dummyF();
        if (k > TOPK_LOCAL_MAX) { // candidates no longer fit in local memory: per-row global scratch
            sIdx = scratchInts("topK.idx", (long) rows * k);
            sVal = scratchFloats("topK.val", (long) rows * k);
        }
        launch(op, "topk_rows", rows, 1, WG, 1, pre, preOff, mask == null ? dummyI() : mask, mask == null ? 0 : 1,
                width, k, idx, val, outOff, sIdx, sVal);
    }

    @Override
    public void encodeTopK(FloatBuf x, FloatBuf bDec, FloatBuf enc, FloatBuf bEnc, int n, int d, int width, int k,
                           IntBuf idx, FloatBuf val) {
        String op = "encodeTopK";
        alive(op);
        Checks.positive(op, n, d, width, k);
        if (k > width) throw new BackendException(op, "k = " + k + " exceeds width " + width);
        Checks.need(x, (long) n * d, op, "x");
        Checks.need(bDec, d, op, "bDec");
        Checks.need(enc, (long) width * d, op, "enc");
        Checks.need(bEnc, width, op, "bEnc");
        Checks.need(idx, (long) n * k, op, "idx");
        Checks.need(val, (long) n * k, op, "val");
        DeviceFloatBuf xs = f(x, op), bd = f(bDec, op), we = f(enc, op), be = f(bEnc, op), vo = f(val, op);
        DeviceIntBuf io = i(idx, op);
        // Row blocks bound the dense scratch to block×width floats; pre never exists for all n rows.
        int block = (int) Math.max(1, Math.min(n, blockFloats / width));
        DeviceFloatBuf pre = scratchFloats("encodeTopK.pre", (long) block * width);
        for (int r0 = 0; r0 < n; r0 += block) {
            int rows = Math.min(block, n - r0);
            gemm(op, xs, r0 * d, bd, we, be, rows, d, width, pre, 0);
            topKRows(op, pre, 0, null, rows, width, k, io, vo, r0 * k);
        }
    }

    @Override
    public float kthLargestPositive(FloatBuf pre, long count, long keep) {
        String op = "kthLargestPositive";
        alive(op);
        Checks.need(pre, count, op, "pre");
        if (keep <= 0) throw new BackendException(op, "keep must be positive, got " + keep);
        int cnt = size(count, op);
        if (cnt == 0) return Float.POSITIVE_INFINITY;
        DeviceFloatBuf a = f(pre, op);
        DeviceIntBuf hist = scratchInts("radix.hist", 256);
        DeviceIntBuf minBits = scratchInts("radix.min", 1);
        int gs = Math.min(1024, groups(cnt, WG * 8));
        int[] h = new int[256];
        int prefix = 0, pmask = 0;
        long rank = keep; // 1-based rank from the top among values sharing the prefix
        for (int shift = 24; shift >= 0; shift -= 8) {
            fill32(hist.handle, 0, 256, 0, op);
            if (shift == 24) fill32(minBits.handle, 0, 1, Integer.MAX_VALUE, op);
            launch(op, "radix_hist", gs, 1, WG, 1, a, cnt, prefix, pmask, shift, hist, minBits);
            readInts(hist.handle, 0, h, 0, 256, op);
            if (shift == 24) {
                long positives = 0;
                for (int c : h) positives += c;
                if (positives == 0) return Float.POSITIVE_INFINITY;
                if (positives <= keep) return Float.intBitsToFloat(readInt(minBits, 0, op));
            }
            long above = 0;
            int b = 255;
            while (above + h[b] < rank) above += h[b--];
            rank -= above;
            prefix |= b << shift;
            pmask |= 0xFF << shift;
        }
        return Float.intBitsToFloat(prefix);
    }

    @Override
    public int countAbove(FloatBuf pre, int n, int width, float t, boolean strict, IntBuf rowPtr) {
        String op = "countAbove";
        alive(op);
        Checks.positive(op, n, width);
        Checks.need(pre, (long) n * width, op, "pre");
        Checks.need(rowPtr, n + 1L, op, "rowPtr");
        DeviceIntBuf rp = i(rowPtr, op);
        launch(op, "count_rows", n, 1, WG, 1, f(pre, op), n, width, t, strict ? 1 : 0, rp);
        scan(op, rp, n + 1L, 0);
        return readInt(rp, n, op);
    }

    @Override
    public void gatherAbove(FloatBuf pre, int n, int width, float t, boolean strict, IntBuf rowPtr, IntBuf idx,
                            FloatBuf val) {
        String op = "gatherAbove";
        alive(op);
        Checks.positive(op, n, width);
        Checks.need(pre, (long) n * width, op, "pre");
        Checks.need(rowPtr, n + 1L, op, "rowPtr");
        DeviceIntBuf rp = i(rowPtr, op);
        int nnz = readInt(rp, n, op);
        Checks.need(idx, nnz, op, "idx");
        Checks.need(val, nnz, op, "val");
        if (nnz == 0) return;
        launch(op, "gather_rows", n, 1, WG, 1, f(pre, op), width, t, strict ? 1 : 0, rp, i(idx, op), f(val, op));
    }

    /** In-place exclusive prefix sum of data[0..len). */
    private void scan(String op, DeviceIntBuf data, long len, int level) {
        int n = size(len, op);
        int gs = groups(n, SCAN_BLOCK);
        DeviceIntBuf sums = scratchInts("scan.sums." + level, gs);
        launch(op, "scan_block", gs, 1, WG, 1, data, n, sums);
        if (gs > 1) {
            scan(op, sums, gs, level + 1);
            launch(op, "scan_add", gs, 1, WG, 1, data, n, sums);
        }
    }

    @Override
    public void decode(SparseCode z, FloatBuf dec, FloatBuf bDec, int d, FloatBuf xhat) {
        String op = "decode";
        alive(op);
        Checks.positive(op, z.n(), d, z.width());
        Checks.code(z, op);
        Checks.need(dec, (long) z.width() * d, op, "dec");
        if (bDec != null) Checks.need(bDec, d, op, "bDec");
        Checks.need(xhat, (long) z.n() * d, op, "xhat");
        launch(op, "decode_rows", z.n(), 1, WG, 1, decodeArgs(op, z, dec, bDec, d, null, null, 0, f(xhat, op)));
    }

    /** Arguments shared by decode_rows and quant_err_rows (the latter appends x before the output). */
    private Object[] decodeArgs(String op, SparseCode z, FloatBuf dec, FloatBuf bDec, int d, DeviceFloatBuf max,
                                float[] maxHost, int bits, DeviceBuf... tail) {
        boolean quant = max != null && bits > 0;
        DeviceFloatBuf maxBuf = dummyF(), scaleBuf = dummyF();
        int levels = 1;
        if (quant) {
            levels = 1 << bits;
            scaleBuf = scales(maxHost, bits);
            maxBuf = max;
        }
        Object[] head = {i(z.rowPtr(), op), i(z.idx(), op), f(z.val(), op), f(dec, op),
                bDec == null ? dummyF() : f(bDec, op), bDec == null ? 0 : 1, d, maxBuf, scaleBuf, levels,
                1.0f / levels, quant ? 1 : 0};
        Object[] all = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    /**
     * Per-feature bin scales (float) 2^bits / max[j] computed in Java exactly as {@code cpu.Quantise.bin}
     * does, so device bins never depend on the device's division rounding.
     */
    private DeviceFloatBuf scales(float[] max, int bits) {
        float levels = (float) (1 << bits);
        float[] s = new float[max.length];
        for (int j = 0; j < max.length; j++) s[j] = max[j] <= 0f ? 0f : levels / max[j];
        DeviceFloatBuf b = scratchFloats("quant.scale", s.length);
        writeFloats(b.handle, 0, s, 0, s.length, "quant");
        return b;
    }

    private float[] downloadMax(FloatBuf max, int width, String op) {
        float[] m = new float[width];
        readFloats(f(max, op).handle, 0, m, 0, width, op);
        return m;
    }

    // ================================================================ losses and backward

    @Override
    public double residual(FloatBuf target, FloatBuf xhat, long count, float scale, FloatBuf grad) {
        String op = "residual";
        alive(op);
        Checks.need(target, count, op, "target");
        Checks.need(xhat, count, op, "xhat");
        Checks.need(grad, count, op, "grad");
        int cnt = size(count, op);
        if (cnt == 0) return 0;
        int gs = Math.min(256, groups(cnt, WG * 4));
        DeviceFloatBuf part = scratchFloats("residual.partial", gs);
        launch(op, "residual_partial", gs, 1, WG, 1, f(target, op), f(xhat, op), cnt, scale, f(grad, op), part);
        return sumPartials(part, gs, op);
    }

    private double sumPartials(DeviceFloatBuf part, int gs, String op) {
        float[] p = new float[gs];
        readFloats(part.handle, 0, p, 0, gs, op);
        double s = 0;
        for (float v : p) s += v;
        return s;
    }

    @Override
    public double sumSqDeviation(FloatBuf a, int n, int d) {
        String op = "sumSqDeviation";
        alive(op);
        Checks.positive(op, n, d);
        Checks.need(a, (long) n * d, op, "a");
        DeviceFloatBuf as = f(a, op);
        DeviceFloatBuf mean = scratchFloats("sqdev.mean", d);
        launch(op, "col_sums", groups(d, WG), 1, WG, 1, as, n, d, (float) n, 0, mean);
        int cnt = n * d;
        int gs = Math.min(256, groups(cnt, WG * 4));
        DeviceFloatBuf part = scratchFloats("sqdev.partial", gs);
        launch(op, "sqdev_partial", gs, 1, WG, 1, as, cnt, d, mean, part);
        return sumPartials(part, gs, op);
    }

    @Override
    public void axpby(float alpha, FloatBuf x, float beta, FloatBuf y, long count) {
        String op = "axpby";
        alive(op);
        Checks.need(x, count, op, "x");
        Checks.need(y, count, op, "y");
        int cnt = size(count, op);
        if (cnt == 0) return;
        launch(op, "axpby", loopGroups(cnt), 1, WG, 1, alpha, f(x, op), beta, f(y, op), cnt);
    }

    @Override
    public void decodeBackward(SparseCode z, FloatBuf g, FloatBuf dec, int d, FloatBuf gradDec, FloatBuf gz,
                               FloatBuf gradBDec) {
        String op = "decodeBackward";
        alive(op);
        Checks.positive(op, z.n(), d, z.width());
        Checks.code(z, op);
        int n = z.n(), width = z.width();
        Checks.need(g, (long) n * d, op, "g");
        Checks.need(dec, (long) width * d, op, "dec");
        Checks.need(gradDec, (long) width * d, op, "gradDec");
        Checks.need(gz, z.nnz(), op, "gz");
        if (gradBDec != null) Checks.need(gradBDec, d, op, "gradBDec");
        DeviceFloatBuf gs = f(g, op);
        if (z.nnz() > 0) {
            DeviceIntBuf rp = i(z.rowPtr(), op), ix = i(z.idx(), op);
            DeviceFloatBuf vs = f(z.val(), op);
            launch(op, "gz_rows", n, 1, WG, 1, rp, ix, vs, gs, f(dec, op), d, f(gz, op));
            Csc cols = columns(op, z);
            launch(op, "grad_dec_cols", width, 1, WG, 1, cols.start, cols.row, cols.entry, vs, gs, d, f(gradDec, op));
        }
        if (gradBDec != null) {
            launch(op, "col_sums", groups(d, WG), 1, WG, 1, gs, n, d, 1.0f, 1, f(gradBDec, op));
        }
    }

    /** Active entries regrouped by latent on the device (stable counting sort; see csc_* in sparse.cu). */
    private record Csc(DeviceIntBuf start, DeviceIntBuf row, DeviceIntBuf entry) {
    }

    private Csc columns(String op, SparseCode z) {
        int n = z.n(), width = z.width();
        // (latent, row-block) counters: enough blocks for parallelism, at most ~4M counters in all
        long maxBlocks = Math.max(1, (1L << 22) / width);
        int blocks = (int) Math.max(1, Math.min(Math.min(256, n), maxBlocks));
        int rowsPerBlock = (n + blocks - 1) / blocks;
        blocks = (n + rowsPerBlock - 1) / rowsPerBlock;
        long cells = (long) width * blocks + 1;
        DeviceIntBuf cnt = scratchInts("csc.count", cells);
        fill32(cnt.handle, 0, cells, 0, op);
        DeviceIntBuf rp = i(z.rowPtr(), op), ix = i(z.idx(), op);
        DeviceFloatBuf vs = f(z.val(), op);
        launch(op, "csc_count", groups(blocks, WG), 1, WG, 1, rp, ix, vs, n, blocks, rowsPerBlock, cnt);
        scan(op, cnt, cells, 0);
        DeviceIntBuf start = scratchInts("csc.start", width + 1L);
        launch(op, "csc_starts", groups(width + 1L, WG), 1, WG, 1, cnt, width, blocks, start);
        DeviceIntBuf row = scratchInts("csc.row", z.nnz());
        DeviceIntBuf entry = scratchInts("csc.entry", z.nnz());
        launch(op, "csc_fill", groups(blocks, WG), 1, WG, 1, rp, ix, vs, n, blocks, rowsPerBlock, cnt, row, entry);
        return new Csc(start, row, entry);
    }

    @Override
    public void encodeBackward(SparseCode z, FloatBuf gz, FloatBuf x, FloatBuf bDec, FloatBuf enc, int d,
                               FloatBuf gradEnc, FloatBuf gradBEnc, FloatBuf gradBDec) {
        String op = "encodeBackward";
        alive(op);
        Checks.positive(op, z.n(), d, z.width());
        Checks.code(z, op);
        int n = z.n(), width = z.width();
        Checks.need(gz, z.nnz(), op, "gz");
        Checks.need(x, (long) n * d, op, "x");
        Checks.need(bDec, d, op, "bDec");
        Checks.need(enc, (long) width * d, op, "enc");
        Checks.need(gradEnc, (long) width * d, op, "gradEnc");
        Checks.need(gradBEnc, width, op, "gradBEnc");
        if (gradBDec != null) Checks.need(gradBDec, d, op, "gradBDec");
        if (z.nnz() == 0) return;
        Csc cols = columns(op, z);
        DeviceFloatBuf colSum = scratchFloats("encodeBackward.colSum", width);
        launch(op, "grad_enc_cols", width, 1, WG, 1, cols.start, cols.row, cols.entry, f(gz, op), f(x, op),
                f(bDec, op), d, f(gradEnc, op), f(gradBEnc, op), colSum);
        if (gradBDec != null) {
            launch(op, "grad_bdec_enc", groups(d, WG), 1, WG, 1, colSum, f(enc, op), width, d, f(gradBDec, op));
        }
    }

    @Override
    public void countActive(SparseCode z, IntBuf counts) {
        String op = "countActive";
        alive(op);
        Checks.code(z, op);
        Checks.need(counts, z.width(), op, "counts");
        if (z.nnz() == 0) return;
        launch(op, "count_active", loopGroups(z.nnz()), 1, WG, 1, i(z.idx(), op), f(z.val(), op), z.nnz(),
                i(counts, op));
    }

    // ================================================================ optimiser

    @Override
    public void removeParallelGrad(FloatBuf dec, FloatBuf gradDec, int width, int d) {
        String op = "removeParallelGrad";
        alive(op);
        Checks.positive(op, width, d);
        Checks.need(dec, (long) width * d, op, "dec");
        Checks.need(gradDec, (long) width * d, op, "gradDec");
        launch(op, "remove_parallel_rows", width, 1, WG, 1, f(dec, op), f(gradDec, op), d);
    }

    @Override
    public void normaliseRows(FloatBuf dec, int width, int d) {
        String op = "normaliseRows";
        alive(op);
        Checks.positive(op, width, d);
        Checks.need(dec, (long) width * d, op, "dec");
        launch(op, "normalise_rows", width, 1, WG, 1, f(dec, op), d);
    }

    @Override
    public void adamStep(FloatBuf param, FloatBuf grad, FloatBuf m, FloatBuf v, long count, float lr, float beta1,
                         float beta2, float eps, int t) {
        String op = "adamStep";
        alive(op);
        Checks.need(param, count, op, "param");
        Checks.need(grad, count, op, "grad");
        Checks.need(m, count, op, "m");
        Checks.need(v, count, op, "v");
        if (t < 1) throw new BackendException(op, "step t must be ≥ 1, got " + t);
        float c1 = (float) (1 - Math.pow(beta1, t));
        float c2 = (float) (1 - Math.pow(beta2, t));
        int cnt = size(count, op);
        if (cnt == 0) return;
        launch(op, "adam_step", loopGroups(cnt), 1, WG, 1, f(param, op), f(grad, op), f(m, op), f(v, op), cnt, lr,
                beta1, beta2, eps, c1, c2);
    }

    // ================================================================ description length

    @Override
    public void featureMax(SparseCode z, FloatBuf max) {
        String op = "featureMax";
        alive(op);
        Checks.code(z, op);
        Checks.need(max, z.width(), op, "max");
        if (z.nnz() == 0) return;
        launch(op, "feature_max", loopGroups(z.nnz()), 1, WG, 1, i(z.idx(), op), f(z.val(), op), z.nnz(), f(max, op));
    }

    @Override
    public BinCounts binCounts(SparseCode z, FloatBuf max, int bits) {
        String op = "binCounts";
        alive(op);
        Checks.code(z, op);
        Checks.need(max, z.width(), op, "max");
        Checks.bits(bits, op);
        int nnz = z.nnz();
        if (nnz == 0) return BinCounts.ofKeys(bits, new long[0], 0);
        float[] mx = downloadMax(max, z.width(), op);
        DeviceFloatBuf scale = scales(mx, bits);
        DeviceIntBuf bins = scratchInts("binCounts.bins", nnz);
        DeviceIntBuf ix = i(z.idx(), op);
        launch(op, "bin_index", loopGroups(nnz), 1, WG, 1, ix, f(z.val(), op), nnz, f(max, op), scale, 1 << bits, bins);
        // The key counting is a host-side sort of the downloaded keys: O(nnz log nnz), as the contract allows.
        int[] b = new int[nnz];
        int[] j = new int[nnz];
        readInts(bins.handle, 0, b, 0, nnz, op);
        readInts(ix.handle, 0, j, 0, nnz, op);
        long[] keys = new long[nnz];
        int len = 0;
        for (int q = 0; q < nnz; q++) {
            if (b[q] >= 0) keys[len++] = ((long) j[q] << bits) | b[q];
        }
        return BinCounts.ofKeys(bits, keys, len);
    }

    @Override
    public double quantisedSqError(SparseCode z, FloatBuf max, int bits, FloatBuf dec, FloatBuf bDec, FloatBuf x, int d) {
        String op = "quantisedSqError";
        alive(op);
        if (bits > 0) Checks.bits(bits, op);
        Checks.need(max, z.width(), op, "max");
        Checks.need(x, (long) z.n() * d, op, "x");
        Checks.positive(op, z.n(), d, z.width());
        Checks.code(z, op);
        Checks.need(dec, (long) z.width() * d, op, "dec");
        if (bDec != null) Checks.need(bDec, d, op, "bDec");
        float[] mx = bits > 0 ? downloadMax(max, z.width(), op) : null;
        DeviceFloatBuf rowErr = scratchFloats("quantisedSqError.rows", z.n());
        launch(op, "quant_err_rows", z.n(), 1, WG, 1,
                decodeArgs(op, z, dec, bDec, d, bits > 0 ? f(max, op) : null, mx, bits, f(x, op), rowErr));
        return sumPartials(rowErr, z.n(), op);
    }

    // ================================================================ lifecycle

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (DeviceBuf b : scratch.values()) b.close();
        scratch.clear();
        if (dummyF != null) dummyF.close();
        if (dummyI != null) dummyI.close();
        closeDevice();
    }
}
