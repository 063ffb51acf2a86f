package org.mdlsae.mdl.toy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.train.TrainConfig;
import org.mdlsae.tree.TreeStructure;

/**
 * Starting weights for SAEs trained on the toy data sets, handed to the normal
 * {@link org.mdlsae.train.Trainer#train(SaeWeights, float[], int, int)}.
 *
 * <p>Why not the default init (DESIGN §2.2: random unit decoder rows, b_dec = data mean)? On boolean toy data
 * the training loss is degenerate: a sparse code (a latent fires only when its feature is present) and a
 * "complement" code (b_dec absorbs the features and latents fire when a feature is <em>absent</em>, or fire
 * always and carry presence in their value) reconstruct equally well, and a TopK SAE whose k is at least the
 * number of latents a row needs has no pressure toward the sparse one. From the default init the trainer
 * lands in complement codes (measured DL 1.39–1.57 bits at p = 0.1 against the analytic 0.94–0.95), which
 * says more about the optimiser's basin than about the codes the toy compares. So the toy starts in the
 * sparse basin with a data-driven init that knows nothing about the true directions:
 * <ul>
 *   <li>b_dec = 0: the geometric median of the toy data (most rows carry no feature), the optional
 *       initialisation DESIGN §2.2 mentions;</li>
 *   <li>decoder rows = farthest-point picks among the data rows well above the noise (norm ≥ half the
 *       99th-percentile norm): the first two are the most nearly orthogonal pair (the densest row when one
 *       latent is wanted), each next one the row whose largest |cosine| with the rows already picked is
 *       least; normalised to unit length. Deterministic: restarts differ only in the trainer's seed;</li>
 *   <li>encoder tied (W_enc = W_decᵀ), b_enc = 0, as in DESIGN §2.2.</li>
 * </ul>
 * Farthest-point seeding finds a rare but distinct cluster (the A∧B rows at small ρ) that a random init or
 * random data rows miss. The trainer then runs its normal recipe from these weights.
 */
public final class ToyInit {
    private ToyInit() {
    }

    /**
     * Farthest-point init for a config's shape on n×d data (see the class comment).
     *
     * @param cfg training config (arch, width, k, seed are used)
     * @param x   n×d training data
     * @param n   rows
     * @param d   dimension
     * @return starting weights
     */
    public static SaeWeights farthestPoint(TrainConfig cfg, float[] x, int n, int d) {
        float[] dec = farthestPointRows(cfg.width(), x, n, d, cfg.seed());
        return new SaeWeights(cfg.arch(), d, cfg.width(), cfg.k(), Float.NaN, dec.clone(), new float[cfg.width()], dec,
                new float[d]);
    }

    /**
     * {@code count} unit rows picked from the data by farthest-point seeding (see the class comment); if the data
     * have fewer distinct usable rows, the rest are seeded-random unit vectors.
     *
     * @param count rows wanted
     * @param x     n×d data
     * @param n     rows
     * @param d     dimension
     * @param seed  seed of the random fill-in rows
     * @return count×d unit rows
     */
    public static float[] farthestPointRows(int count, float[] x, int n, int d, long seed) {
        return pickRows(count, candidates(x, n, d), d, seed);
    }

    /**
     * Rows well above the noise: norm ≥ half the 99th-percentile norm (and &gt; 0); the first 4096 of them.
     *
     * @param x n×d vectors
     * @param n rows
     * @param d dimension
     * @return m×d copies of the candidate rows
     */
    static float[] candidates(float[] x, int n, int d) {
        double[] norm = norms(x, n, d);
        double[] sorted = norm.clone();
        Arrays.sort(sorted);
        double cut = 0.5 * sorted[Math.min(n - 1, (int) Math.floor(0.99 * (n - 1)))];
        int m = 0;
        float[] out = new float[Math.min(n, 4096) * d];
        for (int r = 0; r < n && m < 4096; r++) {
            if (norm[r] > 0 && norm[r] >= cut) System.arraycopy(x, r * d, out, d * m++, d);
        }
        return Arrays.copyOf(out, m * d);
    }

    private static double[] norms(float[] x, int n, int d) {
        double[] norm = new double[n];
        for (int r = 0; r < n; r++) {
            double s = 0;
            for (int c = 0; c < d; c++) s += (double) x[r * d + c] * x[r * d + c];
            norm[r] = Math.sqrt(s);
        }
        return norm;
    }

    private static double dot(float[] a, int ao, float[] b, int bo, int d) {
        double s = 0;
        for (int c = 0; c < d; c++) s += (double) a[ao + c] * b[bo + c];
        return s;
    }

