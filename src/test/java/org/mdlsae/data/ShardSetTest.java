package org.mdlsae.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.InputException;
import org.mdlsae.io.Dtype;
import org.mdlsae.io.Npy;
import org.mdlsae.math.Rows;

/** Directories of shards: file-name order, mixed dtypes, up-front validation, streamed reads. */
class ShardSetTest {
    @TempDir
    Path dir;

    static final int D = 6;

    /** 100 rows as four shards of four dtypes (one big-endian, one safetensors among other tensors), plus noise files. */
    static float[] mixedDirectory(Path dir) throws IOException {
        float[] x = ShardFiles.representable(100, D, 5);
        ShardFiles.npy(dir.resolve("part-00.npy"), x, D, 0, 30, "<f4");
        ShardFiles.npy(dir.resolve("part-01.npy"), x, D, 30, 47, "<f2");
        ShardFiles.safetensors(dir.resolve("part-02.safetensors"), "acts", x, D, 47, 81, "BF16");
        ShardFiles.npy(dir.resolve("part-03.npy"), x, D, 81, 81, "<f4"); // an empty shard is allowed
        ShardFiles.npy(dir.resolve("part-04.npy"), x, D, 81, 100, ">f4");
        Files.writeString(dir.resolve("tokens.tsv"), "row\ttoken\n0\tthe\n");
        Files.writeString(dir.resolve("manifest.json"), "{\"layer\": 6}");
        Files.createDirectory(dir.resolve("sub.npy")); // a directory with a shard-like name is not a shard
        return x;
    }

    @Test
    void readsShardsInFileNameOrderWithMixedDtypes() throws IOException {
        float[] x = mixedDirectory(dir);
        try (ShardSet s = ShardSet.open(dir, null)) {
            assertEquals(100, s.rowCount());
            assertEquals(D, s.dim());
            assertEquals(List.of("part-00.npy", "part-01.npy", "part-02.safetensors", "part-03.npy", "part-04.npy"),
                    s.shards().stream().map(sh -> sh.file().getFileName().toString()).toList());
            assertEquals(List.of(Dtype.F32, Dtype.F16, Dtype.BF16, Dtype.F32, Dtype.F32),
                    s.shards().stream().map(ShardSet.Shard::dtype).toList());
            assertTrue(s.shards().get(4).bigEndian());
            assertEquals("acts", s.shards().get(2).tensor());
            assertEquals(30L * D * 4 + 17L * D * 2 + 34L * D * 2 + 19L * D * 4, s.storedBytes());
            float[] all = new float[100 * D];
            s.read(0, 100, all, 0);
            assertArrayEquals(x, all);
            // a read across three shards at an odd offset
            float[] part = new float[60 * D];
            s.read(25, 60, part, 0);
            assertArrayEquals(Arrays.copyOfRange(x, 25 * D, 85 * D), part);
            // views share the files and keep global positions in messages
            ShardSet tail = s.slice(90, 100);
            float[] t = new float[10 * D];
            tail.read(0, 10, t, 0);
            assertArrayEquals(Arrays.copyOfRange(x, 90 * D, 100 * D), t);
            assertEquals(dir.resolve("part-04.npy") + ": row 9, column 2", tail.describe(0, 2));
            assertArrayEquals(all, Rows.of("x", x, 100, D).sampleEvenly(1000));
            float[] sample = s.sampleEvenly(7);
            for (int i = 0; i < 7; i++) {
                int row = i * 100 / 7;
                assertArrayEquals(Arrays.copyOfRange(x, row * D, row * D + D), Arrays.copyOfRange(sample, i * D, i * D + D));
            }
        }
        // the in-memory load of the same directory holds the same values
        assertArrayEquals(x, DataSources.load(dir.toString(), null, null, null).data());
    }

    @Test
    void aSingleFileIsAShardSetOfOne() throws IOException {
        float[] x = ShardFiles.representable(12, D, 1);
        Path f = dir.resolve("acts.npy");
        Npy.write(f, x, 12, D);
        try (ShardSet s = ShardSet.open(f, null)) {
            assertEquals(1, s.shards().size());
            float[] all = new float[12 * D];
            s.read(0, 12, all, 0);
            assertArrayEquals(x, all);
        }
        Rows streamed = DataSources.open(f.toString(), null, null, null, false);
        assertTrue(streamed instanceof ShardSet);
        ((ShardSet) streamed).close();
        assertTrue(DataSources.open(f.toString(), null, null, null, true) instanceof Dataset);
    }

