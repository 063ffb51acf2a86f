package org.mdlsae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.data.ShardFiles;
import org.mdlsae.io.Npy;

/** The CLI on directories of shards (docs/design.md §8). */
class ShardCliTest {
    @TempDir
    Path tmp;

    static final int N = 9_000, D = 16;
    float[] x;
    Path npy;
    Path shards;

    /** The same rows as one float32 .npy and as five shards of float32/float16/bfloat16 (cut off chunk boundaries). */
    @BeforeEach
    void data() throws Exception {
        x = ShardFiles.representable(N, D, 21);
        npy = tmp.resolve("all.npy");
        Npy.write(npy, x, N, D);
        shards = Files.createDirectory(tmp.resolve("shards"));
        ShardFiles.npy(shards.resolve("000.npy"), x, D, 0, 1_000, "<f2");
        ShardFiles.safetensors(shards.resolve("001.safetensors"), "acts", x, D, 1_000, 4_100, "BF16");
        ShardFiles.npy(shards.resolve("002.npy"), x, D, 4_100, 4_101, ">f4");
        ShardFiles.npy(shards.resolve("003.npy"), x, D, 4_101, 8_500, "<f4");
        ShardFiles.safetensors(shards.resolve("004.safetensors"), "acts", x, D, 8_500, N, "F16");
        Files.writeString(shards.resolve("tokens.tsv"), "row\ttoken\n");
    }

