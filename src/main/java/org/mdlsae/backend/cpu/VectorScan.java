package org.mdlsae.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector API bodies of {@link Scan}; loaded only when the incubator module is present. */
final class VectorScan {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private VectorScan() {
    }

    private static VectorMask<Float> mask(FloatVector v, float lo, boolean strict) {
        return strict ? v.compare(VectorOperators.GT, lo) : v.compare(VectorOperators.GE, lo);
    }

    static int count(float[] p, int from, int to, float lo, boolean strict) {
        int c = 0;
        int q = from;
        for (; q + L <= to; q += L) c += mask(FloatVector.fromArray(S, p, q), lo, strict).trueCount();
        for (; q < to; q++) if (Scan.pass(p[q], lo, strict)) c++;
        return c;
    }

    static int gather(float[] p, int off, int width, float lo, boolean strict, int[] idx, float[] val, int w) {
        int j = 0;
        for (; j + L <= width; j += L) {
            if (!mask(FloatVector.fromArray(S, p, off + j), lo, strict).anyTrue()) continue;
            for (int l = 0; l < L; l++) {
                float v = p[off + j + l];
                if (Scan.pass(v, lo, strict)) {
                    idx[w] = j + l;
                    val[w++] = v;
                }
            }
        }
        for (; j < width; j++) {
            float v = p[off + j];
            if (Scan.pass(v, lo, strict)) {
                idx[w] = j;
                val[w++] = v;
            }
        }
        return w;
    }

    static int collectAtLeast(float[] p, int from, int to, float lo, float[] out, int w) {
        int q = from;
        for (; q + L <= to; q += L) {
            if (!FloatVector.fromArray(S, p, q).compare(VectorOperators.GE, lo).anyTrue()) continue;
            for (int l = 0; l < L; l++) if (p[q + l] >= lo) out[w++] = p[q + l];
        }
        for (; q < to; q++) if (p[q] >= lo) out[w++] = p[q];
        return w;
    }
}
