package org.mdlsae.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.mdlsae.io.AtomicFiles;

/** Minimal .npy writer (format 1.0, C order, little-endian int32 / float32) for handing arrays to the peers. */
final class NpyOut {
    private NpyOut() {
    }

    static void floats(Path file, float[] a, int... shape) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(a);
        write(file, "<f4", shape, b.array());
    }

    static void ints(Path file, int[] a, int... shape) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(a);
        write(file, "<i4", shape, b.array());
    }

    private static void write(Path file, String descr, int[] shape, byte[] body) throws IOException {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) s.append(i > 0 ? ", " : "").append(shape[i]);
        String shp = s.append(shape.length == 1 ? ",)" : ")").toString();
        StringBuilder dict = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shp + ", }");
        int total = 10 + dict.length() + 1;
        dict.append(" ".repeat((64 - total % 64) % 64)).append('\n');
        byte[] h = dict.toString().getBytes(StandardCharsets.US_ASCII);
        AtomicFiles.writeAtomic(file, o -> {
            o.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) (h.length & 0xff), (byte) (h.length >> 8)});
            o.write(h);
            o.write(body);
        });
    }
}
