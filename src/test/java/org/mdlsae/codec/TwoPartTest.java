package org.mdlsae.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mdlsae.data.Dataset;
import org.mdlsae.io.Npy;
import org.mdlsae.mdl.SparseEncoder;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Sae;

class TwoPartTest {
    /** Every float16 value, decoded by the .npy reader's float16 path, is its own rounding. */
    static float[] allHalves() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(2 * 65536).order(ByteOrder.LITTLE_ENDIAN);
        for (int h = 0; h < 65536; h++) b.putShort((short) h);
        java.nio.file.Path f = java.nio.file.Files.createTempFile("halves", ".npy");
        try {
            byte[] head = Npy.header(65536, 1);
            head = new String(head, java.nio.charset.StandardCharsets.ISO_8859_1).replace("'<f4'", "'<f2'")
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            byte[] all = Arrays.copyOf(head, head.length + b.capacity());
            System.arraycopy(b.array(), 0, all, head.length, b.capacity());
            java.nio.file.Files.write(f, all);
            return Npy.read(f).data();
        } finally {
            java.nio.file.Files.delete(f);
        }
    }

    @Test
    void float16RoundingIsNearestEven() throws Exception {
        float[] halves = allHalves();
        float[] finite = new float[65536];
        int n = 0;
        for (float h : halves) {
            if (Float.isFinite(h)) {
                assertEquals(Float.floatToRawIntBits(h), Float.floatToRawIntBits(TwoPart.toFloat16(h)), "half " + h);
                finite[n++] = h;
            }
        }
        float[] sorted = Arrays.copyOf(finite, n);
        Arrays.sort(sorted);
        SplittableRandom r = new SplittableRandom(4);
        for (int t = 0; t < 20000; t++) {
            float f = (float) ((r.nextDouble() * 2 - 1) * Math.pow(2, r.nextInt(-26, 16)));
            float g = TwoPart.toFloat16(f);
            int i = Arrays.binarySearch(sorted, g);
            assertTrue(i >= 0, f + " rounded to " + g + ", not a float16 value");
            // no float16 value is nearer
            float below = sorted[Math.max(0, i - 1)], above = sorted[Math.min(sorted.length - 1, i + 1)];
            assertTrue(Math.abs(g - f) <= Math.abs(below - f) && Math.abs(g - f) <= Math.abs(above - f), f + " → " + g);
        }
        assertEquals(1f, TwoPart.toFloat16(1f + 0x1p-11f), "a tie goes to the even neighbour");
        assertEquals(1f + 0x1p-9f, TwoPart.toFloat16(1f + 3 * 0x1p-11f), "a tie goes to the even neighbour");
        assertEquals(Float.POSITIVE_INFINITY, TwoPart.toFloat16(65520f));
        assertEquals(65504f, TwoPart.toFloat16(65519f));
    }

    /** The dictionary rounded to float16 changes the reconstruction a little, not the code. */
    @Test
    void float16DictionaryMse() {
        Dataset data = TestSaes.sparseData("f16", 300, 12, 16, 3, 0.01, 3);
        try (Sae sae = Sae.upload(TestSaes.CPU, TestSaes.random(Arch.TOPK, 12, 24, 3, 0f, 4))) {
            SparseEncoder m = SparseEncoder.of(sae);
            float[] max = CodeStats.maxima(m, data);
            byte[] bits = new byte[24];
            Arrays.fill(bits, (byte) 6);
            double exact = Reconstruction.sqError(m, data, max, bits) / (300.0 * 12);
            double half = TwoPart.float16Mse(m, data, max, bits);
            assertTrue(half != exact, "rounding the decoder changes the reconstruction");
            assertEquals(exact, half, 1e-3 * exact);
        }
    }
}