    /**
     * Farthest-point picks among candidate vectors: the most nearly orthogonal pair of the first 512 (or, for one
     * row, the densest: most others within |cos| ≥ 0.95), then repeatedly the candidate whose largest |cos| with
     * the picks is least; normalised. Random unit rows fill in when the candidates run out.
     *
     * @param count rows wanted
     * @param cand  m×d candidates
     * @param d     dimension
     * @param seed  seed of the fill-in rows
     * @return count×d unit rows
     */
    static float[] pickRows(int count, float[] cand, int d, long seed) {
        int m = cand.length / d;
        double[] norm = norms(cand, m, d);
        float[] out = new float[count * d];
        int got = 0;
        if (m > 0) {
            int[] seeds = count == 1 ? new int[] {densest(cand, norm, m, d)} : mostOrthogonalPair(cand, norm, m, d);
            for (int pick : seeds) {
                if (got == count) break;
                for (int c = 0; c < d; c++) out[got * d + c] = (float) (cand[pick * d + c] / norm[pick]);
                got++;
            }
            double[] maxCos = new double[m];
            int seen = 0;
            while (got < count) {
                int best = -1;
                double bestCos = Double.POSITIVE_INFINITY;
                for (int i = 0; i < m; i++) {
                    for (int j = seen; j < got; j++) maxCos[i] = Math.max(maxCos[i], Math.abs(dot(cand, i * d, out, j * d, d)) / norm[i]);
                    if (maxCos[i] < bestCos) {
                        bestCos = maxCos[i];
                        best = i;
                    }
                }
                seen = got;
                if (best < 0 || bestCos > 1 - 1e-6) break; // nothing new left to pick
                for (int c = 0; c < d; c++) out[got * d + c] = (float) (cand[best * d + c] / norm[best]);
                got++;
            }
        }
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
        for (; got < count; got++) { // fewer distinct rows than latents: random unit rows for the rest
            double s = 0;
            for (int c = 0; c < d; c++) {
                double v = SyntheticData.gaussian(rnd);
                out[got * d + c] = (float) v;
                s += v * v;
            }
            for (int c = 0; c < d; c++) out[got * d + c] = (float) (out[got * d + c] / Math.sqrt(s));
        }
        return out;
    }

    private static int densest(float[] cand, double[] norm, int m0, int d) {
        int m = Math.min(512, m0), best = 0, bestCount = -1;
        for (int i = 0; i < m; i++) {
            int c = 0;
            for (int j = 0; j < m; j++) if (Math.abs(dot(cand, i * d, cand, j * d, d)) >= 0.95 * norm[i] * norm[j]) c++;
            if (c > bestCount) {
                bestCount = c;
                best = i;
            }
        }
        return best;
    }

    private static int[] mostOrthogonalPair(float[] cand, double[] norm, int m0, int d) {
        int m = Math.min(512, m0);
        if (m < 2) return new int[] {0};
        int bi = 0, bj = 1;
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < m; i++) {
            for (int j = i + 1; j < m; j++) {
                double cs = Math.abs(dot(cand, i * d, cand, j * d, d)) / (norm[i] * norm[j]);
                if (cs < best) {
                    best = cs;
                    bi = i;
                    bj = j;
                }
            }
        }
        return new int[] {bi, bj};
    }

    /**
     * Tree-aware farthest-point init for a {@link TreeStructure}: the roots' decoder rows are farthest-point picks
     * among the data rows (as {@link #farthestPointRows}); each candidate row is assigned to the root it is most
     * aligned with, and a parent's children are farthest-point picks among the residuals of its rows after its own
     * direction is projected out (so a child starts at what its rows add to the parent). Deeper levels repeat the
     * step on the residuals. b_dec = 0, tied encoder, b_enc = 0.
     *
     * @param cfg  training config (width = tree width; k, arch, seed used)
     * @param tree the structure
     * @param x    n×d data
     * @param n    rows
     * @param d    dimension
     * @return starting weights
     */
    public static SaeWeights tree(TrainConfig cfg, TreeStructure tree, float[] x, int n, int d) {
        int width = tree.width();
        if (cfg.width() != width) throw new IllegalArgumentException("config width differs from the tree's");
        List<int[]> kids = tree.childLists();
        float[] dec = new float[width * d];
        // Level by level: (node, its candidate vectors in its parent's residual space); the virtual root is `width`.
        java.util.ArrayDeque<Object[]> work = new java.util.ArrayDeque<>();
        work.add(new Object[] {width, candidates(x, n, d)});
        while (!work.isEmpty()) {
            Object[] item = work.poll();
            int node = (Integer) item[0];
            float[] cand = (float[]) item[1];
            int[] ch = kids.get(node);
            if (ch.length == 0) continue;
            int m = cand.length / d;
            float[] picks = pickRows(ch.length, cand, d, cfg.seed() + node);
            for (int i = 0; i < ch.length; i++) System.arraycopy(picks, i * d, dec, ch[i] * d, d);
            // Assign each candidate to the child it is most aligned with, project that child out, recurse.
            List<List<float[]>> sets = new ArrayList<>();
            for (int i = 0; i < ch.length; i++) sets.add(new ArrayList<>());
            for (int r = 0; r < m; r++) {
                int best = 0;
                double bd = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < ch.length; i++) {
                    double v = dot(cand, r * d, picks, i * d, d);
                    if (v > bd) {
                        bd = v;
                        best = i;
                    }
                }
                float[] res = new float[d];
                for (int c = 0; c < d; c++) res[c] = (float) (cand[r * d + c] - bd * picks[best * d + c]);
                sets.get(best).add(res);
            }
            for (int i = 0; i < ch.length; i++) {
                if (kids.get(ch[i]).length == 0) continue;
                List<float[]> set = sets.get(i);
                float[] flat = new float[set.size() * d];
                for (int r = 0; r < set.size(); r++) System.arraycopy(set.get(r), 0, flat, r * d, d);
                work.add(new Object[] {ch[i], candidates(flat, set.size(), d)});
            }
        }
        return new SaeWeights(cfg.arch(), d, width, cfg.k(), Float.NaN, dec.clone(), new float[width], dec, new float[d]);
    }
}
