package org.mdlsae.mdl;

import org.mdlsae.backend.BinCounts;

/**
 * Where the passes of a description-length evaluation run: {@link Mdl#evaluate(DlPasses)} decides what to compute
 * (tolerance, B*, the report) and asks an implementation for the merged results of each pass over the blocks of
 * {@link DlBlocks}. {@link Mdl#evaluate()} runs them here, block after block; the Spark module runs each pass as a job
 * whose tasks compute blocks with the same {@link DlBlocks} methods (docs/design.md §14). Every method returns the
 * results of all blocks of its grid, joined ({@link BlockSums#join}); doubles are never pre-added across blocks, so the
 * figures do not depend on where or in which order blocks ran.
 */
public interface DlPasses {
    /**
     * Pass 1 over the evaluation rows: {@link DlBlocks#columnSums} of every block.
     *
     * @param grid the evaluation rows' blocks
     * @return the joined sums
     */
    BlockSums columnSums(DlBlocks grid);

    /**
     * Pass 2 over the evaluation rows: {@link DlBlocks#deviation} of every block.
     *
     * @param grid the evaluation rows' blocks
     * @param mean the per-column mean
     * @return the joined sums
     */
    BlockSums deviation(DlBlocks grid, double[] mean);

    /**
     * Calibration over the calibration rows: {@link DlBlocks#maxima} of every block, merged by {@link DlBlocks#maxOf}.
     *
     * @param calibGrid the calibration rows' blocks
     * @return D maxima
     */
    float[] maxima(DlBlocks calibGrid);

    /**
     * Pass 3 over the evaluation rows: {@link DlBlocks#errors} of every block.
     *
     * @param grid the evaluation rows' blocks
     * @param max  the calibration maxima
     * @return the joined sums and counts
     */
    BlockSums errors(DlBlocks grid, float[] max);

    /**
     * Pass 4 over the evaluation rows: {@link DlBlocks#bins} of every block, merged.
     *
     * @param grid the evaluation rows' blocks
     * @param max  the calibration maxima
     * @param bits B*
     * @return the merged histogram
     */
    BinCounts bins(DlBlocks grid, float[] max, int bits);
}
