package org.mdlsae.mdl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.cli.BoundCommand;
import org.mdlsae.cli.Main;
import org.mdlsae.cli.ToyCommand;
import picocli.CommandLine;

/** The {@code bound} and {@code toy} commands, run through picocli as the launcher does. */
class CliTest {
    record Run(int code, String out, String err) {
    }

    static Run run(Object command, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void boundPaperCheck() {
        Run r = run(new BoundCommand(), "--l0", "65", "--width", "25000", "--bits", "7", "--d", "768");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("1404.6"), r.out());
        assertTrue(r.out().contains("14.6096"), r.out());
        assertTrue(r.out().contains("768 * 7 = 5376"), r.out());
        assertTrue(r.out().contains("3971.37"), r.out());
        assertTrue(r.out().contains("L0") && r.out().contains("log2 D") && r.out().contains("B "), r.out());
    }

    /** Registered under the top-level command, bad flags give one error line and exit 2. */
    @Test
    void throughMain(@TempDir Path dir) throws Exception {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        assertEquals(0, cl.execute("bound", "--l0", "65", "--width", "25000", "--bits", "7"));
        assertTrue(out.toString().contains("1404.63"), out.toString());
        assertEquals(0, cl.execute("toy", "split", "--p", "0.1"));
        assertTrue(out.toString().contains("rho* = 0.1626"), out.toString());
        assertEquals(2, cl.execute("bound", "--l0", "65", "--width", "25000", "--bits", "99"));
        assertTrue(err.toString().contains("mdlsae: error: --bits must be in [1, 32], got 99"), err.toString());
        assertEquals(2, cl.execute("toy", "hierarchy", "--p", "0.1", "--r", "0.6", "--children", "2"));
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertEquals(2, cl.execute("toy", "split", "--p", "0.1", "--out", file.resolve("sub").toString()));
        assertTrue(err.toString().contains("--out"), err.toString());
    }

    @Test
    void boundJson() throws Exception {
        Run r = run(new BoundCommand(), "--l0", "65", "--width", "25000", "--bits", "7", "--d", "768", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(1404.63, j.get("dl_bound_bits").asDouble(), 0.005);
        assertEquals(5376, j.get("dense_bits").asInt());
        assertEquals(25000, j.get("d_sae").asInt());
    }

    @Test
    void boundBadFlagsExitTwo() {
        String[][] bad = {
                {"--l0", "65", "--width", "25000", "--bits", "40"},
                {"--l0", "65", "--width", "25000", "--bits", "0"},
                {"--l0", "-1", "--width", "25000", "--bits", "7"},
                {"--l0", "NaN", "--width", "25000", "--bits", "7"},
                {"--l0", "65", "--width", "0", "--bits", "7"},
                {"--l0", "65", "--width", "10", "--bits", "7"},
                {"--l0", "65", "--width", "25000", "--bits", "7", "--d", "0"},
                {"--l0", "65", "--bits", "7"},
                {"--l0", "abc", "--width", "25000", "--bits", "7"},
        };
        for (String[] args : bad) {
            Run r = run(new BoundCommand(), args);
            assertEquals(2, r.code(), String.join(" ", args) + "\n" + r.out() + r.err());
            assertEquals("", r.out(), "nothing on stdout for " + String.join(" ", args));
            assertFalse(r.err().isBlank());
        }
        Run r = run(new BoundCommand(), "--l0", "65", "--width", "25000", "--bits", "40");
        assertTrue(r.err().startsWith("--bits must be in [1, 32], got 40"), r.err());
    }

    @Test
    void toySplitPrintsTableAndRhoStar() {
        Run r = run(new ToyCommand(), "split", "--p", "0.1");
        assertEquals(0, r.code(), r.err());
        Matcher m = Pattern.compile("rho\\* = ([0-9.]+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertEquals(0.163, Double.parseDouble(m.group(1)), 0.001);
        assertTrue(r.out().contains("rho* = 0.1626"), r.out());
        assertTrue(r.out().contains("0.937991"), r.out()); // DL2
        assertTrue(r.out().contains("0.953733"), r.out()); // DL3 at rho = 0
        assertTrue(r.out().contains("0.468996"), r.out()); // DL3 at rho = 1
        assertEquals(11, r.out().lines().filter(l -> l.contains("split (3 latents)") || l.contains("no split (2 latents)")).count());
    }

    @Test
    void toySplitJsonAndOut(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("pd");
        Run r = run(new ToyCommand(), "split", "--p", "0.2", "--rho-steps", "5", "--out", out.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out()); // stdout is only JSON
        assertEquals(0.2945, j.get("rho_star").asDouble(), 1e-3);
        assertEquals(5, j.get("rows").size());
        assertEquals(2, j.get("files").size());
        assertTrue(Files.size(out.resolve("phase_diagram.csv")) > 0);
        assertTrue(Files.size(out.resolve("phase_diagram.png")) > 0);
    }

    @Test
    void toySplitUnequalAndBadFlags() {
        Run ok = run(new ToyCommand(), "split", "--p", "0.1", "--pb", "0.2");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("rho* = "), ok.out());
        for (String[] args : new String[][] {{"split", "--p", "1.5"}, {"split", "--p", "0"}, {"split", "--p", "0.1", "--pb", "-2"},
                {"split", "--p", "0.1", "--rho-steps", "1"}, {"split"}, {"hierarchy", "--p", "0.1", "--r", "0.5", "--children", "3"},
                {"hierarchy", "--p", "2", "--r", "0.5"}, {"hierarchy", "--p", "0.1", "--r", "0.5", "--children", "0"},
                {"hierarchy", "--p", "0.1"}, {}, {"nonsense"}}) {
            Run r = run(new ToyCommand(), args);
            assertEquals(2, r.code(), String.join(" ", args) + "\n" + r.out() + r.err());
        }
    }

    @Test
    void toyHierarchy() throws Exception {
        Run r = run(new ToyCommand(), "hierarchy", "--p", "0.1", "--r", "0.5");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("0.755393"), r.out());
        assertTrue(r.out().contains("0.572794"), r.out());
        assertTrue(r.out().contains("0.568996"), r.out());
        assertTrue(r.out().contains("0.186397"), r.out()); // saving vs co-active
        assertTrue(r.out().contains("0.003798"), r.out()); // saving vs exclusive
        Run j = run(new ToyCommand(), "hierarchy", "--p", "0.3", "--r", "0.25", "--children", "4", "--json");
        assertEquals(0, j.code(), j.err());
        JsonNode n = new ObjectMapper().readTree(j.out());
        assertEquals(4, n.get("children").asInt());
        assertTrue(n.get("tree_saving_vs_exclusive_bits").asDouble() > 0);
    }
}
