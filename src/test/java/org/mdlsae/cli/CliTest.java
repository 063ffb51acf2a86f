package org.mdlsae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.io.Npy;

/** The command line end to end on a small .npy file: outputs, JSON purity, exit codes, no partial output. */
class CliTest {
    @TempDir
    Path tmp;
    Path npy;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        Main.Captured c = Main.runCaptured(args);
        return new Run(c.code(), c.out(), c.err());
    }

    @BeforeEach
    void data() throws Exception {
        SplittableRandom r = new SplittableRandom(0);
        int n = 300, d = 12;
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        npy = tmp.resolve("acts.npy");
        Npy.write(npy, x, n, d);
    }

    @Test
    void trainThenEvalAndDlPrintOnlyJson() throws Exception {
        Path sae = tmp.resolve("sae");
        Run t = run("train", "--data", npy.toString(), "--arch", "topk", "--width", "20", "--k", "3", "--epochs", "2",
                "--batch", "64", "--out", sae.toString(), "--quiet", "--json");
        assertEquals(0, t.code(), t.err());
        JsonNode tj = new ObjectMapper().readTree(t.out());
        assertTrue(tj.get("train_seconds").asDouble() > 0);
        assertTrue(Files.isRegularFile(sae.resolve("cfg.json")));

        Run e = run("eval", "--sae", sae.toString(), "--data", npy.toString(), "--json", "--backend", "cpu");
        assertEquals(0, e.code(), e.err());
        JsonNode j = new ObjectMapper().readTree(e.out()); // the whole of stdout is one JSON document
        for (String key : new String[] {"mse", "fvu", "l0", "dead_fraction", "d_in", "d_sae", "k"}) {
            assertTrue(j.has(key), "eval --json lacks " + key);
        }
        assertEquals(12, j.get("d_in").asInt());
        assertEquals(20, j.get("d_sae").asInt());
        assertTrue(j.get("l0").asDouble() <= 3.0 + 1e-9);

        Run dl = run("dl", "--sae", sae.toString(), "--data", npy.toString(), "--eps", "0.08", "--json");
        assertEquals(0, dl.code(), dl.err());
        JsonNode dj = new ObjectMapper().readTree(dl.out());
        assertTrue(dj.get("admissible").asBoolean());
        assertTrue(dj.get("bits").isInt());
        assertEquals(12 * dj.get("bits").asInt(), dj.get("dense_bits").asInt());
    }

    @Test
    void badInputExitsTwoWithOneLineAndLeavesNothing() throws Exception {
        Path out = tmp.resolve("never");
        Run unknown = run("train", "--data", npy.toString(), "--width", "8", "--k", "2", "--out", out.toString(), "--bogus");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("--bogus"), unknown.err());

        Run kTooBig = run("train", "--data", npy.toString(), "--width", "8", "--k", "9", "--out", out.toString());
        assertEquals(2, kTooBig.code());
        assertTrue(kTooBig.err().contains("--k must not exceed the width 8, got 9"), kTooBig.err());

        Run missing = run("train", "--data", tmp.resolve("nope.npy").toString(), "--width", "8", "--k", "2", "--out", out.toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nope.npy"), missing.err());

        Run split = run("eval", "--sae", tmp.toString(), "--data", npy.toString(), "--split", "test");
        assertEquals(2, split.code());

        float[] bad = new float[] {0, 1, Float.NaN, 2};
        Path nan = tmp.resolve("nan.npy");
        Npy.write(nan, bad, 2, 2);
        Run nanRun = run("train", "--data", nan.toString(), "--width", "4", "--k", "1", "--out", out.toString());
        assertEquals(2, nanRun.code());
        assertTrue(nanRun.err().toLowerCase().contains("nan"), nanRun.err());

        Run eps = run("dl", "--sae", tmp.toString(), "--data", npy.toString(), "--eps", "0");
        assertEquals(2, eps.code());

        // an explicit value is checked, never silently replaced by the default (which only "not given" means)
        String[][] refused = {{"--lr", "NaN"}, {"--lr", "Infinity"}, {"--lr", "0"}, {"--aux-k", "0"}, {"--dead-samples", "0"}};
        for (String[] flag : refused) {
            Run r = run("train", "--data", npy.toString(), "--width", "8", "--k", "2", "--out", out.toString(), flag[0], flag[1]);
            assertEquals(2, r.code(), String.join(" ", flag) + ": " + r.err());
            assertTrue(r.err().contains(flag[0] + " must be"), r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        }

        for (Run r : new Run[] {kTooBig, missing, nanRun}) {
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        }
        assertFalse(Files.exists(out), "no partial output directory");
        try (var s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains("tmp")), "no temp leftovers");
        }
    }

    /** cfg.json holds only what the seed determines, in a fixed key order; wall-clock facts go to timings.json. */
    @Test
    void sameSeedWritesTheSameCfgJson() throws Exception {
        byte[][] cfg = new byte[2][];
        for (int i = 0; i < 2; i++) {
            Path sae = tmp.resolve("same" + i);
            Run t = run("train", "--data", npy.toString(), "--width", "16", "--k", "3", "--epochs", "2", "--batch", "64",
                    "--seed", "4", "--out", sae.toString(), "--quiet");
            assertEquals(0, t.code(), t.err());
            cfg[i] = Files.readAllBytes(sae.resolve("cfg.json"));
            JsonNode timings = new ObjectMapper().readTree(sae.resolve("timings.json").toFile());
            assertTrue(timings.get("seconds").asDouble() > 0, timings.toString());
        }
        assertEquals(new String(cfg[0]), new String(cfg[1]));
        JsonNode own = new ObjectMapper().readTree(cfg[0]).get("mdlsae");
        assertEquals(List.of("arch", "k", "threshold", "weights_layout", "train", "data", "result", "backend", "precision",
                "job"), fields(own));
        assertEquals("fp32", own.get("precision").asText());
        assertEquals(List.of("steps", "final_batch_mse", "final_batch_l0", "dead_fraction"), fields(own.get("result")));
        assertEquals(List.of("beta1", "beta2", "eps"), fields(own.get("train").get("adam")));
    }

    private static List<String> fields(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void infoNamesTheBackends() {
        Run r = run("info", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"opencl\""));
        assertTrue(r.out().contains("\"vector_module\""));
    }
}
