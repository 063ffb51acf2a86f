package org.mdlsae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.io.Npy;

/** Every flag is honoured or refused: one line, exit 2, naming the flag, nothing written (docs/design.md §6). */
class FlagsTest {
    @TempDir
    Path tmp;
    Path npy;
    Path out;

    @BeforeEach
    void data() throws Exception {
        SplittableRandom r = new SplittableRandom(1);
        int n = 200, d = 8;
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        npy = tmp.resolve("acts.npy");
        Npy.write(npy, x, n, d);
        out = tmp.resolve("out");
    }

    private String refused(String... args) {
        return refused(out, args);
    }

    /** Runs a command in process that must be refused (exit 2, one line, nothing at {@code out}); returns the line. */
    static String refused(Path out, String... args) {
        CliTest.Run r = CliTest.run(args);
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
        assertTrue(r.err().startsWith("mdlsae: error: "), r.err());
        assertFalse(r.err().contains("Error:"), "no doubled 'error: Error:': " + r.err());
        assertFalse(Files.exists(out), "nothing written for " + String.join(" ", args));
        return r.err().strip();
    }

    @Test
    void parseErrorsAreOneLine() {
        assertTrue(refused("train", "--data", npy.toString(), "--width", "abc", "--k", "2", "--out", out.toString())
                .contains("--width"));
        assertTrue(refused("train", "--data", npy.toString(), "--k", "2", "--out", out.toString()).contains("--width"));
        String both = refused("dl", "--sae", trainSmall().toString(), "--data", npy.toString(), "--eps", "0.1", "--fvu", "0.2");
        assertTrue(both.contains("--eps") && both.contains("--fvu") && both.contains("mutually exclusive"), both);
        assertTrue(refused("sweep", "--data", npy.toString(), "--widths", "8,x", "--out", out.toString()).contains("--widths"));
    }

    @Test
    void widthGridErrorsNameWidths() {
        for (String grid : new String[] {"0", "0,8", "8,4", "-3"}) {
            String e = refused("sweep", "--data", npy.toString(), "--widths", grid, "--eps", "0.05", "--out", out.toString());
            assertTrue(e.contains("--widths"), e);
        }
    }

    @Test
    void optionsThatWouldBeIgnoredAreRefused() {
        // --eval with mnist: refused before any download or training
        String e = refused("sweep", "--data", "mnist", "--eval", npy.toString(), "--widths", "8", "--out", out.toString());
        assertTrue(e.contains("--eval"), e);
        assertTrue(refused("sweep", "--data", npy.toString(), "--split", "test", "--widths", "8", "--out", out.toString())
                .contains("--split"));
        assertTrue(refused("train", "--data", npy.toString(), "--split", "train", "--width", "8", "--k", "2", "--out",
                out.toString()).contains("--split"));
        assertTrue(refused("train", "--data", npy.toString(), "--cache", tmp.resolve("c").toString(), "--width", "8", "--k",
                "2", "--out", out.toString()).contains("--cache"));
        assertTrue(refused("data", "info", "--data", npy.toString(), "--cache", tmp.toString()).contains("--cache"));
        // mnist is always in memory: --in-memory would change nothing
        assertTrue(refused("train", "--data", "mnist", "--in-memory", "--width", "8", "--k", "2", "--out", out.toString())
                .contains("--in-memory"));
        assertTrue(refused("sweep", "--data", "mnist", "--in-memory", "--widths", "8", "--out", out.toString())
                .contains("--in-memory"));
        assertTrue(refused("sweep", "--data", npy.toString(), "--search", "grid", "--widths", "8", "--out", out.toString())
                .contains("--search"));
    }

    private Path trainSmall() {
        Path sae = tmp.resolve("sae");
        CliTest.Run t = CliTest.run("train", "--data", npy.toString(), "--arch", "topk", "--width", "8", "--k", "2", "--epochs",
                "1", "--out", sae.toString(), "--quiet");
        assertEquals(0, t.code(), t.err());
        return sae;
    }

