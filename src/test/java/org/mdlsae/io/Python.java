package org.mdlsae.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * python3 with numpy for the interop tests (the scripts under {@code src/test/resources/interop/}). Without it a
 * test is skipped, unless {@code MDLSAE_REQUIRE_PYTHON=1} (set by {@code .ci/run}) makes that a failure.
 */
public final class Python {
    private static String found;
    private static boolean probed;

    private Python() {
    }

    /** The interpreter, or null when there is no python3 that imports numpy. */
    public static synchronized String withNumpy() {
        if (probed) return found;
        probed = true;
        for (String py : new String[] {"python3", "/usr/bin/python3"}) {
            try {
                Process p = new ProcessBuilder(py, "-c", "import numpy").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) return found = py;
            } catch (IOException | InterruptedException e) {
                // try the next one
            }
        }
        return null;
    }

    /** The interpreter; skips the test (or fails it in CI) without one. */
    public static String require() {
        String py = withNumpy();
        if (py == null) {
            if ("1".equals(System.getenv("MDLSAE_REQUIRE_PYTHON"))) fail("python3 with numpy is required (MDLSAE_REQUIRE_PYTHON=1)");
            assumeTrue(false, "no python3 with numpy on this machine");
        }
        return py;
    }

    /** Copies {@code /interop/NAME} into {@code dir} and runs it with {@code args}; returns its standard output. */
    public static String run(Path dir, String script, String... args) throws IOException, InterruptedException {
        String py = require();
        Path file = copy(dir, script);
        List<String> cmd = new ArrayList<>(List.of(py, file.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), script + " timed out");
        assertEquals(0, p.exitValue(), script + " failed:\n" + out);
        return out;
    }

    /** Copies {@code /interop/NAME} into {@code dir} (once), e.g. a module another script imports; returns the copy. */
    public static Path copy(Path dir, String script) throws IOException {
        Path file = dir.resolve(script);
        if (!Files.exists(file)) {
            try (InputStream in = Python.class.getResourceAsStream("/interop/" + script)) {
                assertTrue(in != null, "missing resource /interop/" + script);
                Files.copy(in, file);
            }
        }
        return file;
    }
}
