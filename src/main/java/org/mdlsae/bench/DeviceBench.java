package org.mdlsae.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.IntBuf;
import org.mdlsae.backend.Precision;
import org.mdlsae.backend.choice.Backends;
import org.mdlsae.io.AtomicFiles;
import org.mdlsae.sae.Arch;
import org.mdlsae.train.TrainConfig;
import org.mdlsae.train.Trainer;

/**
 * Throughput of one back end at the LLM shapes of the GPU check (docs/design.md §9; benchmarks/gpu/check.sh runs it
 * for cpu and cuda): the encoder product (ms, TFLOP/s), the fused TopK encoder and the BatchTopK encoder, and
 * steady-state training steps (ms/step, tokens/s) with the trainer itself on synthetic d-dimensional data. With
 * {@code --export DIR} it also writes the inputs the PyTorch peer ({@code benchmarks/peers/torch_step.py}) reads: the
 * same data and initial weights per shape.
 *
 * <pre>
 * java -cp mdlsae.jar org.mdlsae.bench.DeviceBench --backend cuda [--precision tf32] [--widths 16384,65536]
 *      [--d 768] [--k 32] [--batch 4096] [--parts gemm,step] [--archs batchtopk,topk] [--steps 12] [--warmup 3]
 *      [--reps 10] [--out FILE.json] [--export DIR]
 * </pre>
 * Each timed region ends with a one-float read, so asynchronous back ends are timed to completion; step times are
 * the intervals between the trainer's per-step callbacks after the warm-up steps (each step reads its loss back).
 * Prints one line per measurement; the JSON holds every sample.
 */
public final class DeviceBench {
    private final Map<String, String> opt;

    private DeviceBench(Map<String, String> opt) {
        this.opt = opt;
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> o = new LinkedHashMap<>(Map.of("backend", "cuda", "precision", "fp32", "widths", "16384,65536",
                "d", "768", "k", "32", "batch", "4096", "parts", "gemm,step", "archs", "batchtopk", "steps", "12",
                "warmup", "3"));
        o.put("reps", "10");
        for (int a = 0; a < args.length; a++) {
            if (!args[a].startsWith("--") || a + 1 >= args.length) {
                System.err.println("DeviceBench: bad argument '" + args[a] + "' (use --name value; see the class comment)");
                System.exit(2);
            }
            o.put(args[a].substring(2), args[++a]);
        }
        Map<String, Object> res = new DeviceBench(o).run();
        if (o.containsKey("out")) {
            ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            Path out = Path.of(o.get("out"));
            if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
            AtomicFiles.writeAtomic(out, s -> m.writeValue(s, res));
        }
    }

    private int num(String key) {
        return Integer.parseInt(opt.get(key).trim());
    }

