package org.mdlsae.mdl;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * ε-MDL selection (docs/design.md §2.4 step 4): among the admissible SAEs, the one with the least entropy DL.
 * Ties go to the narrower width, then the smaller k. Inadmissible results (and admissible ones without
 * a DL) are ignored.
 */
public final class Selection {
    private Selection() {
    }

    /** What selection needs of a per-SAE result; {@link DlReport} implements it. */
    public interface Candidate {
        /**
         * Dictionary width D.
         *
         * @return D
         */
        int width();

        /**
         * k (TopK) or mean k (BatchTopK).
         *
         * @return k
         */
        int k();

        /**
         * Whether the SAE meets the tolerance (has a B*).
         *
         * @return true when B* exists
         */
        boolean admissible();

        /**
         * Entropy DL at B* in bits/sample; null when inadmissible.
         *
         * @return bits per sample, or null
         */
        Double dlBits();
    }

    /** A plain candidate, for callers that have the four numbers but no report. */
    public record Entry(int width, int k, boolean admissible, Double dlBits) implements Candidate {
    }

    /** Order of preference: smaller DL, then narrower, then smaller k. */
    public static final Comparator<Candidate> ORDER = Comparator
            .comparingDouble((Candidate c) -> c.dlBits())
            .thenComparingInt(Candidate::width)
            .thenComparingInt(Candidate::k);

    /**
     * The ε-MDL-optimal candidate.
     *
     * @return the minimum-DL admissible candidate, or empty if the list is null/empty or none is admissible
     * @param <T>        the candidate type
     * @param candidates per-SAE results (may contain inadmissible ones)
     */
    public static <T extends Candidate> Optional<T> best(List<T> candidates) {
        if (candidates == null) return Optional.empty();
        T best = null;
        for (T c : candidates) {
            if (!eligible(c)) continue;
            if (best == null || ORDER.compare(c, best) < 0) best = c;
        }
        return Optional.ofNullable(best);
    }

    /**
     * Index of {@link #best} in the list, or −1.
     *
     * @param candidates per-SAE results
     * @return the index of the ε-MDL-optimal candidate, or −1 if none is admissible
     */
    public static int bestIndex(List<? extends Candidate> candidates) {
        if (candidates == null) return -1;
        int bi = -1;
        for (int i = 0; i < candidates.size(); i++) {
            Candidate c = candidates.get(i);
            if (!eligible(c)) continue;
            if (bi < 0 || ORDER.compare(c, candidates.get(bi)) < 0) bi = i;
        }
        return bi;
    }

    private static boolean eligible(Candidate c) {
        return c != null && c.admissible() && c.dlBits() != null && !c.dlBits().isNaN();
    }
}
