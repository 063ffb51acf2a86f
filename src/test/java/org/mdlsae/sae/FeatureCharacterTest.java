package org.mdlsae.sae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.math.Rows;

/**
 * The feature character of docs/design.md §11 on an SAE whose answers are known by construction: a decoder row that is
 * a copy of a data row (memorisation 1), a one-hot row (extent 1/d), a uniform row (extent 1), a latent that never
 * fires (dead, left out of both means), and only the first {@value FeatureCharacter#MAX_ROWS} rows counted.
 */
class FeatureCharacterTest {
    static final int D = 4;
    /** Rows: latent j fires on the rows whose coordinate j is large (the encoder is the identity, b_enc = −0.5). */
    static final float[][] X = {{0.9f, 0.1f, 0.0f, 0.2f}, {0.2f, 0.8f, 0.1f, 0.0f}, {0.1f, 0.3f, 0.7f, 0.0f},
        {0.6f, 0.0f, 0.0f, 0.0f}, {0.0f, 0.0f, 0.0f, 0.0f}};

    /** A standard (ReLU) SAE: enc = identity, b_enc = −0.5 (so latent 3 never fires on X), b_dec = 0. */
    static SaeWeights weights() {
        float[] enc = new float[D * D];
        for (int j = 0; j < D; j++) enc[j * D + j] = 1;
        float[] bEnc = {-0.5f, -0.5f, -0.5f, -0.5f};
        float[] dec = {
            0.9f, 0.1f, 0.0f, 0.2f, // latent 0: row 0 itself
            1.0f, 0.0f, 0.0f, 0.0f, // latent 1: one-hot
            0.5f, 0.5f, 0.5f, 0.5f, // latent 2: uniform
            0.0f, 0.0f, 0.0f, 1.0f}; // latent 3: never fires on X
        return new SaeWeights(Arch.STANDARD, D, D, 0, Float.NaN, enc, bEnc, dec, new float[D]);
    }

    static Rows rows(float[][] r) {
        float[] x = new float[r.length * D];
        for (int i = 0; i < r.length; i++) System.arraycopy(r[i], 0, x, i * D, D);
        return Rows.of("x", x, r.length, D);
    }

    static double cos(float[] a, float[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int c = 0; c < a.length; c++) {
            ab += (double) a[c] * b[c];
            aa += (double) a[c] * a[c];
            bb += (double) b[c] * b[c];
        }
        return ab / Math.sqrt(aa * bb);
    }

    @Test
    void measuresTheKnownAnswers() {
        try (Sae sae = Sae.upload(new CpuBackend(), weights())) {
            FeatureCharacter f = FeatureCharacter.measure(sae, rows(X));
            assertEquals(5, f.rows());
            assertArrayEquals(new long[] {2, 1, 1, 0}, f.usage(), "latent 0 fires on rows 0 and 3, 1 on row 1, 2 on row 2");
            assertEquals(3, f.live());
            assertEquals(0.25, f.deadFraction(), 0);
            double[] best = new double[3];
            float[][] dec = {{0.9f, 0.1f, 0.0f, 0.2f}, {1, 0, 0, 0}, {0.5f, 0.5f, 0.5f, 0.5f}};
            for (int j = 0; j < 3; j++) {
                best[j] = -1;
                for (float[] row : X) if (cos(row, row) > 0) best[j] = Math.max(best[j], cos(dec[j], row)); // zero row left out
            }
            assertEquals(1.0, best[0], 1e-12, "latent 0 is a copy of row 0");
            assertEquals(1.0, best[1], 1e-12, "row 3 is along the one-hot latent");
            assertEquals((best[0] + best[1] + best[2]) / 3, f.memorisation(), 1e-6);
            double pr0 = Math.pow(0.81 + 0.01 + 0.04, 2) / (D * (0.81 * 0.81 + 1e-4 + 0.0016));
            assertEquals((pr0 + 1.0 / D + 1.0) / 3, f.extent(), 1e-6, "one-hot: 1/d, uniform: 1");
            assertArrayEquals(new int[] {0, 1, 2}, f.liveByUsage());
            // the extent of the rows themselves (the zero row left out)
            double rowsPr = 0;
            for (int i = 0; i < 4; i++) {
                double s2 = 0, s4 = 0;
                for (float v : X[i]) {
                    s2 += (double) v * v;
                    s4 += Math.pow((double) v * v, 2);
                }
                rowsPr += s2 * s2 / (D * s4);
            }
            assertEquals(rowsPr / 4, FeatureCharacter.rowsExtent(rows(X)), 1e-12);
        }
    }

    @Test
    void onlyTheFirstRowsCountAndNoLiveLatentMeansNoMeans() {
        float[][] many = new float[FeatureCharacter.MAX_ROWS + 1][];
        for (int i = 0; i < FeatureCharacter.MAX_ROWS; i++) many[i] = new float[] {0.1f, 0.1f, 0.1f, 0.1f};
        many[FeatureCharacter.MAX_ROWS] = new float[] {0.9f, 0, 0, 0}; // the only row latent 0 fires on: not counted
        try (Sae sae = Sae.upload(new CpuBackend(), weights())) {
            FeatureCharacter f = FeatureCharacter.measure(sae, rows(many));
            assertEquals(FeatureCharacter.MAX_ROWS, f.rows());
            assertEquals(0, f.live());
            assertEquals(1.0, f.deadFraction(), 0);
            assertNull(f.memorisation());
            assertNull(f.extent());
        }
    }
}
