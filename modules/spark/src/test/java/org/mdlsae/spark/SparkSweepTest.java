package org.mdlsae.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mdlsae sweep --spark local[2]}: every width an executor task, the driver writing the same results.json, run
 * directories and report as a local sweep (docs/design.md §14).
 */
class SparkSweepTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private String[] sweep(Path data, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("sweep", "--data", data.toString(), "--widths", "8,16,32", "--fvu", "0.35",
                "--batch", "64", "--out", out.toString(), "--quiet", "--backend", "cpu"));
        if (!List.of(more).contains("--epochs")) a.addAll(List.of("--epochs", "4"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void theSparkSweepIsTheLocalSweep() throws Exception {
        Path data = TestData.shards(tmp.resolve("acts"), TestData.rows(3000, 5), 1200, 1200, 600);
        Path local = tmp.resolve("local"), spark = tmp.resolve("spark");
        TestData.Run l = TestData.cli(sweep(data, local, "--search", "anneal"));
        assertEquals(0, l.code(), l.err());
        TestData.Run s = TestData.cli(sweep(data, spark, "--search", "anneal", "--spark", "local[2]"));
        assertEquals(0, s.code(), s.err());

        JsonNode a = JSON.readTree(local.resolve("results.json").toFile());
        JsonNode b = JSON.readTree(spark.resolve("results.json").toFile());
        assertTrue(b.get("complete").asBoolean());
        assertEquals(3, b.get("runs").size());
        // every figure of every run, and the selection, equal: only the wall times differ
        assertEquals(timeless(a), timeless(b));
        assertFalse(a.get("best").isNull());
        for (JsonNode run : b.get("runs")) {
            String dir = run.get("dir").asText();
            assertArrayEquals(Files.readAllBytes(local.resolve(dir).resolve("sae_weights.safetensors")),
                    Files.readAllBytes(spark.resolve(dir).resolve("sae_weights.safetensors")), dir);
            assertFalse(Files.exists(spark.resolve(dir + ".checkpoint")), "checkpoint left behind: " + dir);
        }
        assertTrue(Files.size(spark.resolve("report.html")) > 1000);
        assertFalse(Files.exists(spark.resolve("sweep.lock")));

        // a rerun trains nothing: every run is reused, no run directory is written again
        List<FileTime> before = new ArrayList<>();
        for (JsonNode run : b.get("runs")) before.add(Files.getLastModifiedTime(spark.resolve(run.get("dir").asText())));
        TestData.Run again = TestData.cli(sweep(data, spark, "--search", "anneal", "--spark", "local[2]"));
        assertEquals(0, again.code(), again.err());
        List<FileTime> after = new ArrayList<>();
        for (JsonNode run : b.get("runs")) after.add(Files.getLastModifiedTime(spark.resolve(run.get("dir").asText())));
        assertEquals(before, after);
        assertEquals(timeless(b), timeless(JSON.readTree(spark.resolve("results.json").toFile())));
    }

    /** Each (width, seed) point is a task; training to convergence runs there as locally (docs/design.md §14.3). */
    @Test
    void seedsAndConvergenceRunOnExecutors() throws Exception {
        Path data = TestData.shards(tmp.resolve("acts"), TestData.rows(2000, 5), 1000, 1000);
        Path local = tmp.resolve("local"), spark = tmp.resolve("spark");
        String[] more = {"--search", "anneal", "--seeds", "2", "--epochs", "auto", "--max-epochs", "6", "--patience", "2"};
        TestData.Run l = TestData.cli(sweep(data, local, more));
        assertEquals(0, l.code(), l.err());
        List<String> withSpark = new ArrayList<>(List.of(more));
        withSpark.addAll(List.of("--spark", "local[2]"));
        TestData.Run s = TestData.cli(sweep(data, spark, withSpark.toArray(String[]::new)));
        assertEquals(0, s.code(), s.err());
        JsonNode a = JSON.readTree(local.resolve("results.json").toFile());
        JsonNode b = JSON.readTree(spark.resolve("results.json").toFile());
        assertEquals(6, b.get("runs").size(), "3 widths × 2 seeds");
        for (JsonNode run : b.get("runs")) assertTrue(run.get("stopping").isObject(), run.toString());
        assertEquals(timeless(a), timeless(b));
    }

    @Test
    void bisectionCannotRunOnACluster() throws Exception {
        Path data = TestData.shards(tmp.resolve("acts"), TestData.rows(300, 6), 300);
        Path out = tmp.resolve("out");
        TestData.Run r = TestData.cli(sweep(data, out, "--search", "bisect", "--spark", "local[2]"));
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("--search bisect") && r.err().contains("anneal"), r.err());
        assertFalse(Files.exists(out));
    }

    /** results.json without wall times (seconds, train_seconds), which no two runs share. */
    static JsonNode timeless(JsonNode results) {
        ObjectNode r = results.deepCopy();
        r.remove("seconds");
        for (JsonNode run : r.get("runs")) ((ObjectNode) run).remove("train_seconds");
        if (r.get("best").isObject()) ((ObjectNode) r.get("best")).remove("train_seconds");
        return r;
    }
}
