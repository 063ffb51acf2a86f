package org.mdlsae.mdl;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Sums of doubles over consecutive blocks of rows ({@link DlBlocks}), kept one array per block so that they are added
 * in block order however and wherever the blocks were computed: the total is ((0 + s_0) + s_1) + … (with one block,
 * s_0 itself). Floating-point addition is not associative, so this fixed order is what makes a description length
 * computed block by block on a cluster the same double as the local one (docs/design.md §14). Exact integer counts
 * (per-feature active counts) travel along and are added in any order.
 *
 * <p>Serializable: the map side of a distributed evaluation returns it.
 */
public final class BlockSums implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int first;
    private final double[][] sums;
    private final long[] counts;

    private BlockSums(int first, double[][] sums, long[] counts) {
        this.first = first;
        this.sums = sums;
        this.counts = counts;
    }

    /**
     * The sums of one block.
     *
     * @param block  the block's index
     * @param sums   its sums (kept, not copied)
     * @param counts its exact counts, or an empty array
     * @return the block's sums
     */
    public static BlockSums of(int block, double[] sums, long[] counts) {
        if (block < 0) throw new IllegalArgumentException("block index must be >= 0, got " + block);
        return new BlockSums(block, new double[][] {sums}, counts);
    }

    /**
     * Joins the sums of runs of consecutive blocks, given in any order, into one run: the arrays are kept per block in
     * block order and the counts added.
     *
     * @param parts runs that together cover consecutive blocks without gaps or overlaps
     * @return the joined run
     * @throws IllegalArgumentException if {@code parts} is empty, leaves a gap, overlaps, or mixes shapes
     */
    public static BlockSums join(List<BlockSums> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("no block sums to join");
        List<BlockSums> sorted = new ArrayList<>(parts);
        sorted.sort(Comparator.comparingInt(p -> p.first));
        int width = sorted.get(0).sums[0].length, countLen = sorted.get(0).counts.length;
        List<double[]> all = new ArrayList<>();
        long[] counts = new long[countLen];
        int next = sorted.get(0).first;
        for (BlockSums p : sorted) {
            if (p.first != next) {
                throw new IllegalArgumentException("block sums are not consecutive: expected block " + next + ", got " + p.first);
            }
            if (p.counts.length != countLen) throw new IllegalArgumentException("block counts differ in length");
            for (double[] s : p.sums) {
                if (s.length != width) throw new IllegalArgumentException("block sums differ in length");
                all.add(s);
            }
            for (int j = 0; j < countLen; j++) counts[j] += p.counts[j];
            next += p.sums.length;
        }
        return new BlockSums(sorted.get(0).first, all.toArray(double[][]::new), counts);
    }

    /**
     * The totals: each sum added block by block in block order, starting from 0.
     *
     * @param blocks the number of blocks of the whole grid; these sums must cover blocks 0 … blocks − 1
     * @return the totals
     * @throws IllegalStateException if the sums do not cover exactly those blocks
     */
    public double[] total(int blocks) {
        if (first != 0 || sums.length != blocks) {
            throw new IllegalStateException("block sums cover blocks " + first + " to " + (first + sums.length - 1)
                    + ", not 0 to " + (blocks - 1));
        }
        double[] t = new double[sums[0].length];
        for (double[] s : sums) {
            for (int j = 0; j < t.length; j++) t[j] += s[j];
        }
        return t;
    }

    /**
     * The exact counts, added over every block joined.
     *
     * @return the counts (not copied)
     */
    public long[] counts() {
        return counts;
    }

    /** @return the index of the first block */
    public int first() {
        return first;
    }

    /** @return the number of blocks */
    public int blocks() {
        return sums.length;
    }
}
