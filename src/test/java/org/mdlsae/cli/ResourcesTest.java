package org.mdlsae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.io.Npy;

/** Resources are checked before any work; what escapes is one line with exit 3 (docs/design.md §6). */
class ResourcesTest {
    @TempDir
    Path tmp;
    Path wide;
    Path out;

    @BeforeEach
    void data() throws Exception {
        int n = 16, d = 784; // MNIST's dimension: the shapes of the reports
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) x[i] = (i * 7919 % 1000) / 1000f;
        wide = tmp.resolve("wide.npy");
        Npy.write(wide, x, n, d);
        out = tmp.resolve("out");
    }

    private String refused(String... args) {
        return FlagsTest.refused(out, args);
    }

    @Test
    void shapesThatOverflowAnArrayAreRefusedNamingTheFlag() {
        String e = refused("train", "--data", wide.toString(), "--width", "2147483647", "--k", "8", "--out", out.toString());
        assertTrue(e.contains("--width") && e.contains("2739137"), e);
        e = refused("sweep", "--data", wide.toString(), "--widths", "8,3000000", "--fvu", "0.5", "--out", out.toString());
        assertTrue(e.contains("--widths"), e);
        e = refused("toy", "experiment", "split", "--p", "0.1", "--samples", "2000000", "--d", "4096", "--out", out.toString());
        assertTrue(e.contains("--samples") && e.contains("--d"), e);
    }

    @Test
    void jobsLargerThanTheHeapAreRefusedWithTheEstimateAndTheFix() {
        // 2·D·d weights ×8 copies of 4 bytes ≈ 93 GiB: more than any test JVM's heap
        String e = refused("train", "--data", wide.toString(), "--width", "2000000", "--k", "8", "--out", out.toString());
        assertTrue(e.contains("GiB") && e.contains("MDLSAE_JAVA_OPTS=-Xmx") && e.contains("--width"), e);
        // a sweep checks its widest width before it trains the narrow ones
        e = refused("sweep", "--data", wide.toString(), "--widths", "8,2000000", "--fvu", "0.5", "--out", out.toString());
        assertTrue(e.contains("MDLSAE_JAVA_OPTS") && e.contains("--widths"), e);
    }

    @Test
    void memoryFailuresThatEscapeAreOneLineWithExitThree() {
        for (Throwable t : new Throwable[] {new OutOfMemoryError("Java heap space"), new NegativeArraySizeException("-5"),
            new RuntimeException("worker failed", new OutOfMemoryError("Java heap space"))}) {
            StringWriter w = new StringWriter();
            int code = Main.report(t, new PrintWriter(w));
            assertEquals(3, code, w.toString());
            assertEquals(1, w.toString().strip().lines().count(), w.toString());
            assertTrue(w.toString().contains("MDLSAE_JAVA_OPTS=-Xmx") && w.toString().contains("hs_err"), w.toString());
            assertFalse(w.toString().contains("\tat "), "no stack trace");
        }
    }
}
