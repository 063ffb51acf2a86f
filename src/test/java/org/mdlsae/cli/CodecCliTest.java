package org.mdlsae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.data.ShardFiles;
import org.mdlsae.io.Npy;

/** compress, decompress and compare end to end through the command line. */
class CodecCliTest {
    @TempDir
    Path tmp;
    Path npy;
    float[] x;
    static final int N = 400, D = 12;

    @BeforeEach
    void data() throws Exception {
        SplittableRandom r = new SplittableRandom(0);
        float[][] atoms = new float[16][D];
        for (float[] a : atoms) for (int c = 0; c < D; c++) a[c] = (float) (r.nextDouble() * 2 - 1);
        x = new float[N * D];
        for (int i = 0; i < N; i++) {
            for (int t = 0; t < 2; t++) {
                float[] a = atoms[r.nextInt(atoms.length)];
                double m = 0.5 + r.nextDouble();
                for (int c = 0; c < D; c++) x[i * D + c] += (float) (m * a[c]);
            }
        }
        npy = tmp.resolve("acts.npy");
        Npy.write(npy, x, N, D);
    }

    private Path train(String name, int seed) {
        Path sae = tmp.resolve(name);
        CliTest.Run t = CliTest.run("train", "--data", npy.toString(), "--arch", "topk", "--width", "24", "--k", "3",
                "--epochs", "4", "--batch", "64", "--seed", Integer.toString(seed), "--out", sae.toString(), "--quiet",
                "--backend", "cpu");
        assertEquals(0, t.code(), t.err());
        return sae;
    }