    @Test
    void nonFiniteAndZeroNumbersAreRefused() {
        Path sae = trainSmall();
        String[][] cases = {
            {"sweep", "--eps", "NaN"}, {"sweep", "--eps", "Infinity"}, {"sweep", "--eps", "0"}, {"sweep", "--fvu", "-0.1"},
            {"sweep", "--fvu", "NaN"}, {"sweep", "--k-max", "0"}, {"sweep", "--checkpoint-every", "-1"},
            {"dl", "--eps", "NaN"}, {"dl", "--fvu", "Infinity"}, {"dl", "--delta", "NaN"}, {"dl", "--delta", "-1"},
            {"bound", "--l0", "NaN"}, {"bound", "--l0", "Infinity"},
            {"toy", "split", "--p", "NaN"}, {"toy", "hierarchy", "--p", "0.1", "--r", "NaN"},
        };
        for (String[] c : cases) {
            String[] args = switch (c[0]) {
                case "sweep" -> new String[] {"sweep", "--data", npy.toString(), "--widths", "8", c[1], c[2], "--out", out.toString()};
                case "dl" -> new String[] {"dl", "--sae", sae.toString(), "--data", npy.toString(), c[1], c[2]};
                case "bound" -> new String[] {"bound", c[1], c[2], "--width", "10", "--bits", "3"};
                default -> c;
            };
            String e = refused(args);
            assertTrue(e.contains(c[c.length - 2]), String.join(" ", args) + " -> " + e);
        }
    }

    /** --epochs auto and its settings, and --seeds (docs/design.md §11): bad values and orphan flags name the flag. */
    @Test
    void convergenceAndSeedFlagsAreCheckedAndNamed() {
        String[] train = {"train", "--data", npy.toString(), "--width", "8", "--k", "2", "--out", out.toString()};
        String[][] cases = {
            {"--epochs", "forever"}, {"--epochs", "0"}, {"--patience", "3"}, {"--max-epochs", "9"},
            {"--min-improvement", "0.01"}, {"--epochs", "auto", "--patience", "0"}, {"--epochs", "auto", "--max-epochs", "0"},
            {"--epochs", "auto", "--min-improvement", "NaN"}, {"--epochs", "auto", "--min-improvement", "1"},
            {"--epochs", "auto", "--samples", "1000"},
        };
        for (String[] c : cases) {
            String[] args = java.util.Arrays.copyOf(train, train.length + c.length);
            System.arraycopy(c, 0, args, train.length, c.length);
            String e = refused(args);
            String flag = c[c.length - 2];
            assertTrue(e.contains(flag), String.join(" ", c) + " -> " + e);
        }
        assertTrue(refused("sweep", "--data", npy.toString(), "--widths", "8", "--seeds", "0", "--out", out.toString())
                .contains("--seeds"));
        assertTrue(refused("sweep", "--data", npy.toString(), "--widths", "8", "--patience", "4", "--out", out.toString())
                .contains("--patience"));
    }

    @Test
    void absurdTolerancesAreRefusedWithASaneNumber() {
        Path sae = trainSmall();
        for (String[] tol : new String[][] {{"--eps", "1e300"}, {"--fvu", "1"}, {"--fvu", "5"}}) {
            String e = refused("dl", "--sae", sae.toString(), "--data", npy.toString(), tol[0], tol[1]);
            assertTrue(e.contains(tol[0]) && e.contains("variance"), e);
            assertTrue(e.length() < 300, "no 300-digit numbers: " + e);
            e = refused("sweep", "--data", npy.toString(), "--widths", "8", tol[0], tol[1], "--out", out.toString());
            assertTrue(e.contains(tol[0]) && e.contains("variance"), e);
        }
    }

    /** Without the optional Spark module on the class path, --spark says in one line how to get it (docs/design.md §14). */
    @Test
    void sparkWithoutTheModuleSaysHowToGetIt() {
        String e = refused("dl", "--sae", trainSmall().toString(), "--data", npy.toString(), "--spark", "local[2]");
        assertTrue(e.contains("--spark") && e.contains("optional Spark module") && e.contains("modules/spark"), e);
    }
}
