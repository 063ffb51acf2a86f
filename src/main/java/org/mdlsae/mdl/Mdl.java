package org.mdlsae.mdl;

import java.util.ArrayList;
import java.util.List;
import org.mdlsae.InputException;
import org.mdlsae.math.Rows;
import org.mdlsae.math.Stats;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.BinCounts;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.data.Dataset;
import org.mdlsae.sae.Metrics;
import org.mdlsae.sae.Sae;

/**
 * Notebook facade for the description length of one SAE (DESIGN §2.3):
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
 * {@link BinCounts} at B* into the entropy DL. Codes are histogrammed chunk by chunk, so memory does not grow with N
 * and streamed data are read, never held (docs/design.md §8); the figures depend only on the rows' values, not on how
 * they are stored.
 */
public final class Mdl {
    /** Codes up to this many entries in total are kept between the two passes instead of re-encoding. */
    static final long CACHE_ENTRIES = 1L << 24;

    private final SparseEncoder model;
    private final Rows data;
    private final String name;
    private Rows calib;
    private float[] maxima;
    private Double eps, fvu, delta;
    private int chunkRows = Chunks.DEFAULT_ROWS;
    private long cacheEntries = defaultCacheEntries();

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
            throw new InputException("--eps: the MSE tolerance must be a finite number > 0, got " + mseEps);
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
            throw new InputException("--fvu: the FVU tolerance must be a finite number > 0, got " + fvuEps);
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
            throw new InputException("--delta: the allowed MSE increase must be a finite number >= 0, got " + maxIncrease);
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

    /** Test hook: the most code entries kept between the two passes (0 forces re-encoding). */
    Mdl cacheEntries(long entries) {
        cacheEntries = entries;
        return this;
    }

    /**
     * Runs the evaluation; see the class comment.
     *
     * @return the report; inadmissible SAEs come back with null B* and DL, not an exception
     */
    public DlReport evaluate() {
        if (eps == null && fvu == null && delta == null) {
            throw new InputException("no tolerance set: call tolerance(eps), toleranceFvu(fvu) or delta(d) "
                    + "(CLI: --eps, --fvu or --delta)");
        }
        int d = model.dIn(), width = model.width();
        long rows = data.rowCount();
        long nd = rows * d;
        double ssDev = sumSqDeviation(data, name, chunkRows);
        Double epsMse = eps, epsFvu = null;
        if (fvu != null) {
            if (ssDev <= 0) {
                throw new InputException("--fvu: the evaluation data has no variance, so FVU is undefined; give --eps (MSE) instead");
            }
            epsMse = fvu * ssDev / nd;
            epsFvu = fvu;
        } else if (eps != null && ssDev > 0) {
            epsFvu = eps * nd / ssDev;
        }

        float[] max = maxima != null ? maxima : Calibration.maxima(model, calib != null ? calib : data, chunkRows);
        Backend be = model.backend();
        double[] seByBits = new double[PrecisionSearch.MAX_BITS];
        double[] se0 = new double[1];
        List<SparseCode> kept = new ArrayList<>();
        long[] keptEntries = {0};
        boolean[] cacheOk = {true};
        long[] activePerFeature = new long[width];
        try (FloatBuf maxBuf = be.upload(max); IntBuf counts = be.ints(width)) {
            try {
                Chunks.forEach(model, data, chunkRows, (r0, n, x, code) -> {
                    se0[0] += be.quantisedSqError(code, maxBuf, 0, model.dec(), model.bDec(), x, d);
                    for (int b = 1; b <= PrecisionSearch.MAX_BITS; b++) {
                        seByBits[b - 1] += be.quantisedSqError(code, maxBuf, b, model.dec(), model.bDec(), x, d);
                    }
                    be.countActive(code, counts);
                    if ((r0 + n) / Metrics.DRAIN_ROWS != r0 / Metrics.DRAIN_ROWS) {
                        Metrics.drainCounts(be, counts, activePerFeature);
                    }
                    if (cacheOk[0] && keptEntries[0] + code.nnz() <= cacheEntries) {
                        keptEntries[0] += code.nnz();
                        kept.add(code);
                        return true;
                    }
                    if (cacheOk[0]) closeAll(kept); // the codes will be re-encoded: free them now
                    cacheOk[0] = false;
                    return false;
                });
                Metrics.drainCounts(be, counts, activePerFeature);

                double mse = se0[0] / nd;
                double[] mseByBits = new double[seByBits.length];
                for (int b = 0; b < seByBits.length; b++) mseByBits[b] = seByBits[b] / nd;
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
                double fvuValue = ssDev > 0 ? se0[0] / ssDev : Double.NaN;

                Double mseQ = null, dl = null, bound = null, saved = null;
                Long dense = null;
                if (bStar != null) {
                    int bits = bStar;
                    BinCounts merged = new BinCounts(bits, new long[0], new long[0]);
                    if (cacheOk[0]) {
                        for (SparseCode c : kept) merged = merged.merge(be.binCounts(c, maxBuf, bits));
                    } else {
                        closeAll(kept);
                        BinCounts[] acc = {merged};
                        Chunks.forEach(model, data, chunkRows, (r0, n, x, code) -> {
                            acc[0] = acc[0].merge(be.binCounts(code, maxBuf, bits));
                            return false;
                        });
                        merged = acc[0];
                    }
                    mseQ = mseByBits[bits - 1];
                    dl = DescriptionLength.entropyBits(merged, rows, width);
                    bound = DescriptionLength.upperBoundBits(l0, width, bits);
                    dense = DescriptionLength.denseBits(d, bits);
                    saved = dense - dl;
                }
                return new DlReport(d, width, model.k(), rows, l0, mse, fvuValue, (double) dead / width,
                        bStar, mseQ, dl, bound, dense, saved, bStar != null,
                        delta != null ? null : epsMse, delta != null ? null : epsFvu, delta, mseByBits);
            } finally {
                closeAll(kept);
            }
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

    /**
     * Σ‖x − x̄‖² over rows (x̄ the per-dimension mean), two streamed passes in double; the first rejects NaN/Inf.
     */
    static double sumSqDeviation(Rows x, String what, int chunkRows) {
        int d = x.dim();
        double[] sum = new double[d];
        x.forEachChunk(chunkRows, (r0, n, buf, off) -> {
            checkFinite(r0, n, buf, off, d, what);
            Stats.addColumnSums(sum, buf, off, n);
        });
        double[] mean = Stats.divide(sum, x.rowCount());
        double[] s = {0};
        x.forEachChunk(chunkRows, (r0, n, buf, off) -> s[0] = Stats.addSqDeviation(s[0], mean, buf, off, n));
        return s[0];
    }
}
