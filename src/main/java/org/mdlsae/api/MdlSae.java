package org.mdlsae.api;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.backend.choice.Backends;
import org.mdlsae.data.DataSources;
import org.mdlsae.data.Dataset;
import org.mdlsae.data.ShardSet;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.math.Rows;
import org.mdlsae.mdl.DlReport;
import org.mdlsae.mdl.Mdl;
import org.mdlsae.report.SweepReport;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Metrics;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.sweep.Sweep;
import org.mdlsae.sweep.SweepConfig;
import org.mdlsae.sweep.SweepResults;
import org.mdlsae.train.Normalization;
import org.mdlsae.train.Provenance;
import org.mdlsae.train.TrainConfig;
import org.mdlsae.train.TrainListener;
import org.mdlsae.train.Trainer;

/**
 * The notebook facade (jshell, JVM Jupyter kernels) and the library's front door: one object that holds a back end
 * and everything uploaded to it, so a session of calls does not copy an SAE to the device again and again.
 * <pre>{@code
 * try (MdlSae m = MdlSae.open("cpu")) {                  // or open(): $MDLSAE_BACKEND, else the best available
 *     Dataset train = m.mnist("train"), test = m.mnist("test");
 *     MdlSae.Trained t = m.train(train, MdlSae.config("batchtopk", 256, 8).withEpochs(10));  // a line per epoch
 *     Metrics q = m.evaluate(t.weights(), test);         // mse, fvu, explained variance, cossim, L0, …
 *     DlReport dl = m.dl(t.weights(), test, train);       // B*, entropy DL, bound, dense bits at ε = 0.015
 *     MdlSae.Codes z = m.encode(t.weights(), test);       // the sparse codes, on the host
 *     float[] xhat = m.decode(t.weights(), z);            // = m.reconstruct(t.weights(), test)
 *     m.save(t, Path.of("runs/s256"));                    // SAELens layout, cfg.json with the training record
 *     SweepResults r = m.sweep(train, test, SweepConfig.defaults(MdlSae.config("batchtopk", 32, 1)), Path.of("runs/sweep"));
 * }
 * }</pre>
 *
 * <p>Settings are the engine's config records ({@link TrainConfig}, {@link SweepConfig}); a refused value names the
 * config field ({@code TrainConfig.lr must be …}). Training reports progress to a {@link TrainListener}: by default
 * one line per epoch on standard output ({@link #epochLines}); {@link #progress} replaces it ({@code TrainListener.NONE}
 * for silence).
 *
 * <p>Device memory: an SAE is uploaded the first time a call needs it and kept, keyed by the identity of its
 * {@link SaeWeights} object, until {@link #forget} or {@link #close}; do not change a weights object's arrays after
 * using it here (or call {@code forget} first). Not thread-safe: one session, one thread.
 *
 * <p>Language-model activations too large for the heap stay on disk (docs/design.md §8); every method that reads
 * rows takes {@link Rows}, in memory or streamed:
 * <pre>{@code
 * try (MdlSae m = MdlSae.open(); ShardSet acts = MdlSae.shards(Path.of("acts/layer6"))) {  // .npy/.safetensors shards
 *     HoldOut split = HoldOut.lastPercent(acts);                           // never select on rows trained on
 *     MdlSae.Trained t = m.train(split.train(), MdlSae.config("topk", 1024, 32).withSamples(300_000));
 *     DlReport dl = m.dl(t.weights(), split.eval(), split.train(), 0.05);
 * }
 * }</pre>
 */
public final class MdlSae implements AutoCloseable {
    private final Backend be;
    private final Map<SaeWeights, Sae> uploaded = new IdentityHashMap<>();
    private TrainListener progress = epochLines(System.out);
    private boolean closed;

    private MdlSae(Backend be) {
        this.be = be;
    }

    /**
     * A session on the back end the CLI would pick: {@code $MDLSAE_BACKEND}, else the best available (CUDA, an OpenCL
     * GPU, else the CPU).
     *
     * @return the session; close it
     */
    public static MdlSae open() {
        return open(null);
    }

