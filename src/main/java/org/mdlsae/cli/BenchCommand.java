package org.mdlsae.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.mdlsae.InputException;
import org.mdlsae.bench.BenchSuite;
import org.mdlsae.bench.MachineInfo;
import org.mdlsae.bench.Shape;
import org.mdlsae.io.OutputKind;
import org.mdlsae.io.OutputTarget;
import org.mdlsae.io.Ownership;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mdlsae bench}: the engine's side of the benchmark harness. {@code benchmarks/run.sh} runs it together with
 * the numpy / PyTorch peers on the same shapes, data and threads and writes the results table.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark the CPU back end: encoder GEMM, BatchTopK training step (with and without AuxK), "
                + "the step's phases, description-length evaluation and time/memory per epoch.",
            "For the comparison with numpy and PyTorch on the same shapes run benchmarks/run.sh."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--parts", split = ",", paramLabel = "PART",
            description = "Parts to run: gemm, step, aux, phases, dl, scaling, or all (default: all).")
    List<String> parts = List.of("all");

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed runs before timing (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--reps", defaultValue = "5", description = "Timed runs; best and median are reported (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--threads", description = "Worker threads of the CPU back end (default: all cores).")
    Integer threads;

    @Option(names = "--quick", description = "Small shapes only: checks the harness in seconds; not the recorded figures.")
    boolean quick;

    @Option(names = "--export", paramLabel = "DIR", description = "Also write the data, initial weights and codes the Python peers read.")
    Path export;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the results as JSON to FILE (a new file, written atomically).")
    Path out;

    @Option(names = "--force", description = "Replace bench output this engine wrote at --out / --export.")
    boolean force;

    @Option(names = "--only", paramLabel = "REGEX",
            description = "Only shapes whose id matches (e.g. 'D1024_k16'; gemm, step, aux and phases parts).")
    String only;

    @Option(names = "--json", description = "Print only the results JSON on standard output.")
    boolean json;

    /**
     * Runs the command on its own (the harness script starts it this way, so it works whether or not the
     * {@code mdlsae} launcher lists {@code bench}).
     */
    public static void main(String[] args) {
        Main.run(new BenchCommand(), args);
    }

    @Override
    public Integer call() throws IOException {
        OutputTarget outFile = out == null ? null : OutputTarget.check("--out", out, OutputKind.BENCH, OutputTarget.Mode.REPLACE, force);
        OutputTarget exportDir = export == null ? null
                : OutputTarget.check("--export", export, OutputKind.BENCH_EXPORT, OutputTarget.Mode.REPLACE, force);
        if (warmup < 0) throw new InputException("--warmup must be ≥ 0, got " + warmup);
        if (reps < 1) throw new InputException("--reps must be ≥ 1, got " + reps);
        if (threads != null) {
            if (threads < 1) throw new InputException("--threads must be ≥ 1, got " + threads);
            // read once when the CPU back end's pool starts, which has not happened yet in this JVM
            System.setProperty("mdlsae.threads", Integer.toString(threads));
        }
        Set<String> chosen = new LinkedHashSet<>();
        for (String p : parts) {
            String q = p.trim().toLowerCase(java.util.Locale.ROOT);
            if (q.equals("all")) chosen.addAll(BenchSuite.PARTS);
            else if (BenchSuite.PARTS.contains(q)) chosen.add(q);
            else throw new InputException("--parts: unknown part '" + p + "'; use " + String.join(", ", BenchSuite.PARTS) + " or all");
        }
        long need = 0;
        for (Shape s : BenchSuite.stepShapes(quick)) {
            need = Math.max(need, BenchSuite.modelBytes(s.d(), s.width(), Math.min(s.d() / 2, s.width()), s.n()) + 8L * s.n() * s.d());
        }
        Resources.require(new Resources.Need(need, 0, 4L * BenchSuite.stepShapes(quick).stream()
                .mapToLong(s -> (long) s.width() * s.d()).max().orElse(0)), null, "--quick");
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (exportDir != null) {
            if (exportDir.exists()) exportDir.clear(Set.of());
            exportDir.createDirectory();
        }
        Map<String, Object> res = Ownership.jsonHeader(OutputKind.BENCH);
        res.put("machine", MachineInfo.collect(t));
        res.putAll(BenchSuite.run(new BenchSuite.Options(chosen, warmup, reps, quick,
                exportDir == null ? null : exportDir.path(), System.err, only)));
        String text = Json.MAPPER.writeValueAsString(res);
        if (outFile != null) {
            outFile.writeFile(o -> o.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            System.err.println("bench: wrote " + out);
        }
        if (json) {
            System.out.println(text);
        } else if (out == null) {
            System.out.println(text);
        }
        return 0;
    }
}
