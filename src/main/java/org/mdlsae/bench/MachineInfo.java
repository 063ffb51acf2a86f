package org.mdlsae.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.mdlsae.backend.cpu.Gemm;

/** What a results file records about where and when it was measured. */
public final class MachineInfo {
    private MachineInfo() {
    }

    /** CPU model, cores, JVM, vector width, threads, commit, date and the current load average. */
    public static Map<String, Object> collect(int threads) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        m.put("cpu_model", cpuModel());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("threads", threads);
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.vendor") + ")");
        m.put("max_heap_mib", Runtime.getRuntime().maxMemory() >> 20);
        m.put("vector_gemm", Gemm.vectorized());
        m.put("vector_bits", vectorBits());
        m.put("commit", commit());
        m.put("load_avg", loadAverage());
        return m;
    }

    /** The 1, 5 and 15 minute load averages, or null where /proc/loadavg is missing. */
    public static double[] loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).trim().split("\\s+");
            return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return System.getProperty("os.arch");
    }

    private static Integer vectorBits() {
        if (!Gemm.vectorized()) return null;
        try {
            return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        } catch (Throwable t) {
            return null;
        }
    }

    /** {@code MDLSAE_COMMIT} if set (the harness script passes it), else {@code git describe} of the working directory. */
    static String commit() {
        String env = System.getenv("MDLSAE_COMMIT");
        if (env != null && !env.isBlank()) return env.trim();
        try {
            Process p = new ProcessBuilder("git", "describe", "--always", "--dirty", "--abbrev=12")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && !out.isEmpty()) return out;
        } catch (IOException | RuntimeException e) {
            // not a checkout
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "unknown";
    }
}
