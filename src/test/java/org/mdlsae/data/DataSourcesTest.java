package org.mdlsae.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.InputException;
import org.mdlsae.io.Npy;
import org.mdlsae.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataSourcesTest {
    @TempDir
    Path dir;

    private final float[] six = {1, 2, 3, 4, 5, 6};

    @Test
    void detectsFormatsByContent() throws IOException {
        Path npy = dir.resolve("acts.bin");
        Npy.write(npy, six, 2, 3);
        assertEquals(DataSources.Format.NPY, DataSources.detect(npy));
        Dataset d = DataSources.load(npy.toString(), null, null, null);
        assertEquals(2, d.rows());
        assertEquals(3, d.dim());
        assertArrayEquals(six, d.data());

        Path st = dir.resolve("acts.npy"); // misleading extension on purpose
        SafeTensors.write(st, Map.of("x", SafeTensors.Tensor.f32("x", six, 3, 2),
                "b", SafeTensors.Tensor.f32("b", new float[] {1}, 1)), null);
        assertEquals(DataSources.Format.SAFETENSORS, DataSources.detect(st));
        d = DataSources.load(st.toString(), null, null, null);
        assertEquals(3, d.rows());
        assertEquals(2, d.dim());

        Path idx = dir.resolve("images");
        Files.write(idx, IdxTest.images());
        assertEquals(DataSources.Format.IDX, DataSources.detect(idx));
        assertEquals(4, DataSources.load(idx.toString(), null, null, null).dim());
        Path gz = dir.resolve("images.gz");
        Files.write(gz, IdxTest.gzip(IdxTest.images()));
        assertEquals(3, DataSources.load(gz.toString(), null, null, null).rows());

        Path junk = dir.resolve("junk.txt");
        Files.writeString(junk, "hello world, not data");
        assertTrue(message(junk.toString(), null, null).contains("unrecognised format"));
        Path empty = dir.resolve("empty");
        Files.write(empty, new byte[0]);
        assertTrue(message(empty.toString(), null, null).contains("unrecognised format"));
    }

    @Test
    void safetensorsTensorChoice() throws IOException {
        Path st = dir.resolve("many.safetensors");
        Map<String, SafeTensors.Tensor> t = new LinkedHashMap<>();
        t.put("layer1", SafeTensors.Tensor.f32("layer1", six, 2, 3));
        t.put("layer2", SafeTensors.Tensor.f32("layer2", six, 3, 2));
        t.put("bias", SafeTensors.Tensor.f32("bias", new float[] {0, 0}, 2));
        SafeTensors.write(st, t, null);
        String msg = message(st.toString(), null, null);
        assertTrue(msg.contains("several 2-D tensors") && msg.contains("layer1 F32 [2, 3]")
                && msg.contains("layer2 F32 [3, 2]") && msg.contains("--tensor"), msg);
        Dataset d = DataSources.load(st.toString(), "layer2", null, null);
        assertEquals(3, d.rows());
        assertEquals("many.safetensors:layer2", d.name());
        assertTrue(message(st.toString(), "bias", null).contains("need a 2-D"));
        assertTrue(message(st.toString(), "nope", null).contains("no such tensor"));

        Path none = dir.resolve("none.safetensors");
        SafeTensors.write(none, Map.of("v", SafeTensors.Tensor.f32("v", six, 6)), null);
        assertTrue(message(none.toString(), null, null).contains("has no 2-D tensor"));
    }

    @Test
    void flagMisuseAndMissingFiles() throws IOException {
        Path npy = dir.resolve("a.npy");
        Npy.write(npy, six, 2, 3);
        assertTrue(message(npy.toString(), null, "train").contains("--split applies to mnist only"));
        assertTrue(message(npy.toString(), "x", null).contains("--tensor applies to safetensors files only"));
        assertTrue(message("mnist", "x", null).contains("--tensor applies to safetensors files only"));
        assertTrue(message("mnist", null, "validation").contains("not one of train, test, all"));
        assertEquals("file not found: " + dir.resolve("missing.npy"), message(dir.resolve("missing.npy").toString(), null, null));
        assertArrayEquals(six, DataSources.load(dir.toString(), null, null, null).data(), "a directory is read as shards");
        Path noShards = Files.createDirectory(dir.resolve("sub"));
        Files.writeString(noShards.resolve("tokens.tsv"), "the\tcat\n");
        assertTrue(message(noShards.toString(), null, null).contains("holds no *.npy or *.safetensors shards"));
        assertTrue(message(" ", null, null).contains("--data"));
        Path empty = dir.resolve("e.npy");
        Npy.write(empty, new float[0], 0, 3);
        assertTrue(message(empty.toString(), null, null).contains("empty"));
    }

    @Test
    void nonFiniteValuesAreRejectedWithTheirPosition() throws IOException {
        Path npy = dir.resolve("nan.npy");
        float[] d = six.clone();
        d[4] = Float.NaN;
        Npy.write(npy, d, 2, 3);
        assertEquals(npy + ": row 1, column 1 is NaN; remove or replace non-finite values (e.g. np.nan_to_num)"
                + " before using the data", message(npy.toString(), null, null));
        Path st = dir.resolve("inf.safetensors");
        d = six.clone();
        d[0] = Float.POSITIVE_INFINITY;
        SafeTensors.write(st, Map.of("x", SafeTensors.Tensor.f32("x", d, 3, 2)), null);
        assertTrue(message(st.toString(), null, null).contains("row 0, column 0 is Infinity"));
    }

    private static String message(String spec, String tensor, String split) {
        return assertThrows(InputException.class, () -> DataSources.load(spec, tensor, split, null)).getMessage();
    }
}
