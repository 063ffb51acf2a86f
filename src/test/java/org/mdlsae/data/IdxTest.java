package org.mdlsae.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.InputException;
import org.mdlsae.io.Fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxTest {
    @TempDir
    Path dir;

    /** Images: 3 images of 2×2 pixels. */
    static byte[] images() {
        ByteBuffer b = ByteBuffer.allocate(4 + 12 + 12);
        b.put(new byte[] {0, 0, 0x08, 3}).putInt(3).putInt(2).putInt(2);
        for (int i = 0; i < 12; i++) {
            b.put((byte) (i * 23));
        }
        return b.array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    @Test
    void readsRawAndGzippedImages() throws IOException {
        float[] expected = new float[12];
        for (int i = 0; i < 12; i++) {
            expected[i] = (i * 23 & 0xff) / 255f;
        }
        Path raw = dir.resolve("train-images-idx3-ubyte");
        Files.write(raw, images());
        Dataset d = Idx.readImages(raw);
        assertEquals(3, d.rows());
        assertEquals(4, d.dim());
        assertArrayEquals(expected, d.data());
        Path gz = dir.resolve("whatever.bin"); // detected by content, not name
        Files.write(gz, gzip(images()));
        assertArrayEquals(expected, Idx.readImages(gz).data());
        assertEquals(1f, 255 / 255f);
    }

    @Test
    void readsLabelsAndFloats() throws IOException {
        Path labels = dir.resolve("labels");
        Files.write(labels, new byte[] {0, 0, 0x08, 1, 0, 0, 0, 4, 7, 2, 1, (byte) 255});
        assertArrayEquals(new int[] {7, 2, 1, 255}, Idx.readLabels(labels));
        assertTrue(assertThrows(InputException.class, () -> Idx.readImages(labels)).getMessage().contains("label file"));

        Path floats = dir.resolve("floats");
        ByteBuffer b = ByteBuffer.allocate(4 + 8 + 16);
        b.put(new byte[] {0, 0, 0x0D, 2}).putInt(2).putInt(2).putFloat(1.5f).putFloat(-2f).putFloat(0f).putFloat(7f);
        Files.write(floats, b.array());
        Dataset d = Idx.readImages(floats);
        assertArrayEquals(new float[] {1.5f, -2f, 0f, 7f}, d.data());
        assertThrows(InputException.class, () -> Idx.readLabels(floats));
    }

    @Test
    void truncatedAndOversizedFilesNameDeclaredAndActualSizes() throws IOException {
        Path f = dir.resolve("t-idx3-ubyte");
        Files.write(f, Arrays.copyOf(images(), 25));
        String msg = assertThrows(InputException.class, () -> Idx.readImages(f)).getMessage();
        assertTrue(msg.contains(f.toString()) && msg.contains("12 data bytes") && msg.contains("holds 9")
                && msg.contains("truncated"), msg);
        Files.write(f, gzip(Arrays.copyOf(images(), 25)));
        msg = assertThrows(InputException.class, () -> Idx.readImages(f)).getMessage();
        assertTrue(msg.contains("12 data bytes") && msg.contains("holds 9"), msg);
        byte[] extra = Arrays.copyOf(images(), 30);
        Files.write(f, gzip(extra));
        assertTrue(assertThrows(InputException.class, () -> Idx.readImages(f)).getMessage().contains("extra"));
    }

    @Test
    void hugeDeclaredSizesDoNotAllocate() throws IOException {
        Path f = dir.resolve("huge");
        ByteBuffer b = ByteBuffer.allocate(16 + 100);
        b.put(new byte[] {0, 0, 0x08, 3}).putInt(60000).putInt(28).putInt(28);
        Files.write(f, b.array());
        assertTrue(assertThrows(InputException.class, () -> Idx.readImages(f)).getMessage().contains("47040000"));
        Files.write(f, gzip(b.array())); // gzip: size unknown up front, must still fail fast
        assertThrows(InputException.class, () -> Idx.readImages(f));
        ByteBuffer big = ByteBuffer.allocate(16 + 100);
        big.put(new byte[] {0, 0, 0x0E, 3}).putInt(-1).putInt(-1).putInt(-1);
        Files.write(f, gzip(big.array()));
        assertTrue(assertThrows(InputException.class, () -> Idx.readImages(f)).getMessage().contains("overflow"));
    }

    @Test
    void unsupportedTypesAndGarbage() throws IOException {
        Path f = dir.resolve("i32");
        ByteBuffer b = ByteBuffer.allocate(12 + 8);
        b.put(new byte[] {0, 0, 0x0C, 2}).putInt(1).putInt(2).putInt(1).putInt(2);
        Files.write(f, b.array());
        assertTrue(assertThrows(InputException.class, () -> Idx.readImages(f)).getMessage().contains("0x0D float32"));
        Files.write(f, new byte[] {1, 2, 3, 4, 5});
        assertTrue(assertThrows(InputException.class, () -> Idx.readImages(f)).getMessage().contains("bad magic"));
        Files.write(f, new byte[] {0x1f, (byte) 0x8b, 3, 4, 5});
        assertTrue(assertThrows(InputException.class, () -> Idx.readImages(f)).getMessage().contains("gzip"));
        assertEquals("file not found: " + dir.resolve("nope"),
                assertThrows(InputException.class, () -> Idx.readImages(dir.resolve("nope"))).getMessage());
    }

    @Test
    void fuzz() throws IOException {
        byte[] raw = images();
        byte[] gz = gzip(raw);
        Fuzz.truncations(dir, raw, Idx::readImages);
        Fuzz.truncations(dir, gz, Idx::readImages);
        Fuzz.bitFlips(dir, raw, 2000, 5, Idx::readImages);
        Fuzz.bitFlips(dir, gz, 2000, 6, Idx::readImages);
        Fuzz.bitFlips(dir, new byte[] {0, 0, 0x08, 1, 0, 0, 0, 2, 5, 6}, 500, 7, Idx::readLabels);
    }
}
