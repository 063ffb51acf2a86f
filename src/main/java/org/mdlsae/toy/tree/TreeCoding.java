package org.mdlsae.toy.tree;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mdlsae.InputException;
import org.mdlsae.backend.Quantise;
import org.mdlsae.math.Entropy;

/**
 * Description length of a tree SAE's codes under the tree code (paper §4 "Connection to description length",
 * DESIGN §2.5): a child is sent only when its parent fired. Values are quantised exactly as the flat code
 * does it (DESIGN §2.3: per-latent calibration maximum, B bits, zero is its own symbol; {@link Quantise}).
 * Two variants, bits per sample, plug-in estimates on the evaluated rows:
 * <ul>
 *   <li><b>per-child</b> (DESIGN §2.5 as written): every latent is coded on its own, given its parent:
 *       H = Σ_roots [h(p_r) + p_r·H(bins_r | active)] + Σ_children P(parent)·[h(P(c | parent)) +
 *       P(c | parent)·H(bins_c | c active)]. Each child is an independent feature within its tree.</li>
 *   <li><b>sibling-joint</b>: given that a parent fired, its children's (latent, bin) pattern is sent as one
 *       symbol: H = Σ_roots [h(p_r) + p_r·H(bins_r)] + Σ_parents P(parent)·H(children pattern | parent). With
 *       mutually exclusive children (kChildren = 1) the symbol is "which child, in which bin, or none" — the
 *       code the analytic {@code Hierarchy.tree} assumes. It is never longer than per-child.</li>
 * </ul>
 * Roots are always coded independently (independent additivity across trees).
 */
public final class TreeCoding {
    private TreeCoding() {
    }

    /**
     * Both tree-code lengths and their parts.
     *
     * @param perChildBits     per-child tree code, bits/sample
     * @param siblingJointBits sibling-joint tree code, bits/sample
     * @param rootBits         the roots' share (both variants), bits/sample
     * @param perLatentBits    per-child code's cost of each latent, bits/sample
     * @param activeCounts     rows in which each latent is active
     * @param samples          rows N
     * @param bits             precision B
     */
    public record Result(double perChildBits, double siblingJointBits, double rootBits, double[] perLatentBits,
                         long[] activeCounts, long samples, int bits) {
        /**
         * The activity-only part of the per-child code (value bins left out).
         *
         * @param tree the structure the code was made with
         * @return Σ_roots h(p_r) + Σ_children P(parent)·h(P(c | parent)), bits/sample
         */
        public double perChildActivityBits(TreeStructure tree) {
            double s = 0;
            for (int j = 0; j < activeCounts.length; j++) {
                int par = tree.parentOf(j);
                long base = par < 0 ? samples : activeCounts[par];
                if (base > 0) s += (double) base / samples * Entropy.h((double) activeCounts[j] / base);
            }
            return s;
        }
    }

    /**
     * Tree-code lengths of a host code.
     *
     * @throws InputException if a child is active in a row where its parent is not (not a tree code), or shapes
     *                        disagree
     * @param tree  the structure (parents before children)
     * @param code  the code (entries with value ≤ 0 are inactive)
     * @param max   per-latent calibration maxima (latents with max 0 are never active and cost 0)
     * @param bits  precision B in [1, 16]
     * @return both variants
     */
    public static Result evaluate(TreeStructure tree, TreeSae.HostCode code, float[] max, int bits) {
        int width = tree.width(), n = code.n();
        if (code.width() != width) throw new InputException("code width " + code.width() + " differs from the tree's " + width);
        if (max.length != width) throw new InputException("need " + width + " calibration maxima, got " + max.length);
        if (bits < 1 || bits > Quantise.MAX_BITS) throw new InputException("bits must be in [1, 16], got " + bits);
        if (n < 1) throw new InputException("no rows to code");
        int levels = 1 << bits;
        // Per-row dense view of (active, bin): bin = −1 inactive.
        int[] bin = new int[width];
        boolean[] raw = new boolean[width];
        long[] active = new long[width];
        long[][] binCounts = new long[width][levels];
        List<int[]> children = tree.childLists();
        @SuppressWarnings("unchecked")
        Map<String, Long>[] patterns = new HashMap[width];
        for (int j = 0; j < width; j++) if (children.get(j).length > 0) patterns[j] = new HashMap<>();
        StringBuilder key = new StringBuilder();
        for (int r = 0; r < n; r++) {
            Arrays.fill(bin, -1);
            Arrays.fill(raw, false);
            for (int q = code.rowPtr()[r]; q < code.rowPtr()[r + 1]; q++) {
                int j = code.idx()[q];
                float v = code.val()[q];
                if (j < 0 || j >= width) throw new InputException("latent " + j + " outside width " + width);
                if (v <= 0f) continue;
                raw[j] = true;
                bin[j] = max[j] > 0f ? Quantise.bin(v, max[j], bits) : -1;
            }
            for (int j = 0; j < width; j++) {
                int par = tree.parentOf(j);
                if (raw[j] && par >= 0 && !raw[par]) {
                    throw new InputException("row " + r + ": latent " + j + " is active but its parent " + par
                            + " is not; the tree code needs every child's parent active");
                }
                // A latent dead on the calibration set (max 0) decodes to 0 and is never sent; nor are its children.
                if (par >= 0 && bin[par] < 0) bin[j] = -1;
                if (bin[j] < 0) continue;
                active[j]++;
                binCounts[j][bin[j]]++;
            }
            for (int j = 0; j < width; j++) {
                if (patterns[j] == null || bin[j] < 0) continue;
                key.setLength(0);
                for (int c : children.get(j)) if (bin[c] >= 0) key.append(c).append(':').append(bin[c]).append(',');
                patterns[j].merge(key.toString(), 1L, Long::sum);
            }
        }
        double[] perLatent = new double[width];
        double perChild = 0, roots = 0, joint = 0;
        for (int j = 0; j < width; j++) {
            int par = tree.parentOf(j);
            long base = par < 0 ? n : active[par];
            double own = 0;
            if (base > 0 && active[j] > 0) {
                double pc = (double) active[j] / base;
                own = (double) base / n * (Entropy.h(pc) + pc * Entropy.ofCounts(binCounts[j]));
            }
            perLatent[j] = own;
            perChild += own;
            if (par < 0) {
                roots += own;
                joint += own;
            }
            if (patterns[j] != null && active[j] > 0) {
                long[] cnt = patterns[j].values().stream().mapToLong(Long::longValue).toArray();
                joint += (double) active[j] / n * Entropy.ofCounts(cnt);
            }
        }
        return new Result(perChild, joint, roots, perLatent, active, n, bits);
    }
}
