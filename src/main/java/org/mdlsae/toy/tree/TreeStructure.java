package org.mdlsae.toy.tree;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.mdlsae.InputException;

/**
 * The shape of a tree SAE (paper §4, DESIGN §2.5): latents form a forest of parent→child trees, and a child
 * may fire only when its parent fires. Latents are numbered so that every parent comes before its children
 * ({@code parent[j] < j}, or −1 for a root), which makes index order a topological order.
 *
 * <p>Activation rule, applied in index order to the ReLU pre-activations: a root is eligible always, a child
 * only if its parent is active; among the eligible positive roots the {@code kRoots} largest are kept
 * (0 = all), and among the eligible positive children of one parent the {@code kChildren} largest
 * (0 = all). {@code kChildren = 1} makes siblings mutually exclusive.
 *
 * @param parent    per latent, its parent's index (−1 for a root); parent[j] &lt; j
 * @param kRoots    roots kept per sample (0: every positive root)
 * @param kChildren children kept per active parent (0: every positive child)
 */
public record TreeStructure(int[] parent, int kRoots, int kChildren) {

    public TreeStructure {
        if (parent == null || parent.length == 0) throw new InputException("a tree SAE needs at least one latent");
        parent = parent.clone();
        for (int j = 0; j < parent.length; j++) {
            if (parent[j] < -1 || parent[j] >= j) {
                throw new InputException("latent " + j + " has parent " + parent[j]
                        + "; parents must be -1 (root) or an earlier latent");
            }
        }
        if (kRoots < 0) throw new InputException("kRoots must be >= 0 (0 = all), got " + kRoots);
        if (kChildren < 0) throw new InputException("kChildren must be >= 0 (0 = all), got " + kChildren);
    }

    /**
     * G trees of depth 1, each a parent followed by its C children: latents
     * [P_0, C_0,1 … C_0,C, P_1, C_1,1 …], width G·(1 + C).
     *
     * @param groups    G ≥ 1
     * @param children  C ≥ 0 children per parent
     * @param kRoots    parents kept per sample (0 = all positive)
     * @param kChildren children kept per active parent (0 = all positive)
     * @return the structure
     */
    public static TreeStructure groups(int groups, int children, int kRoots, int kChildren) {
        if (groups < 1) throw new InputException("need at least one group, got " + groups);
        if (children < 0) throw new InputException("children per group must be >= 0, got " + children);
        int[] par = new int[groups * (1 + children)];
        for (int g = 0; g < groups; g++) {
            int p = g * (1 + children);
            par[p] = -1;
            for (int c = 1; c <= children; c++) par[p + c] = p;
        }
        return new TreeStructure(par, kRoots, kChildren);
    }

    /**
     * Number of latents D.
     *
     * @return D
     */
    public int width() {
        return parent.length;
    }

    /**
     * Parent of latent j (−1 for a root).
     *
     * @param j latent
     * @return its parent
     */
    public int parentOf(int j) {
        return parent[j];
    }

    /**
     * Whether latent j is a root.
     *
     * @param j latent
     * @return true for a root
     */
    public boolean isRoot(int j) {
        return parent[j] < 0;
    }

    /**
     * The children of every latent (and, at index D, the roots), each list ascending.
     *
     * @return D + 1 lists
     */
    public List<int[]> childLists() {
        int d = parent.length;
        List<List<Integer>> acc = new ArrayList<>();
        for (int j = 0; j <= d; j++) acc.add(new ArrayList<>());
        for (int j = 0; j < d; j++) acc.get(parent[j] < 0 ? d : parent[j]).add(j);
        List<int[]> out = new ArrayList<>();
        for (List<Integer> l : acc) out.add(l.stream().mapToInt(Integer::intValue).toArray());
        return out;
    }

    /**
     * Most latents that can be active in one sample under the activation rule (for buffer sizes and the
     * {@code k} a report shows).
     *
     * @return an upper bound on the active count per sample
     */
    public int maxActive() {
        List<int[]> ch = childLists();
        return maxActive(ch, parent.length, kRoots);
    }

    private int maxActive(List<int[]> ch, int node, int k) {
        int[] kids = ch.get(node);
        int[] sub = new int[kids.length];
        for (int i = 0; i < kids.length; i++) sub[i] = 1 + maxActive(ch, kids[i], kChildren);
        Arrays.sort(sub);
        int keep = k == 0 ? kids.length : Math.min(k, kids.length), s = 0;
        for (int i = 0; i < keep; i++) s += sub[sub.length - 1 - i];
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TreeStructure t && Arrays.equals(parent, t.parent) && kRoots == t.kRoots && kChildren == t.kChildren;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(parent) * 31 + kRoots * 7 + kChildren;
    }

    @Override
    public String toString() {
        return "TreeStructure[parent=" + Arrays.toString(parent) + ", kRoots=" + kRoots + ", kChildren=" + kChildren + "]";
    }

    /**
     * Applies the activation rule to one row of pre-activations.
     *
     * @param pre    pre-activations, row r at offset {@code off}
     * @param off    offset of the row in {@code pre}
     * @param ch     {@link #childLists()}
     * @param outIdx receives the active latents (ascending)
     * @param outVal receives their values
     * @param o      write offset in outIdx/outVal
     * @param scratch length ≥ D, reused
     * @return number of active latents written
     */
    int select(float[] pre, int off, List<int[]> ch, int[] outIdx, float[] outVal, int o, boolean[] scratch) {
        int d = parent.length;
        Arrays.fill(scratch, 0, d, false);
        keepTop(pre, off, ch.get(d), kRoots, scratch);
        for (int j = 0; j < d; j++) { // index order is topological: a parent is decided before its children
            if (scratch[j]) keepTop(pre, off, ch.get(j), kChildren, scratch);
        }
        int w = o;
        for (int j = 0; j < d; j++) {
            if (scratch[j]) {
                outIdx[w] = j;
                outVal[w++] = pre[off + j];
            }
        }
        return w - o;
    }

    /** Marks the k largest strictly positive pre-activations among {@code nodes} (k = 0: all positive; ties: lower index). */
    private static void keepTop(float[] pre, int off, int[] nodes, int k, boolean[] active) {
        if (nodes.length == 0) return;
        if (k == 0 || k >= nodes.length) {
            for (int j : nodes) if (pre[off + j] > 0f) active[j] = true;
            return;
        }
        for (int t = 0; t < k; t++) {
            int best = -1;
            float bv = 0f;
            for (int j : nodes) {
                float v = pre[off + j];
                if (!active[j] && v > bv) {
                    bv = v;
                    best = j;
                }
            }
            if (best < 0) return;
            active[best] = true;
        }
    }
}
