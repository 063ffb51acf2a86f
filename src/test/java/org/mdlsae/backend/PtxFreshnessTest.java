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
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.backend.gpu.KernelSources;

/**
 * The committed PTX ({@code native/ptx/}) must be what {@code native/build-ptx.sh} makes from
 * {@code kernels/} today, and must assemble for sm_90. Skips (assumption) where nvcc is not on the PATH;
 * the kernel-list checks always run.
 */
class PtxFreshnessTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path KERNELS = ROOT.resolve("kernels");
    private static final Path PTX = ROOT.resolve("native/ptx");

    @Test
    void everyKernelFileIsBuiltAndPackaged() throws IOException {
        TreeSet<String> onDisk = new TreeSet<>();
        try (Stream<Path> s = Files.list(KERNELS)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu")).forEach(onDisk::add);
        }
        assertEquals(onDisk, new TreeSet<>(KernelSources.FILES),
                "KernelSources.FILES must list every kernels/*.cu (OpenCL concatenates exactly that list)");
        TreeSet<String> ptx = new TreeSet<>();
        try (Stream<Path> s = Files.list(PTX)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ptx")).forEach(ptx::add);
        }
        TreeSet<String> want = new TreeSet<>();
        for (String f : KernelSources.FILES) want.add(f.replace(".cu", ".ptx"));
        assertEquals(want, ptx, "native/ptx must hold one PTX per kernel file: run native/build-ptx.sh");
        for (String f : KernelSources.FILES) {
            assertTrue(KernelSources.ptx(f).length > 100, f + ": PTX resource missing from the class path");
        }
        assertTrue(KernelSources.openClProgram().contains("encode_gemm"), "OpenCL program source");
    }

    @Test
    void committedPtxIsFreshAndAssembles(@TempDir Path tmp) throws Exception {
        Path nvcc = onPath("nvcc");
        assumeTrue(nvcc != null, "nvcc not on the PATH: PTX freshness not checked");
        Path fresh = tmp.resolve("ptx");
        run(tmp, 300, "sh", ROOT.resolve("native/build-ptx.sh").toString(), fresh.toString());
        List<String> stale = new ArrayList<>();
        for (String f : KernelSources.FILES) {
            String name = f.replace(".cu", ".ptx");
            byte[] committed = Files.readAllBytes(PTX.resolve(name));
            byte[] regenerated = Files.readAllBytes(fresh.resolve(name));
            if (!Arrays.equals(committed, regenerated)) stale.add(name);
        }
        if (!stale.isEmpty()) {
            fail("stale PTX " + stale + " (compiled by " + nvccVersion(tmp) + "): run native/build-ptx.sh and commit native/ptx/");
        }
        // the PTX must assemble for Hopper (what the driver's JIT will do at load time)
        Path ptxas = onPath("ptxas");
        for (String f : KernelSources.FILES) {
            Path ptx = PTX.resolve(f.replace(".cu", ".ptx"));
            Path cubin = tmp.resolve(f.replace(".cu", ".cubin"));
            if (ptxas != null) {
                run(tmp, 300, ptxas.toString(), "-arch=sm_90", ptx.toString(), "-o", cubin.toString());
            } else {
                run(tmp, 300, nvcc.toString(), "-cubin", "-arch=sm_90", ptx.toString(), "-o", cubin.toString());
            }
            assertTrue(Files.size(cubin) > 0, cubin + " is empty");
        }
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
