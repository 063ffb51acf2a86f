package org.mdlsae.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the command line in a child JVM, in a chosen working directory: how a user runs it, and the only safe way to
 * test what the engine does to the current directory, the process exit code, memory failures and kills.
 */
final class Child {
    /** What a finished child did. */
    record Result(int code, String out, String err) {
        /** Standard error without the JVM's incubator-module warning. */
        String errLines() {
            return err.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).reduce("", (a, b) -> a + b + "\n");
        }
    }

    private Child() {
    }

    /** The child's command: this JVM's java and class path, a small heap, the CPU back end. */
    static List<String> command(String heap, String... args) {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC",
                "-Xmx" + heap, "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Starts a child (the caller waits for or kills it); its output goes to files in {@code logs}. */
    static Process start(Path cwd, Path logs, String heap, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(heap, args)).directory(cwd.toFile());
        Map<String, String> env = pb.environment();
        env.put("MDLSAE_BACKEND", "cpu");
        env.put("MDLSAE_CACHE", logs.resolve("cache").toString());
        env.remove("MDLSAE_DEBUG");
        Files.createDirectories(logs);
        pb.redirectOutput(logs.resolve("out.txt").toFile()).redirectError(logs.resolve("err.txt").toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return pb.start();
    }

    /** Runs a child to completion (at most two minutes). */
    static Result run(Path cwd, Path logs, String heap, String... args) throws Exception {
        Process p = start(cwd, logs, heap, args);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child did not finish: " + String.join(" ", args));
        }
        return new Result(p.exitValue(), Files.readString(logs.resolve("out.txt"), StandardCharsets.UTF_8),
                Files.readString(logs.resolve("err.txt"), StandardCharsets.UTF_8));
    }
}
