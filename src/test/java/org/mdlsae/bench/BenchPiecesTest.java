package org.mdlsae.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.io.Npy;

/** The harness's small pieces: statistics, the .npy files the peers read, shape ids and the memory formula. */
class BenchPiecesTest {
    @Test
    void statsBestAndMedian() {
        Stats s = new Stats(new double[] {0.3, 0.1, 0.2, 0.5});
        assertEquals(0.1, s.best());
        assertEquals(0.25, s.median(), 1e-15);
        assertEquals(4, s.runs());
        assertEquals(0.2, new Stats(new double[] {0.3, 0.1, 0.2}).median());
        assertThrows(IllegalArgumentException.class, () -> new Stats(new double[0]));
    }

    @Test
    void npyFilesReadBack(@TempDir Path dir) throws Exception {
        float[] a = {1f, -2.5f, 3f, 0f, Float.MIN_VALUE, 7f};
        Path f = dir.resolve("a.npy");
        NpyOut.floats(f, a, 2, 3);
        Npy.Matrix m = Npy.read(f);
        assertEquals(2, m.rows());
        assertEquals(3, m.cols());
        assertArrayEquals(a, m.data());

        int[] ix = {5, -1, 1 << 20};
        Path g = dir.resolve("i.npy");
        NpyOut.ints(g, ix, 3);
        byte[] bytes = Files.readAllBytes(g);
        int headerLen = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
        String header = new String(bytes, 10, headerLen, java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(0, (10 + headerLen) % 64, "header padded to 64 bytes");
        assertEquals(true, header.contains("'descr': '<i4'") && header.contains("'shape': (3,)"), header);
        ByteBuffer body = ByteBuffer.wrap(bytes, 10 + headerLen, 12).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : ix) assertEquals(v, body.getInt());
    }

    @Test
    void shapesAndMemoryFormula() {
        assertEquals("mnist_d784_D1024_k16_n4096", new Shape("mnist", 4096, 784, 1024, 16).id());
        assertEquals(10, BenchSuite.stepShapes(false).size());
        assertEquals(4, BenchSuite.gemmShapes(false).size());
        // weights, gradients, two moments of 2·D·d + D + d; batch·D; 4·batch·d; 2·batch·k_aux
        long d = 784, width = 1024, b = 256, kAux = 392;
        long floats = 4 * (2 * width * d + width + d) + b * width + 4 * b * d + 2 * b * kAux;
        assertEquals(4 * floats, BenchSuite.modelBytes(d, width, kAux, b));
    }
}
