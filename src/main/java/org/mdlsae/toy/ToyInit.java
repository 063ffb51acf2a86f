package org.mdlsae.toy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.train.TrainConfig;
import org.mdlsae.toy.tree.TreeStructure;

/**
 * Starting weights for SAEs trained on the toy data sets, handed to the normal
 * {@link org.mdlsae.train.Trainer#train(SaeWeights, float[], int, int)} (and to the tree trainer).
 *
 * <p>Why not the default init (DESIGN §2.2: random unit decoder rows, tied encoder, b_enc = 0, b_dec = data
 * mean)? On boolean toy data the training loss is degenerate: the sparse code (a latent fires only when its
 * feature is present, with value 1) is one point of a continuum of codes that reconstruct exactly — b_dec can
 * absorb features while latents fire when a feature is <em>absent</em>, fire on every row and carry presence in
 * their value, or span a wider cone and fire with small values on rows that lack their feature — and a TopK SAE
 * whose k is not binding has no pressure toward the sparse point. From the default init the trainer lands in
 * such codes (measured DL 1.39–1.57 bits at p = 0.1, against the analytic 0.94–0.95). Even an exactly right
 * start drifts when inactive pre-activations sit at 0 ± float error: ReLU passes the +1e-8 half, and the entropy
 * code counts every value above zero as "active". So the toys start at the sparse code, found from the data
 * without knowledge of the true directions, with a small firing margin:
 * <ul>
 *   <li>decoder rows = farthest-point picks among the data rows well above the noise (norm ≥ half the
 *       99th-percentile norm): the first two are the most nearly orthogonal pair (the densest row when one
 *       latent is wanted), each next one the row whose largest |cosine| with the rows already picked is
 *       least; normalised to unit length. Deterministic: restarts differ only in the trainer's seed;</li>
 *   <li>encoder = the least-squares inverse of the decoder, (D Dᵀ)⁻¹ D, when the rows are independent (an
 *       undercomplete dictionary: the exact coefficients), else tied (W_enc = W_decᵀ, DESIGN §2.2);</li>
 *   <li>b_enc = −{@value #MARGIN} × the median norm of those rows (a firing threshold: the trainer then has to
 *       learn the scale back, so the first steps have a real loss), b_dec = 0 (the geometric median of toy
 *       data whose rows mostly carry no feature, the option DESIGN §2.2 mentions).</li>
 * </ul>
 * Farthest-point seeding finds a rare but distinct cluster (the A∧B rows at small ρ) that random rows miss.
 * Measured limits (see the experiment reports): from this start the trainer keeps the sparse code at every ρ and
 * direction seed tried; from a start whose rows are jittered by ~11° it often does not come back.
 */
