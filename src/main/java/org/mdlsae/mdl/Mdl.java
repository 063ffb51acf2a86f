package org.mdlsae.mdl;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.mdlsae.ConfigException;
import org.mdlsae.InputException;
import org.mdlsae.math.Rows;
import org.mdlsae.math.Stats;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.BinCounts;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.data.Dataset;
import org.mdlsae.sae.Sae;

/**
 * The builder of one description-length measurement of an SAE (docs/design.md §2.3); the notebook facade is
 * {@code api.MdlSae}, which uses it:
 * <pre>{@code
 * DlReport r = Mdl.of(sae, test, nTest).calibration(train, nTrain).tolerance(0.015).evaluate();
 * DlReport r = Mdl.of(sae, test, nTest).calibration(train, nTrain).toleranceFvu(0.22).evaluate();
 * DlReport r = Mdl.of(sae, test, nTest).calibration(train, nTrain).delta(1e-4).evaluate();
 * }</pre>
 * or, with {@link Rows} (an in-memory {@link Dataset} or a {@code data.ShardSet} streamed from disk),
 * {@code Mdl.of(sae, testSet).calibration(trainSet).tolerance(0.015).evaluate()}
 * (raw data is row-major float[] of rows×d; any {@link SparseEncoder} works in place of the Sae).
 * Without {@code calibration(...)} the quantiser is calibrated on the evaluation set itself.
 * Exactly one tolerance must be set (the last call wins).
 *
 * <p>Evaluation is chunked (≤ 4096 rows on the device at a time) and linear in N·k: one pass encodes each
 * chunk and accumulates the unquantised and the 16 quantised squared errors plus active counts; B* is
 * then chosen by {@link PrecisionSearch}; a second pass (re-using the codes when they fit the cache bound,
 * {@link #defaultCacheEntries()}, re-encoding otherwise — the figures are the same either way) merges the
 * {@link BinCounts} at B* into the entropy DL (on a GPU back end it counts per-feature histograms on the device
 * instead and only the per-feature costs come back: docs/design.md §9). Codes are histogrammed chunk by chunk, so
 * memory does not grow with N and streamed data are read, never held (docs/design.md §8); the figures depend only on
 * the rows' values, not on how they are stored.
 *
 * <p>Every double is summed from zero within a block of rows ({@link DlBlocks}: 256 chunks, 2^20 rows at the default
 * chunk) and the block sums are added in block order ({@link BlockSums}); with one block that is the plain running sum.
 * The blocks are what {@link #evaluate(DlPasses)} hands to another executor of the passes (a cluster, docs/design.md
 * §14), which then gives the same doubles.
 */
public final class Mdl {
    /** The default MSE tolerance ε of DL measurements and sweeps (MNIST scale; docs/design.md §2.4). */
    public static final double DEFAULT_EPS = 0.015;

    /** Codes up to this many entries in total are kept between the two passes instead of re-encoding. */
    static final long CACHE_ENTRIES = 1L << 24;

    private final SparseEncoder model;
    private final Rows data;
    private final String name;
    private Rows calib;
    private float[] maxima;
    private Double eps, fvu, delta;
    private int chunkRows = Chunks.DEFAULT_ROWS;
    private int blockChunks = DlBlocks.DEFAULT_CHUNKS;
    private long cacheEntries = defaultCacheEntries();
    private boolean aboveVariance;

    private Mdl(SparseEncoder model, Rows data, String name) {
        if (model == null) throw new InputException("no SAE given to Mdl.of");
        this.model = model;
        this.data = data;
        this.name = name;
    }

    /**
     * The most code entries kept between the two passes: 2^24, and at most 1/8 of the JVM's maximum heap at 8 bytes
     * per entry (2^24 at -Xmx1g).
     *
     * @return the bound
     */
    public static long defaultCacheEntries() {
        return Math.min(CACHE_ENTRIES, Runtime.getRuntime().maxMemory() / 64);
    }

    /**
     * DL evaluation of {@code model} on {@code rows} rows of {@code evalData} (row-major rows×d).
     *
     * @throws InputException if the data's shape does not match the SAE
     * @param model    the SAE (or any sparse encoder)
     * @param evalData row-major rows×d evaluation activations
     * @param rows     number of rows in {@code evalData}
     * @return a builder; set a tolerance, then {@link #evaluate()}
     */
    public static Mdl of(SparseEncoder model, float[] evalData, int rows) {
        if (model == null) throw new InputException("no SAE given to Mdl.of");
        checkData(model, evalData, rows, "evaluation data");
        return new Mdl(model, Rows.of("evaluation data", evalData, rows, model.dIn()), "evaluation data");
    }

