package org.mdlsae.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mdlsae.InputException;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.data.text.TokenTable;
import org.mdlsae.math.Rows;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;

/**
 * Feature statistics and token dashboards against brute force, on an SAE whose code is known: a TopK SAE with k = 1
 * and identity encoder/decoder fires, on each row, the latent of the row's largest coordinate with that coordinate's
 * value (for positive rows); latent 4 of 5 never wins (its column is kept small), so it is dead.
 */
class FeatureStatsTest {
    static final int D = 5;
    static final CpuBackend CPU = new CpuBackend();

    static SaeWeights identity() {
        float[] eye = new float[D * D];
        for (int i = 0; i < D; i++) eye[i * D + i] = 1;
        return new SaeWeights(Arch.TOPK, D, D, 1, Float.NaN, eye.clone(), new float[D], eye, new float[D]);
    }

    static float[] data(int n) {
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[n * D];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < D; c++) x[i * D + c] = (float) r.nextDouble() * (c == 4 ? 0.01f : 1f + c);
        }
        return x;
    }

    @Test
    void countsMaximaTopRowsAndHistogramsMatchBruteForce() {
        int n = 9000; // more than one chunk's worth is not needed: the chunking is the library's; brute force is per row
        float[] x = data(n);
        FeatureStats s;
        try (Sae sae = Sae.upload(CPU, identity())) {
            s = FeatureStats.measure(sae, Rows.of("x", x, n, D), 3, 6);
        }
        long[] count = new long[D];
        float[] max = new float[D];
        int[] winner = new int[n];
        float[] value = new float[n];
        for (int i = 0; i < n; i++) {
            int w = 0;
            for (int c = 1; c < D; c++) if (x[i * D + c] > x[i * D + w]) w = c;
            winner[i] = w;
            value[i] = x[i * D + w];
            count[w]++;
            max[w] = Math.max(max[w], value[i]);
        }
        assertArrayEquals(count, s.count());
        assertArrayEquals(max, s.max());
        assertTrue(s.dead(4));
        assertFalse(s.dead(3));
        for (int j = 0; j < 4; j++) {
            // top rows: the three largest values of latent j, best first
            final int jj = j;
            Integer[] rows = java.util.stream.IntStream.range(0, n).filter(i -> winner[i] == jj).boxed().toArray(Integer[]::new);
            Arrays.sort(rows, (a, b) -> Float.compare(value[b], value[a]));
            for (int t = 0; t < 3; t++) {
                assertEquals(rows[t].longValue(), s.topRows()[j * 3 + t]);
                assertEquals(value[rows[t]], s.topVals()[j * 3 + t]);
            }
            long[] h = new long[6];
            for (int i : rows) h[FeatureStats.bin(value[i], max[j], 6)]++;
            assertArrayEquals(h, Arrays.copyOfRange(s.hist(), j * 6, j * 6 + 6));
            assertEquals(count[j], Arrays.stream(h).sum());
            assertTrue(h[5] >= 1, "the maximum lands in the last bin");
        }
        assertEquals((double) count[2] / n, s.density(2), 0);
    }

    @Test
    void dashboardsShowTheTokensAroundTheMaximumWithinItsContext() {
        int n = 40;
        float[] x = data(n);
        String[] tok = new String[n];
        long[] doc = new long[n];
        int[] ctx = new int[n];
        int[] pos = new int[n];
        for (int i = 0; i < n; i++) {
            tok[i] = "t" + i;
            ctx[i] = i / 12; // contexts of 12 rows
            doc[i] = ctx[i] / 2;
            pos[i] = 1 + i % 12;
        }
        TokenTable t = new TokenTable(doc, ctx, pos, tok);
        Rows rows = Rows.of("x", x, n, D);
        TokenDashboard d;
        FeatureStats s;
        try (Sae sae = Sae.upload(CPU, identity())) {
            s = FeatureStats.measure(sae, rows, 4, 8);
            List<TokenDashboard.Pick> picks = TokenDashboard.select(s, 2, 1, 0);
            assertEquals(3, picks.size());
            assertEquals("most used", picks.get(0).group());
            assertTrue(s.count()[picks.get(0).index()] >= s.count()[picks.get(1).index()]);
            assertTrue(picks.stream().noneMatch(p -> p.index() == 4), "a dead latent is never picked");
            d = TokenDashboard.build(sae, rows, t, s, picks, 4);
            assertThrows(InputException.class, () -> TokenDashboard.build(sae, Rows.of("x", x, n - 1, D), t, s, picks, 1));
        }
        assertEquals(List.of(4), d.dead());
        assertEquals(4, Arrays.stream(d.densityHistogram()).sum());
        for (TokenDashboard.Feature f : d.features()) {
            assertEquals(Math.min(4, f.count()), f.contexts().size());
            for (TokenDashboard.Context c : f.contexts()) {
                int r = (int) c.row();
                assertEquals("t" + r, c.tokens().get(c.focus()));
                assertEquals(x[r * D + f.index()], c.activations()[c.focus()]);
                assertEquals(c.tokens().size(), c.activations().length);
                assertTrue(c.focus() <= TokenDashboard.WINDOW && c.tokens().size() - 1 - c.focus() <= TokenDashboard.WINDOW);
                for (int i = 0; i < c.tokens().size(); i++) {
                    int row = r - c.focus() + i;
                    assertEquals(ctx[r], ctx[row], "a context never crosses into another model input");
                    float want = 0;
                    int w = 0;
                    for (int cc = 1; cc < D; cc++) if (x[row * D + cc] > x[row * D + w]) w = cc;
                    if (w == f.index()) want = x[row * D + w];
                    assertEquals(want, c.activations()[i], "activation of row " + row);
                }
            }
        }
    }
}