public final class ToyInit {
    /** Firing margin: b_enc starts at −MARGIN × the typical norm of a feature-carrying row. */
    public static final double MARGIN = 0.1;

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
        return farthestPoint(cfg, x, n, d, 0);
    }

    /**
     * Farthest-point init with each decoder row jittered: a seeded Gaussian vector of norm {@code jitter} is added
     * and the row renormalised (jitter 0.2 turns a row by about 11°), to test whether the trainer pulls the rows
     * back to the features.
     *
     * @param cfg    training config (arch, width, k, seed are used; the seed drives the jitter)
     * @param x      n×d training data
     * @param n      rows
     * @param d      dimension
     * @param jitter norm of the random perturbation of each unit row (0: none)
     * @return starting weights
     */
    public static SaeWeights farthestPoint(TrainConfig cfg, float[] x, int n, int d, double jitter) {
        float[] cand = candidates(x, n, d);
        float[] dec = pickRows(cfg.width(), cand, d, cfg.seed());
        jitter(dec, cfg.width(), d, jitter, cfg.seed());
        return weights(cfg, dec, d, margin(cand, d));
    }

    /** Weights from decoder rows: least-squares-inverse encoder if the rows are independent, else tied. */
    static SaeWeights weights(TrainConfig cfg, float[] dec, int d, double margin) {
        int w = cfg.width();
        float[] enc = dual(dec, w, d);
        float[] bEnc = new float[w];
        Arrays.fill(bEnc, (float) -margin);
        return new SaeWeights(cfg.arch(), d, w, cfg.k(), Float.NaN, enc != null ? enc : dec.clone(), bEnc, dec, new float[d]);
    }

    /** MARGIN × the median norm of the candidate rows (0 if there are none). */
    static double margin(float[] cand, int d) {
        int m = cand.length / d;
        if (m == 0) return 0;
        double[] nr = norms(cand, m, d);
        Arrays.sort(nr);
        return MARGIN * nr[m / 2];
    }

    /**
     * Least-squares inverse of a decoder: E = (D Dᵀ)⁻¹ D, so E·x gives the coefficients of x in the rows of D.
     * Returns null when the rows are (nearly) dependent (a Gauss–Jordan pivot below 1e-4 of the mean diagonal).
     */
    static float[] dual(float[] dec, int w, int d) {
        double[][] g = new double[w][w];
        for (int i = 0; i < w; i++) for (int j = 0; j < w; j++) g[i][j] = dot(dec, i * d, dec, j * d, d);
        double tr = 0;
        for (int i = 0; i < w; i++) tr += g[i][i];
        // Gauss–Jordan inverse (w is tiny).
        double[][] inv = new double[w][w];
        for (int i = 0; i < w; i++) inv[i][i] = 1;
        for (int c = 0; c < w; c++) {
            int piv = c;
            for (int r = c + 1; r < w; r++) if (Math.abs(g[r][c]) > Math.abs(g[piv][c])) piv = r;
            double[] t = g[c]; g[c] = g[piv]; g[piv] = t;
            t = inv[c]; inv[c] = inv[piv]; inv[piv] = t;
            double pv = g[c][c];
            if (Math.abs(pv) < 1e-4 * tr / w) return null; // rows (nearly) dependent: no exact inverse
            for (int k = 0; k < w; k++) {
                g[c][k] /= pv;
                inv[c][k] /= pv;
            }
            for (int r = 0; r < w; r++) {
                if (r == c) continue;
                double f = g[r][c];
                for (int k = 0; k < w; k++) {
                    g[r][k] -= f * g[c][k];
                    inv[r][k] -= f * inv[c][k];
                }
            }
        }
        float[] e = new float[w * d];
        for (int i = 0; i < w; i++) {
            for (int c = 0; c < d; c++) {
                double s = 0;
                for (int j = 0; j < w; j++) s += inv[i][j] * dec[j * d + c];
                e[i * d + c] = (float) s;
            }
        }
        return e;
    }

    /** Adds a seeded random vector of norm {@code amount} to each row and renormalises it. */
    static void jitter(float[] rows, int count, int d, double amount, long seed) {
        if (!(amount > 0)) return;
        SplittableRandom rnd = new SplittableRandom(seed * 0x2545F4914F6CDD1DL + 0x632BE59BD9B4E019L);
        double[] v = new double[d];
        for (int j = 0; j < count; j++) {
            double s = 0;
            for (int c = 0; c < d; c++) {
                v[c] = SyntheticData.gaussian(rnd);
                s += v[c] * v[c];
            }
            double scale = amount / Math.sqrt(s), t = 0;
            for (int c = 0; c < d; c++) {
                double e = rows[j * d + c] + scale * v[c];
                rows[j * d + c] = (float) e;
                t += e * e;
            }
            double inv = 1 / Math.sqrt(t);
            for (int c = 0; c < d; c++) rows[j * d + c] = (float) (rows[j * d + c] * inv);
        }
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
     * step on the residuals. Encoder, b_enc and b_dec as in {@link #farthestPoint}.
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
        return weights(cfg, dec, d, margin(candidates(x, n, d), d));
    }
}
