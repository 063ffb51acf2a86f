package org.mdlsae.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.BinCounts;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.backend.cpu.Gemm;
import org.mdlsae.data.Dataset;
import org.mdlsae.io.OutputKind;
import org.mdlsae.io.Ownership;
import org.mdlsae.mdl.DescriptionLength;
import org.mdlsae.mdl.DlReport;
import org.mdlsae.mdl.Mdl;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.train.TrainConfig;
import org.mdlsae.train.TrainListener;
import org.mdlsae.train.Trainer;

/**
 * The engine's side of the benchmark harness (benchmarks/README.md). Parts:
 * <ul>
 *   <li>{@code gemm}: the encoder product ({@link Backend#encode}) per (d, D) at batch n;</li>
 *   <li>{@code step}: a full BatchTopK training step through {@link Trainer} (AuxK off), per shape;</li>
 *   <li>{@code aux}: the same step with AuxK forced on (dead = silent for one batch), to price AuxK separately;</li>
 *   <li>{@code phases}: the phases of the trainer's own step, each timed;</li>
 *   <li>{@code dl}: description-length evaluation on fixed codes across D, k and N (no encoding);</li>
 *   <li>{@code scaling}: time per epoch and memory vs N, D, k and batch at the trainer's defaults.</li>
 * </ul>
 * With an export directory it also writes the data, initial weights and codes the Python peers read.
 */
public final class BenchSuite {
    /** All parts, in run order. */
    public static final List<String> PARTS = List.of("gemm", "step", "aux", "phases", "dl", "scaling");

    /**
     * @param parts     which parts to run (subset of {@link #PARTS})
     * @param warmup    untimed runs before timing
     * @param reps      timed runs
     * @param quick     small shapes only (a smoke test of the harness; numbers are not the recorded ones)
     * @param exportDir where to write the peers' inputs, or null
     * @param log       progress lines
     * @param filter    regular expression on shape ids (gemm, step, aux, phases), or null for all
     */
    public record Options(Set<String> parts, int warmup, int reps, boolean quick, Path exportDir, PrintStream log,
                          String filter) {
        /** Whether a shape id passes the {@code filter} (a regular expression found anywhere in the id; null: all). */
        boolean keep(String id) {
            return filter == null || java.util.regex.Pattern.compile(filter).matcher(id).find();
        }
    }

    private final Options o;
    private final Backend be = new CpuBackend();
    private final Map<String, SaeWeights> inits = new LinkedHashMap<>();
    private final Map<String, SaeWeights> trained = new LinkedHashMap<>();

    private BenchSuite(Options o) {
        this.o = o;
    }

    /** Runs the chosen parts and returns the results object (JSON-ready maps and lists). */
    public static Map<String, Object> run(Options o) {
        return new BenchSuite(o).runAll();
    }

    /** Training-step shapes: MNIST d = 784 with D ∈ {256, 1024, 4096} × k ∈ {8, 16, 32}, and the LLM-like shape. */
    public static List<Shape> stepShapes(boolean quick) {
        List<Shape> s = new ArrayList<>();
        if (quick) {
            s.add(new Shape("mnist", 1024, 784, 256, 8));
            s.add(new Shape("synthetic", 512, 768, 2048, 64));
            return s;
        }
        for (int width : new int[] {256, 1024, 4096}) {
            for (int k : new int[] {8, 16, 32}) s.add(new Shape("mnist", 4096, 784, width, k));
        }
        s.add(new Shape("synthetic", 4096, 768, 16384, 64));
        return s;
    }

    /** GEMM shapes: one per (data, d, D) of {@link #stepShapes} (the product does not depend on k). */
    public static List<Shape> gemmShapes(boolean quick) {
        Map<String, Shape> m = new LinkedHashMap<>();
        for (Shape s : stepShapes(quick)) m.putIfAbsent(s.data() + s.width(), new Shape(s.data(), s.n(), s.d(), s.width(), s.k()));
        return new ArrayList<>(m.values());
    }