    /**
     * A session on a named back end.
     *
     * @param backend {@code cpu}, {@code opencl}, {@code cuda} or {@code auto} (null: as {@link #open()})
     * @return the session; close it
     * @throws IllegalArgumentException for an unknown or unavailable back end (the message says why)
     */
    public static MdlSae open(String backend) {
        return new MdlSae(Backends.create(backend));
    }

    /**
     * The back end's name.
     *
     * @return {@code cpu}, {@code opencl} or {@code cuda}
     */
    public String backend() {
        return be.name();
    }

    /**
     * Sets the progress listener of {@link #train} and {@link #sweep}.
     *
     * @param listener the listener ({@link TrainListener#NONE} for none)
     * @return this session
     */
    public MdlSae progress(TrainListener listener) {
        this.progress = listener == null ? TrainListener.NONE : listener;
        return this;
    }

    /**
     * A listener that prints one line at the end of every epoch: loss, MSE, L0, dead fraction, throughput.
     *
     * @param out where to print
     * @return the listener
     */
    public static TrainListener epochLines(PrintStream out) {
        return p -> {
            if (p.step() % Math.max(1, p.steps() / p.epochs()) != 0 && p.step() != p.steps()) return;
            out.printf(Locale.ROOT, "epoch %d/%d  step %d/%d  loss %.5f  mse %.5f  L0 %.2f  dead %.1f%%  %.0f samples/s%n",
                    p.epoch(), p.epochs(), p.step(), p.steps(), p.loss(), p.mse(), p.l0(), 100 * p.deadFraction(),
                    p.samplesPerSec());
        };
    }

    // ---------------------------------------------------------------- data and settings

    /**
     * The MNIST split ({@code train}: 8 000 digits, {@code test}: 2 000), fetched into the cache on first use.
     *
     * @param split {@code train} or {@code test}
     * @return the data set (784 values per row in [0, 1])
     */
    public static Dataset mnist(String split) {
        return DataSources.load("mnist", null, split, null);
    }

    /**
     * A data file (.npy, safetensors with one 2-D tensor, IDX), its type read from its contents, or a directory of
     * shards, read whole into memory.
     *
     * @param file the file
     * @return the data set
     */
    public static Dataset load(Path file) {
        return DataSources.load(file.toString(), null, null, null);
    }

    /**
     * A directory of .npy/.safetensors shards (or one such file), streamed from disk: every header is checked now,
     * rows are read as they are used. Close it when done.
     *
     * @param fileOrDir the shards
     * @return the open set
     */
    public static ShardSet shards(Path fileOrDir) {
        return ShardSet.open(fileOrDir, null);
    }

    /**
     * Training defaults for an architecture, width and k (then adjust with {@code with…}).
     *
     * @param arch  {@code topk} or {@code batchtopk}
     * @param width dictionary width D
     * @param k     active latents per sample
     * @return the config
     */
    public static TrainConfig config(String arch, int width, int k) {
        return TrainConfig.defaults(Arch.parse(arch, "arch"), width, k);
    }

    // ---------------------------------------------------------------- training

    /**
     * A trained SAE with the record of how it was trained.
     *
     * @param weights    the parameters
     * @param provenance settings, data and outcome (what {@link #save(Trained, Path)} writes to cfg.json)
     * @param result     the trainer's statistics (timings included)
     */
    public record Trained(SaeWeights weights, Provenance provenance, Trainer.Result result) {
    }

    /**
     * Trains an SAE on all rows, reporting to the session's progress listener: in memory with the exact per-epoch
     * shuffle, a shard set mixed by chunks and read ahead; the config's normalisation is folded into the weights.
     *
     * @param data the training rows
     * @param cfg  the settings
     * @return the trained SAE
     */
    public Trained train(Rows data, TrainConfig cfg) {
        alive();
        Normalization norm = Normalization.estimate(cfg.normalize(), data);
        Trainer.Result r = new Trainer(be, cfg, progress).train(data, norm);
        Provenance p = Provenance.of(cfg, r, Provenance.Data.of(data.name(), data), be, norm);
        return new Trained(r.weights(), p, r);
    }

