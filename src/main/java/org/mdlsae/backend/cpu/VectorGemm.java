package org.mdlsae.backend.cpu;

import java.lang.ref.SoftReference;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API micro-kernel for {@link Gemm#nt}. b is packed into panels of NR = 2 vectors of latents,
 * laid out [panel][t][NR] so the inner loop streams one contiguous panel; a 6×NR register tile of
 * accumulators (12 vector registers) is updated by broadcast-FMA per reduction step. Loaded only when
 * the incubator module is present.
 */
final class VectorGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int NR = 2 * L;
    private static final int MR = 6;
    /** Rows per parallel task: keeps a block of a in L2 while panels stream through. */
    private static final int ROW_BLOCK = 96;

    private VectorGemm() {
    }

    static int lanes() {
        return L;
    }

    /** The caller thread's packing buffer, kept between calls (softly: the collector may take it back). */
    private static final ThreadLocal<SoftReference<float[]>> PACKED = new ThreadLocal<>();

    private static float[] packBuffer(int len) {
        SoftReference<float[]> ref = PACKED.get();
        float[] buf = ref == null ? null : ref.get();
        if (buf == null || buf.length < len) {
            buf = new float[len];
            PACKED.set(new SoftReference<>(buf));
        }
        return buf;
    }

    static void nt(float[] a, int n, int d, float[] b, int m, float[] bias, float[] c) {
        nt(a, null, n, d, b, m, bias, c);
    }

    /**
     * c = (a − sub)·bᵀ + bias, where {@code sub} (length d, may be null) is subtracted from every row of a. Each row
     * block is centred into a small buffer by the task that multiplies it, so no centred copy of a is made.
     */
    static void nt(float[] a, float[] sub, int n, int d, float[] b, int m, float[] bias, float[] c) {
        int panels = (m + NR - 1) / NR;
        float[] packed = packBuffer(panels * NR * d);
        Parallel.forChunks(Math.min(panels, Parallel.CHUNKS), (long) m * d * 8, ch -> {
            int chunks = Math.min(panels, Parallel.CHUNKS);
            int p0 = Parallel.start(ch, chunks, panels), p1 = Parallel.start(ch + 1, chunks, panels);
            for (int p = p0; p < p1; p++) pack(b, m, d, p, packed);
        });
        float[] biasPad = new float[panels * NR];
        if (bias != null) System.arraycopy(bias, 0, biasPad, 0, m);
        int blocks = (n + ROW_BLOCK - 1) / ROW_BLOCK;
        Parallel.forChunks(blocks, (long) n * m * d, blk -> {
            int r0 = blk * ROW_BLOCK, r1 = Math.min(n, r0 + ROW_BLOCK);
            float[] tmp = new float[MR * NR];
            float[] src = a;
            int shift = 0; // row i of the block is row i − shift of src
            if (sub != null) {
                src = new float[(r1 - r0) * d];
                centre(a, r0, r1, d, sub, src);
                shift = r0;
            }
            for (int p = 0; p < panels; p++) {
                int j0 = p * NR;
                int width = Math.min(NR, m - j0);
                int i = r0;
                for (; i + MR <= r1; i += MR) {
                    tile6(src, d, packed, p * NR * d, biasPad, j0, c, m, i, shift, width, tmp);
                }
                for (; i < r1; i++) {
                    tile1(src, d, packed, p * NR * d, biasPad, j0, c, m, i, shift, width, tmp);
                }
            }
        });
    }

    /** out[(r − r0)·d + t] = a[r·d + t] − sub[t] for rows r0 ≤ r &lt; r1. */
    private static void centre(float[] a, int r0, int r1, int d, float[] sub, float[] out) {
        for (int r = r0; r < r1; r++) {
            int ai = r * d, oi = (r - r0) * d;
            int t = 0;
            for (; t + L <= d; t += L) {
                FloatVector.fromArray(S, a, ai + t).sub(FloatVector.fromArray(S, sub, t)).intoArray(out, oi + t);
            }
            for (; t < d; t++) out[oi + t] = a[ai + t] - sub[t];
        }
    }

    private static void pack(float[] b, int m, int d, int p, float[] packed) {
        int base = p * NR * d;
        for (int jj = 0; jj < NR; jj++) {
            int j = p * NR + jj;
            if (j >= m) break;
            int src = j * d;
            for (int t = 0; t < d; t++) packed[base + t * NR + jj] = b[src + t];
        }
    }

    private static void tile6(float[] a, int d, float[] pk, int pb, float[] bias, int j0, float[] c, int m,
                              int i, int shift, int width, float[] tmp) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        int a0 = (i - shift) * d, a1 = a0 + d, a2 = a1 + d, a3 = a2 + d, a4 = a3 + d, a5 = a4 + d;
        for (int t = 0, o = pb; t < d; t++, o += NR) {
            FloatVector b0 = FloatVector.fromArray(S, pk, o);
            FloatVector b1 = FloatVector.fromArray(S, pk, o + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + t]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + t]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + t]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + t]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + t]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + t]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        FloatVector bb0 = FloatVector.fromArray(S, bias, j0);
        FloatVector bb1 = FloatVector.fromArray(S, bias, j0 + L);
        if (width == NR) {
            int o = i * m + j0;
            c00.add(bb0).intoArray(c, o);
            c01.add(bb1).intoArray(c, o + L);
            o += m;
            c10.add(bb0).intoArray(c, o);
            c11.add(bb1).intoArray(c, o + L);
            o += m;
            c20.add(bb0).intoArray(c, o);
            c21.add(bb1).intoArray(c, o + L);
            o += m;
            c30.add(bb0).intoArray(c, o);
            c31.add(bb1).intoArray(c, o + L);
            o += m;
            c40.add(bb0).intoArray(c, o);
            c41.add(bb1).intoArray(c, o + L);
            o += m;
            c50.add(bb0).intoArray(c, o);
            c51.add(bb1).intoArray(c, o + L);
        } else {
            c00.add(bb0).intoArray(tmp, 0);
            c01.add(bb1).intoArray(tmp, L);
            c10.add(bb0).intoArray(tmp, NR);
            c11.add(bb1).intoArray(tmp, NR + L);
            c20.add(bb0).intoArray(tmp, 2 * NR);
            c21.add(bb1).intoArray(tmp, 2 * NR + L);
            c30.add(bb0).intoArray(tmp, 3 * NR);
            c31.add(bb1).intoArray(tmp, 3 * NR + L);
            c40.add(bb0).intoArray(tmp, 4 * NR);
            c41.add(bb1).intoArray(tmp, 4 * NR + L);
            c50.add(bb0).intoArray(tmp, 5 * NR);
            c51.add(bb1).intoArray(tmp, 5 * NR + L);
            for (int r = 0; r < MR; r++) System.arraycopy(tmp, r * NR, c, (i + r) * m + j0, width);
        }
    }

    private static void tile1(float[] a, int d, float[] pk, int pb, float[] bias, int j0, float[] c, int m,
                              int i, int shift, int width, float[] tmp) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S);
        int a0 = (i - shift) * d;
        for (int t = 0, o = pb; t < d; t++, o += NR) {
            FloatVector x = FloatVector.broadcast(S, a[a0 + t]);
            c0 = x.fma(FloatVector.fromArray(S, pk, o), c0);
            c1 = x.fma(FloatVector.fromArray(S, pk, o + L), c1);
        }
        c0.add(FloatVector.fromArray(S, bias, j0)).intoArray(tmp, 0);
        c1.add(FloatVector.fromArray(S, bias, j0 + L)).intoArray(tmp, L);
        System.arraycopy(tmp, 0, c, i * m + j0, width);
    }
}