    /**
     * DL evaluation of an SAE on {@code rows} rows of {@code evalData} (row-major rows×d).
     *
     * @param sae      the SAE
     * @param evalData row-major rows×d evaluation activations
     * @param rows     number of rows in {@code evalData}
     * @return a builder; set a tolerance, then {@link #evaluate()}
     */
    public static Mdl of(Sae sae, float[] evalData, int rows) {
        return of(SparseEncoder.of(sae), evalData, rows);
    }

    /**
     * DL evaluation of an SAE on a data set, in memory or streamed.
     *
     * @throws InputException if the data set's dimension is not the SAE's d_in, or it is empty
     * @param sae  the SAE
     * @param eval the evaluation set (normally the test split)
     * @return a builder; set a tolerance, then {@link #evaluate()}
     */
    public static Mdl of(Sae sae, Rows eval) {
        return of(SparseEncoder.of(sae), eval);
    }

    /**
     * DL evaluation of any sparse encoder on a data set, in memory or streamed.
     *
     * @param model the sparse encoder
     * @param eval  the evaluation set
     * @return a builder; set a tolerance, then {@link #evaluate()}
     */
    public static Mdl of(SparseEncoder model, Rows eval) {
        if (model == null) throw new InputException("no SAE given to Mdl.of");
        checkDim(model, eval, "evaluation");
        return new Mdl(model, eval, "evaluation data " + eval.name());
    }

    /**
     * Calibrates the quantiser's per-feature maxima on a data set (normally the train split).
     *
     * @param calib the calibration set
     * @return this builder
     */
    public Mdl calibration(Rows calib) {
        checkDim(model, calib, "calibration");
        this.calib = calib;
        this.maxima = null;
        return this;
    }

    static void checkDim(SparseEncoder model, Rows ds, String role) {
        if (ds == null) throw new InputException("no " + role + " data set given");
        if (ds.dim() != model.dIn()) {
            throw new InputException(role + " data " + ds.name() + " has d = " + ds.dim() + " but the SAE expects d_in = "
                    + model.dIn() + "; give activations of the layer the SAE was trained on");
        }
        if (ds.rowCount() < 1) throw new InputException(role + " data " + ds.name() + " has no rows");
    }

    /**
     * Calibrates the quantiser's per-feature maxima on these rows (normally the train split).
     *
     * @param calibData row-major rows×d calibration activations
     * @param rows      number of rows in {@code calibData}
     * @return this builder
     */
    public Mdl calibration(float[] calibData, int rows) {
        checkData(model, calibData, rows, "calibration data");
        this.calib = Rows.of("calibration data", calibData, rows, model.dIn());
        this.maxima = null;
        return this;
    }

    /**
     * Uses precomputed per-feature maxima (length D, e.g. from {@link Calibration#maxima}).
     *
     * @param max max_i per latent, finite and ≥ 0
     * @return this builder
     */
    public Mdl calibrationMaxima(float[] max) {
        if (max == null || max.length != model.width()) {
            throw new InputException("calibration maxima: need " + model.width() + " values (one per latent), got "
                    + (max == null ? "none" : max.length));
        }
        for (float v : max) {
            if (!(v >= 0) || Float.isInfinite(v)) throw new InputException("calibration maxima must be finite and >= 0, got " + v);
        }
        this.maxima = max.clone();
        this.calib = null;
        return this;
    }

    /**
     * Tolerance ε as MSE (mean over N·d elements); ε &gt; 0.
     *
     * @param mseEps ε in MSE units
     * @return this builder
     */
    public Mdl tolerance(double mseEps) {
        if (!(mseEps > 0) || Double.isInfinite(mseEps)) {
            throw new ConfigException("Mdl.eps", "(MSE tolerance) must be a finite number > 0, got " + mseEps);
        }
        eps = mseEps;
        fvu = null;
        delta = null;
        return this;
    }

