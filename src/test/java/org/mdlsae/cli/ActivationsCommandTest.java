package org.mdlsae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mdlsae activations} in the core alone: without the language-model module it says in one line how to get it
 * (exit 2) and writes nothing; its flags are checked before that. The module's own tests run it for real.
 */
class ActivationsCommandTest {
    @TempDir
    Path tmp;

    @Test
    void withoutTheModuleSaysHowToGetIt() throws Exception {
        Path text = Files.writeString(tmp.resolve("t.txt"), "some text\n");
        Path out = tmp.resolve("acts");
        CliTest.Run r = CliTest.run("activations", "--text", text.toString(), "--max-tokens", "10", "--out", out.toString());
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("optional language-model module") && r.err().contains("modules/lm"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void checksItsFlagsFirst() throws Exception {
        Path text = Files.writeString(tmp.resolve("t.txt"), "some text\n");
        String out = tmp.resolve("acts").toString();
        CliTest.Run r = CliTest.run("activations", "--text", text.toString(), "--max-tokens", "0", "--out", out);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--max-tokens must be ≥ 1"), r.err());
        r = CliTest.run("activations", "--text", text.toString(), "--max-tokens", "5", "--dtype", "float64", "--out", out);
        assertTrue(r.err().contains("--dtype must be float16 or float32"), r.err());
        r = CliTest.run("activations", "--text", text.toString(), "--lang", "all", "--max-tokens", "5", "--out", out);
        assertTrue(r.err().contains("--lang applies to --corpus only"), r.err());
        r = CliTest.run("activations", "--text", text.toString(), "--corpus", "europarl", "--max-tokens", "5", "--out", out);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("mutually exclusive"), r.err());
    }
}