    // ---------------------------------------------------------------- inference

    /**
     * A sparse code on the host, CSR: row i's active latents are {@code idx[rowPtr[i] .. rowPtr[i+1])} with values
     * {@code val[…]} (TopK rows may hold zero-valued padding entries, which decode to nothing).
     *
     * @param n      rows
     * @param width  latents D
     * @param rowPtr n + 1 offsets
     * @param idx    latent of each entry
     * @param val    value of each entry
     */
    public record Codes(int n, int width, int[] rowPtr, int[] idx, float[] val) {
        /**
         * Active (non-zero) entries per row on average.
         *
         * @return L0
         */
        public double l0() {
            long active = 0;
            for (float v : val) if (v > 0) active++;
            return n == 0 ? 0 : (double) active / n;
        }
    }

    /**
     * The inference codes of a data set (TopK: the k largest per row; BatchTopK: everything above θ).
     *
     * @param w    the SAE
     * @param data rows of d_in values
     * @return the codes
     */
    public Codes encode(SaeWeights w, Dataset data) {
        Sae sae = device(w, data);
        try (FloatBuf x = be.upload(data.data()); SparseCode z = sae.encode(x, data.rows())) {
            return new Codes(z.n(), z.width(), be.download(z.rowPtr()), copy(be.download(z.idx()), z.nnz()),
                    copy(be.download(z.val()), z.nnz()));
        }
    }

    private static int[] copy(int[] a, int n) {
        return a.length == n ? a : java.util.Arrays.copyOf(a, n);
    }

    private static float[] copy(float[] a, int n) {
        return a.length == n ? a : java.util.Arrays.copyOf(a, n);
    }

    /**
     * Reconstructions x̂ = z·W_dec + b_dec of codes.
     *
     * @param w the SAE
     * @param z codes of this SAE
     * @return n×d_in values, row-major
     */
    public float[] decode(SaeWeights w, Codes z) {
        Sae sae = device(w);
        if (z.width() != w.width()) throw new IllegalArgumentException("codes of width " + z.width() + " do not fit an SAE of width " + w.width());
        int nnz = z.rowPtr()[z.n()];
        try (SparseCode code = new SparseCode(z.n(), z.width(), nnz, be.upload(z.rowPtr()),
                be.upload(nnz == 0 ? new int[1] : z.idx()), be.upload(nnz == 0 ? new float[1] : z.val()));
             FloatBuf xhat = be.floats((long) z.n() * w.dIn())) {
            sae.decode(code, xhat);
            return be.download(xhat);
        }
    }

    /**
     * x̂ of every row: {@code decode(w, encode(w, data))}.
     *
     * @param w    the SAE
     * @param data rows of d_in values
     * @return n×d_in values, row-major
     */
    public float[] reconstruct(SaeWeights w, Dataset data) {
        return decode(w, encode(w, data));
    }

    // ---------------------------------------------------------------- measurement

    /**
     * MSE, FVU, L0 and dead fraction on rows in memory or streamed.
     *
     * @param w    the SAE
     * @param data evaluation rows
     * @return the metrics
     */
    public Metrics evaluate(SaeWeights w, Rows data) {
        return Metrics.evaluate(device(w, data), data);
    }

    /**
     * Description length at the default MSE tolerance ε = {@link Mdl#DEFAULT_EPS}.
     *
     * @param w     the SAE
     * @param eval  where the codes are measured (the test split)
     * @param calib where the quantiser is calibrated (the train split)
     * @return B*, entropy DL, bound and dense bits (null B* and DL when ε is out of reach)
     */
    public DlReport dl(SaeWeights w, Rows eval, Rows calib) {
        return dl(w, eval, calib, Mdl.DEFAULT_EPS);
    }

