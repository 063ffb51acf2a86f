package org.mdlsae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.mdlsae.data.text.ExtractionConfig;
import org.mdlsae.io.OutputKind;
import org.mdlsae.io.OutputTarget;
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

    @Test
    void demoLmWithoutTheModuleSaysHowToGetIt() {
        Path out = tmp.resolve("demo");
        Path acts = tmp.resolve("demo-acts");
        CliTest.Run r = CliTest.run("demo", "lm", "--out", out.toString(), "--activations", acts.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("optional language-model module"), r.err());
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(acts));
    }

    @Test
    void demoLmReusesOnlyItsOwnExtraction() throws Exception {
        String good = "{\"model\": {\"id\": \"minilm\"}, \"layer\": {\"index\": 6}, \"corpus\": {\"name\": \"europarl\", "
                + "\"language\": \"en\"}, \"max_tokens\": 200000, \"rows\": 200000, \"context_tokens\": 128, "
                + "\"dtype\": \"float16\", \"special_token_rows\": false}";
        ExtractionConfig ec = ExtractionConfig.defaults(200_000);
        Path dir = tmp.resolve("acts");
        OutputTarget.check("--activations", dir, OutputKind.ACTIVATIONS, OutputTarget.Mode.REPLACE, false)
                .publish(d -> Files.writeString(d.resolve("manifest.json"), good));
        assertTrue(DemoLmCommand.reusable(dir, ec));
        assertFalse(DemoLmCommand.reusable(dir, ExtractionConfig.defaults(1000)), "another budget");
        OutputTarget.check("--activations", dir, OutputKind.ACTIVATIONS, OutputTarget.Mode.REPLACE, true)
                .publish(d -> Files.writeString(d.resolve("manifest.json"), good.replace("\"en\"", "\"all\"")));
        assertFalse(DemoLmCommand.reusable(dir, ec), "another corpus selection");
        Path foreign = Files.createDirectory(tmp.resolve("foreign"));
        Files.writeString(foreign.resolve("manifest.json"), good);
        assertFalse(DemoLmCommand.reusable(foreign, ec), "not written by the engine");
    }
}