    private static JsonNode json(CliTest.Run r) throws Exception {
        assertEquals(0, r.code(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void compressDecompressMatchesDlExactly() throws Exception {
        Path sae = train("sae", 0);
        JsonNode dl = json(CliTest.run("dl", "--sae", sae.toString(), "--data", npy.toString(), "--eps", "0.5", "--json",
                "--backend", "cpu"));
        assertTrue(dl.get("admissible").asBoolean(), dl.toString());
        Path f = tmp.resolve("acts.mdlz");
        JsonNode c = json(CliTest.run("compress", "--sae", sae.toString(), "--data", npy.toString(), "--eps", "0.5",
                "--out", f.toString(), "--json", "--backend", "cpu"));
        for (String k : new String[] {"payload_bytes", "header_bytes", "payload_bits_per_sample", "header_bits_per_sample",
                "dl_bits", "mse_quantized", "dictionary_bits", "index_set_bits"}) {
            assertTrue(c.has(k), "compress --json lacks " + k);
        }
        assertEquals(dl.get("bits").asInt(), c.get("bits").asInt());
        assertEquals(dl.get("dl_bits").asDouble(), c.get("dl_bits").asDouble(), 1e-9 * dl.get("dl_bits").asDouble());
        assertEquals(dl.get("mse_quantized").asDouble(), c.get("mse_quantized").asDouble(), 0.0);
        assertTrue(c.get("payload_over_dl").asDouble() <= 1.01, c.toString());
        assertEquals(Files.size(f), c.get("payload_bytes").asLong() + c.get("header_bytes").asLong());

        Path y = tmp.resolve("y.npy");
        json(CliTest.run("decompress", f.toString(), "--sae", sae.toString(), "--out", y.toString(), "--json",
                "--backend", "cpu"));
        Npy.Matrix m = Npy.read(y);
        assertEquals(N, m.rows());
        assertEquals(D, m.cols());
        double s = 0;
        for (int q = 0; q < x.length; q++) {
            double e = x[q] - m.data()[q];
            s += e * e;
        }
        assertEquals(dl.get("mse_quantized").asDouble(), s / x.length, 0.0, "the decompressed MSE is dl's mse_quantized");

        // an existing .npy is never replaced; a foreign file is never overwritten by compress
        byte[] before = Files.readAllBytes(y);
        CliTest.Run again = CliTest.run("decompress", f.toString(), "--sae", sae.toString(), "--out", y.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("never replaces"), again.err());
        assertTrue(Arrays.equals(before, Files.readAllBytes(y)));
        CliTest.Run foreign = CliTest.run("compress", "--sae", sae.toString(), "--data", npy.toString(), "--eps", "0.5",
                "--out", npy.toString(), "--force");
        assertEquals(2, foreign.code(), foreign.err());
        CliTest.Run noForce = CliTest.run("compress", "--sae", sae.toString(), "--data", npy.toString(), "--eps", "0.5",
                "--out", f.toString());
        assertEquals(2, noForce.code());
        assertTrue(noForce.err().contains("--force"), noForce.err());
        json(CliTest.run("compress", "--sae", sae.toString(), "--data", npy.toString(), "--eps", "0.5", "--out",
                f.toString(), "--force", "--json", "--allocation", "per-feature", "--backend", "cpu"));
    }

    /** The codec reads streamed shards through math.Rows: the same rows as a shard directory give the same file. */
    @Test
    void aShardDirectoryCompressesToTheSameFile() throws Exception {
        Path sae = train("sae", 0);
        Path dir = Files.createDirectories(tmp.resolve("shards"));
        ShardFiles.npy(dir.resolve("a.npy"), x, D, 0, 150, "<f4");
        ShardFiles.npy(dir.resolve("b.npy"), x, D, 150, 151, ">f4");
        ShardFiles.npy(dir.resolve("c.npy"), x, D, 151, N, "<f4");
        Path fromFile = tmp.resolve("file.mdlz"), fromDir = tmp.resolve("dir.mdlz");
        for (Path[] io : new Path[][] {{npy, fromFile}, {dir, fromDir}}) {
            json(CliTest.run("compress", "--sae", sae.toString(), "--data", io[0].toString(), "--eps", "0.5",
                    "--out", io[1].toString(), "--json", "--backend", "cpu"));
        }
        assertTrue(Arrays.equals(Files.readAllBytes(fromFile), Files.readAllBytes(fromDir)), "same rows, same file");
    }

    @Test
    void badFilesAndOtherSaesExitTwo() throws Exception {
        Path sae = train("sae", 0);
        Path f = tmp.resolve("a.mdlz");
        json(CliTest.run("compress", "--sae", sae.toString(), "--data", npy.toString(), "--eps", "0.5", "--out",
                f.toString(), "--json", "--backend", "cpu"));
        Path other = train("other", 1);
        Path out = tmp.resolve("never.npy");
        CliTest.Run wrong = CliTest.run("decompress", f.toString(), "--sae", other.toString(), "--out", out.toString());
        assertEquals(2, wrong.code());
        assertTrue(wrong.err().contains("another SAE"), wrong.err());
        byte[] b = Files.readAllBytes(f);
        Path cut = tmp.resolve("cut.mdlz");
        Files.write(cut, Arrays.copyOf(b, b.length / 2));
        CliTest.Run trunc = CliTest.run("decompress", cut.toString(), "--sae", sae.toString(), "--out", out.toString());
        assertEquals(2, trunc.code());
        assertEquals(1, trunc.err().strip().lines().count(), trunc.err());
        assertTrue(trunc.err().contains("truncated"), trunc.err());
        CliTest.Run tight = CliTest.run("compress", "--sae", sae.toString(), "--data", npy.toString(), "--eps", "1e-9",
                "--out", tmp.resolve("t.mdlz").toString());
        assertEquals(2, tight.code());
        assertTrue(tight.err().contains("not admissible"), tight.err());
        CliTest.Run prec = CliTest.run("compress", "--sae", sae.toString(), "--data", npy.toString(), "--allocation", "half",
                "--out", tmp.resolve("p.mdlz").toString());
        assertEquals(2, prec.code());
        assertFalse(Files.exists(out), "nothing written");
        assertFalse(Files.exists(tmp.resolve("t.mdlz")));
    }

    @Test
    void compareListsEveryCode() throws Exception {
        Path sae = train("sae", 0);
        JsonNode c = json(CliTest.run("compare", "--sae", sae.toString(), "--data", npy.toString(), "--eps", "0.5",
                "--json", "--backend", "cpu"));
        String all = c.get("rows").toString();
        for (String code : new String[] {"entropy DL", "compressed file", "per-feature", "gzip", "xz", "zstd", "PCA"}) {
            assertTrue(all.contains(code), "compare lacks " + code + ": " + all);
        }
        for (JsonNode row : c.get("rows")) {
            assertNotNull(row.get("bits_per_sample"));
            assertFalse(row.get("bits_per_sample").isNull(), "zstd-jni is on the test class path: " + row);
            assertTrue(row.get("bits_per_sample").asDouble() > 0, row.toString());
            if (row.hasNonNull("mse") && !row.get("code").asText().startsWith("dense at B*")) {
                assertTrue(row.get("mse").asDouble() <= 0.5, row.toString());
            }
        }
    }
}
