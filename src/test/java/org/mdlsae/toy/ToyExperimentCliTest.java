package org.mdlsae.toy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.cli.Main;
import picocli.CommandLine;

/** {@code mdlsae toy experiment split|tree} through the real command tree. */
class ToyExperimentCliTest {
    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void badFlagsExit2WithOneLineErrors(@TempDir Path dir) throws Exception {
        String[][] bad = {
            {"toy", "experiment", "split"},
            {"toy", "experiment", "split", "--p", "1.5"},
            {"toy", "experiment", "split", "--p", "0.1", "--rho-steps", "1"},
            {"toy", "experiment", "split", "--p", "0.1", "--rho-max", "2"},
            {"toy", "experiment", "split", "--p", "0.1", "--samples", "10"},
            {"toy", "experiment", "split", "--p", "0.1", "--sampling", "sometimes"},
            {"toy", "experiment", "split", "--p", "0.1", "--fvu", "0"},
            {"toy", "experiment", "split", "--p", "0.1", "--restarts", "0"},
            {"toy", "experiment", "split", "--p", "abc"},
            {"toy", "experiment", "split", "--p", "0.1", "--backend", "abacus"},
            {"toy", "experiment", "tree", "--children", "4", "--r", "0.3"},
            {"toy", "experiment", "tree", "--p", "0"},
            {"toy", "experiment", "tree", "--children", "0"},
            {"toy", "experiment", "tree", "--d", "3", "--children", "4"},
            {"toy", "experiment", "tree", "--epochs", "0"},
            {"toy", "experiment"},
        };
        for (String[] args : bad) {
            Run r = run(args);
            assertEquals(2, r.code(), String.join(" ", args) + " -> " + r.err());
            assertTrue(r.err().startsWith("mdlsae: error: "), r.err());
            assertTrue(!r.err().contains("Exception"), r.err());
            assertEquals("", r.out());
        }
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        Run r = run("toy", "experiment", "tree", "--samples", "500", "--restarts", "1", "--epochs", "2", "--quiet",
                "--out", file.resolve("sub").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--out"), r.err());
    }

    @Test
    void splitJsonAndFiles(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("split");
        Run r = run("toy", "experiment", "split", "--p", "0.1", "--rho-min", "0.1", "--rho-max", "0.25", "--rho-steps", "4",
                "--samples", "2000", "--restarts", "1", "--json", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out()); // stdout is only JSON
        assertEquals(4, j.get("rows").size());
        assertEquals(0.1626, j.get("rho_star").asDouble(), 1e-4);
        assertTrue(j.get("rho_star_measured").isNumber(), r.out());
        assertEquals(0.1626, j.get("rho_star_measured").asDouble(), 0.01);
        assertEquals(2, j.get("files").size());
        assertTrue(Files.size(out.resolve(SplitExperiment.CSV)) > 0);
        assertTrue(Files.size(out.resolve(SplitExperiment.PNG)) > 0);
        assertTrue(r.err().contains("rho 0.1000 (1/4)"), r.err());
    }

    @Test
    void treeTable(@TempDir Path dir) {
        Run r = run("toy", "experiment", "tree", "--p", "0.5", "--children", "4", "--r", "0.1", "--samples", "3000",
                "--restarts", "1", "--quiet", "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        for (String code : new String[] {"exclusive flat", "co-active flat", "tree per-child", "tree sibling-joint"}) {
            assertTrue(r.out().contains(code), r.out());
        }
        // Analytic numbers for p = 0.5, N = 4, r = 0.1.
        assertTrue(r.out().contains("2.02688"), r.out());
        assertTrue(r.out().contains("1.93799"), r.out());
        assertTrue(r.out().contains("1.88548"), r.out());
        assertTrue(Files.exists(dir.resolve(TreeExperiment.CSV)) && Files.exists(dir.resolve(TreeExperiment.PNG)));
    }
}
