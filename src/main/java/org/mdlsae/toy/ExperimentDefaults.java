package org.mdlsae.toy;

/**
 * The defaults the toy experiments share ({@link SplitExperiment.Config#defaults}, {@link TreeExperiment.Config#defaults}
 * and the {@code toy experiment} flags): defined here once.
 */
public final class ExperimentDefaults {
    /** Training rows (the evaluation set has as many). */
    public static final int SAMPLES = 20_000;
    /** Input dimension. */
    public static final int D = 32;
    /** Tolerance as FVU. */
    public static final double FVU = 0.01;
    /** Training epochs. */
    public static final int EPOCHS = 10;
    /** Restarts per SAE of the split experiment. */
    public static final int SPLIT_RESTARTS = 3;
    /** ρ grid points of the split experiment. */
    public static final int SPLIT_RHO_STEPS = 11;
    /** Restarts per SAE of the tree experiment. */
    public static final int TREE_RESTARTS = 2;
    /** P(parent) of the tree experiment. */
    public static final double TREE_P = 0.5;
    /** Exclusive children of the tree experiment. */
    public static final int TREE_CHILDREN = 4;
    /** P(child | parent) of the tree experiment. */
    public static final double TREE_R = 0.1;

    private ExperimentDefaults() {
    }
}
