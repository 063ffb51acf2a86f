package org.mdlsae.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.InputException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpyTest {
    @TempDir
    Path dir;

    /** Bytes of numpy.save(f, np.arange(6, dtype='<f4').reshape(2, 3)) (numpy 2.x, 128-byte header). */
    @Test
    void writesTheSameBytesAsNumpy() throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        String header = dict + " ".repeat(128 - 10 - dict.length() - 1) + "\n";
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0});
        expected.write(header.getBytes(StandardCharsets.US_ASCII));
        ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) {
            data.putFloat(i);
        }
        expected.write(data.array());
        Path f = dir.resolve("a.npy");
        Npy.write(f, new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
        assertArrayEquals(expected.toByteArray(), Files.readAllBytes(f));
    }

    @Test
    void headerIsPaddedTo64Bytes() {
        for (int rows : new int[] {0, 1, 9, 10, 12345, Integer.MAX_VALUE}) {
            for (int cols : new int[] {0, 1, 784, 100000}) {
                byte[] h = Npy.header(rows, cols);
                assertEquals(0, h.length % 64, rows + "x" + cols);
                assertEquals('\n', h[h.length - 1]);
                int len = (h[8] & 0xff) | (h[9] & 0xff) << 8;
                assertEquals(h.length - 10, len);
            }
        }
    }

    @Test
    void roundTrip() throws IOException {
        float[] d = new float[300_007];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) Math.sin(i);
        }
        Path f = dir.resolve("r.npy");
        Npy.write(f, d, 300_007, 1);
        Npy.Matrix m = Npy.read(f);
        assertEquals(300_007, m.rows());
        assertEquals(1, m.cols());
        assertArrayEquals(d, m.data());
        Npy.write(f, new float[0], 0, 5);
        assertEquals(0, Npy.read(f).rows());
        assertEquals(5, Npy.read(f).cols());
    }

    @Test
    void readsOtherDtypesAndVersions() throws IOException {
        ByteBuffer f2 = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3c00).putShort((short) 0xb800);
        assertArrayEquals(new float[] {1f, -0.5f}, read(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (1, 2), }", f2.array()));
        ByteBuffer f8 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.25).putDouble(3);
        assertArrayEquals(new float[] {0.25f, 3f}, read(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }", f8.array()));
        ByteBuffer be = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putFloat(1.5f).putFloat(-2f);
        assertArrayEquals(new float[] {1.5f, -2f}, read(3, "{\"descr\": \">f4\", \"shape\": (1, 2), \"fortran_order\": False}", be.array()));
        // Python 2 style long literals
        assertArrayEquals(new float[] {1.5f, -2f}, read(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2L, 1L), }", be.array()));
    }

    @Test
    void clearErrors() throws IOException {
        assertError("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24, "np.ascontiguousarray");
        assertError("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", 24, "<f4, <f2, <f8");
        assertError("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", 6, "not supported");
        assertError("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8, "structured dtype");
        assertError("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", 24, "need a 2-D array");
        assertError("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3), }", 24, "reshape");
        assertError("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20, "truncated");
        assertError("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 28, "extra bytes");
        assertError("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 65536), }", 24, "needs");
        assertError("{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807, 2), }", 24, "overflows");
        assertError("{'descr': '<f4', 'fortran_order': False}", 24, "lacks");
        assertError("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } junk", 24, "after the header");
        assertError("__import__('os')", 24, "bad header");
        assertError("(" .repeat(100), 0, "nested too deeply");
        Path f = dir.resolve("v9.npy");
        Files.write(f, new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 9, 0, 0, 0, 0, 0});
        assertTrue(assertThrows(InputException.class, () -> Npy.read(f)).getMessage().contains("version 9.0"));
        Files.write(f, "not numpy at all".getBytes(StandardCharsets.US_ASCII));
        assertTrue(assertThrows(InputException.class, () -> Npy.read(f)).getMessage().contains("magic"));
        assertEquals("file not found: " + dir.resolve("missing.npy"),
                assertThrows(InputException.class, () -> Npy.read(dir.resolve("missing.npy"))).getMessage());
    }

    @Test
    void hugeDeclaredHeaderLength() throws IOException {
        Path f = dir.resolve("h.npy");
        Files.write(f, new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f, '{'});
        assertTrue(assertThrows(InputException.class, () -> Npy.read(f)).getMessage().contains("header length"));
    }

    @Test
    void fuzz() throws IOException {
        Path f = dir.resolve("valid.npy");
        Npy.write(f, new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        byte[] valid = Files.readAllBytes(f);
        Fuzz.truncations(dir, valid, Npy::read);
        Fuzz.bitFlips(dir, valid, 2000, 11, Npy::read);
        // Flips confined to the header text, where the parser lives.
        byte[] v2 = npy(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", new byte[16]);
        Fuzz.bitFlips(dir, java.util.Arrays.copyOf(v2, v2.length), 1000, 12, Npy::read);
    }

    private float[] read(int version, String dict, byte[] data) throws IOException {
        Path f = dir.resolve("v" + version + ".npy");
        Files.write(f, npy(version, dict, data));
        return Npy.read(f).data();
    }

    private void assertError(String dict, int dataBytes, String expected) throws IOException {
        Path f = dir.resolve("bad.npy");
        Files.write(f, npy(1, dict, new byte[dataBytes]));
        InputException e = assertThrows(InputException.class, () -> Npy.read(f), dict);
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains(f.toString()),
                "message '" + e.getMessage() + "' should mention '" + expected + "'");
    }

    /** An npy file with the given header dict (unpadded; readers must not rely on alignment). */
    static byte[] npy(int version, String dict, byte[] data) {
        byte[] h = (dict + "\n").getBytes(version == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(12 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0});
        if (version == 1) {
            b.putShort((short) h.length);
        } else {
            b.putInt(h.length);
        }
        b.put(h).put(data);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }
}