    @Test
    void everyHeaderIsCheckedBeforeAnyRowIsRead() throws IOException {
        float[] x = ShardFiles.representable(20, D, 2);
        ShardFiles.npy(dir.resolve("a.npy"), x, D, 0, 10, "<f4");
        // a different d, named with both shards
        Path other = Files.createDirectory(dir.resolve("other"));
        ShardFiles.npy(other.resolve("a.npy"), x, D, 0, 10, "<f4");
        ShardFiles.npy(other.resolve("b.npy"), ShardFiles.representable(4, 5, 3), 5, 0, 4, "<f2");
        String m = message(other);
        assertTrue(m.startsWith(other.resolve("b.npy") + ": has d = 5 columns but the first shard a.npy has d = 6"), m);

        // a 3-D array
        Path threeD = Files.createDirectory(dir.resolve("threeD"));
        ShardFiles.npy(threeD.resolve("a.npy"), x, D, 0, 10, "<f4");
        Files.write(threeD.resolve("b.npy"), npyBytes("(2, 3, 4)", 24 * 4));
        m = message(threeD);
        assertTrue(m.startsWith(threeD.resolve("b.npy") + ": array has 3 dimensions (2, 3, 4), need a 2-D array"), m);

        // a header that lies about the size (truncated shard), even as the last file
        Path truncated = Files.createDirectory(dir.resolve("truncated"));
        ShardFiles.npy(truncated.resolve("a.npy"), x, D, 0, 10, "<f4");
        byte[] whole = Files.readAllBytes(truncated.resolve("a.npy"));
        Files.write(truncated.resolve("z.npy"), Arrays.copyOf(whole, whole.length - 7));
        m = message(truncated);
        assertTrue(m.startsWith(truncated.resolve("z.npy") + ": shape (10, 6) <f4 needs 240 data bytes"), m);

        // garbage with a shard's name
        Path junk = Files.createDirectory(dir.resolve("junk"));
        Files.writeString(junk.resolve("x.safetensors"), "not a safetensors file at all");
        m = message(junk);
        assertTrue(m.startsWith(junk.resolve("x.safetensors").toString()), m);

        // an integer dtype
        Path ints = Files.createDirectory(dir.resolve("ints"));
        ShardFiles.npy(ints.resolve("a.npy"), x, D, 0, 10, "<f4");
        String text = new String(npyBytes("(2, 6)", 12 * 4), StandardCharsets.ISO_8859_1).replace("'<f4'", "'<i4'");
        Files.write(ints.resolve("b.npy"), text.getBytes(StandardCharsets.ISO_8859_1));
        m = message(ints);
        assertTrue(m.startsWith(ints.resolve("b.npy") + ": dtype '<i4' is not supported"), m);

        for (String msg : List.of(message(other), message(threeD), message(truncated), message(junk), message(ints))) {
            assertEquals(1, msg.lines().count(), msg);
        }
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Files.writeString(empty.resolve("manifest.json"), "{}");
        assertTrue(message(empty).contains("holds no *.npy or *.safetensors shards"));
        assertEquals("file not found: " + dir.resolve("nope"), message(dir.resolve("nope")));
    }

    @Test
    void safetensorsShardsNeedTheTensorNamedWhenAmbiguous() throws IOException {
        float[] x = ShardFiles.representable(10, D, 4);
        ShardFiles.safetensors(dir.resolve("a.safetensors"), "resid", x, D, 0, 5, "F16");
        ShardFiles.safetensors(dir.resolve("b.safetensors"), "resid", x, D, 5, 10, "F32");
        try (ShardSet s = ShardSet.open(dir, "resid")) {
            float[] all = new float[10 * D];
            s.read(0, 10, all, 0);
            assertArrayEquals(x, all);
        }
        assertTrue(assertThrows(InputException.class, () -> ShardSet.open(dir, "mlp_out")).getMessage()
                .contains("no such tensor"));
        ShardFiles.npy(dir.resolve("c.npy"), x, D, 0, 2, "<f4");
        assertTrue(assertThrows(InputException.class, () -> ShardSet.open(dir, "resid")).getMessage()
                .contains("--tensor applies to safetensors files only"));
    }

    @Test
    void nonFiniteValuesAreNamedByShardRowAndColumnWhenRead() throws IOException {
        float[] x = ShardFiles.representable(20, D, 6);
        x[13 * D + 4] = Float.NaN;
        ShardFiles.npy(dir.resolve("a.npy"), x, D, 0, 10, "<f4");
        ShardFiles.npy(dir.resolve("b.npy"), x, D, 10, 20, "<f2");
        try (ShardSet s = ShardSet.open(dir, null)) { // opening reads no rows: it succeeds
            float[] head = new float[10 * D];
            s.read(0, 10, head, 0);
            String m = assertThrows(InputException.class, () -> s.read(5, 10, new float[10 * D], 0)).getMessage();
            assertEquals(dir.resolve("b.npy") + ": row 3, column 4 is NaN; remove or replace non-finite values "
                    + "(e.g. np.nan_to_num) before using the data", m);
        }
    }

    @Test
    void closingTheSetEndsReadsButNotOpening() throws IOException {
        ShardFiles.npy(dir.resolve("a.npy"), ShardFiles.representable(4, D, 7), D, 0, 4, "<f4");
        ShardSet s = ShardSet.open(dir, null);
        ShardSet view = s.slice(1, 3);
        view.close(); // views do not own the files
        s.read(0, 1, new float[D], 0);
        s.close();
        assertThrows(IllegalStateException.class, () -> s.read(0, 1, new float[D], 0));
    }

    private static String message(Path p) {
        return assertThrows(InputException.class, () -> ShardSet.open(p, null)).getMessage();
    }

    /** A float32 .npy with the given shape text and data length. */
    private static byte[] npyBytes(String shape, int dataBytes) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        int pad = 64 - (10 + dict.length() + 1) % 64;
        String header = dict + " ".repeat(pad % 64) + "\n";
        byte[] out = new byte[10 + header.length() + dataBytes];
        out[0] = (byte) 0x93;
        System.arraycopy("NUMPY".getBytes(StandardCharsets.US_ASCII), 0, out, 1, 5);
        out[6] = 1;
        out[8] = (byte) header.length();
        out[9] = (byte) (header.length() >> 8);
        System.arraycopy(header.getBytes(StandardCharsets.ISO_8859_1), 0, out, 10, header.length());
        return out;
    }
}
