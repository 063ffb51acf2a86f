package org.mdlsae.backend.cpu;

import java.lang.ref.SoftReference;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API micro-kernel for {@link Gemm#nt}, blocked like BLIS. b is packed into panels of NR = 2 vectors of
 * latents ([panel][t][NR]); a is centred and packed once into blocks of 80 rows made of 5-row micro-panels laid out
 * [tile][t][8] (one stream of broadcasts per tile, index arithmetic by shifts, so the JIT removes the bounds checks).
 * Tasks are (group of up to 64 panels) × (row block), run group-major, so a group of packed b (≤ 4 MiB) stays in the
 * last-level cache while every row block passes over it; the reduction dimension is cut into blocks of about 256 so a
 * panel's slice (≤ 16 KiB) stays in L1 while every tile of the row block uses it. A 5×NR register tile (10 vector
 * accumulators: the most C2 keeps in the 16 AVX registers without spilling) is updated by broadcast-FMA per reduction
 * step; partial sums are parked in a small per-task buffer between reduction blocks (a float store and reload is
 * exact) and the bias is added once at the end, so every output is the same FMA chain over t = 0..d−1 whatever the
 * blocking and the task split. Loaded only when the incubator module is present.
 */
final class VectorGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int NR = 2 * L;
    /** Rows per register tile. */
    private static final int MR = 5;
    /** Floats per reduction step of a packed tile (MR padded to a power of two). */
    private static final int MS = 8;
    /** Rows per task. */
    private static final int ROW_BLOCK = 16 * MR;
    /** Target length of a reduction block. */
    private static final int KC = 256;
    /** Panels per group: 64 panels of 16 latents × d ≤ 1024 floats is ≤ 4 MiB, a share of the last-level cache. */
    private static final int GROUP_PANELS = 64;
    /** Tasks to aim for, so small batches still use every core. */
    private static final int MIN_TASKS = 16;

    private VectorGemm() {
    }

    static int lanes() {
        return L;
    }

    /** The caller thread's packing buffer, kept between calls (softly: the collector may take it back). */
    private static final ThreadLocal<SoftReference<float[]>> PACKED = new ThreadLocal<>();
    private static final ThreadLocal<SoftReference<float[]>> PACKED_A = new ThreadLocal<>();

    private static float[] packBuffer(int len) {
        return buffer(PACKED, len);
    }

    private static float[] packBufferA(int len) {
        return buffer(PACKED_A, len);
    }

    private static float[] buffer(ThreadLocal<SoftReference<float[]>> holder, int len) {
        SoftReference<float[]> ref = holder.get();
        float[] buf = ref == null ? null : ref.get();
        if (buf == null || buf.length < len) {
            buf = new float[len];
            holder.set(new SoftReference<>(buf));
        }
        return buf;
    }

    static void nt(float[] a, int n, int d, float[] b, int m, float[] bias, float[] c) {
        nt(a, null, n, d, b, m, bias, c);
    }

    /** c = (a − sub)·bᵀ + bias ({@code sub}, length d, and {@code bias}, length m, may be null). */
    static void nt(float[] a, float[] sub, int n, int d, float[] b, int m, float[] bias, float[] c) {
        int panels = (m + NR - 1) / NR;
        float[] packed = packBuffer(panels * NR * d);
        int pc = Math.min(panels, Parallel.CHUNKS);
        Parallel.forChunks(pc, (long) m * d * 8, ch -> {
            for (int p = Parallel.start(ch, pc, panels), e = Parallel.start(ch + 1, pc, panels); p < e; p++) {
                pack(b, m, d, p, packed);
            }
        });
        float[] biasPad = new float[panels * NR];
        if (bias != null) System.arraycopy(bias, 0, biasPad, 0, m);
        int kBlocks = Math.max(1, (d + KC / 2) / KC);
        int rowBlocks = (n + ROW_BLOCK - 1) / ROW_BLOCK;
        // a's row blocks, centred and packed once: [block][tile][t][MS] then the block's leftover rows
        int blockStride = (ROW_BLOCK / MR) * MS * d;
        float[] apkAll = packBufferA(rowBlocks * blockStride);
        Parallel.forChunks(rowBlocks, (long) n * d * 4, rb -> {
            int r0 = rb * ROW_BLOCK, rows = Math.min(n, r0 + ROW_BLOCK) - r0, tiles = rows / MR;
            packRows(a, sub, r0, tiles, rows - tiles * MR, d, apkAll, rb * blockStride);
        });
        // panel groups small enough to stay in the last-level cache while every row block passes over them;
        // tasks run group-major, so each thread works through one group at a time
        int panelGroups = Math.min(panels, Math.max((panels + GROUP_PANELS - 1) / GROUP_PANELS,
                (MIN_TASKS + rowBlocks - 1) / rowBlocks));
        int tasks = rowBlocks * panelGroups;
        Parallel.forChunks(tasks, (long) n * m * d, task -> {
            int pg = task / rowBlocks, rb = task % rowBlocks;
            int r0 = rb * ROW_BLOCK, r1 = Math.min(n, r0 + ROW_BLOCK), rows = r1 - r0;
            int p0 = Parallel.start(pg, panelGroups, panels), p1 = Parallel.start(pg + 1, panelGroups, panels);
            int tiles = rows / MR, rest = rows - tiles * MR;
            int ab = rb * blockStride;
            float[] acc = scratch(rows * NR);
            for (int p = p0; p < p1; p++) {
                int j0 = p * NR, width = Math.min(NR, m - j0), pb = p * NR * d;
                for (int kb = 0; kb < kBlocks; kb++) {
                    int t0 = Parallel.start(kb, kBlocks, d), t1 = Parallel.start(kb + 1, kBlocks, d);
                    boolean first = kb == 0;
                    for (int tile = 0; tile < tiles; tile++) {
                        tile5(apkAll, ab + tile * MS * d, packed, pb, t0, t1, acc, tile * MR * NR, first);
                    }
                    for (int r = 0; r < rest; r++) {
                        tile1(apkAll, ab + tiles * MS * d + r * d, packed, pb, t0, t1, acc, (tiles * MR + r) * NR, first);
                    }
                }
                FloatVector bb0 = FloatVector.fromArray(S, biasPad, j0), bb1 = FloatVector.fromArray(S, biasPad, j0 + L);
                for (int r = 0; r < rows; r++) {
                    int o = (r0 + r) * m + j0, ao = r * NR;
                    if (width == NR) {
                        FloatVector.fromArray(S, acc, ao).add(bb0).intoArray(c, o);
                        FloatVector.fromArray(S, acc, ao + L).add(bb1).intoArray(c, o + L);
                    } else {
                        FloatVector.fromArray(S, acc, ao).add(bb0).intoArray(acc, ao);
                        FloatVector.fromArray(S, acc, ao + L).add(bb1).intoArray(acc, ao + L);
                        System.arraycopy(acc, ao, c, o, width);
                    }
                }
            }
        });
    }

    /** Panel p of b as [t][NR]; latents beyond m are zero. */
    private static void pack(float[] b, int m, int d, int p, float[] packed) {
        int base = p * NR * d;
        for (int jj = 0; jj < NR; jj++) {
            int j = p * NR + jj;
            if (j >= m) {
                for (int t = 0; t < d; t++) packed[base + t * NR + jj] = 0f;
                continue;
            }
            int src = j * d;
            for (int t = 0; t < d; t++) packed[base + t * NR + jj] = b[src + t];
        }
    }

    /** Centres rows r0.. of a and packs full tiles as [tile][t][MS], then the remaining rows row-major. */
    private static void packRows(float[] a, float[] sub, int r0, int tiles, int rest, int d, float[] apk, int off) {
        for (int tile = 0; tile < tiles; tile++) {
            int base = off + tile * MS * d;
            int a0 = (r0 + tile * MR) * d, a1 = a0 + d, a2 = a1 + d, a3 = a2 + d, a4 = a3 + d;
            if (sub == null) {
                for (int t = 0, o = base; t < d; t++, o += MS) {
                    apk[o] = a[a0 + t];
                    apk[o + 1] = a[a1 + t];
                    apk[o + 2] = a[a2 + t];
                    apk[o + 3] = a[a3 + t];
                    apk[o + 4] = a[a4 + t];
                }
            } else {
                for (int t = 0, o = base; t < d; t++, o += MS) {
                    float s = sub[t];
                    apk[o] = a[a0 + t] - s;
                    apk[o + 1] = a[a1 + t] - s;
                    apk[o + 2] = a[a2 + t] - s;
                    apk[o + 3] = a[a3 + t] - s;
                    apk[o + 4] = a[a4 + t] - s;
                }
            }
        }
        for (int r = 0; r < rest; r++) {
            int ai = (r0 + tiles * MR + r) * d, oi = off + tiles * MS * d + r * d;
            if (sub == null) {
                System.arraycopy(a, ai, apk, oi, d);
            } else {
                for (int t = 0; t < d; t++) apk[oi + t] = a[ai + t] - sub[t];
            }
        }
    }

    /** A worker thread's partial sums, reused across calls. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    private static float[] scratch(int len) {
        float[][] s = SCRATCH.get();
        if (s[0].length < len) s[0] = new float[len];
        return s[0];
    }

    private static void tile5(float[] ap, int ab, float[] pk, int pb, int t0, int t1, float[] acc, int co, boolean first) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41;
        if (first) {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = FloatVector.zero(S);
        } else {
            c00 = FloatVector.fromArray(S, acc, co);
            c01 = FloatVector.fromArray(S, acc, co + L);
            c10 = FloatVector.fromArray(S, acc, co + NR);
            c11 = FloatVector.fromArray(S, acc, co + NR + L);
            c20 = FloatVector.fromArray(S, acc, co + 2 * NR);
            c21 = FloatVector.fromArray(S, acc, co + 2 * NR + L);
            c30 = FloatVector.fromArray(S, acc, co + 3 * NR);
            c31 = FloatVector.fromArray(S, acc, co + 3 * NR + L);
            c40 = FloatVector.fromArray(S, acc, co + 4 * NR);
            c41 = FloatVector.fromArray(S, acc, co + 4 * NR + L);
        }
        for (int t = t0; t < t1; t++) {
            int o = pb + t * NR, q = ab + t * MS;
            FloatVector b0 = FloatVector.fromArray(S, pk, o);
            FloatVector b1 = FloatVector.fromArray(S, pk, o + L);
            FloatVector x = FloatVector.broadcast(S, ap[q]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[q + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[q + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[q + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[q + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
        }
        c00.intoArray(acc, co);
        c01.intoArray(acc, co + L);
        c10.intoArray(acc, co + NR);
        c11.intoArray(acc, co + NR + L);
        c20.intoArray(acc, co + 2 * NR);
        c21.intoArray(acc, co + 2 * NR + L);
        c30.intoArray(acc, co + 3 * NR);
        c31.intoArray(acc, co + 3 * NR + L);
        c40.intoArray(acc, co + 4 * NR);
        c41.intoArray(acc, co + 4 * NR + L);
    }

    private static void tile1(float[] ap, int ab, float[] pk, int pb, int t0, int t1, float[] acc, int co, boolean first) {
        FloatVector c0 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, acc, co);
        FloatVector c1 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, acc, co + L);
        for (int t = t0; t < t1; t++) {
            FloatVector x = FloatVector.broadcast(S, ap[ab + t]);
            int o = pb + t * NR;
            c0 = x.fma(FloatVector.fromArray(S, pk, o), c0);
            c1 = x.fma(FloatVector.fromArray(S, pk, o + L), c1);
        }
        c0.intoArray(acc, co);
        c1.intoArray(acc, co + L);
    }
}