    /**
     * Description length at MSE tolerance ε, the quantiser calibrated on {@code calib}, measured on {@code eval}.
     *
     * @param w     the SAE
     * @param eval  where the codes are measured
     * @param calib where the quantiser is calibrated
     * @param eps   ε in MSE units
     * @return the report
     */
    public DlReport dl(SaeWeights w, Rows eval, Rows calib, double eps) {
        return Mdl.of(device(w, eval), eval).calibration(calib).tolerance(eps).evaluate();
    }

    /**
     * The ε-MDL width sweep (docs/design.md §2.4) into {@code dir}, resumable, with its {@code report.html}.
     *
     * @param train training data
     * @param eval  selection data (the test split)
     * @param cfg   the sweep
     * @param dir   the sweep directory
     * @return the results (also in {@code dir/results.json})
     */
    public SweepResults sweep(Rows train, Rows eval, SweepConfig cfg, Path dir) {
        alive();
        Sweep.Listener l = new Sweep.Listener() {
            @Override
            public void trainStep(TrainListener.Progress p) {
                progress.onStep(p);
            }
        };
        try {
            SweepResults r = new Sweep(be, cfg, train, eval, train.name(), dir, l).run();
            SweepReport.write(dir.resolve("report.html"), r, run -> Sweep.weights(dir, run));
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The default sweep over some widths at MSE tolerance ε; see {@link #sweep(Rows, Rows, SweepConfig, Path)}.
     *
     * @param train  training data
     * @param eval   selection data
     * @param widths the width grid, ascending
     * @param eps    ε
     * @param base   training settings of every run
     * @param dir    the sweep directory
     * @return the results
     */
    public SweepResults sweep(Rows train, Rows eval, List<Integer> widths, double eps, TrainConfig base, Path dir) {
        return sweep(train, eval, SweepConfig.defaults(base).withWidths(widths).withEps(eps), dir);
    }

    // ---------------------------------------------------------------- files

    /**
     * Saves a trained SAE as a SAELens-compatible directory (atomic), its cfg.json with the training record and
     * {@code timings.json} beside it: the same writer as {@code mdlsae train}.
     *
     * @param t   the trained SAE
     * @param dir the directory (replaced)
     */
    public void save(Trained t, Path dir) {
        try {
            Provenance.save(dir, t.result(), t.provenance(), null, SaeFiles.Origin.NONE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Saves weights that were not trained in this session (loaded, edited): cfg.json has the architecture facts only.
     *
     * @param w   the weights
     * @param dir the directory (replaced)
     */
    public static void save(SaeWeights w, Path dir) {
        try {
            SaeFiles.save(dir, w, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Loads an SAE in any format the engine reads (ours, SAELens 5/6, sparsify, Gemma Scope, dictionary_learning),
     * detected from the files (docs/design.md §7).
     *
     * @param dir the directory (or file)
     * @return the weights
     */
    public static SaeWeights loadSae(Path dir) {
        return SaeFiles.load(dir).weights();
    }

    // ---------------------------------------------------------------- device memory

    private void alive() {
        if (closed) throw new IllegalStateException("this MdlSae session is closed; open another");
    }

    private Sae device(SaeWeights w, Rows data) {
        if (data.dim() != w.dIn()) {
            throw new IllegalArgumentException("data " + data.name() + " has d = " + data.dim() + " but the SAE expects d_in = " + w.dIn());
        }
        return device(w);
    }

    private Sae device(SaeWeights w) {
        alive();
        return uploaded.computeIfAbsent(w, x -> Sae.upload(be, x));
    }

    /**
     * Frees the device copy of an SAE (it is uploaded again when next used).
     *
     * @param w the weights
     */
    public void forget(SaeWeights w) {
        Sae s = uploaded.remove(w);
        if (s != null) s.close();
    }

    /**
     * SAEs currently held on the device.
     *
     * @return the count
     */
    public int uploadedCount() {
        return uploaded.size();
    }

    /** Frees every uploaded SAE and the back end. Calls after this throw {@link IllegalStateException}. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (Sae s : uploaded.values()) s.close();
        uploaded.clear();
        be.close();
    }
}
