package org.mdlsae.backend;

import org.mdlsae.backend.Checks;

/** Bin arithmetic of DESIGN §2.3 in float32, exactly as the kernels do it. */
public final class Quantise {
    /** Largest supported precision. */
    public static final int MAX_BITS = Checks.MAX_BITS;

    private Quantise() {
    }

    /** Bin of an active value v &gt; 0 of a feature whose calibration maximum is max &gt; 0. */
    public static int bin(float v, float max, int bits) {
        int levels = 1 << bits;
        float scale = (float) levels / max;
        int b = (int) (v * scale);
        return Math.min(b, levels - 1);
    }

    /** Decoded value of bin b: its centre. */
    public static float centreOfBin(int b, float max, int bits) {
        return (b + 0.5f) * max / (float) (1 << bits);
    }

    /** Quantise-then-decode of an activation (0 stays 0; a dead feature decodes to 0). */
    public static float centre(float v, float max, int bits) {
        if (v <= 0f || max <= 0f) return 0f;
        return centreOfBin(bin(v, max, bits), max, bits);
    }
}
