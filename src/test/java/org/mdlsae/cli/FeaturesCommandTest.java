package org.mdlsae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.io.Npy;
import org.mdlsae.io.SaeFiles;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.SaeWeights;

/**
 * {@code mdlsae features} on a small activation directory (two shards and tokens.tsv) and an SAE whose code is
 * known: TopK k = 1 with identity weights fires, on each row, the latent of its largest coordinate.
 */
class FeaturesCommandTest {
    @TempDir
    Path tmp;
    Path acts;
    Path sae;

    @BeforeEach
    void write() throws Exception {
        int d = 3;
        acts = Files.createDirectory(tmp.resolve("acts"));
        // rows: token i has its largest value in column i % 3, equal to 1 + i/10 (so the top of latent j is its last row)
        float[] x = new float[12 * d];
        StringBuilder tsv = new StringBuilder("document\tcontext\tposition\ttoken\n");
        for (int i = 0; i < 12; i++) {
            x[i * d + i % 3] = 1 + i / 10f;
            tsv.append(i / 6).append('\t').append(i / 6).append('\t').append(1 + i % 6).append('\t').append("w").append(i).append('\n');
        }
        Npy.write(acts.resolve("acts-00000.npy"), java.util.Arrays.copyOfRange(x, 0, 7 * d), 7, d);
        Npy.write(acts.resolve("acts-00001.npy"), java.util.Arrays.copyOfRange(x, 7 * d, 12 * d), 5, d);
        Files.writeString(acts.resolve("tokens.tsv"), tsv);
        Files.writeString(acts.resolve("manifest.json"), "{}");
        float[] eye = new float[16 * d];
        for (int j = 0; j < d; j++) eye[j * d + j] = 1;
        sae = tmp.resolve("sae");
        SaeFiles.save(sae, new SaeWeights(Arch.TOPK, d, 16, 1, Float.NaN, eye.clone(), new float[16], eye, new float[d]), Map.of());
    }

    @Test
    void jsonHoldsEachContextsTokens() throws Exception {
        CliTest.Run r = CliTest.run("features", "--sae", sae.toString(), "--data", acts.toString(), "--json", "--contexts", "2");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(12, j.get("rows").asLong());
        assertEquals(13, j.get("dead").size(), "latents 3..15 never fire");
        assertEquals(3, j.get("features").size(), "the three live ones, most used first");
        JsonNode f = j.get("features").get(0);
        assertEquals(0, f.get("index").asInt()); // latents 0, 1, 2 fire 4 times each: ties go to the lower index
        assertEquals(4, f.get("count").asLong());
        JsonNode c = f.get("contexts").get(0);
        assertEquals(9, c.get("row").asLong()); // latent 0 fires on rows 0, 3, 6, 9: row 9 has the largest value
        int focus = c.get("focus").asInt();
        assertEquals("w9", c.get("tokens").get(focus).asText());
        assertEquals("w6", c.get("tokens").get(0).asText(), "the context starts at its model input's first row (6)");
        assertEquals(6, c.get("tokens").size());
        assertEquals(1.9, c.get("activations").get(focus).asDouble(), 1e-6);
        assertEquals(0.0, c.get("activations").get(focus - 1).asDouble(), "w8 fires latent 2, not 0");
    }

    @Test
    void oneFeatureAndPlainText() {
        CliTest.Run r = CliTest.run("features", "--sae", sae.toString(), "--data", acts.toString(), "--feature", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("feature 1 (asked): density 33.3% (4 tokens), max 2"), r.out());
        assertTrue(r.out().contains("w6 w7 w8 w9 [w10] w11   (document 1)"), r.out()); // rows 1, 4, 7, 10 fire latent 1
        r = CliTest.run("features", "--sae", sae.toString(), "--data", acts.toString(), "--feature", "16");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--feature 16: the SAE has features 0..15"), r.err());
    }

    @Test
    void refusesDataWithoutMatchingTokens() throws Exception {
        Path plain = Files.createDirectory(tmp.resolve("plain"));
        Files.copy(acts.resolve("acts-00000.npy"), plain.resolve("a.npy"));
        CliTest.Run r = CliTest.run("features", "--sae", sae.toString(), "--data", plain.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not an activation directory"), r.err());
        Files.writeString(plain.resolve("tokens.tsv"), "document\tcontext\tposition\ttoken\n0\t0\t1\tx\n");
        r = CliTest.run("features", "--sae", sae.toString(), "--data", plain.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("7 activation rows but tokens.tsv has 1"), r.err());
    }
}
