package org.mdlsae.backend.cpu;

/**
 * The encoder product on the CPU: {@code c[i,j] = Σ_t a[i,t]·b[j,t] + bias[j]} with a n×d, b m×d,
 * c n×m, all row-major ("NT" layout: both operands have the reduction dimension contiguous).
 * Uses the Java Vector API micro-kernel when the {@code jdk.incubator.vector} module is present and a
 * plain-Java blocked loop otherwise.
 */
public final class Gemm {
    private static final boolean VECTOR = vectorModulePresent();

    private Gemm() {
    }

    /** Whether the Vector API micro-kernel is in use. */
    public static boolean vectorized() {
        return VECTOR;
    }

    private static boolean vectorModulePresent() {
        if (Boolean.getBoolean("mdlsae.noVector")) return false;
        try {
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return false;
            return VectorGemm.lanes() >= 4;
        } catch (Throwable t) {
            return false;
        }
    }

    /** c = a·bᵀ + bias (bias may be null). */
    public static void nt(float[] a, int n, int d, float[] b, int m, float[] bias, float[] c) {
        if (VECTOR) {
            VectorGemm.nt(a, n, d, b, m, bias, c);
        } else {
            scalarNt(a, n, d, b, m, bias, c);
        }
    }

    /** c = (a − sub)·bᵀ + bias: the encoder product with the row centring done block by block inside the GEMM. */
    public static void ntCentred(float[] a, float[] sub, int n, int d, float[] b, int m, float[] bias, float[] c) {
        if (VECTOR) {
            VectorGemm.nt(a, sub, n, d, b, m, bias, c);
            return;
        }
        float[] centred = new float[n * d];
        for (int r = 0; r < n; r++) {
            int o = r * d;
            for (int t = 0; t < d; t++) centred[o + t] = a[o + t] - sub[t];
        }
        scalarNt(centred, n, d, b, m, bias, c);
    }

    /** Plain-Java reference and fallback: 4×4 register blocks, parallel over row chunks. */
    static void scalarNt(float[] a, int n, int d, float[] b, int m, float[] bias, float[] c) {
        int chunks = Math.min(Parallel.CHUNKS, Math.max(1, n / 4));
        Parallel.forChunks(chunks, (long) n * m * d, ch -> {
            int r0 = Parallel.start(ch, chunks, n), r1 = Parallel.start(ch + 1, chunks, n);
            for (int i = r0; i < r1; i++) {
                int ai = i * d;
                int j = 0;
                for (; j + 4 <= m; j += 4) {
                    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                    int b0 = j * d, b1 = b0 + d, b2 = b1 + d, b3 = b2 + d;
                    for (int t = 0; t < d; t++) {
                        float x = a[ai + t];
                        s0 += x * b[b0 + t];
                        s1 += x * b[b1 + t];
                        s2 += x * b[b2 + t];
                        s3 += x * b[b3 + t];
                    }
                    int ci = i * m + j;
                    c[ci] = s0 + (bias == null ? 0 : bias[j]);
                    c[ci + 1] = s1 + (bias == null ? 0 : bias[j + 1]);
                    c[ci + 2] = s2 + (bias == null ? 0 : bias[j + 2]);
                    c[ci + 3] = s3 + (bias == null ? 0 : bias[j + 3]);
                }
                for (; j < m; j++) {
                    float s = 0;
                    int bj = j * d;
                    for (int t = 0; t < d; t++) s += a[ai + t] * b[bj + t];
                    c[i * m + j] = s + (bias == null ? 0 : bias[j]);
                }
            }
        });
    }
}
