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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {
    @TempDir
    Path dir;

    /** Bytes checked against Python: safetensors.numpy.save({'b': [1, 2], 'a': [[0.5]]}, metadata={'format': 'pt'}). */
    @Test
    void writesTheSameBytesAsPython() throws IOException {
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("b", SafeTensors.Tensor.f32("b", new float[] {1f, 2f}, 2));
        tensors.put("a", SafeTensors.Tensor.f32("a", new float[] {0.5f}, 1, 1));
        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}   ";
        assertEquals(144, json.length());
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(new byte[] {(byte) 0x90, 0, 0, 0, 0, 0, 0, 0});
        expected.write(json.getBytes(StandardCharsets.US_ASCII));
        expected.write(new byte[] {0, 0, 0, 0x3f, 0, 0, (byte) 0x80, 0x3f, 0, 0, 0, 0x40});
        assertArrayEquals(expected.toByteArray(), SafeTensors.toBytes(tensors, Map.of("format", "pt")));

        Path f = dir.resolve("t.safetensors");
        SafeTensors.write(f, tensors, Map.of("format", "pt"));
        assertArrayEquals(expected.toByteArray(), Files.readAllBytes(f));
    }

    /** Python: save({'x': zeros((0, 3)), 's': array(3.0)}) — scalars, empty tensors, no metadata. */
    @Test
    void scalarAndEmptyTensorsMatchPython() {
        Map<String, SafeTensors.Tensor> tensors = Map.of(
                "x", SafeTensors.Tensor.f32("x", new float[0], 0, 3),
                "s", SafeTensors.Tensor.f32("s", new float[] {3f}));
        String json = "{\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                + "\"x\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[4,4]}}    ";
        byte[] got = SafeTensors.toBytes(tensors, null);
        assertEquals(0x70, got[0]);
        assertEquals(json, new String(got, 8, 0x70, StandardCharsets.US_ASCII));
        assertArrayEquals(new byte[] {0, 0, 0x40, 0x40}, java.util.Arrays.copyOfRange(got, 8 + 0x70, got.length));
    }

    @Test
    void roundTrip() throws IOException {
        Random rnd = new Random(1);
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        float[] w = new float[37 * 53];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian();
        }
        tensors.put("W_enc", SafeTensors.Tensor.f32("W_enc", w, 37, 53));
        tensors.put("b_dec", SafeTensors.Tensor.f32("b_dec", new float[] {Float.MIN_VALUE, -0f, Float.MAX_VALUE}, 3));
        tensors.put("empty", SafeTensors.Tensor.f32("empty", new float[0], 0));
        tensors.put("ünï", SafeTensors.Tensor.f32("ünï", new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3));
        Path f = dir.resolve("sub/rt.safetensors");
        SafeTensors.write(f, tensors, Map.of("k", "v", "a", "\"quoted\"\n"));

        Map<String, SafeTensors.Tensor> back = SafeTensors.read(f);
        assertEquals(List.of("W_enc", "b_dec", "empty", "ünï"), List.copyOf(back.keySet()));
        for (var e : tensors.entrySet()) {
            assertEquals(e.getValue(), back.get(e.getKey()));
        }
        assertEquals(Map.of("k", "v", "a", "\"quoted\"\n"), SafeTensors.metadata(f));
        assertEquals(List.of("W_enc", "b_dec", "empty", "ünï"), SafeTensors.names(f));
        assertEquals(tensors.get("b_dec"), SafeTensors.readOne(f, "b_dec"));
        try (var files = Files.list(f.getParent())) {
            assertEquals(1, files.count(), "no temporary files left");
        }
    }

    @Test
    void largeTensorRoundTripCrossesChunks() throws IOException {
        float[] w = new float[700_001];
        for (int i = 0; i < w.length; i++) {
            w[i] = i * 0.25f;
        }
        Path f = dir.resolve("big.safetensors");
        SafeTensors.write(f, Map.of("w", SafeTensors.Tensor.f32("w", w, w.length)), null);
        assertArrayEquals(w, SafeTensors.readOne(f, "w").data());
    }

    @Test
    void readsHalfBfloatAndDouble() throws IOException {
        // F16: 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff, smallest subnormal 0x0001 = 2^-24, inf = 0x7c00
        ByteBuffer f16 = le(10).putShort((short) 0x3c00).putShort((short) 0xc000).putShort((short) 0x7bff)
                .putShort((short) 0x0001).putShort((short) 0x7c00);
        // BF16: 1.0 = 0x3f80, -0.5 = 0xbf00
        ByteBuffer bf16 = le(4).putShort((short) 0x3f80).putShort((short) 0xbf00);
        ByteBuffer f64 = le(16).putDouble(0.1).putDouble(-1e300);
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[0,10]},"
                + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[2,1],\"data_offsets\":[10,14]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[14,30]}}";
        Path f = dir.resolve("mixed.safetensors");
        Files.write(f, file(header, f16.array(), bf16.array(), f64.array()));
        Map<String, SafeTensors.Tensor> t = SafeTensors.read(f);
        assertEquals(List.of("h", "bf", "d"), List.copyOf(t.keySet()), "header order");
        assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY}, t.get("h").data());
        assertEquals("F16", t.get("h").dtype());
        assertArrayEquals(new float[] {1f, -0.5f}, t.get("bf").data());
        assertArrayEquals(new long[] {2, 1}, t.get("bf").shape());
        assertArrayEquals(new float[] {0.1f, Float.NEGATIVE_INFINITY}, t.get("d").data());
    }

    @Test
    void halfConversionMatchesAllValues() {
        // Every finite half value converts exactly: compare with an independent formula.
        for (int bits = 0; bits < 0x10000; bits++) {
            int exp = (bits >> 10) & 0x1f;
            int mant = bits & 0x3ff;
            double sign = (bits & 0x8000) != 0 ? -1 : 1;
            float got = Dtypes.halfToFloat((short) bits);
            if (exp == 0x1f) {
                assertTrue(mant == 0 ? Float.isInfinite(got) : Float.isNaN(got));
                continue;
            }
            double expect = exp == 0 ? sign * mant * Math.pow(2, -24) : sign * (1 + mant / 1024.0) * Math.pow(2, exp - 15);
            assertEquals((float) expect, got, 0f, "bits " + Integer.toHexString(bits));
        }
    }

    @Test
    void rejectsBadHeaders() throws IOException {
        assertBad("{\"a\":{\"dtype\":\"F99\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "unknown dtype 'F99'");
        assertBad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "span 4");
        assertBad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}", 6, "overlaps");
        assertBad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "gap");
        assertBad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, "cover 4 data bytes but the file has 8");
        assertBad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 2, "truncated");
        assertBad("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "bad shape");
        assertBad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4, "end before begin");
        assertBad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "not valid JSON");
        assertBad("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,4]}}",
                4, "overflows");
        assertBad("{\"__metadata__\":{\"x\":1}}", 0, "not a string");
        assertBad("[1,2]", 0, "not a JSON object");
        assertBad("{\"a\":1} x", 0, "not valid JSON");
        assertBad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}  {}", 4, "trailing");
    }

    @Test
    void rejectsLyingLengths() throws IOException {
        Path f = dir.resolve("lie.safetensors");
        byte[] valid = SafeTensors.toBytes(Map.of("a", SafeTensors.Tensor.f32("a", new float[4], 4)), null);
        for (long n : new long[] {-1L, Long.MAX_VALUE, 1L << 40, 100_000_001L, valid.length}) {
            byte[] b = valid.clone();
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
            Files.write(f, b);
            InputException e = assertThrows(InputException.class, () -> SafeTensors.read(f));
            assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        }
        Files.write(f, new byte[] {1, 2, 3});
        assertThrows(InputException.class, () -> SafeTensors.read(f));
        // A declared shape far larger than the file is rejected before allocation.
        byte[] huge = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1000000000],\"data_offsets\":[0,4000000000]}}", new byte[16]);
        Files.write(f, huge);
        assertTrue(assertThrows(InputException.class, () -> SafeTensors.read(f)).getMessage().contains("truncated"));
    }

    @Test
    void unsupportedDtypeAndMissingTensorNameTheFileAndTensor() throws IOException {
        Path f = dir.resolve("i64.safetensors");
        Files.write(f, file("{\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]));
        assertEquals(List.of("ids"), SafeTensors.names(f));
        String msg = assertThrows(InputException.class, () -> SafeTensors.read(f)).getMessage();
        assertTrue(msg.contains(f.toString()) && msg.contains("'ids'") && msg.contains("I64") && msg.contains("F32"), msg);
        String missing = assertThrows(InputException.class, () -> SafeTensors.readOne(f, "nope")).getMessage();
        assertTrue(missing.contains("'nope'") && missing.contains("ids I64 [1]"), missing);
        assertEquals("file not found: " + dir.resolve("none"),
                assertThrows(InputException.class, () -> SafeTensors.read(dir.resolve("none"))).getMessage());
    }

    @Test
    void fuzzTruncationsAndBitFlips() {
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("w", SafeTensors.Tensor.f32("w", new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        tensors.put("b", SafeTensors.Tensor.f32("b", new float[] {7, 8}, 2));
        byte[] valid = SafeTensors.toBytes(tensors, Map.of("m", "x"));
        Fuzz.truncations(dir, valid, SafeTensors::read);
        Fuzz.bitFlips(dir, valid, 2000, 42, SafeTensors::read);
        // The header length prefix and the JSON numbers are the interesting parts: flip only there too.
        int headerEnd = 8 + (int) ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        Fuzz.bitFlips(dir, java.util.Arrays.copyOf(valid, headerEnd), 500, 7, SafeTensors::read);
    }

    private void assertBad(String header, int dataBytes, String expected) throws IOException {
        Path f = dir.resolve("bad.safetensors");
        Files.write(f, file(header, new byte[dataBytes]));
        InputException e = assertThrows(InputException.class, () -> SafeTensors.read(f), header);
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains(f.toString()),
                "message '" + e.getMessage() + "' should mention '" + expected + "'");
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    static byte[] file(String header, byte[]... data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(le(8).putLong(h.length).array());
        out.writeBytes(h);
        for (byte[] d : data) {
            out.writeBytes(d);
        }
        return out.toByteArray();
    }
}