    private Map<String, Object> runAll() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("engine", "mdlsae");
        out.put("backend", be.description());
        out.put("warmup", o.warmup());
        out.put("reps", o.reps());
        out.put("quick", o.quick());
        double[] loadStart = MachineInfo.loadAverage();
        log("load average at start: %s", fmtLoad(loadStart));
        if (o.exportDir() != null) export(out);
        jitWarmup();
        for (String part : PARTS) {
            if (!o.parts().contains(part)) continue;
            long t0 = System.nanoTime();
            switch (part) {
                case "gemm" -> out.put("gemm", gemm());
                case "step" -> out.put("step", steps(false));
                case "aux" -> out.put("aux", steps(true));
                case "phases" -> out.put("phases", phases());
                case "dl" -> out.put("dl", dl());
                case "scaling" -> out.put("scaling", scaling());
                default -> throw new IllegalArgumentException("unknown part " + part);
            }
            log("%s done in %.1f s", part, (System.nanoTime() - t0) / 1e9);
        }
        out.put("load_avg_end", MachineInfo.loadAverage());
        return out;
    }

    /**
     * Runs every code path once on a small problem for a few seconds (training with and without AuxK, TopK encoding,
     * DL evaluation) so that the first timed figures are not taken in the interpreter.
     */
    private void jitWarmup() {
        long t0 = System.nanoTime();
        float[] xs = BenchData.mnist(2048);
        for (int round = 0; round < 3; round++) {
            TrainConfig cfg = TrainConfig.defaults(Arch.BATCHTOPK, 512, 16).withBatch(512).withEpochs(4).withAux(1.0 / 32, null, 1L);
            new Trainer(be, cfg, null).train(xs, 2048, 784);
            TrainConfig tk = TrainConfig.defaults(Arch.TOPK, 384, 8).withBatch(512).withEpochs(2);
            SaeWeights w = new Trainer(be, tk, null).train(xs, 2048, 784).weights();
            try (org.mdlsae.sae.Sae sae = org.mdlsae.sae.Sae.upload(be, w)) {
                Mdl.of(sae, xs, 2048).delta(1e-4).evaluate();
            }
        }
        log("JIT warm-up %.1f s", (System.nanoTime() - t0) / 1e9);
    }

    // ------------------------------------------------------------------ data and weights

    private final Map<String, float[]> data = new LinkedHashMap<>();

    private float[] x(Shape s) {
        return data.computeIfAbsent(s.data() + "_" + s.n() + "_" + s.d(), key -> s.data().equals("mnist")
                ? BenchData.mnist(s.n())
                : BenchData.synthetic(s.n(), s.d(), 1234));
    }

    /** The trainer's initial weights for this data and width (the same for every k). */
    private SaeWeights init(Shape s) {
        return inits.computeIfAbsent(s.data() + "_" + s.d() + "_" + s.width(), key -> {
            TrainConfig cfg = TrainConfig.defaults(Arch.BATCHTOPK, s.width(), Math.min(s.k(), s.width()));
            return Trainer.init(cfg, x(s), s.n(), s.d());
        });
    }

    private void export(Map<String, Object> out) {
        Path dir = o.exportDir();
        try {
            Ownership.createDirectory(dir, OutputKind.BENCH_EXPORT);
            List<Object> files = new ArrayList<>();
            Set<String> done = new LinkedHashSet<>();
            for (Shape s : stepShapes(o.quick())) {
                String xName = s.data() + "_n" + s.n() + "_x.npy";
                if (done.add(xName)) NpyOut.floats(dir.resolve(xName), x(s), s.n(), s.d());
                String wKey = "init_" + s.data() + "_d" + s.d() + "_D" + s.width();
                if (done.add(wKey)) {
                    SaeWeights w = init(s);
                    NpyOut.floats(dir.resolve(wKey + "_dec.npy"), w.dec(), s.width(), s.d());
                    NpyOut.floats(dir.resolve(wKey + "_bdec.npy"), w.bDec(), s.d());
                }
                Map<String, Object> f = s.toJson();
                f.put("x", xName);
                f.put("dec", wKey + "_dec.npy");
                f.put("bdec", wKey + "_bdec.npy");
                files.add(f);
            }
            out.put("export", Map.of("dir", dir.toString(), "shapes", files));
            log("exported peer inputs to %s", dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ gemm

    private List<Object> gemm() {
        List<Object> rows = new ArrayList<>();
        for (Shape s : gemmShapes(o.quick())) {
            if (!o.keep(s.id())) continue;
            SaeWeights w = init(s);
            float[] xs = x(s);
            int n = s.n(), d = s.d(), width = s.width();
            Map<String, Object> r = s.toJson();
            r.remove("k");
            r.put("id", s.data() + "_d" + d + "_D" + width + "_n" + n);
            try (FloatBuf xb = be.upload(xs); FloatBuf bDec = be.upload(w.bDec()); FloatBuf enc = be.upload(w.enc());
                 FloatBuf bEnc = be.upload(w.bEnc()); FloatBuf pre = be.floats((long) n * width)) {
                Stats st = Timer.time(o.warmup(), o.reps(), () -> be.encode(xb, bDec, enc, bEnc, n, d, width, pre));
                r.put("encode", st.toJson());
                r.put("encode_gflops_best", s.gemmFlops() / st.best() / 1e9);
            }
            float[] centred = xs.clone();
            float[] c = new float[n * width];
            Stats raw = Timer.time(o.warmup(), o.reps(), () -> Gemm.nt(centred, n, d, w.enc(), width, null, c));
            r.put("gemm_nt", raw.toJson());
            r.put("gemm_nt_gflops_best", s.gemmFlops() / raw.best() / 1e9);
            log("gemm  %-32s encode best %.4f s (%.0f GFLOP/s), raw NT %.4f s", r.get("id"), ((Number) ((Map<?, ?>) r.get("encode")).get("best_s")).doubleValue(),
                    r.get("encode_gflops_best"), raw.best());
            rows.add(r);
        }
        return rows;
    }

    // ------------------------------------------------------------------ training step

    private List<Object> steps(boolean aux) {
        List<Object> rows = new ArrayList<>();
        for (Shape s : stepShapes(o.quick())) {
            if (!o.keep(s.id())) continue;
            if (aux && s.data().equals("mnist") && s.k() != 16 && !o.quick()) continue; // AuxK priced at k = 16
            Map<String, Object> r = s.toJson();
            r.putAll(trainerStep(s, aux));
            rows.add(r);
            log("%s %-32s best %.4f s, median %.4f s%s", aux ? "auxk " : "step ", s.id(),
                    ((Stats) r.remove("_stats")).best(), ((Map<?, ?>) r.get("time")).get("median_s"),
                    aux ? String.format(Locale.ROOT, " (dead fraction %.3f)", r.get("dead_fraction_mean")) : "");
        }
        return rows;
    }

    /** Times steps of a real {@link Trainer} run with one full batch per epoch (n = batch). */
    private Map<String, Object> trainerStep(Shape s, boolean aux) {
        int warm = Math.max(o.warmup(), 2);
        int epochs = warm + o.reps() + 1;
        TrainConfig cfg = TrainConfig.defaults(Arch.BATCHTOPK, s.width(), s.k()).withBatch(s.n()).withEpochs(epochs)
                .withAux(aux ? 1.0 / 32 : 0.0, null, aux ? 1L : null);
        long[] stamps = new long[epochs];
        double[] dead = new double[epochs];
        double[] loss = new double[epochs];
        int[] seen = {0};
        TrainListener l = p -> {
            int i = seen[0]++;
            if (i < stamps.length) {
                stamps[i] = System.nanoTime();
                dead[i] = p.deadFraction();
                loss[i] = p.loss();
            }
        };
        new Trainer(be, cfg, l).train(init(s), x(s), s.n(), s.d());
        double[] t = new double[o.reps()];
        double deadSum = 0;
        for (int i = 0; i < o.reps(); i++) {
            int a = warm + i;
            t[i] = (stamps[a + 1] - stamps[a]) / 1e9;
            deadSum += dead[a]; // the step at a+1 ran AuxK on the latents dead after step a
        }
        Stats st = new Stats(t);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("time", st.toJson());
        r.put("samples_per_s_best", s.n() / st.best());
        r.put("first_step_loss", loss[0]);
        if (aux) {
            r.put("dead_fraction_mean", deadSum / o.reps());
            r.put("k_aux", cfg.effectiveAuxK(s.d()));
        }
        r.put("_stats", st);
        return r;
    }

    private List<Object> phases() {
        List<Object> rows = new ArrayList<>();
        for (Shape s : stepShapes(o.quick())) {
            if (!o.keep(s.id())) continue;
            Map<String, Object> r = s.toJson();
            r.put("median_s", StepPhases.run(be, s, x(s), init(s), Math.max(o.warmup(), 2), o.reps()));
            rows.add(r);
            log("phases %-32s %s", s.id(), r.get("median_s"));
        }
        return rows;
    }

    // ------------------------------------------------------------------ description length

    /** DL cases: D sweep at k = 32, k sweep and N sweep at D = 4096; codes of a TopK SAE trained 3 epochs on MNIST train. */
    private List<Object> dl() {
        Dataset train = BenchData.mnistTrain();
        int d = train.dim();
        List<int[]> cases = new ArrayList<>(); // {N, D, k}
        if (o.quick()) {
            cases.add(new int[] {2000, 256, 16});
            cases.add(new int[] {2000, 1024, 16});
        } else {
            for (int width : new int[] {256, 1024, 4096, 16384}) cases.add(new int[] {8000, width, 32});
            for (int k : new int[] {8, 128}) cases.add(new int[] {8000, 4096, k});
            for (int n : new int[] {2000, 4000}) cases.add(new int[] {n, 4096, 32});
        }
        Path dir = o.exportDir() == null ? null : o.exportDir().resolve("dl");
        List<Object> rows = new ArrayList<>();
        Map<String, Object> files = new LinkedHashMap<>();
        try {
            if (dir != null) {
                Ownership.createDirectory(dir, OutputKind.BENCH_EXPORT);
                NpyOut.floats(dir.resolve("mnist_train_x.npy"), train.data(), train.rows(), d);
            }
            for (int[] c : cases) {
                int n = c[0], width = c[1], k = c[2];
                Map<String, Object> r = dlCase(train, n, width, k, dir, files);
                rows.add(r);
                log("dl    N=%d D=%d k=%d nnz=%d: entropy best %.4f s, full best %.4f s, B*=%s DL=%s", n, width, k,
                        r.get("nnz"), ((Map<?, ?>) r.get("entropy_time")).get("best_s"), ((Map<?, ?>) r.get("full_time")).get("best_s"),
                        r.get("bits"), r.get("dl_bits"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    private Map<String, Object> dlCase(Dataset train, int n, int width, int k, Path dir, Map<String, Object> files)
            throws IOException {
        int d = train.dim();
        float[] x = java.util.Arrays.copyOf(train.data(), n * d);
        // a briefly trained TopK SAE (realistic codes; cached per (D, k)): k active per row
        int epochs = o.quick() ? 1 : 3;
        SaeWeights w = trained.computeIfAbsent(width + "_" + k, key -> new Trainer(be,
                TrainConfig.defaults(Arch.TOPK, width, k).withEpochs(epochs), null).train(train.data(), train.rows(), d).weights());
        int[] idx = new int[n * k];
        float[] val = new float[n * k];
        try (FloatBuf xb = be.upload(x); FloatBuf bDec = be.upload(w.bDec()); FloatBuf enc = be.upload(w.enc());
             FloatBuf bEnc = be.upload(w.bEnc()); IntBuf io = be.ints((long) n * k); FloatBuf vo = be.floats((long) n * k)) {
            be.encodeTopK(xb, bDec, enc, bEnc, n, d, width, k, io, vo);
            be.read(io, 0, idx, 0, idx.length);
            be.read(vo, 0, val, 0, val.length);
        }
        int[] rowPtr = new int[n + 1];
        for (int r = 0; r <= n; r++) rowPtr[r] = r * k;
        float[] max = new float[width];
        for (int q = 0; q < idx.length; q++) if (val[q] > max[idx[q]]) max[idx[q]] = val[q];

        String id = "N" + n + "_D" + width + "_k" + k;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", id);
        r.put("N", n);
        r.put("D", width);
        r.put("k", k);
        r.put("d", d);
        r.put("nnz", idx.length);

        try (FloatBuf dec = be.upload(w.dec()); FloatBuf bDec = be.upload(w.bDec()); FloatBuf maxBuf = be.upload(max);
             IntBuf rp = be.upload(rowPtr); IntBuf ib = be.upload(idx); FloatBuf vb = be.upload(val)) {
            ReplayEncoder model = new ReplayEncoder(be, d, width, k, dec, bDec, rowPtr, idx, val);
            // tolerance: 0.1% above the unquantised MSE, so that B* lands where quantisation starts to matter
            double eps = 1.001 * Mdl.of(model, x, n).calibrationMaxima(max).delta(0).evaluate().mse();
            r.put("eps", eps);
            DlReport[] rep = new DlReport[1];
            Stats full = Timer.time(o.warmup(), o.reps(), () -> {
                rep[0] = Mdl.of(model, x, n).calibrationMaxima(max).tolerance(eps).evaluate();
            });
            DlReport report = rep[0];
            r.put("bits", report.bits());
            r.put("dl_bits", report.dlBits());
            r.put("l0", report.l0());
            r.put("mse", report.mse());
            r.put("mse_by_bits", report.mseByBits());
            r.put("full_time", full.toJson());
            int bits = report.bits() == null ? 8 : report.bits();
            r.put("entropy_bits_at", bits);
            SparseCode z = new SparseCode(n, width, idx.length, rp, ib, vb);
            double[] dl = new double[1];
            Stats ent = Timer.time(o.warmup(), o.reps(), () -> {
                BinCounts bc = be.binCounts(z, maxBuf, bits);
                dl[0] = DescriptionLength.entropyBits(bc, n, width);
            });
            r.put("entropy_dl_bits", dl[0]);
            r.put("entropy_time", ent.toJson());
        }
        if (dir != null) {
            NpyOut.ints(dir.resolve(id + "_rowptr.npy"), rowPtr, n + 1);
            NpyOut.ints(dir.resolve(id + "_idx.npy"), idx, idx.length);
            NpyOut.floats(dir.resolve(id + "_val.npy"), val, val.length);
            NpyOut.floats(dir.resolve(id + "_max.npy"), max, width);
            String wKey = "D" + width + "_k" + k;
            if (!files.containsKey(wKey)) {
                NpyOut.floats(dir.resolve(wKey + "_dec.npy"), w.dec(), width, d);
                NpyOut.floats(dir.resolve(wKey + "_bdec.npy"), w.bDec(), d);
                files.put(wKey, true);
            }
            r.put("files", Map.of("rowptr", id + "_rowptr.npy", "idx", id + "_idx.npy", "val", id + "_val.npy",
                    "max", id + "_max.npy", "dec", wKey + "_dec.npy", "bdec", wKey + "_bdec.npy", "x", "mnist_train_x.npy"));
        }
        return r;
    }

    // ------------------------------------------------------------------ scaling

    /** One factor at a time around N = 8000 MNIST rows, D = 1024, k = 16, batch 256 (the trainer's default batch). */
    private List<Object> scaling() {
        List<int[]> grid = new ArrayList<>(); // {N, D, k, batch}
        if (o.quick()) {
            grid.add(new int[] {2000, 256, 16, 256});
            grid.add(new int[] {2000, 512, 16, 256});
        } else {
            int[] base = {8000, 1024, 16, 256};
            grid.add(base);
            for (int n : new int[] {2000, 32000}) grid.add(new int[] {n, base[1], base[2], base[3]});
            for (int width : new int[] {256, 4096, 16384}) grid.add(new int[] {base[0], width, base[2], base[3]});
            for (int k : new int[] {8, 32, 64}) grid.add(new int[] {base[0], base[1], k, base[3]});
            for (int b : new int[] {1024, 4096}) grid.add(new int[] {base[0], base[1], base[2], b});
        }
        List<Object> rows = new ArrayList<>();
        for (int[] g : grid) {
            int n = g[0], width = g[1], k = g[2], batch = g[3];
            Shape s = new Shape("mnist", n, 784, width, k);
            float[] xs = x(s);
            int epochs = 2;
            TrainConfig cfg = TrainConfig.defaults(Arch.BATCHTOPK, width, k).withBatch(batch).withEpochs(epochs);
            long stepsPerEpoch = (n + Math.min(batch, n) - 1) / Math.min(batch, n);
            long[] epochEnd = new long[epochs];
            long[] live = new long[1];
            SaeWeights w = Trainer.init(cfg, xs, n, 784);
            long before = heapAfterGc();
            TrainListener l = p -> {
                // the trainer's live set, measured once during the first (untimed) epoch
                if (p.step() == 1) live[0] = heapAfterGc() - before;
                if (p.step() % stepsPerEpoch == 0) epochEnd[p.epoch() - 1] = System.nanoTime();
            };
            List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans();
            for (MemoryPoolMXBean p : pools) if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
            Trainer.Result res = new Trainer(be, cfg, l).train(w, xs, n, 784);
            long peak = 0;
            for (MemoryPoolMXBean p : pools) if (p.getType() == MemoryType.HEAP) peak += p.getPeakUsage().getUsed();
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("N", n);
            r.put("d", 784);
            r.put("D", width);
            r.put("k", k);
            r.put("batch", batch);
            r.put("steps_per_epoch", stepsPerEpoch);
            r.put("epoch_s", (epochEnd[1] - epochEnd[0]) / 1e9);
            r.put("first_epoch_s", res.seconds() - (epochEnd[1] - epochEnd[0]) / 1e9);
            r.put("data_mib", 4.0 * n * 784 / 1048576.0);
            r.put("trainer_live_mib", live[0] / 1048576.0);
            r.put("model_mib", modelBytes(784, width, cfg.effectiveAuxK(784), Math.min(batch, n)) / 1048576.0);
            r.put("heap_peak_mib", peak / 1048576.0);
            r.put("final_mse", res.finalMse());
            rows.add(r);
            log("scale N=%d D=%d k=%d batch=%d: %.3f s/epoch, trainer live %.0f MiB (model %.0f MiB) + data %.0f MiB", n, width,
                    k, batch, r.get("epoch_s"), r.get("trainer_live_mib"), r.get("model_mib"), r.get("data_mib"));
        }
        return rows;
    }

    /**
     * Bytes the trainer keeps resident besides the data: weights, gradients and two Adam moments of (2·D·d + D + d)
     * parameters, the batch's dense pre-activations (b·D), four b×d buffers (batch, residual, gradient, AuxK error)
     * and the AuxK scratch (2·b·k_aux). The data (N·d floats) comes on top.
     */
    public static long modelBytes(long d, long width, long kAux, long batch) {
        long params = 2 * width * d + width + d;
        long floats = 4 * params + batch * width + 4 * batch * d + 2 * batch * kAux;
        return 4 * floats;
    }

    private static long heapAfterGc() {
        System.gc();
        long used = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) used += p.getUsage().getUsed();
        }
        return used;
    }

    // ------------------------------------------------------------------ helpers

    private void log(String fmt, Object... args) {
        if (o.log() != null) o.log().println("bench: " + String.format(Locale.ROOT, fmt, args));
    }

    private static String fmtLoad(double[] l) {
        return l == null ? "n/a" : String.format(Locale.ROOT, "%.2f %.2f %.2f", l[0], l[1], l[2]);
    }
}