    private List<String> list(String key) {
        return Arrays.stream(opt.get(key).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static void say(String fmt, Object... args) {
        System.out.println(String.format(Locale.ROOT, fmt, args));
        System.out.flush();
    }

    private Map<String, Object> run() throws IOException {
        int d = num("d"), k = num("k"), batch = num("batch");
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("options", opt);
        List<Object> gemm = new ArrayList<>(), steps = new ArrayList<>();
        try (Backend be = Backends.create(opt.get("backend"), Precision.parse(opt.get("precision")))) {
            res.put("backend", be.description());
            say("backend: %s (precision %s)", be.description(), be.precision().id());
            if (be.hostMemory()) jitWarmup(be, d, k);
            for (String w : list("widths")) {
                int width = Integer.parseInt(w);
                if (list("parts").contains("gemm")) gemm.add(gemm(be, batch, d, width, k));
                if (list("parts").contains("step")) {
                    for (String arch : list("archs")) steps.add(steps(be, Arch.parse(arch, "--archs"), batch, d, width, k));
                }
                if (opt.containsKey("export")) export(Path.of(opt.get("export")), batch, d, width, k);
            }
        }
        res.put("gemm", gemm);
        res.put("step", steps);
        return res;
    }

    /**
     * The CPU back end's Vector API kernels run interpreted until the JIT has compiled them: a few seconds of small
     * training first, so that the timed figures are compiled code (device back ends need no warm-up of this kind).
     */
    private static void jitWarmup(Backend be, int d, int k) {
        long t0 = System.nanoTime();
        float[] x = BenchData.synthetic(2048, d, 5);
        for (Arch arch : Arch.values()) {
            if (!arch.trainable()) continue;
            new Trainer(be, TrainConfig.defaults(arch, 1024, Math.min(k, 1024)).withBatch(512).withEpochs(3), null).train(x, 2048, d);
        }
        say("JIT warm-up: %.1f s", (System.nanoTime() - t0) / 1e9);
    }

    /** Median of timed runs of {@code body} (each ends with a one-float read from {@code sync}). */
    private double[] time(Backend be, FloatBuf sync, Runnable body) {
        float[] one = new float[1];
        int warmup = num("warmup"), reps = num("reps");
        for (int i = 0; i < warmup; i++) {
            body.run();
            be.read(sync, 0, one, 0, 1);
        }
        double[] ms = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            body.run();
            be.read(sync, 0, one, 0, 1);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return ms;
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private Map<String, Object> gemm(Backend be, int n, int d, int width, int k) {
        float[] x = BenchData.synthetic(n, d, 11);
        TrainConfig cfg = TrainConfig.defaults(Arch.TOPK, width, k);
        var w = Trainer.init(cfg, x, n, d);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("n", n);
        r.put("d", d);
        r.put("D", width);
        r.put("k", k);
        double flop = 2.0 * n * d * width;
        try (FloatBuf xs = be.upload(x); FloatBuf bDec = be.upload(w.bDec()); FloatBuf enc = be.upload(w.enc());
             FloatBuf bEnc = be.upload(w.bEnc()); FloatBuf pre = be.floats((long) n * width);
             IntBuf idx = be.ints((long) n * k); FloatBuf val = be.floats((long) n * k)) {
            double[] enc1 = time(be, pre, () -> be.encode(xs, bDec, enc, bEnc, n, d, width, pre));
            double[] topk = time(be, val, () -> be.encodeTopK(xs, bDec, enc, bEnc, n, d, width, k, idx, val));
            double[] batchTopK = time(be, pre, () -> be.encodeBatchThreshold(xs, bDec, enc, bEnc, n, d, width, pre, (long) k * n));
            r.put("encode_ms", enc1);
            r.put("encode_tflops", flop / median(enc1) / 1e9);
            r.put("encode_topk_ms", topk);
            r.put("encode_batch_threshold_ms", batchTopK);
            say("gemm   n=%d d=%d D=%d: encode %.3f ms = %.3g TFLOP/s | encodeTopK(k=%d) %.3f ms | encode+BatchTopK threshold %.3f ms",
                    n, d, width, median(enc1), flop / median(enc1) / 1e9, k, median(topk), median(batchTopK));
        }
        return r;
    }

    private Map<String, Object> steps(Backend be, Arch arch, int batch, int d, int width, int k) {
        int warmup = num("warmup"), timed = num("steps");
        int perEpoch = 4, n = batch * perEpoch;
        int epochs = (warmup + timed + perEpoch - 1) / perEpoch;
        float[] x = BenchData.synthetic(n, d, 7);
        TrainConfig cfg = TrainConfig.defaults(arch, width, k).withBatch(batch).withEpochs(epochs);
        List<Long> at = new ArrayList<>();
        double[] dead = new double[1];
        long t0 = System.nanoTime();
        new Trainer(be, cfg, p -> {
            at.add(System.nanoTime());
            dead[0] = p.deadFraction();
        }).train(x, n, d);
        double total = (System.nanoTime() - t0) / 1e9;
        double[] ms = new double[Math.max(0, at.size() - 1 - warmup)];
        for (int i = 0; i < ms.length; i++) ms[i] = (at.get(warmup + i + 1) - at.get(warmup + i)) / 1e6;
        double med = ms.length == 0 ? Double.NaN : median(ms);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("arch", arch.id());
        r.put("batch", batch);
        r.put("d", d);
        r.put("D", width);
        r.put("k", k);
        r.put("step_ms", ms);
        r.put("median_ms", med);
        r.put("tokens_per_s", batch / med * 1e3);
        r.put("dead_fraction_end", dead[0]);
        r.put("wall_s", total);
        say("step   %s batch=%d d=%d D=%d k=%d: %.2f ms/step = %,.0f tokens/s (median of %d steps after %d warm-up; dead %.3f; %.1f s in all)",
                arch.id(), batch, d, width, k, med, batch / med * 1e3, ms.length, warmup, dead[0], total);
        return r;
    }

    /** The inputs of benchmarks/peers/torch_step.py for one shape, and its manifest java.json. */
    private void export(Path dir, int n, int d, int width, int k) throws IOException {
        Files.createDirectories(dir);
        float[] x = BenchData.synthetic(n, d, 7);
        var w = Trainer.init(TrainConfig.defaults(Arch.BATCHTOPK, width, k), x, n, d);
        String xName = "synthetic_n" + n + "_d" + d + "_x.npy";
        String key = "init_synthetic_d" + d + "_D" + width;
        NpyOut.floats(dir.resolve(xName), x, n, d);
        NpyOut.floats(dir.resolve(key + "_dec.npy"), w.dec(), width, d);
        NpyOut.floats(dir.resolve(key + "_bdec.npy"), w.bDec(), d);
        Path manifest = dir.resolve("java.json");
        ObjectMapper m = new ObjectMapper();
        Map<String, Object> shape = new LinkedHashMap<>();
        shape.put("data", "synthetic");
        shape.put("n", n);
        shape.put("d", d);
        shape.put("D", width);
        shape.put("k", k);
        shape.put("x", xName);
        shape.put("dec", key + "_dec.npy");
        shape.put("bdec", key + "_bdec.npy");
        List<Object> shapes = new ArrayList<>();
        if (Files.exists(manifest)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> old = m.readValue(manifest.toFile(), Map.class);
            @SuppressWarnings("unchecked")
            List<Object> prev = (List<Object>) ((Map<String, Object>) old.get("export")).get("shapes");
            shapes.addAll(prev);
        }
        shapes.add(shape);
        Map<String, Object> doc = Map.of("quick", false, "export", Map.of("dir", dir.toString(), "shapes", shapes));
        AtomicFiles.writeAtomic(manifest, s -> m.writeValue(s, doc));
        say("export %s: %s", dir, shape);
    }
}
