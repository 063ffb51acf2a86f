package org.mdlsae.backend.opencl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Asks whether an OpenCL GPU is present <em>without loading OpenCL into this JVM</em> (docs/design.md §6): the probe
 * runs in a child JVM. Loading an OpenCL platform can install native signal handlers over the JVM's: pocl 3.1 brings
 * LLVM 15, whose crash handlers for SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGUSR2, SIGINT and SIGTERM use
 * {@code SA_RESETHAND}; the JVM's own SIGSEGVs (a safepoint poll in a compiled loop) then reach LLVM's handler, the
 * kernel resets the disposition to the default, and a second thread faulting in the millisecond before LLVM puts the
 * JVM's handler back kills the process with SIGSEGV and no hs_err file. {@code --backend auto} on a machine without a
 * GPU therefore never loads pocl in-process; a GPU found by the child is then used in-process (the {@code mdlsae}
 * launcher preloads the JVM's {@code libjsig} so that such handlers chain behind the JVM's).
 */
public final class OpenClProbe {
    private static final Logger LOG = Logger.getLogger(OpenClProbe.class.getName());
    private static final String GPU = "opencl-gpu";
    private static final long TIMEOUT_S = 60;
    private static Boolean cached;

    private OpenClProbe() {
    }

    /** The child's entry point: prints whether OpenCL has a usable GPU device. */
    public static void main(String[] args) {
        System.out.println(OpenCl.hasGpu() ? GPU : "no-gpu");
        System.out.flush();
        Runtime.getRuntime().halt(0); // skip native library teardown: only the answer matters
    }

    /**
     * True if a child JVM finds a usable OpenCL GPU; false if it finds none, fails, crashes or takes over a minute
     * (then OpenCL is simply not chosen automatically). Runs once per JVM.
     */
    public static synchronized boolean hasGpuInChildProcess() {
        if (cached == null) cached = runChild();
        return cached;
    }

    private static boolean runChild() {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), OpenClProbe.class.getName()));
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                LOG.fine("OpenCL probe timed out; not using OpenCL");
                return false;
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            LOG.fine(() -> "OpenCL probe (child process): exit " + p.exitValue() + ", " + out);
            return p.exitValue() == 0 && out.equals(GPU);
        } catch (IOException e) {
            LOG.fine("OpenCL probe could not start a child JVM: " + e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
