package org.mdlsae.backend.cpu;

/**
 * Threshold scans over dense pre-activations (BatchTopK / JumpReLU code extraction and threshold selection). The
 * kept entries are a small fraction of n·D, so the scans compare a vector of values at a time and fall back to
 * scalar code only for vectors that hold a kept entry. Vector API bodies when the incubator module is present.
 */
final class Scan {
    private static final boolean VECTOR = Gemm.vectorized();

    private Scan() {
    }

    /**
     * Number of entries of p[from, to) that pass: {@code v > lo} when {@code strict}, else {@code v >= lo}.
     * Callers pass lo ≥ 0 with strict, or lo &gt; 0 without, so passing entries are positive.
     */
    static int count(float[] p, int from, int to, float lo, boolean strict) {
        if (VECTOR) return VectorScan.count(p, from, to, lo, strict);
        int c = 0;
        for (int q = from; q < to; q++) if (pass(p[q], lo, strict)) c++;
        return c;
    }

    /**
     * Writes the passing entries of row p[off, off + width) as (j, v) into idx/val from {@code w}, in increasing j;
     * returns the next free position.
     */
    static int gather(float[] p, int off, int width, float lo, boolean strict, int[] idx, float[] val, int w) {
        if (VECTOR) return VectorScan.gather(p, off, width, lo, strict, idx, val, w);
        for (int j = 0; j < width; j++) {
            float v = p[off + j];
            if (pass(v, lo, strict)) {
                idx[w] = j;
                val[w++] = v;
            }
        }
        return w;
    }

    /** Copies the values of p[from, to) that are {@code >= lo} (lo &gt; 0) into out from {@code w}; returns the next free position. */
    static int collectAtLeast(float[] p, int from, int to, float lo, float[] out, int w) {
        if (VECTOR) return VectorScan.collectAtLeast(p, from, to, lo, out, w);
        for (int q = from; q < to; q++) if (p[q] >= lo) out[w++] = p[q];
        return w;
    }

    static boolean pass(float v, float lo, boolean strict) {
        return strict ? v > lo : v >= lo;
    }
}