    /**
     * Tolerance as FVU, converted once to MSE: ε = fvu·Σ‖x − x̄‖²/(N·d) on the evaluation set.
     *
     * @param fvuEps ε as a fraction of variance unexplained
     * @return this builder
     */
    public Mdl toleranceFvu(double fvuEps) {
        if (!(fvuEps > 0) || Double.isInfinite(fvuEps)) {
            throw new ConfigException("Mdl.fvu", "(FVU tolerance) must be a finite number > 0, got " + fvuEps);
        }
        fvu = fvuEps;
        eps = null;
        delta = null;
        return this;
    }

    /**
     * δ mode: B* is the smallest B whose quantised MSE exceeds the unquantised MSE by at most δ ≥ 0.
     *
     * @param maxIncrease δ in MSE units
     * @return this builder
     */
    public Mdl delta(double maxIncrease) {
        if (!(maxIncrease >= 0) || Double.isInfinite(maxIncrease)) {
            throw new ConfigException("Mdl.delta", "(allowed MSE increase) must be a finite number >= 0, got " + maxIncrease);
        }
        delta = maxIncrease;
        eps = null;
        fvu = null;
        return this;
    }

    /**
     * Rows per chunk (default 4096; capped further for wide SAEs).
     *
     * @param n rows per chunk, ≥ 1
     * @return this builder
     */
    public Mdl chunkRows(int n) {
        if (n < 1) throw new IllegalArgumentException("chunk rows must be >= 1, got " + n);
        chunkRows = n;
        return this;
    }

    /**
     * Lifts the guard of {@link #requireBelowVariance} for this evaluation: the DL is measured at a tolerance at or
     * above the data's variance, for measurements that deliberately go coarser than the mean (an SAE worse than the
     * mean meets no other tolerance; round trips at a few bits of precision). Not for selection: any such tolerance is
     * met by sending no code at all.
     *
     * @return this builder
     */
    public Mdl allowToleranceAboveVariance() {
        aboveVariance = true;
        return this;
    }

    /** Test hook: the most code entries kept between the two passes (0 forces re-encoding). */
    Mdl cacheEntries(long entries) {
        cacheEntries = entries;
        return this;
    }

    /**
     * Refuses a tolerance at or above the data's variance (FVU ≥ 1): sending no code at all (reconstructing every
     * row as the mean) already meets it, so every SAE is admissible and the DL comparison says nothing; such values
     * are typos (and absurd ones like 1e300 overflow what is printed and plotted).
     *
     * @param flag     the flag that set the tolerance
     * @param epsMse   the tolerance as MSE
     * @param epsFvu   the same as FVU
     * @param variance the data's variance per element
     * @throws InputException if {@code epsFvu >= 1}
     */
    public static void requireBelowVariance(String flag, double epsMse, double epsFvu, double variance) {
        if (epsFvu >= 1) {
            throw new InputException(String.format(java.util.Locale.ROOT, "%s: the tolerance (MSE %.4g, FVU %.4g) is at "
                    + "or above the evaluation data's variance (%.4g per element), which sending no code at all meets; "
                    + "give an MSE below %.4g or an FVU below 1", flag, epsMse, epsFvu, variance, variance));
        }
    }

    /**
     * Runs the evaluation here, block after block; see the class comment.
     *
     * @return the report; inadmissible SAEs come back with null B* and DL, not an exception
     */
    public DlReport evaluate() {
        try (Local local = new Local()) {
            return evaluate(local, local);
        }
    }

    /**
     * Runs the evaluation with its passes over the rows done by {@code passes} (e.g. as jobs on a cluster, docs/design.md
     * §14): the blocks, the tolerance, B* and the report are this builder's, so the figures equal {@link #evaluate()}'s
     * when {@code passes} computes the blocks with {@link DlBlocks}' methods on the same rows. The entropy DL comes from
     * the merged bin counts ({@link DescriptionLength#entropyBits}), as on the CPU back end.
     *
     * @param passes where the passes run
     * @return the report
     */
    public DlReport evaluate(DlPasses passes) {
        return evaluate(java.util.Objects.requireNonNull(passes, "passes"), null);
    }

    /**
     * The blocks of the evaluation rows (docs/design.md §14).
     *
     * @return the grid {@link #evaluate()} sums over
     */
    public DlBlocks blocks() {
        return DlBlocks.of(model.width(), model.dIn(), data.rowCount(), chunkRows, blockChunks);
    }

