package org.mdlsae.toy;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Synthetic activations built from known feature directions (paper §7 toys, empirically): m unit
 * directions f_1..f_m in R^d, a joint distribution over which features are active (a list of
 * <em>patterns</em>, each a set of features, with probabilities), magnitudes, and optional noise:
 * <pre>x = Σ_{i active} a_i · f_i + σ·N(0, I_d)</pre>
 * Two ready-made distributions: {@link #pair} (features A, B with P(A) = P(B) = p and correlation ρ, the
 * feature-splitting toy) and {@link #hierarchy} (a parent with mutually exclusive children, the
 * hierarchy toy). Everything is deterministic for a seed.
 *
 * <p>Sampling: {@link Sampling#IID} draws each row's pattern independently (empirical frequencies carry
 * the usual sampling error, sd = sqrt(π(1−π)/n)); {@link Sampling#EXACT} puts exactly
 * round(n·π) rows in each pattern (largest-remainder rounding, so the counts sum to n) and shuffles
 * them, so the empirical joint distribution equals the requested one to within 1/n. EXACT is what the
 * experiments use: it removes sampling error from the comparison of measured and analytic DL, so any
 * gap left is the SAE's (training, quantisation), not the data's.
 */
public final class SyntheticData {
    private SyntheticData() {
    }

    /** How pattern frequencies are drawn. */
    public enum Sampling {
        /** Each row's pattern drawn independently. */
        IID,
        /** Exactly round(n·π) rows per pattern (largest remainder), shuffled. */
        EXACT
    }

    /**
     * Magnitude of an active feature: {@code lo == hi} gives boolean features (always {@code lo}, normally 1);
     * otherwise uniform on [lo, hi].
     *
     * @param lo smallest magnitude, &gt; 0
     * @param hi largest magnitude, ≥ lo
     */
    public record Magnitudes(double lo, double hi) {
        /** Boolean features of magnitude 1. */
        public static final Magnitudes BOOLEAN = new Magnitudes(1, 1);

        public Magnitudes {
            if (!(lo > 0 && hi >= lo && Double.isFinite(hi))) {
                throw new IllegalArgumentException("magnitudes need 0 < lo <= hi < inf, got lo = " + lo + ", hi = " + hi);
            }
        }

        /**
         * Whether every active feature has the same magnitude.
         *
         * @return true for boolean magnitudes
         */
        public boolean isBoolean() {
            return lo == hi;
        }

        double draw(SplittableRandom r) {
            return lo == hi ? lo : lo + (hi - lo) * r.nextDouble();
        }
    }

    /**
     * Generated data and its ground truth.
     *
     * @param x          n×d activations, row-major
     * @param n          rows
     * @param d          dimension
     * @param directions m×d unit feature directions, row-major
     * @param features   m
     * @param pattern    per row, the index of its pattern in {@code patterns}
     * @param patterns   the patterns (sets of active feature indices)
     * @param magnitude  n×m magnitudes (0 where the feature is inactive)
     */
    public record Sample(float[] x, int n, int d, float[] directions, int features, int[] pattern,
                         List<int[]> patterns, float[] magnitude) {
        /**
         * Whether feature i is active in row r.
         *
         * @param r row
         * @param i feature
         * @return true when active
         */
        public boolean active(int r, int i) {
            return magnitude[r * features + i] > 0;
        }

        /**
         * Empirical P(feature i active).
         *
         * @param i feature
         * @return fraction of rows where it is active
         */
        public double frequency(int i) {
            long c = 0;
            for (int r = 0; r < n; r++) if (active(r, i)) c++;
            return (double) c / n;
        }

        /**
         * Empirical P(features i and j both active).
         *
         * @param i a feature
         * @param j another feature
         * @return fraction of rows where both are active
         */
        public double jointFrequency(int i, int j) {
            long c = 0;
            for (int r = 0; r < n; r++) if (active(r, i) && active(r, j)) c++;
            return (double) c / n;
        }

        /**
         * Empirical (Pearson = phi) correlation of the activity indicators of features i and j.
         *
         * @param i a feature
         * @param j another feature
         * @return corr(1[i active], 1[j active]); NaN if either is constant
         */
        public double correlation(int i, int j) {
            double pi = frequency(i), pj = frequency(j), q = jointFrequency(i, j);
            return (q - pi * pj) / Math.sqrt(pi * (1 - pi) * pj * (1 - pj));
        }

        /**
         * Unit direction of feature i (a copy).
         *
         * @param i feature
         * @return f_i, length d
         */
        public float[] direction(int i) {
            return Arrays.copyOfRange(directions, i * d, (i + 1) * d);
        }
    }

    /**
     * m random unit directions in R^d (Gaussian, normalised): nearly orthogonal for d ≫ 1 (|cos| ~ 1/sqrt(d)).
     *
     * @param m    number of directions
     * @param d    dimension
     * @param seed seed
     * @return m×d row-major unit rows
     */
    public static float[] randomDirections(int m, int d, long seed) {
        return randomDirections(m, d, seed, false);
    }

    /**
     * m random unit directions in R^d; with {@code orthogonal} they are made exactly orthonormal (Gram–Schmidt,
     * needs m ≤ d), otherwise they are independent Gaussian directions (|cos| ~ 1/sqrt(d)).
     *
     * @param m          number of directions
     * @param d          dimension
     * @param seed       seed
     * @param orthogonal whether to orthonormalise them
     * @return m×d row-major unit rows
     */
    public static float[] randomDirections(int m, int d, long seed, boolean orthogonal) {
        if (m < 1 || d < 1) throw new IllegalArgumentException("need m >= 1 directions in d >= 1 dimensions");
        if (orthogonal && m > d) throw new IllegalArgumentException("cannot make " + m + " orthogonal directions in d = " + d);
        SplittableRandom r = new SplittableRandom(seed);
        float[] f = new float[m * d];
        for (int i = 0; i < m; i++) {
            double s;
            do {
                s = 0;
                for (int c = 0; c < d; c++) {
                    double v = gaussian(r);
                    f[i * d + c] = (float) v;
                    s += v * v;
                }
            } while (s < 1e-12);
            double inv = 1 / Math.sqrt(s);
            for (int c = 0; c < d; c++) f[i * d + c] = (float) (f[i * d + c] * inv);
        }
        if (orthogonal) {
            double[] v = new double[d];
            for (int i = 0; i < m; i++) {
                for (int c = 0; c < d; c++) v[c] = f[i * d + c];
                for (int pass = 0; pass < 2; pass++) { // twice is enough in floating point
                    for (int j = 0; j < i; j++) {
                        double dot = 0;
                        for (int c = 0; c < d; c++) dot += v[c] * f[j * d + c];
                        for (int c = 0; c < d; c++) v[c] -= dot * f[j * d + c];
                    }
                }
                double s = 0;
                for (double e : v) s += e * e;
                if (s < 1e-12) throw new IllegalStateException("degenerate random directions; try another seed");
                double inv = 1 / Math.sqrt(s);
                for (int c = 0; c < d; c++) f[i * d + c] = (float) (v[c] * inv);
            }
        }
        return f;
    }

    static double gaussian(SplittableRandom r) {
        double u = 1.0 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /**
     * Pattern counts for n rows: EXACT by largest remainder, IID by independent categorical draws.
     *
     * @param probs    pattern probabilities (sum 1)
     * @param n        rows
     * @param sampling how
     * @param r        random source (IID only)
     * @return per row, a pattern index (EXACT: in blocks; the caller shuffles)
     */
    static int[] patternsOf(double[] probs, int n, Sampling sampling, SplittableRandom r) {
        int[] out = new int[n];
        if (sampling == Sampling.IID) {
            double[] cdf = new double[probs.length];
            double s = 0;
            for (int i = 0; i < probs.length; i++) cdf[i] = s += probs[i];
            for (int row = 0; row < n; row++) {
                double u = r.nextDouble() * s;
                int k = 0;
                while (k < cdf.length - 1 && u >= cdf[k]) k++;
                while (probs[k] == 0 && k > 0) k--; // never land on an impossible pattern through rounding
                out[row] = k;
            }
            return out;
        }
        long[] counts = new long[probs.length];
        double[] rem = new double[probs.length];
        long total = 0;
        for (int i = 0; i < probs.length; i++) {
            double e = probs[i] * n;
            counts[i] = (long) Math.floor(e);
            rem[i] = e - counts[i];
            total += counts[i];
        }
        while (total < n) { // hand the leftover rows to the largest remainders (ties: lower index)
            int best = -1;
            for (int i = 0; i < probs.length; i++) {
                if (probs[i] > 0 && (best < 0 || rem[i] > rem[best])) best = i;
            }
            counts[best]++;
            rem[best] = -1;
            total++;
        }
        int o = 0;
        for (int i = 0; i < probs.length; i++) for (long c = 0; c < counts[i]; c++) out[o++] = i;
        return out;
    }

    /**
     * General generator: rows whose active set is one of {@code patterns}, drawn with {@code probs}.
     *
     * @param directions m×d unit directions
     * @param m          number of features
     * @param d          dimension
     * @param patterns   active feature sets
     * @param probs      their probabilities (non-negative, summing to 1 within 1e-9)
     * @param n          rows
     * @param mags       magnitudes of active features
     * @param noise      σ of the isotropic Gaussian noise per coordinate (≥ 0)
     * @param sampling   IID or EXACT
     * @param seed       seed (pattern order, magnitudes, noise)
     * @return the sample
     */
    public static Sample generate(float[] directions, int m, int d, List<int[]> patterns, double[] probs, int n,
                                  Magnitudes mags, double noise, Sampling sampling, long seed) {
        if (n < 1) throw new IllegalArgumentException("need at least 1 sample, got " + n);
        if (directions.length != m * d) throw new IllegalArgumentException("directions must be m×d");
        if (patterns.size() != probs.length) throw new IllegalArgumentException("one probability per pattern");
        if (!(noise >= 0) || Double.isInfinite(noise)) throw new IllegalArgumentException("noise must be a finite number >= 0, got " + noise);
        double s = 0;
        for (double v : probs) {
            if (!(v >= -1e-12)) throw new IllegalArgumentException("negative pattern probability " + v);
            s += v;
        }
        if (Math.abs(s - 1) > 1e-9) throw new IllegalArgumentException("pattern probabilities sum to " + s + ", not 1");
        double[] pr = new double[probs.length];
        for (int i = 0; i < pr.length; i++) pr[i] = Math.max(0, probs[i]);
        for (int[] pat : patterns) for (int f : pat) if (f < 0 || f >= m) throw new IllegalArgumentException("feature " + f + " out of range");

        SplittableRandom rnd = new SplittableRandom(seed);
        int[] pat = patternsOf(pr, n, sampling, rnd.split());
        if (sampling == Sampling.EXACT) {
            SplittableRandom sh = rnd.split();
            for (int i = n - 1; i > 0; i--) {
                int j = sh.nextInt(i + 1);
                int t = pat[i];
                pat[i] = pat[j];
                pat[j] = t;
            }
        }
        SplittableRandom magR = rnd.split(), noiseR = rnd.split();
        float[] x = new float[n * d];
        float[] mag = new float[n * m];
        for (int row = 0; row < n; row++) {
            int o = row * d;
            for (int f : patterns.get(pat[row])) {
                double a = mags.draw(magR);
                mag[row * m + f] = (float) a;
                for (int c = 0; c < d; c++) x[o + c] += (float) (a * directions[f * d + c]);
            }
            if (noise > 0) for (int c = 0; c < d; c++) x[o + c] += (float) (noise * gaussian(noiseR));
        }
        return new Sample(x, n, d, directions.clone(), m, pat, List.copyOf(patterns), mag);
    }

    /** Patterns of {@link #pair}: none, A only, B only, A and B. */
    public static final List<int[]> PAIR_PATTERNS = List.of(new int[0], new int[] {0}, new int[] {1}, new int[] {0, 1});

    /**
     * The joint distribution of the pair toy: P(none), P(A∧¬B), P(¬A∧B), P(A∧B) for P(A) = P(B) = p and
     * correlation ρ (q = p² + ρ p(1−p)).
     *
     * @param p   P(A) = P(B)
     * @param rho correlation
     * @return the four pattern probabilities in {@link #PAIR_PATTERNS} order
     */
    public static double[] pairProbabilities(double p, double rho) {
        double q = FeatureSplitting.q(p, p, rho);
        return new double[] {Math.max(0, 1 - 2 * p + q), Math.max(0, p - q), Math.max(0, p - q), q};
    }

    /**
     * Feature-splitting data: features A (0) and B (1) with P(A) = P(B) = p and correlation ρ, directions
     * random unit vectors in R^d drawn from {@code dirSeed}.
     *
     * @param p        P(A) = P(B), in (0, 1)
     * @param rho      correlation of the indicators (feasible for p)
     * @param n        rows
     * @param d        dimension
     * @param mags     magnitudes
     * @param noise    noise σ per coordinate
     * @param sampling IID or EXACT
     * @param dirSeed  seed of the directions (keep it fixed across ρ to compare like with like)
     * @param seed     seed of the rows
     * @return the sample (features 0 = A, 1 = B)
     */
    public static Sample pair(double p, double rho, int n, int d, Magnitudes mags, double noise, Sampling sampling,
                              long dirSeed, long seed) {
        return generate(randomDirections(2, d, dirSeed), 2, d, PAIR_PATTERNS, pairProbabilities(p, rho), n, mags,
                noise, sampling, seed);
    }

    /**
     * Patterns of {@link #hierarchy} with N children: none, parent only, parent + child i (feature i + 1).
     *
     * @param children N
     * @return N + 2 patterns
     */
    public static List<int[]> hierarchyPatterns(int children) {
        int[][] pats = new int[children + 2][];
        pats[0] = new int[0];
        pats[1] = new int[] {0};
        for (int i = 0; i < children; i++) pats[i + 2] = new int[] {0, i + 1};
        return List.of(pats);
    }

    /**
     * Pattern probabilities of the hierarchy: 1 − p, p(1 − Σ r), p r_1, …, p r_N.
     *
     * @param p P(parent)
     * @param r P(child i | parent), Σ ≤ 1
     * @return N + 2 probabilities in {@link #hierarchyPatterns} order
     */
    public static double[] hierarchyProbabilities(double p, double... r) {
        Hierarchy.codes(p, r); // validates
        double s = 0;
        for (double v : r) s += v;
        double[] pr = new double[r.length + 2];
        pr[0] = 1 - p;
        pr[1] = Math.max(0, p * (1 - s));
        for (int i = 0; i < r.length; i++) pr[i + 2] = p * r[i];
        return pr;
    }

    /**
     * Hierarchical data: parent P (feature 0) with P(P) = p and exclusive children C_i (feature i + 1) active
     * only with P, P(C_i | P) = r_i. A child's row is x = a_P f_P + a_C f_C: the child's representation is the
     * parent's direction plus its own (the "animal" + "bird-specific" picture).
     *
     * @param p        P(parent)
     * @param r        P(child i | parent)
     * @param n        rows
     * @param d        dimension
     * @param mags     magnitudes
     * @param noise    noise σ
     * @param sampling IID or EXACT
     * @param dirSeed  seed of the directions
     * @param seed     seed of the rows
     * @return the sample (feature 0 = parent, 1..N = children)
     */
    public static Sample hierarchy(double p, double[] r, int n, int d, Magnitudes mags, double noise, Sampling sampling,
                                   long dirSeed, long seed) {
        return generate(randomDirections(r.length + 1, d, dirSeed), r.length + 1, d, hierarchyPatterns(r.length),
                hierarchyProbabilities(p, r), n, mags, noise, sampling, seed);
    }
}