    static JsonNode json(CliTest.Run r) throws Exception {
        assertEquals(0, r.code(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void oneFileAndADirectoryOfMixedShardsGiveIdenticalEvalAndDl() throws Exception {
        Path sae = tmp.resolve("sae");
        JsonNode t = json(CliTest.run("train", "--data", shards.toString(), "--arch", "topk", "--width", "32", "--k", "4",
                "--samples", "20000", "--batch", "512", "--out", sae.toString(), "--quiet", "--json", "--backend", "cpu"));
        assertEquals(20_000, t.get("samples").asLong());
        assertEquals(40, t.get("steps").asLong()); // ⌈20000 / 512⌉
        JsonNode cfg = new ObjectMapper().readTree(sae.resolve("cfg.json").toFile());
        assertEquals(5, cfg.get("mdlsae").get("data").get("shards").asInt());
        assertEquals(N, cfg.get("mdlsae").get("data").get("rows").asLong());

        for (String[] extra : new String[][] {{}, {"--delta", "1e-3"}}) {
            String[] evalArgs = {"eval", "--sae", sae.toString(), "--json", "--backend", "cpu", "--data"};
            JsonNode a = json(CliTest.run(concat(evalArgs, npy.toString())));
            JsonNode b = json(CliTest.run(concat(evalArgs, shards.toString())));
            assertEquals(a, b, "eval of the same rows stored two ways");
            assertEquals(a, json(CliTest.run(concat(evalArgs, shards.toString(), "--in-memory"))), "in memory");
            assertEquals(N, a.get("samples").asLong());
            String[] dlArgs = concat(new String[] {"dl", "--sae", sae.toString(), "--json", "--backend", "cpu"}, extra);
            JsonNode c = json(CliTest.run(concat(concat(dlArgs, "--data"), npy.toString())));
            JsonNode d = json(CliTest.run(concat(concat(dlArgs, "--data"), shards.toString())));
            assertEquals(c, d, "dl of the same rows stored two ways");
            assertEqualDoubles(c, d);
            assertEquals(c, json(CliTest.run(concat(concat(dlArgs, "--in-memory", "--data"), npy.toString()))), "in memory");
            assertTrue(c.get("dl_bits").isNull() || c.get("dl_bits").asDouble() > 0);
        }
    }

    @Test
    void aFileSweepHoldsOutItsLastRowsAndSaysSo() throws Exception {
        Path out = tmp.resolve("sweep");
        java.util.List<String> logged = new java.util.ArrayList<>();
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(org.mdlsae.sweep.Sweep.class.getName());
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord rec) {
                logged.add(rec.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(h);
        CliTest.Run r = CliTest.run("sweep", "--data", shards.toString(), "--widths", "4,16", "--k-max", "4", "--arch", "topk",
                "--fvu", "0.9", "--samples", "4000", "--batch", "256", "--out", out.toString(), "--quiet", "--backend", "cpu");
        log.removeHandler(h);
        assertEquals(0, r.code(), r.err());
        assertTrue(logged.stream().anyMatch(m -> m.startsWith(
                "selection rows: held out: the last 10% of the rows of shards (rows 8100 to 8999, 900 rows)")), logged.toString());
        JsonNode ev = new ObjectMapper().readTree(out.resolve("results.json").toFile()).get("evaluation");
        assertEquals(8_100, ev.get("train_rows").asLong());
        assertEquals(900, ev.get("eval_rows").asLong());
        assertEquals("raw", ev.get("mse_units").asText());
        assertTrue(ev.get("rule").asText().startsWith("held out: the last 10%"), ev.toString());
        JsonNode settings = new ObjectMapper().readTree(out.resolve("sweep.json").toFile());
        assertEquals(4000, settings.get("samples").asLong());

        // --eval replaces the hold-out: everything is trained on
        Path out2 = tmp.resolve("sweep2");
        CliTest.Run r2 = CliTest.run("sweep", "--data", shards.toString(), "--eval", npy.toString(), "--widths", "4",
                "--k-max", "2", "--arch", "topk", "--fvu", "0.9", "--samples", "2000", "--out", out2.toString(), "--quiet",
                "--backend", "cpu");
        assertEquals(0, r2.code(), r2.err());
        JsonNode ev2 = new ObjectMapper().readTree(out2.resolve("results.json").toFile()).get("evaluation");
        assertEquals(N, ev2.get("train_rows").asLong());
        assertEquals(N, ev2.get("eval_rows").asLong());
        assertTrue(ev2.get("rule").asText().startsWith("given with --eval"), ev2.toString());
    }

    @Test
    void normalisedTrainingSavesAnSaeForRawActivations() throws Exception {
        Path sae = tmp.resolve("norm");
        json(CliTest.run("train", "--data", shards.toString(), "--arch", "topk", "--width", "16", "--k", "4", "--epochs", "1",
                "--normalize", "expected_average_only_in", "--out", sae.toString(), "--quiet", "--json", "--backend", "cpu"));
        JsonNode cfg = new ObjectMapper().readTree(sae.resolve("cfg.json").toFile());
        assertEquals("none", cfg.get("normalize_activations").asText(), "the factor is folded in, as SAELens saves");
        JsonNode n = cfg.get("mdlsae").get("normalization");
        assertEquals("expected_average_only_in", n.get("method").asText());
        assertTrue(n.get("scaling_factor").asDouble() > 0);
        assertEquals("expected_average_only_in", cfg.get("mdlsae").get("train").get("normalize").asText());
        JsonNode e = json(CliTest.run("eval", "--sae", sae.toString(), "--data", npy.toString(), "--json", "--backend", "cpu"));
        assertEquals("raw", e.get("mse_units").asText());
        assertTrue(e.get("fvu").asDouble() < 1.0, "a folded SAE must reconstruct raw rows: " + e);
    }

    @Test
    void badShardsBudgetsAndValuesExitTwoBeforeWriting() throws Exception {
        Path out = tmp.resolve("never");
        ShardFiles.npy(shards.resolve("005.npy"), ShardFiles.representable(10, 8, 1), 8, 0, 10, "<f4");
        CliTest.Run wrongD = CliTest.run("train", "--data", shards.toString(), "--width", "8", "--k", "2", "--out", out.toString());
        assertEquals(2, wrongD.code());
        assertEquals(shards.resolve("005.npy") + ": has d = 8 columns but the first shard 000.npy has d = 16; every shard "
                + "needs the same number of columns", wrongD.err().strip().replace("mdlsae: error: ", ""));
        Files.delete(shards.resolve("005.npy"));

        CliTest.Run both = CliTest.run("train", "--data", npy.toString(), "--width", "8", "--k", "2", "--epochs", "2",
                "--samples", "100", "--out", out.toString());
        assertEquals(2, both.code());
        assertTrue(both.err().contains("--epochs and --samples are mutually exclusive"), both.err());
        CliTest.Run norm = CliTest.run("train", "--data", npy.toString(), "--width", "8", "--k", "2", "--normalize", "layer",
                "--out", out.toString());
        assertEquals(2, norm.code());
        assertTrue(norm.err().contains("--normalize 'layer'"), norm.err());

        float[] bad = x.clone();
        bad[7_000 * D + 5] = Float.NaN;
        Path nanDir = Files.createDirectory(tmp.resolve("nan"));
        ShardFiles.npy(nanDir.resolve("a.npy"), bad, D, 0, 4_000, "<f4");
        ShardFiles.npy(nanDir.resolve("b.npy"), bad, D, 4_000, N, "<f2");
        CliTest.Run nan = CliTest.run("train", "--data", nanDir.toString(), "--width", "8", "--k", "2", "--epochs", "1",
                "--out", out.toString(), "--quiet", "--backend", "cpu");
        assertEquals(2, nan.code(), nan.err());
        assertTrue(nan.err().contains(nanDir.resolve("b.npy") + ": row 3000, column 5 is NaN"), nan.err());
        for (CliTest.Run r : new CliTest.Run[] {wrongD, both, norm, nan}) {
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        }
        assertFalse(Files.exists(out), "nothing written");
    }

    /** Every number in two JSON trees is the same double (equals already compares them; this names the field). */
    private static void assertEqualDoubles(JsonNode a, JsonNode b) {
        for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNumber()) {
                assertEquals(Double.doubleToLongBits(e.getValue().asDouble()), Double.doubleToLongBits(b.get(e.getKey()).asDouble()),
                        e.getKey());
            }
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
