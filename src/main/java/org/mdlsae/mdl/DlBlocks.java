package org.mdlsae.mdl;

import java.io.Serializable;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.BinCounts;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.math.Rows;
import org.mdlsae.math.Stats;
import org.mdlsae.sae.Metrics;

/**
 * The blocks of rows a description-length evaluation sums over, and the work of one block in each pass
 * (docs/design.md §2.3, §14). A block is {@link #DEFAULT_CHUNKS} encoding chunks ({@link Chunks#rows}) of consecutive
 * rows, the last one shorter. Every double of the evaluation is summed from zero within a block and the block sums are
 * added in block order ({@link BlockSums}), so a block is a unit of work that can run anywhere — here one after
 * another ({@link Mdl#evaluate()}), or as tasks on a cluster ({@link DlPasses}) — and the figures are the same doubles.
 * With one block (up to 2^20 rows at the default chunk) this is the plain running sum over rows.
 *
 * <p>The per-block methods are the map side: each reads only its block's rows and returns a small result (sums of
 * doubles, exact counts, a histogram) that the evaluation merges.
 */
public final class DlBlocks implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Encoding chunks per block by default: 2^20 rows at 4096 rows per chunk. */
    public static final int DEFAULT_CHUNKS = 256;

    private final long rows;
    private final int chunkRows;
    private final int chunksPerBlock;

    private DlBlocks(long rows, int chunkRows, int chunksPerBlock) {
        this.rows = rows;
        this.chunkRows = chunkRows;
        this.chunksPerBlock = chunksPerBlock;
    }

    /**
     * The blocks of {@code rows} rows for an encoder of this shape.
     *
     * @param width          dictionary width D
     * @param d              input dimension
     * @param rows           rows of the data
     * @param chunkRows      rows per encoding chunk asked for (capped by {@link Chunks#rows})
     * @param chunksPerBlock encoding chunks per block, ≥ 1
     * @return the grid
     * @throws IllegalArgumentException for non-positive sizes or more than 2^31 − 1 blocks
     */
    public static DlBlocks of(int width, int d, long rows, int chunkRows, int chunksPerBlock) {
        if (rows < 1) throw new IllegalArgumentException("rows must be >= 1, got " + rows);
        if (chunkRows < 1) throw new IllegalArgumentException("chunk rows must be >= 1, got " + chunkRows);
        if (chunksPerBlock < 1) throw new IllegalArgumentException("chunks per block must be >= 1, got " + chunksPerBlock);
        DlBlocks g = new DlBlocks(rows, Chunks.rows(chunkRows, width, d), chunksPerBlock);
        if ((rows - 1) / g.blockRows() + 1 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(rows + " rows make more than 2^31 - 1 blocks; use more chunks per block");
        }
        return g;
    }

    /** @return rows of the data */
    public long rows() {
        return rows;
    }

    /** @return rows per encoding chunk */
    public int chunkRows() {
        return chunkRows;
    }

    /** @return rows per block (the last block may hold fewer) */
    public long blockRows() {
        return (long) chunkRows * chunksPerBlock;
    }

    /** @return the number of blocks */
    public int count() {
        return (int) ((rows - 1) / blockRows() + 1);
    }

    /**
     * @param b a block
     * @return its first row
     */
    public long start(int b) {
        return b * blockRows();
    }

    /**
     * @param b a block
     * @return the row after its last
     */
    public long end(int b) {
        return Math.min(rows, (b + 1) * blockRows());
    }

    /**
     * The rows of one block.
     *
     * @param all the rows this grid was made for
     * @param b   a block
     * @return a view of its rows
     */
    public Rows block(Rows all, int b) {
        if (all.rowCount() != rows) {
            throw new IllegalArgumentException(all.name() + " has " + all.rowCount() + " rows, this grid " + rows);
        }
        if (b < 0 || b >= count()) throw new IndexOutOfBoundsException("block " + b + " of " + count());
        return Rows.range(all, start(b), end(b));
    }

    /**
     * Pass 1 (no encoding): the per-column sums of a block's rows, each from zero in row order; rejects NaN/Inf,
     * naming the row.
     *
     * @param all  the rows
     * @param b    the block
     * @param what the rows' role and name, for messages
     * @return d column sums
     */
    public BlockSums columnSums(Rows all, int b, String what) {
        int d = all.dim();
        long base = start(b);
        double[] sum = new double[d];
        block(all, b).forEachChunk(chunkRows, (r0, n, buf, off) -> {
            Mdl.checkFinite(base + r0, n, buf, off, d, what);
            Stats.addColumnSums(sum, buf, off, n);
        });
        return BlockSums.of(b, sum, new long[0]);
    }

    /**
     * Pass 2 (no encoding): Σ‖x − x̄‖² over a block's rows, from zero in row-major order.
     *
     * @param all  the rows
     * @param b    the block
     * @param mean the per-column mean of all rows
     * @return one sum
     */
    public BlockSums deviation(Rows all, int b, double[] mean) {
        double[] s = {0};
        block(all, b).forEachChunk(chunkRows, (r0, n, buf, off) -> s[0] = Stats.addSqDeviation(s[0], mean, buf, off, n));
        return BlockSums.of(b, s, new long[0]);
    }

    /**
     * Calibration: the per-feature maxima of the codes of a block's rows (0 for features never active there); rejects
     * NaN/Inf, naming the row. Maxima merge exactly in any order ({@link #maxOf}).
     *
     * @param model the encoder
     * @param calib the calibration rows this grid was made for
     * @param b     the block
     * @return D maxima
     */
    public float[] maxima(SparseEncoder model, Rows calib, int b) {
        int d = model.dIn();
        long base = start(b);
        Backend be = model.backend();
        try (FloatBuf max = be.floats(model.width())) {
            Chunks.forEach(model, block(calib, b), chunkRows,
                    (r0, n, buf, off) -> Mdl.checkFinite(base + r0, n, buf, off, d, "calibration data"),
                    (r0, n, x, code) -> {
                        be.featureMax(code, max);
                        return false;
                    });
            return be.download(max);
        }
    }

    /**
     * Merges per-block maxima into {@code into} (elementwise max; exact in any order).
     *
     * @param into the maxima so far, updated
     * @param more a block's maxima
     * @return {@code into}
     */
    public static float[] maxOf(float[] into, float[] more) {
        for (int j = 0; j < into.length; j++) into[j] = Math.max(into[j], more[j]);
        return into;
    }

    /** Chunk by chunk, whether the caller keeps an encoded chunk's code (it then owns and closes it). */
    interface Keep {
        boolean keep(SparseCode code);
    }

    /**
     * Pass 3: the block's squared reconstruction errors, unquantised (index 0) and quantised at B = 1..16 (index B),
     * each summed from zero over its chunks in order, with the exact per-feature active counts.
     *
     * @param model the encoder
     * @param all   the evaluation rows
     * @param b     the block
     * @param max   the calibration maxima (D)
     * @return 17 sums and D counts
     */
    public BlockSums errors(SparseEncoder model, Rows all, int b, float[] max) {
        try (FloatBuf maxBuf = model.backend().upload(max)) {
            return errors(model, all, b, maxBuf, code -> false);
        }
    }

    BlockSums errors(SparseEncoder model, Rows all, int b, FloatBuf maxBuf, Keep keep) {
        Backend be = model.backend();
        int d = model.dIn();
        double[] se = new double[1 + PrecisionSearch.MAX_BITS];
        long[] active = new long[model.width()];
        try (IntBuf counts = be.ints(model.width())) {
            Chunks.forEach(model, block(all, b), chunkRows, (r0, n, x, code) -> {
                for (int bits = 0; bits <= PrecisionSearch.MAX_BITS; bits++) {
                    se[bits] += be.quantisedSqError(code, maxBuf, bits, model.dec(), model.bDec(), x, d);
                }
                be.countActive(code, counts);
                if ((r0 + n) / Metrics.DRAIN_ROWS != r0 / Metrics.DRAIN_ROWS) Metrics.drainCounts(be, counts, active);
                return keep.keep(code);
            });
            Metrics.drainCounts(be, counts, active);
        }
        return BlockSums.of(b, se, active);
    }

    /**
     * Pass 4: the histogram of the block's quantised symbols at B bits (merges exactly in any order).
     *
     * @param model the encoder
     * @param all   the evaluation rows
     * @param b     the block
     * @param max   the calibration maxima (D)
     * @param bits  B*
     * @return the block's bin counts
     */
    public BinCounts bins(SparseEncoder model, Rows all, int b, float[] max, int bits) {
        Backend be = model.backend();
        BinCounts[] acc = {new BinCounts(bits, new long[0], new long[0])};
        try (FloatBuf maxBuf = be.upload(max)) {
            Chunks.forEach(model, block(all, b), chunkRows, (r0, n, x, code) -> {
                acc[0] = acc[0].merge(be.binCounts(code, maxBuf, bits));
                return false;
            });
        }
        return acc[0];
    }
}
