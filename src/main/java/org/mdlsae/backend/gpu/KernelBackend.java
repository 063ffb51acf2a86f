package org.mdlsae.backend.gpu;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.BackendException;
import org.mdlsae.backend.BackendContract;
import org.mdlsae.backend.BinCounts;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.Precision;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.backend.Quantise;

/**
 * Every {@link Backend} op written once over the kernels of {@code kernels/*.cu}: argument checks (the shared
 * {@link BackendContract}, so the messages are the CPU twin's), launch geometry, scratch buffers and the few host-side steps (radix bucket
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
    /** encode_gemm_tf32's tile (TC_BM = TC_BN in gemm.cu). */
    private static final int TC_TILE = 128;
    private static final int SCAN_BLOCK = 4 * WG;
    private static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    /** encode_topk: largest k (larger k: GEMM + topk_rows), most column splits (FUSED_SPLITS_MAX in fused.cu). */
    private static final int FUSED_K_MAX = 128, FUSED_SPLITS_MAX = 64;
    /** Work-groups the fused kernel aims for on a GPU (a few per multiprocessor). */
    private static final int FUSED_TARGET_GROUPS = 1024;
    /** Cap on the fused kernel's candidate-list entries (ints and floats each: 32 MiB); larger n runs in row blocks. */
    private static final long FUSED_LIST_ENTRIES = 1L << 23;
    /** Radix select (select.cu): histogram bins of the widest pass, state ints, result slot. */
    private static final int RS_BINS = 2048, RS_STATE = 7, RS_RESULT = 4;
    /** grad_bdec_partial: latents per block (a multiple of nothing in particular: enough blocks to fill a GPU). */
    private static final int BDEC_LATENTS_PER_BLOCK = 64;

    /** encode_gemm_cpu: GCPU_R×GCPU_C outputs per work-item (see gemm.cu), 16 work-items per group. */
    private static final int CPU_GEMM_ROWS = 3, CPU_GEMM_COLS = 4, CPU_GEMM_LOCAL = 16;

    /** Grow-only device scratch by purpose, freed by {@link #close()}. */
    private final Map<String, DeviceBuf> scratch = new HashMap<>();
    private DeviceFloatBuf dummyF;
    private DeviceIntBuf dummyI;
    private long blockFloats = 1L << 22;
    private int radixCandidates = 1 << 22;
    private boolean portableOnly;
    private boolean closed;
    private Precision precision = Precision.FP32;
    private long allocations;
    private long hostReads;
    /** The latent grouping of the last code decodeBackward/encodeBackward saw (see {@link #alive}). */
    private SparseCode groupedCode;
    private Csc grouping;
    /** The row offsets the last countAbove wrote, for its n, and the total it returned (see {@link #alive}). */
    private DeviceIntBuf countedRowPtr;
    private int countedRows;
    private int countedTotal;

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

    /** True where the TF32 tensor-core GEMM (encode_gemm_tf32, CUDA only) exists. */
    protected boolean tensorCores() {
        return false;
    }

    // ================================================================ precision

    @Override
    public Precision precision() {
        return precision;
    }

    /**
     * Sets the arithmetic of the encoder product (docs/design.md §9).
     *
     * @throws BackendException for TF32 on a back end without tensor-core kernels
     */
    public void setPrecision(Precision p) {
        if (p == Precision.TF32 && !tensorCores()) {
            throw new BackendException("precision", "tf32 needs the cuda back end; " + name() + " computes fp32 only");
        }
        this.precision = p;
    }

    private boolean tf32() {
        return precision == Precision.TF32;
    }

    /** The CPU-device (pocl) variants apply: an OpenCL CPU device and the portable kernels not forced. */
    private boolean cpuVariants() {
        return cpuDevice() && !portableOnly;
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
     * Caps the row blocks of {@link #encodeTopK} at {@code floats} floats of product (rows·width); default 2^22.
     * Tests lower it to exercise the row-block loops (fused and unfused) on small shapes.
     */
    public void setBlockFloats(long floats) {
        if (floats < 1) throw new IllegalArgumentException("block size must be positive");
        this.blockFloats = floats;
    }

    /**
     * Caps the values the BatchTopK threshold search collects after its first pass (default 2^22); with more in
     * the chosen bin it reads the whole input in every pass. Tests lower it to run both paths.
     */
    public void setRadixCandidates(int cap) {
        if (cap < 1) throw new IllegalArgumentException("candidate cap must be positive");
        this.radixCandidates = cap;
    }

    /** Device allocations made so far (buffers and scratch); tests check that training steps make none. */
    public long allocations() {
        return allocations;
    }

    /** Device-to-host reads made so far; tests check how many a training step needs. */
    public long hostReads() {
        return hostReads;
    }

    // ================================================================ buffers and checks

    /**
     * Checks the back end is open and drops what other ops may have made stale: the latent grouping is kept only
     * from one backward op to the next, the last countAbove's total only until its gatherAbove (any other op may
     * change the buffers they were made from; allocating a new buffer changes none).
     */
    private void alive(String op) {
        if (closed) throw new BackendException(op, name() + " back end is closed");
        switch (op) {
            case "floats", "ints" -> {
                // allocating a new buffer changes none of the existing ones
            }
            case "decodeBackward", "encodeBackward" -> countedRowPtr = null;
            case "gatherAbove" -> grouping = null;
            default -> {
                countedRowPtr = null;
                grouping = null;
            }
        }
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
        allocations++;
        return new DeviceFloatBuf(this, len, allocBytes(4L * Math.max(1, len), op));
    }

    private DeviceIntBuf newInts(long n, String op) {
        int len = size(n, op);
        allocations++;
        return new DeviceIntBuf(this, len, allocBytes(4L * Math.max(1, len), op));
    }

    /** Every device → host copy goes through these two (counted for {@link #hostReads}). */
    private void pullFloats(DeviceBuf b, long off, float[] dst, int dstOff, int len, String op) {
        hostReads++;
        readFloats(b.handle, off, dst, dstOff, len, op);
    }

    private void pullInts(DeviceBuf b, long off, int[] dst, int dstOff, int len, String op) {
        hostReads++;
        readInts(b.handle, off, dst, dstOff, len, op);
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
        pullInts(b, off, one, 0, 1, op);
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
        BackendContract.write(d.length, dstOff, src.length, srcOff, len);
        if (len > 0) writeFloats(d.handle, dstOff, src, srcOff, len, "write");
    }

    @Override
    public void read(FloatBuf src, long srcOff, float[] dst, int dstOff, int len) {
        alive("read");
        DeviceFloatBuf s = f(src, "read");
        BackendContract.read(s.length, srcOff, dst.length, dstOff, len);
        if (len > 0) pullFloats(s, srcOff, dst, dstOff, len, "read");
    }

    @Override
    public void write(IntBuf dst, long dstOff, int[] src, int srcOff, int len) {
        alive("write");
        DeviceIntBuf d = i(dst, "write");
        BackendContract.write(d.length, dstOff, src.length, srcOff, len);
        if (len > 0) writeInts(d.handle, dstOff, src, srcOff, len, "write");
    }

    @Override
    public void read(IntBuf src, long srcOff, int[] dst, int dstOff, int len) {
        alive("read");
        DeviceIntBuf s = i(src, "read");
        BackendContract.read(s.length, srcOff, dst.length, dstOff, len);
        if (len > 0) pullInts(s, srcOff, dst, dstOff, len, "read");
    }

    @Override
    public void copy(FloatBuf src, long srcOff, FloatBuf dst, long dstOff, long len) {
        alive("copy");
        DeviceFloatBuf s = f(src, "copy"), d = f(dst, "copy");
        BackendContract.copy(s.length, srcOff, d.length, dstOff, len);
        if (len == 0 || (s == d && srcOff == dstOff)) return;
        if (s == d && srcOff < dstOff + len && dstOff < srcOff + len) {
            // overlapping ranges of one buffer (both APIs leave that undefined): go through a scratch copy
            DeviceFloatBuf tmp = scratchFloats("copy.tmp", len);
            copyElems(s.handle, srcOff, tmp.handle, 0, len, "copy");
            copyElems(tmp.handle, 0, d.handle, dstOff, len, "copy");
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

    @Override
    public void gatherRows(FloatBuf data, IntBuf order, int from, int rows, int d, FloatBuf out) {
        String op = "gatherRows";
        alive(op);
        BackendContract.gatherRows(data, order, from, rows, d, out);
        launch(op, "gather_batch", loopGroups((long) rows * d), 1, WG, 1, f(data, op), i(order, op), from, rows, d,
                f(out, op));
    }

    // ================================================================ forward

    @Override
    public void encode(FloatBuf x, FloatBuf bDec, FloatBuf enc, FloatBuf bEnc, int n, int d, int width, FloatBuf pre) {
        String op = "encode";
        alive(op);
        BackendContract.encode(x, bDec, enc, bEnc, n, d, width, pre);
        gemm(op, f(x, op), 0, f(bDec, op), f(enc, op), f(bEnc, op), n, d, width, f(pre, op), 0);
    }

    /** The encoder product with the kernel for this device and precision (see gemm.cu). */
    private void gemm(String op, DeviceFloatBuf x, int xOff, DeviceFloatBuf bDec, DeviceFloatBuf enc, DeviceFloatBuf bEnc,
                      int n, int d, int width, DeviceFloatBuf pre, int preOff) {
        if (tf32()) {
            launch(op, "encode_gemm_tf32", groups(n, TC_TILE), gridY(op, width, TC_TILE), WG, 1,
                    x, xOff, bDec, enc, bEnc, n, d, width, pre, preOff);
        } else if (cpuVariants()) {
            launch(op, "encode_gemm_cpu", groups(width, CPU_GEMM_COLS * CPU_GEMM_LOCAL), groups(n, CPU_GEMM_ROWS), CPU_GEMM_LOCAL, 1,
                    x, xOff, bDec, enc, bEnc, n, d, width, pre, preOff);
        } else {
            launch(op, "encode_gemm", groups(n, GEMM_TILE), gridY(op, width, GEMM_TILE), 16, 16,
                    x, xOff, bDec, enc, bEnc, n, d, width, pre, preOff);
        }
    }

    /** Latent tiles along grid Y (at most 65 535 on CUDA). */
    private static int gridY(String op, int width, int tile) {
        int gy = groups(width, tile);
        if (gy > 65535) throw new BackendException(op, "width " + width + " exceeds the kernel grid (max " + 65535 * tile + ")");
        return gy;
    }

    @Override
    public void topK(FloatBuf pre, IntBuf mask, int n, int width, int k, IntBuf idx, FloatBuf val) {
        String op = "topK";
        alive(op);
        BackendContract.topK(pre, mask, n, width, k, idx, val);
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
                           IntBuf idx, FloatBuf val, FloatBuf pre) {
        String op = "encodeTopK";
        alive(op);
        BackendContract.encodeTopK(x, bDec, enc, bEnc, n, d, width, k, idx, val, pre);
        DeviceFloatBuf xs = f(x, op), bd = f(bDec, op), we = f(enc, op), be = f(bEnc, op), vo = f(val, op);
        DeviceIntBuf io = i(idx, op);
        DeviceFloatBuf kept = pre == null ? null : f(pre, op);
        if (!tf32() && !cpuVariants() && k <= FUSED_K_MAX) {
            fusedTopK(op, xs, bd, we, be, n, d, width, k, io, vo, kept);
        } else if (kept != null) {
            gemm(op, xs, 0, bd, we, be, n, d, width, kept, 0);
            topKRows(op, kept, 0, null, n, width, k, io, vo, 0);
        } else {
            // Row blocks bound the dense scratch to block×width floats; pre never exists for all n rows.
            int block = (int) Math.max(1, Math.min(n, blockFloats / width));
            DeviceFloatBuf p = scratchFloats("encodeTopK.pre", (long) block * width);
            for (int r0 = 0; r0 < n; r0 += block) {
                int rows = Math.min(block, n - r0);
                gemm(op, xs, r0 * d, bd, we, be, rows, d, width, p, 0);
                topKRows(op, p, 0, null, rows, width, k, io, vo, r0 * k);
            }
        }
    }

    /**
     * encode_topk + topk_merge (fused.cu) over row blocks: the column splits give the grid about
     * FUSED_TARGET_GROUPS groups, and the candidate lists (2·(k + 64) per row and split) stay within
     * FUSED_LIST_ENTRIES.
     */
    private void fusedTopK(String op, DeviceFloatBuf x, DeviceFloatBuf bDec, DeviceFloatBuf enc, DeviceFloatBuf bEnc,
                           int n, int d, int width, int k, DeviceIntBuf idx, DeviceFloatBuf val, DeviceFloatBuf pre) {
        int tiles = groups(width, GEMM_TILE);
        int rowTiles = groups(n, GEMM_TILE);
        int splits = Math.max(1, Math.min(Math.min(tiles, FUSED_SPLITS_MAX), groups(FUSED_TARGET_GROUPS, rowTiles)));
        long perRow = 2L * splits * (k + GEMM_TILE);
        long block = Math.min(n, Math.max(1, Math.min(FUSED_LIST_ENTRIES / perRow, blockFloats / width)));
        DeviceIntBuf listIdx = scratchInts("fused.idx", block * perRow);
        DeviceFloatBuf listVal = scratchFloats("fused.val", block * perRow);
        DeviceIntBuf meta = scratchInts("fused.meta", block * splits * 2);
        for (int r0 = 0; r0 < n; r0 += (int) block) {
            int rows = (int) Math.min(block, n - r0);
            launch(op, "encode_topk", groups(rows, GEMM_TILE), splits, 16, 16, x, r0 * d, bDec, enc, bEnc, rows, d, width,
                    k, splits, pre == null ? dummyF() : pre, r0 * width, pre == null ? 0 : 1, listIdx, listVal, meta);
            launch(op, "topk_merge", rows, 1, WG, 1, listIdx, listVal, meta, splits, k, idx, val, r0 * k);
        }
    }

    @Override
    public float encodeBatchThreshold(FloatBuf x, FloatBuf bDec, FloatBuf enc, FloatBuf bEnc, int n, int d, int width,
                                      FloatBuf pre, long keep) {
        String op = "encodeBatchThreshold";
        alive(op);
        BackendContract.encodeBatchThreshold(x, bDec, enc, bEnc, n, d, width, pre, keep);
        DeviceFloatBuf xs = f(x, op), bd = f(bDec, op), we = f(enc, op), be = f(bEnc, op), p = f(pre, op);
        int cnt = size((long) n * width, op);
        Radix rs = radixStart(op, cnt, keep);
        if (!tf32() && !cpuVariants()) {
            // the product and the search's first histogram in one kernel
            launch(op, "encode_gemm_hist", groups(n, GEMM_TILE), gridY(op, width, GEMM_TILE), 16, 16, xs, bd, we, be,
                    n, d, width, p, rs.hist);
        } else {
            gemm(op, xs, 0, bd, we, be, n, d, width, p, 0);
            radixHist(op, p, cnt, rs, 0);
        }
        return radixFinish(op, p, cnt, rs);
    }

    @Override
    public float kthLargestPositive(FloatBuf pre, long count, long keep) {
        String op = "kthLargestPositive";
        alive(op);
        BackendContract.kthLargestPositive(pre, count, keep);
        int cnt = size(count, op);
        if (cnt == 0) return Float.POSITIVE_INFINITY;
        DeviceFloatBuf a = f(pre, op);
        Radix rs = radixStart(op, cnt, keep);
        radixHist(op, a, cnt, rs, 0);
        return radixFinish(op, a, cnt, rs);
    }

    /** The device state of one threshold search (select.cu). */
    private record Radix(DeviceIntBuf state, DeviceIntBuf hist, DeviceFloatBuf cand) {
    }

    private Radix radixStart(String op, int count, long keep) {
        Radix rs = new Radix(scratchInts("radix.state", RS_STATE), scratchInts("radix.hist", RS_BINS + 1),
                scratchFloats("radix.cand", Math.min(radixCandidates, count)));
        // keep above the number of values (< 2^31) behaves like "all of them": clamping it changes nothing
        launch(op, "radix_init", 1, 1, WG, 1, rs.state, (int) Math.min(keep, Integer.MAX_VALUE), rs.hist);
        return rs;
    }

    private void radixHist(String op, DeviceFloatBuf a, int cnt, Radix rs, int pass) {
        launch(op, "radix_hist_dev", Math.min(1024, groups(cnt, WG * 8)), 1, WG, 1, a, cnt, rs.cand, rs.state, pass, rs.hist);
    }

    /** The passes after the first histogram; the one host read of the search is its result. */
    private float radixFinish(String op, DeviceFloatBuf a, int cnt, Radix rs) {
        int cap = (int) Math.min(radixCandidates, rs.cand.length);
        launch(op, "radix_pick", 1, 1, WG, 1, rs.hist, rs.state, 0, cap);
        launch(op, "radix_collect", loopGroups(cnt), 1, WG, 1, a, cnt, rs.state, rs.cand);
        for (int pass = 1; pass < 4; pass++) {
            radixHist(op, a, cnt, rs, pass);
            launch(op, "radix_pick", 1, 1, WG, 1, rs.hist, rs.state, pass, cap);
        }
        return Float.intBitsToFloat(readInt(rs.state, RS_RESULT, op));
    }

    @Override
    public int countAbove(FloatBuf pre, int n, int width, float t, boolean strict, IntBuf rowPtr) {
        String op = "countAbove";
        alive(op);
        BackendContract.countAbove(pre, n, width, rowPtr);
        DeviceIntBuf rp = i(rowPtr, op);
        launch(op, "count_rows", n, 1, WG, 1, f(pre, op), n, width, t, strict ? 1 : 0, rp);
        scan(op, rp, n + 1L, 0);
        int total = readInt(rp, n, op);
        countedRowPtr = rp;
        countedRows = n;
        countedTotal = total;
        return total;
    }

    @Override
    public void gatherAbove(FloatBuf pre, int n, int width, float t, boolean strict, IntBuf rowPtr, IntBuf idx,
                            FloatBuf val) {
        String op = "gatherAbove";
        alive(op);
        int[] nnzRead = new int[1];
        BackendContract.gatherAbove(pre, n, width, rowPtr, idx, val, () -> nnzRead[0] = countedTotal(i(rowPtr, op), n, op));
        DeviceIntBuf rp = i(rowPtr, op);
        int nnz = nnzRead[0];
        if (nnz == 0) return;
        launch(op, "gather_rows", n, 1, WG, 1, f(pre, op), width, t, strict ? 1 : 0, rp, i(idx, op), f(val, op));
    }

    /** The entry count of rowPtr: the total of the countAbove just before (nothing ran since: see alive) needs no read. */
    private int countedTotal(DeviceIntBuf rp, int n, String op) {
        return rp == countedRowPtr && n == countedRows ? countedTotal : readInt(rp, n, op);
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
        BackendContract.decode(op, z, dec, bDec, d, xhat);
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
     * Per-feature bin scales computed in Java by {@link Quantise#scale}, the rule the CPU uses, so device bins never
     * depend on the device's division rounding.
     */
    private DeviceFloatBuf scales(float[] max, int bits) {
        float[] s = new float[max.length];
        for (int j = 0; j < max.length; j++) s[j] = Quantise.scale(max[j], bits);
        DeviceFloatBuf b = scratchFloats("quant.scale", s.length);
        writeFloats(b.handle, 0, s, 0, s.length, "quant");
        return b;
    }

    private float[] downloadMax(FloatBuf max, int width, String op) {
        float[] m = new float[width];
        pullFloats(f(max, op), 0, m, 0, width, op);
        return m;
    }

    // ================================================================ losses and backward

    @Override
    public double residual(FloatBuf target, FloatBuf xhat, long count, float scale, FloatBuf grad) {
        String op = "residual";
        alive(op);
        BackendContract.residual(target, xhat, count, grad);
        int cnt = size(count, op);
        if (cnt == 0) return 0;
        int gs = Math.min(256, groups(cnt, WG * 4));
        DeviceFloatBuf part = scratchFloats("residual.partial", gs);
        launch(op, "residual_partial", gs, 1, WG, 1, f(target, op), f(xhat, op), cnt, scale, f(grad, op), part);
        return sumPartials(part, gs, op);
    }

    private double sumPartials(DeviceFloatBuf part, int gs, String op) {
        float[] p = new float[gs];
        pullFloats(part, 0, p, 0, gs, op);
        double s = 0;
        for (float v : p) s += v;
        return s;
    }

    @Override
    public double sumSqDeviation(FloatBuf a, int n, int d) {
        String op = "sumSqDeviation";
        alive(op);
        BackendContract.sumSqDeviation(a, n, d);
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
        BackendContract.axpby(x, y, count);
        int cnt = size(count, op);
        if (cnt == 0) return;
        launch(op, "axpby", loopGroups(cnt), 1, WG, 1, alpha, f(x, op), beta, f(y, op), cnt);
    }

    @Override
    public void decodeBackward(SparseCode z, FloatBuf g, FloatBuf dec, int d, FloatBuf gradDec, FloatBuf gz,
                               FloatBuf gradBDec) {
        String op = "decodeBackward";
        alive(op);
        BackendContract.decodeBackward(z, g, dec, d, gradDec, gz, gradBDec);
        int n = z.n(), width = z.width();
        DeviceFloatBuf gs = f(g, op);
        if (z.nnz() > 0) {
            DeviceIntBuf rp = i(z.rowPtr(), op), ix = i(z.idx(), op);
            DeviceFloatBuf vs = f(z.val(), op);
            launch(op, "gz_entries", groups(z.nnz(), WG / 32), 1, WG, 1, rp, ix, vs, gs, f(dec, op), n, d, z.nnz(),
                    f(gz, op));
            Csc cols = columns(op, z, gz, gradDec, gradBDec);
            launch(op, "grad_dec_cols", width, 1, WG, 1, cols.start, cols.row, cols.entry, vs, gs, d, f(gradDec, op));
        }
        if (gradBDec != null) {
            launch(op, "col_sums", groups(d, WG), 1, WG, 1, gs, n, d, 1.0f, 1, f(gradBDec, op));
        }
    }

    /** Active entries regrouped by latent on the device (stable counting sort; see csc_* in sparse.cu). */
    private record Csc(DeviceIntBuf start, DeviceIntBuf row, DeviceIntBuf entry) {
    }

    /**
     * The code's latent grouping, built once for a decodeBackward/encodeBackward pair (or AuxK's pair) of the
     * same code and reused by the second op; {@code outputs} are the caller's float outputs, and a code whose
     * values are among them is not cached (the op would change what the grouping was made from).
     */
    private Csc columns(String op, SparseCode z, FloatBuf... outputs) {
        if (grouping != null && z == groupedCode) return grouping;
        Csc c = buildColumns(op, z);
        boolean safe = true;
        for (FloatBuf o : outputs) safe &= o != z.val();
        groupedCode = z;
        grouping = safe ? c : null;
        return c;
    }

    private Csc buildColumns(String op, SparseCode z) {
        int n = z.n(), width = z.width();
        // (latent, row-block) counters, latent-major: more blocks make the counting and filling more parallel
        // (one work-item per block) at the price of a longer scan; the cap keeps that scan a small fraction of a step
        long maxCells = cpuDevice() ? 1L << 20 : 1L << 24;
        long maxBlocks = Math.max(1, maxCells / width);
        int blocks = (int) Math.max(1, Math.min(n, maxBlocks));
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
        BackendContract.encodeBackward(z, gz, x, bDec, enc, d, gradEnc, gradBEnc, gradBDec);
        int width = z.width();
        if (z.nnz() == 0) return;
        Csc cols = columns(op, z, gradEnc, gradBEnc, gradBDec);
        DeviceFloatBuf colSum = scratchFloats("encodeBackward.colSum", width);
        launch(op, "grad_enc_cols", width, 1, WG, 1, cols.start, cols.row, cols.entry, f(gz, op), f(x, op),
                f(bDec, op), d, f(gradEnc, op), f(gradBEnc, op), colSum);
        if (gradBDec != null) {
            // a GEMV over the whole device: blocks of latents × 256 columns, then an in-order sum of the blocks
            int jBlocks = groups(width, BDEC_LATENTS_PER_BLOCK);
            if (jBlocks > 65535) throw new BackendException(op, "width " + width + " exceeds the kernel grid");
            DeviceFloatBuf part = scratchFloats("encodeBackward.bdec", (long) jBlocks * d);
            launch(op, "grad_bdec_partial", groups(d, WG), jBlocks, WG, 1, colSum, f(enc, op), width, d,
                    BDEC_LATENTS_PER_BLOCK, part);
            launch(op, "grad_bdec_reduce", groups(d, WG), 1, WG, 1, part, jBlocks, d, f(gradBDec, op));
        }
    }

    @Override
    public void addPerLatent(SparseCode z, FloatBuf perLatent) {
        String op = "addPerLatent";
        alive(op);
        BackendContract.addPerLatent(z, perLatent);
        if (z.nnz() == 0) return;
        launch(op, "add_per_latent", loopGroups(z.nnz()), 1, WG, 1, i(z.idx(), op), f(z.val(), op), z.nnz(),
                f(perLatent, op));
    }

    @Override
    public void countActive(SparseCode z, IntBuf counts) {
        String op = "countActive";
        alive(op);
        BackendContract.countActive(z, counts);
        if (z.nnz() == 0) return;
        launch(op, "count_active", loopGroups(z.nnz()), 1, WG, 1, i(z.idx(), op), f(z.val(), op), z.nnz(),
                i(counts, op));
    }

    @Override
    public long[] updateDead(IntBuf counts, IntBuf since, IntBuf mask, int width, int rows, int deadAfter) {
        String op = "updateDead";
        alive(op);
        BackendContract.updateDead(counts, since, mask, width, rows, deadAfter);
        DeviceIntBuf totals = scratchInts("dead.totals", 2);
        fill32(totals.handle, 0, 2, 0, op);
        launch(op, "dead_update", loopGroups(width), 1, WG, 1, i(counts, op), i(since, op), i(mask, op), width, rows,
                deadAfter, totals);
        int[] t = new int[2];
        pullInts(totals, 0, t, 0, 2, op);
        return new long[] {t[0], t[1]};
    }

    // ================================================================ optimiser

    @Override
    public void removeParallelGrad(FloatBuf dec, FloatBuf gradDec, int width, int d) {
        String op = "removeParallelGrad";
        alive(op);
        BackendContract.removeParallelGrad(dec, gradDec, width, d);
        launch(op, "remove_parallel_rows", width, 1, WG, 1, f(dec, op), f(gradDec, op), d);
    }

    @Override
    public void normaliseRows(FloatBuf dec, int width, int d) {
        String op = "normaliseRows";
        alive(op);
        BackendContract.normaliseRows(dec, width, d);
        launch(op, "normalise_rows", width, 1, WG, 1, f(dec, op), d);
    }

    @Override
    public void adamStep(FloatBuf param, FloatBuf grad, FloatBuf m, FloatBuf v, long count, float lr, float beta1,
                         float beta2, float eps, int t) {
        String op = "adamStep";
        alive(op);
        BackendContract.adamStep(param, grad, m, v, count, t);
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
        BackendContract.featureMax(z, max);
        if (z.nnz() == 0) return;
        launch(op, "feature_max", loopGroups(z.nnz()), 1, WG, 1, i(z.idx(), op), f(z.val(), op), z.nnz(), f(max, op));
    }

    @Override
    public BinCounts binCounts(SparseCode z, FloatBuf max, int bits) {
        String op = "binCounts";
        alive(op);
        BackendContract.binCounts(z, max, bits);
        int nnz = z.nnz();
        if (nnz == 0) return BinCounts.ofKeys(bits, new long[0], 0);
        float[] mx = downloadMax(max, z.width(), op);
        DeviceFloatBuf scale = scales(mx, bits);
        DeviceIntBuf bins = scratchInts("binCounts.bins", nnz);
        DeviceIntBuf ix = i(z.idx(), op);
        launch(op, "bin_index", loopGroups(nnz), 1, WG, 1, ix, f(z.val(), op), nnz, f(max, op), scale, 1 << bits, bins);
        // The key counting is a host-side sort of the downloaded keys: O(nnz log nnz), as the contract allows
        // (binHistogram + entropyBits keep it on the device).
        int[] b = new int[nnz];
        int[] j = new int[nnz];
        pullInts(bins, 0, b, 0, nnz, op);
        pullInts(ix, 0, j, 0, nnz, op);
        long[] keys = new long[nnz];
        int len = 0;
        for (int q = 0; q < nnz; q++) {
            if (b[q] >= 0) keys[len++] = ((long) j[q] << bits) | b[q];
        }
        return BinCounts.ofKeys(bits, keys, len);
    }

    @Override
    public void binHistogram(SparseCode z, FloatBuf max, int bits, IntBuf hist) {
        String op = "binHistogram";
        alive(op);
        BackendContract.binHistogram(z, max, bits, hist);
        if (z.nnz() == 0) return;
        DeviceFloatBuf scale = scales(downloadMax(max, z.width(), op), bits);
        Csc cols = buildColumns(op, z);
        launch(op, "entropy_hist", z.width(), 1, WG, 1, cols.start, cols.entry, f(z.val(), op), f(max, op), scale,
                1 << bits, i(hist, op));
    }

    @Override
    public double[] entropyBits(IntBuf hist, int width, int bits, long samples) {
        String op = "entropyBits";
        alive(op);
        BackendContract.entropyBits(hist, width, bits, samples);
        if (samples > Integer.MAX_VALUE) throw new BackendException(op, "more than 2^31 samples");
        DeviceFloatBuf out = scratchFloats("entropy.bits", width);
        launch(op, "entropy_bits", width, 1, WG, 1, i(hist, op), 1 << bits, (int) samples, out);
        float[] h = new float[width];
        pullFloats(out, 0, h, 0, width, op);
        double[] bitsOut = new double[width];
        for (int j = 0; j < width; j++) {
            if (Float.isNaN(h[j])) throw new BackendException(op, "feature " + j + " is counted more often than the " + samples + " samples");
            bitsOut[j] = h[j];
        }
        return bitsOut;
    }

    @Override
    public double quantisedSqError(SparseCode z, FloatBuf max, int bits, FloatBuf dec, FloatBuf bDec, FloatBuf x, int d) {
        String op = "quantisedSqError";
        alive(op);
        BackendContract.quantisedSqError(z, max, bits, dec, bDec, x, d);
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
