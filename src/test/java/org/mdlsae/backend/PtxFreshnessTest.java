package org.mdlsae.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.backend.gpu.KernelSources;

/**
 * The committed PTX module ({@code native/ptx/mdlsae.ptx}) must be what {@code native/build-ptx.sh} makes from
 * {@code kernels/} today (compared without nvcc's header comment, which names the compiler build), declare a PTX
 * ISA no newer than 8.0 (drivers older than the toolkit load it), hold the tensor-core path ({@code mma.sync}),
 * and assemble for sm_90 with no register spills. The text checks always run; regenerating and assembling skip
 * (assumption) where nvcc or ptxas is not on the PATH.
 */
class PtxFreshnessTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path KERNELS = ROOT.resolve("kernels");
    private static final Path PTX = ROOT.resolve("native/ptx");
    private static final Path MODULE = PTX.resolve("mdlsae.ptx");
    /** The newest PTX ISA the committed module may declare (R535-era drivers and newer load 8.0). */
    private static final double MAX_ISA = 8.0;

    @Test
    void everyKernelFileIsBuiltAndPackaged() throws IOException {
        TreeSet<String> onDisk = new TreeSet<>();
        try (Stream<Path> s = Files.list(KERNELS)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu")).forEach(onDisk::add);
        }
        assertEquals(onDisk, new TreeSet<>(KernelSources.FILES),
                "kernels/files.txt must list every kernels/*.cu (OpenCL and the PTX module are built from exactly that list)");
        TreeSet<String> ptx = new TreeSet<>();
        try (Stream<Path> s = Files.list(PTX)) {
            s.map(p -> p.getFileName().toString()).forEach(ptx::add);
        }
        assertEquals(new TreeSet<>(List.of("mdlsae.ptx")), ptx, "native/ptx must hold the one module: run native/build-ptx.sh");
        assertTrue(KernelSources.ptx().length > 1000, "PTX resource missing from the class path");
        assertTrue(KernelSources.openClProgram().contains("encode_gemm"), "OpenCL program source");
    }

    @Test
    void committedPtxLoadsWidelyAndHasTheTensorCorePath() throws IOException {
        String ptx = Files.readString(MODULE, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("(?m)^\\.version (\\d+)\\.(\\d+)$").matcher(ptx);
        assertTrue(m.find(), "no .version line in " + MODULE);
        double isa = Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2)) / 10.0;
        assertTrue(isa <= MAX_ISA, MODULE + " declares PTX ISA " + isa + " > " + MAX_ISA
                + ": only drivers as new as the compiler would load it (native/build-ptx.sh rewrites the line)");
        assertTrue(ptx.contains("\n.target sm_80\n"), "the module must target sm_80 (compute_80), loadable on Ampere and newer");
        assertTrue(ptx.contains("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32"), "the TF32 tensor-core GEMM is missing");
        assertTrue(ptx.contains("cp.async"), "the asynchronous shared-memory loads are missing");
        for (String entry : List.of("encode_topk", "topk_merge", "entropy_hist", "entropy_bits", "encode_gemm_tf32")) {
            assertTrue(ptx.contains(".entry " + entry + "("), "kernel " + entry + " is missing from the PTX");
        }
    }

    @Test
    void committedPtxIsFresh(@TempDir Path tmp) throws Exception {
        assumeTrue(onPath("nvcc") != null, "nvcc not on the PATH: PTX freshness not checked");
        Path fresh = tmp.resolve("ptx");
        run(tmp, 300, "sh", ROOT.resolve("native/build-ptx.sh").toString(), fresh.toString());
        String committed = withoutHeaderComment(Files.readString(MODULE, StandardCharsets.UTF_8));
        String regenerated = withoutHeaderComment(Files.readString(fresh.resolve("mdlsae.ptx"), StandardCharsets.UTF_8));
        if (!committed.equals(regenerated)) {
            fail("stale PTX (compiled by " + nvccVersion(tmp) + "): run native/build-ptx.sh and commit native/ptx/");
        }
    }

    /**
     * ptxas -v for sm_90 (what the driver's JIT does on an H100/H200): it must accept the declared ISA for every
     * instruction and report no spill stores or loads for any kernel.
     */
    @Test
    void committedPtxAssemblesForSm90WithoutSpills(@TempDir Path tmp) throws Exception {
        Path ptxas = onPath("ptxas");
        assumeTrue(ptxas != null, "ptxas not on the PATH: sm_90 assembly not checked");
        String out = run(tmp, 300, ptxas.toString(), "-v", "-arch=sm_90", MODULE.toString(), "-o",
                tmp.resolve("mdlsae.cubin").toString());
        assertTrue(Files.size(tmp.resolve("mdlsae.cubin")) > 0, "empty cubin");
        Matcher fn = Pattern.compile("Function properties for (\\w+)\\s+(\\d+) bytes stack frame, (\\d+) bytes spill stores, "
                + "(\\d+) bytes spill loads").matcher(out);
        List<String> spills = new ArrayList<>();
        int kernels = 0;
        while (fn.find()) {
            kernels++;
            if (!fn.group(3).equals("0") || !fn.group(4).equals("0")) {
                spills.add(fn.group(1) + " (" + fn.group(3) + " B stored, " + fn.group(4) + " B loaded)");
            }
        }
        assertTrue(kernels >= KernelSources.FILES.size(), "could not read ptxas -v's report:\n" + out);
        assertTrue(spills.isEmpty(), "register spills for sm_90: " + spills);
    }

    /** The PTX without the comment block nvcc puts before {@code .version} (it names the compiler build). */
    static String withoutHeaderComment(String ptx) {
        int v = ptx.indexOf("\n.version ");
        String head = v < 0 ? "" : ptx.substring(0, v);
        for (String line : head.split("\n")) {
            if (!line.isBlank() && !line.startsWith("//")) return ptx; // not only comments: compare everything
        }
        return v < 0 ? ptx : ptx.substring(v + 1);
    }

    private static Path onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, exe);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        return null;
    }

    private static String nvccVersion(Path dir) {
        try {
            String out = run(dir, 60, "nvcc", "--version");
            for (String line : out.split("\n")) if (line.contains("release")) return "nvcc " + line.strip();
            return "nvcc";
        } catch (Exception e) {
            return "nvcc";
        }
    }

    private static String run(Path dir, int seconds, String... cmd) throws IOException, InterruptedException {
        Path log = Files.createTempFile(dir, "cmd", ".log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " timed out after " + seconds + " s");
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) fail(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "):\n" + out);
        return out;
    }
}