    /**
     * The blocks of the calibration rows, or null when the maxima were given ({@link #calibrationMaxima}).
     *
     * @return the grid the calibration pass runs over
     */
    public DlBlocks calibrationBlocks() {
        if (maxima != null) return null;
        Rows c = calib != null ? calib : data;
        return DlBlocks.of(model.width(), model.dIn(), c.rowCount(), chunkRows, blockChunks);
    }

    /**
     * Encoding chunks per block of the block-ordered sums (default {@link DlBlocks#DEFAULT_CHUNKS}). The figures of an
     * evaluation over more rows than one block depend on it in their last bits; a distributed evaluation uses the same
     * value to get the same doubles.
     *
     * @param n chunks per block, ≥ 1
     * @return this builder
     */
    public Mdl blockChunks(int n) {
        if (n < 1) throw new IllegalArgumentException("chunks per block must be >= 1, got " + n);
        blockChunks = n;
        return this;
    }

    private DlReport evaluate(DlPasses passes, Local local) {
        if (eps == null && fvu == null && delta == null) {
            throw new InputException("no tolerance set: call tolerance(eps), toleranceFvu(fvu) or delta(d) before evaluate()");
        }
        int d = model.dIn(), width = model.width();
        long rows = data.rowCount();
        long nd = rows * d;
        DlBlocks grid = blocks();
        double[] mean = Stats.divide(passes.columnSums(grid).total(grid.count()), rows);
        double ssDev = passes.deviation(grid, mean).total(grid.count())[0];
        Double epsMse = eps, epsFvu = null;
        if (fvu != null) {
            if (ssDev <= 0) {
                throw new ConfigException("Mdl.fvu", "is undefined: the evaluation data has no variance; give an MSE tolerance instead");
            }
            epsMse = fvu * ssDev / nd;
            epsFvu = fvu;
        } else if (eps != null && ssDev > 0) {
            epsFvu = eps * nd / ssDev;
        }
        if (epsFvu != null && !aboveVariance) requireBelowVariance(fvu != null ? "--fvu" : "--eps", epsMse, epsFvu, ssDev / nd);

        float[] max = maxima != null ? maxima : passes.maxima(calibrationBlocks());
        BlockSums errors = passes.errors(grid, max);
        double[] se = errors.total(grid.count());
        long[] activePerFeature = errors.counts();
        double mse = se[0] / nd;
        double[] mseByBits = new double[PrecisionSearch.MAX_BITS];
        for (int b = 0; b < mseByBits.length; b++) mseByBits[b] = se[b + 1] / nd;
        Integer bStar = delta != null
                ? PrecisionSearch.delta(mse, delta, PrecisionSearch.fromArray(mseByBits))
                : PrecisionSearch.epsilon(mse, epsMse, PrecisionSearch.fromArray(mseByBits));

        long active = 0;
        int dead = 0;
        for (long c : activePerFeature) {
            active += c;
            if (c == 0) dead++;
        }
        double l0 = (double) active / rows;
        double fvuValue = ssDev > 0 ? se[0] / ssDev : Double.NaN;

        Double mseQ = null, dl = null, bound = null, saved = null;
        Long dense = null;
        if (bStar != null) {
            int bits = bStar;
            mseQ = mseByBits[bits - 1];
            dl = local != null ? local.entropyBits(grid, bits)
                    : DescriptionLength.entropyBits(passes.bins(grid, max, bits), rows, width);
            bound = DescriptionLength.upperBoundBits(l0, width, bits);
            dense = DescriptionLength.denseBits(d, bits);
            saved = dense - dl;
        }
        return new DlReport(d, width, model.k(), rows, l0, mse, fvuValue, (double) dead / width,
                bStar, mseQ, dl, bound, dense, saved, bStar != null,
                delta != null ? null : epsMse, delta != null ? null : epsFvu, delta, mseByBits);
    }

    /** Per-feature histograms of width·2^bits ints stay on a device back end up to this size (256 MiB). */
    static final long DEVICE_HISTOGRAM_CELLS = 1L << 26;

    /**
     * The passes run here, block after block. Codes of pass 3 are kept for pass 4 while they total at most the cache
     * bound (re-encoded otherwise; the counts are the same either way), and on a device back end the entropy is
     * counted on the device (docs/design.md §9).
     */
    private final class Local implements DlPasses, AutoCloseable {
        private final Backend be = model.backend();
        private final List<SparseCode> kept = new ArrayList<>();
        private long keptEntries;
        private boolean cacheOk = true;
        private FloatBuf maxBuf;

