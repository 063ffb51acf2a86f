package org.mdlsae.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.InputException;

/** The restricted checkpoint reader: tensors out, and nothing but refusals for anything else. */
class TorchCheckpointTest {
    @TempDir
    Path tmp;

    /** A zip checkpoint with the given pickle and storages (key → little-endian bytes). */
    private Path checkpoint(String name, byte[] pickle, Map<String, byte[]> storages) throws IOException {
        Path p = tmp.resolve(name);
        try (OutputStream os = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(os)) {
            z.setMethod(ZipOutputStream.STORED);
            put(z, "archive/data.pkl", pickle);
            put(z, "archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            for (Map.Entry<String, byte[]> e : storages.entrySet()) put(z, "archive/data/" + e.getKey(), e.getValue());
        }
        return p;
    }

    private static void put(ZipOutputStream z, String name, byte[] b) throws IOException {
        ZipEntry e = new ZipEntry(name);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b);
        e.setSize(b.length);
        e.setCompressedSize(b.length);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(b);
        z.closeEntry();
    }

    private static byte[] bytes(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** {'w': a 2×3 float tensor viewed with strides (1, 2) over a 6-float storage}, as torch.save pickles it. */
    private static byte[] stridedTensorPickle() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(bytes("\u0080\u0002}q\u0000X\u0001\u0000\u0000\u0000wq\u0001ctorch._utils\n_rebuild_tensor_v2\nq\u0002("));
        b.writeBytes(bytes("(X\u0007\u0000\u0000\u0000storageq\u0003ctorch\nFloatStorage\nq\u0004X\u0001\u0000\u0000\u00000q\u0005"));
        b.writeBytes(bytes("X\u0003\u0000\u0000\u0000cpuq\u0006K\u0006tq\u0007QK\u0000K\u0002K\u0003\u0086q\bK\u0001K\u0002\u0086q\t"));
        b.writeBytes(bytes("\u0089ccollections\nOrderedDict\nq\n)Rq\u000btq\fRq\rs."));
        return b.toByteArray();
    }

    private static byte[] floats(float... v) {
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) bb.putFloat(f);
        return bb.array();
    }

    @Test
    void readsAStridedTensor() throws IOException {
        Path p = checkpoint("ae.pt", stridedTensorPickle(), Map.of("0", floats(0, 1, 2, 3, 4, 5)));
        SafeTensors.Tensor w = TorchCheckpoint.read(p).get("w");
        assertArrayEquals(new long[] {2, 3}, w.shape());
        // element [i, j] at i·1 + j·2: the transpose of the 3×2 row-major storage
        assertArrayEquals(new float[] {0, 2, 4, 1, 3, 5}, w.data());
        assertEquals("F32", w.dtype());
    }

    @Test
    void refusesToRunPickledCode() throws IOException {
        byte[] evil = bytes("\u0080\u0002cos\nsystem\nq\u0000X\u0004\u0000\u0000\u0000echoq\u0001\u0085q\u0002Rq\u0003.");
        InputException e = assertThrows(InputException.class, () -> TorchCheckpoint.read(checkpoint("evil.pt", evil, Map.of())));
        assertTrue(e.getMessage().contains("'os.system'") && e.getMessage().contains(TorchCheckpoint.CONVERSION), e.getMessage());
        byte[] obj = bytes("\u0080\u0002(cbuiltins\ndict\no.");
        e = assertThrows(InputException.class, () -> TorchCheckpoint.read(checkpoint("obj.pt", obj, Map.of())));
        assertTrue(e.getMessage().contains("builtins.dict"), e.getMessage());
    }

    @Test
    void refusesWhatIsNotAStateDict() throws IOException {
        byte[] backup = bytes("\u0080\u0002}q\u0000(X\u0004\u0000\u0000\u0000stepq\u0001K\u0007u.");
        InputException e = assertThrows(InputException.class, () -> TorchCheckpoint.read(checkpoint("b.pt", backup, Map.of())));
        assertTrue(e.getMessage().contains("entry 'step'"), e.getMessage());
        byte[] full = stridedTensorPickle();
        byte[] cut = java.util.Arrays.copyOf(full, full.length / 2);
        e = assertThrows(InputException.class, () -> TorchCheckpoint.read(checkpoint("cut.pt", cut, Map.of("0", floats(0, 1, 2, 3, 4, 5)))));
        assertTrue(e.getMessage().contains("cannot read this PyTorch checkpoint"), e.getMessage());
        e = assertThrows(InputException.class, () -> TorchCheckpoint.read(checkpoint("short.pt", full, Map.of("0", floats(0, 1, 2)))));
        assertTrue(e.getMessage().contains("storage 0"), e.getMessage());
        Path legacy = tmp.resolve("legacy.pt");
        Files.write(legacy, bytes("\u0080\u0002\u008a\nl\u00fc\u009cF\u00f9 j\u00a8P\u0019."));
        e = assertThrows(InputException.class, () -> TorchCheckpoint.read(legacy));
        assertTrue(e.getMessage().contains("legacy") && e.getMessage().contains("save_file"), e.getMessage());
    }
}
