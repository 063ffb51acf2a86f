package org.mdlsae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.data.ShardSet;
import org.mdlsae.io.Npy;
import org.mdlsae.sae.Arch;
import org.mdlsae.train.TrainConfig;

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

    /**
     * Shards streamed from disk count with their read buffers, not their size: a set of 2^34 values (64 GiB, a sparse
     * file here), beyond the heap and beyond one Java array, fits the estimate of a small SAE, and the same estimate on
     * twice the rows is the same.
     */
    @Test
    void streamedShardsCountWithTheirBuffersOnly() throws Exception {
        int d = 16;
        long[] heap = new long[2];
        for (int i = 0; i < 2; i++) {
            Path f = tmp.resolve("big" + i + ".npy");
            byte[] header = Npy.header(1 << (29 + i), d);
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.write(header);
                raf.setLength(header.length + 4L * d * (1L << (29 + i))); // sparse: nothing is read
            }
            try (ShardSet s = ShardSet.open(f, null); Backend be = new CpuBackend()) {
                Resources.Need need = Resources.training(TrainConfig.defaults(Arch.TOPK, 64, 8), s, be, "--width");
                heap[i] = need.heapBytes();
                assertTrue(need.heapBytes() < 256L << 20, "estimate " + need);
                Resources.require(need, be, "a smaller --width");
            }
        }
        assertEquals(heap[0], heap[1], "the estimate does not grow with the rows");
    }
}