        @Override
        public BlockSums columnSums(DlBlocks grid) {
            List<BlockSums> parts = new ArrayList<>();
            for (int b = 0; b < grid.count(); b++) parts.add(grid.columnSums(data, b, name));
            return BlockSums.join(parts);
        }

        @Override
        public BlockSums deviation(DlBlocks grid, double[] mean) {
            List<BlockSums> parts = new ArrayList<>();
            for (int b = 0; b < grid.count(); b++) parts.add(grid.deviation(data, b, mean));
            return BlockSums.join(parts);
        }

        @Override
        public float[] maxima(DlBlocks calibGrid) {
            // maxima are exact in any order: one pass over all calibration rows
            return Calibration.maxima(model, calib != null ? calib : data, chunkRows);
        }

        @Override
        public BlockSums errors(DlBlocks grid, float[] max) {
            maxBuf = be.upload(max);
            List<BlockSums> parts = new ArrayList<>();
            for (int b = 0; b < grid.count(); b++) parts.add(grid.errors(model, data, b, maxBuf, this::keep));
            return BlockSums.join(parts);
        }

        private boolean keep(SparseCode code) {
            if (cacheOk && keptEntries + code.nnz() <= cacheEntries) {
                keptEntries += code.nnz();
                kept.add(code);
                return true;
            }
            if (cacheOk) closeAll(kept); // the codes will be re-encoded: free them now
            cacheOk = false;
            return false;
        }

        @Override
        public BinCounts bins(DlBlocks grid, float[] max, int bits) {
            BinCounts[] acc = {new BinCounts(bits, new long[0], new long[0])};
            eachCode(grid, code -> acc[0] = acc[0].merge(be.binCounts(code, maxBuf, bits)));
            return acc[0];
        }

        /** The entropy DL at B = bits: counted on the device where it fits, else from the merged bin counts. */
        double entropyBits(DlBlocks grid, int bits) {
            int width = model.width();
            long rows = data.rowCount();
            if (be.hostMemory() || ((long) width << bits) > DEVICE_HISTOGRAM_CELLS || rows >= Integer.MAX_VALUE) {
                return DescriptionLength.entropyBits(bins(grid, null, bits), rows, width);
            }
            try (IntBuf hist = be.ints((long) width << bits)) {
                eachCode(grid, code -> be.binHistogram(code, maxBuf, bits, hist));
                double s = 0;
                for (double v : be.entropyBits(hist, width, bits, rows)) s += v;
                return s;
            }
        }

        /** Every code of pass 3, kept or re-encoded. */
        private void eachCode(DlBlocks grid, Consumer<SparseCode> visit) {
            if (cacheOk) {
                for (SparseCode c : kept) visit.accept(c);
                return;
            }
            closeAll(kept);
            Chunks.forEach(model, data, grid.chunkRows(), (r0, n, x, code) -> {
                visit.accept(code);
                return false;
            });
        }

        @Override
        public void close() {
            closeAll(kept);
            if (maxBuf != null) maxBuf.close();
        }
    }

    private static void closeAll(List<SparseCode> codes) {
        for (SparseCode c : codes) c.close();
        codes.clear();
    }

    /** Validates a host data set against the SAE: rows ≥ 1 and data.length = rows·d. */
    static void checkData(SparseEncoder model, float[] data, int rows, String what) {
        if (data == null) throw new InputException(what + ": no data given");
        if (rows < 1) throw new InputException(what + ": needs at least one row, got " + rows);
        int d = model.dIn();
        if ((long) rows * d != data.length) {
            if (data.length % d == 0) {
                throw new InputException(what + ": " + data.length + " values are " + (data.length / d) + " rows of the SAE's d = "
                        + d + ", not " + rows + " rows");
            }
            throw new InputException(what + ": " + data.length + " values do not form rows of the SAE's input dimension d = " + d
                    + "; give activations of the layer the SAE was trained on");
        }
    }

    /** Rejects NaN/Inf in rows [row0, row0 + n) lent as buf[off ..], naming the row and column. */
    static void checkFinite(long row0, int n, float[] buf, int off, int d, String what) {
        for (int q = 0; q < n * d; q++) {
            float v = buf[off + q];
            if (!Float.isFinite(v)) {
                throw new InputException(what + ": row " + (row0 + q / d) + ", column " + (q % d) + " is " + v
                        + "; remove or fix non-finite activations");
            }
        }
    }
}
