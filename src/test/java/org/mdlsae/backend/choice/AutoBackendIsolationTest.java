package org.mdlsae.backend.choice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.mdlsae.backend.Backend;

/**
 * {@code --backend auto} on a machine without a GPU must not load an OpenCL platform into the JVM: pocl brings LLVM,
 * whose crash handlers take over the JVM's SIGSEGV handler (docs/design.md §6.5). Checked in a fresh child JVM, whose
 * memory map shows every native library it loaded.
 */
class AutoBackendIsolationTest {
    /** The child: chooses the automatic back end, then prints its name and whether pocl or LLVM is mapped. */
    public static void main(String[] args) throws Exception {
        try (Backend be = Backends.create("auto")) {
            String maps = Files.readString(Path.of("/proc/self/maps"));
            System.out.println(be.name() + " " + (maps.contains("libpocl") || maps.contains("libLLVM")));
        }
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    @Test
    void autoOnTheCpuLoadsNoOpenClPlatformInProcess() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "needs Linux's /proc");
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(List.of(java, "--add-modules", "jdk.incubator.vector", "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), AutoBackendIsolationTest.class.getName()))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child did not finish");
        }
        String[] out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip().split(" ");
        assertEquals(0, p.exitValue());
        assumeTrue(out[0].equals("cpu"), "a GPU back end was chosen: loading its platform is expected");
        assertFalse(Boolean.parseBoolean(out[1]), "auto chose the CPU but pocl/LLVM is loaded in the JVM");
    }
}
