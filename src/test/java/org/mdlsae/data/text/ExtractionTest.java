package org.mdlsae.data.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.ConfigException;
import org.mdlsae.io.Npy;

/** The extraction pipeline on a stand-in model: windows, alignment of rows and tokens.tsv, budget, shards, manifest. */
class ExtractionTest {
    @TempDir
    Path tmp;

    static Corpus corpus(String... lines) {
        return new Corpus() {
            @Override
            public Map<String, Object> describe() {
                return Map.of("name", "test");
            }

            @Override
            public Stream<Document> documents() {
                List<Document> d = new ArrayList<>();
                for (int i = 0; i < lines.length; i++) if (!lines[i].isBlank()) d.add(new Document(i, lines[i]));
                return d.stream();
            }
        };
    }

    static final String[] TEXT = {
        "alpha be gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron",
        "",
        "short text",
        "supercalifragilistic is a long word of many pieces indeed",
    };

    @Test
    void windowsCutBeforeWordsAndCoverEveryToken() {
        FakeModel m = new FakeModel();
        Pieces p = m.tokenize(TEXT[3]);
        for (int cap = 1; cap <= 12; cap++) {
            List<int[]> w = Extraction.windows(p, cap);
            int next = 0;
            for (int[] x : w) {
                assertEquals(next, x[0]);
                assertTrue(x[1] > x[0] && x[1] - x[0] <= cap);
                // a cut falls before a word's first piece unless the window holds no other place to cut
                if (x[1] < p.size() && !p.wordStart()[x[1]]) {
                    for (int i = x[0] + 1; i < x[1]; i++) assertFalse(p.wordStart()[i], "cap " + cap + ": cut mid-word");
                }
                next = x[1];
            }
            assertEquals(p.size(), next);
        }
    }

    @Test
    void rowsLineUpWithTokensAndShards() throws Exception {
        FakeModel m = new FakeModel();
        ExtractionConfig cfg = new ExtractionConfig(1, 1000, false, 2, 8, 7, false);
        Extraction.Summary s = Extraction.run(m, corpus(TEXT), cfg, tmp, null);
        int expectRows = 0;
        for (String t : TEXT) expectRows += m.tokenize(t).size();
        assertEquals(expectRows, s.rows());
        assertFalse(s.budgetHit());
        assertEquals(3, s.documents());
        for (List<int[]> b : m.batches) {
            assertTrue(b.size() <= 2);
            for (int[] seq : b) {
                assertTrue(seq.length <= 8);
                assertEquals(1, seq[0]);
                assertEquals(2, seq[seq.length - 1]);
            }
        }
        float[] acts = readShards(tmp, (int) s.rows());
        TokenTable t = TokenTable.read(tmp);
        assertEquals(s.rows(), t.rows());
        // every row is the text token tokens.tsv names, at the position it names, from the layer asked for
        List<String> expectTokens = new ArrayList<>();
        List<Long> expectDocs = new ArrayList<>();
        for (int i = 0; i < TEXT.length; i++) {
            for (String tok : m.tokenize(TEXT[i]).tokens()) {
                expectTokens.add(tok);
                expectDocs.add((long) i);
            }
        }
        for (int r = 0; r < t.rows(); r++) {
            assertEquals(expectTokens.get(r), t.token()[r]);
            assertEquals(expectDocs.get(r), t.document()[r]);
            assertTrue(t.position()[r] >= 1 && t.position()[r] <= 6, "text tokens only");
            for (int c = 0; c < FakeModel.D; c++) {
                assertEquals(FakeModel.value(FakeModel.id(t.token()[r]), t.position()[r], 1, c), acts[r * FakeModel.D + c]);
            }
            if (r > 0 && t.context()[r] == t.context()[r - 1]) assertEquals(t.position()[r - 1] + 1, t.position()[r]);
        }
        JsonNode man = new ObjectMapper().readTree(tmp.resolve(Extraction.MANIFEST).toFile());
        assertEquals(s.rows(), man.get("rows").asLong());
        assertEquals("float32", man.get("dtype").asText());
        assertEquals(1, man.get("layer").get("index").asInt());
        assertEquals((s.rows() + 6) / 7, man.get("shards").size());
        int shardRows = 0;
        for (JsonNode sh : man.get("shards")) shardRows += sh.get("rows").asInt();
        assertEquals(s.rows(), shardRows);
        try (Stream<Path> files = Files.list(tmp)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            List<String> want = new ArrayList<>();
            for (int i = 0; i < man.get("shards").size(); i++) want.add(String.format("acts-%05d.npy", i));
            want.add("manifest.json");
            want.add("tokens.tsv");
            assertEquals(want, names, "nothing else in the directory");
        }
    }

    @Test
    void stopsExactlyAtTheBudgetAndCanKeepSpecialTokens() throws Exception {
        FakeModel m = new FakeModel();
        Extraction.Summary s = Extraction.run(m, corpus(TEXT), new ExtractionConfig(0, 9, true, 4, 6, 100, true), tmp, null);
        assertEquals(9, s.rows());
        assertTrue(s.budgetHit());
        TokenTable t = TokenTable.read(tmp);
        assertEquals("[CLS]", t.token()[0]);
        assertEquals(0, t.position()[0]);
        // "alp ##ha be gam ##ma": four content slots, cut before "gam" (not inside "gam ##ma")
        assertEquals(List.of("[CLS]", "alp", "##ha", "be", "[SEP]", "[CLS]", "gam", "##ma"),
                List.of(t.token()).subList(0, 8));
        float[] a = readShards(tmp, 9);
        // float16 keeps these integers-plus-tenths to half precision
        assertEquals(FakeModel.value(1, 0, 0, 0), a[0], 0.01);
        assertEquals(FakeModel.value(2, 4, 0, 2), a[4 * FakeModel.D + 2], 4);
    }

    @Test
    void refusesLayersAndContextsTheModelDoesNotHave() {
        FakeModel m = new FakeModel();
        ConfigException e = assertThrows(ConfigException.class,
                () -> Extraction.run(m, corpus(TEXT), new ExtractionConfig(3, 10, true, 1, 8, 10, false), tmp, null));
        assertEquals("ExtractionConfig.layer", e.field());
        e = assertThrows(ConfigException.class,
                () -> Extraction.run(m, corpus(TEXT), new ExtractionConfig(null, 10, true, 1, 13, 10, false), tmp, null));
        assertEquals("ExtractionConfig.context", e.field());
        assertEquals("ExtractionConfig.maxTokens",
                assertThrows(ConfigException.class, () -> ExtractionConfig.defaults(0)).field());
    }

    @Test
    void refusesValuesFloat16CannotHold() {
        // the stand-in's layer-1 states are above 10^5: float16 would store them as ∞
        org.mdlsae.InputException e = assertThrows(org.mdlsae.InputException.class, () -> Extraction.run(new FakeModel(),
                corpus(TEXT), new ExtractionConfig(1, 10, true, 1, 8, 10, false), tmp, null));
        assertTrue(e.getMessage().contains("--dtype float32"), e.getMessage());
    }

    @Test
    void tokenStringsSurviveEscaping() {
        for (String s : new String[] {"plain", "tab\there", "new\nline", "back\\slash", "\\t literal", "end\\"}) {
            assertEquals(s, TokenTable.unescape(TokenTable.escape(s)));
            assertFalse(TokenTable.escape(s).contains("\t") || TokenTable.escape(s).contains("\n"));
        }
    }

    static float[] readShards(Path dir, int rows) throws Exception {
        List<Path> shards;
        try (Stream<Path> s = Files.list(dir)) {
            shards = s.filter(p -> p.getFileName().toString().endsWith(".npy")).sorted().toList();
        }
        float[] all = new float[rows * FakeModel.D];
        int at = 0;
        for (Path p : shards) {
            Npy.Matrix mtx = Npy.read(p);
            assertEquals(FakeModel.D, mtx.cols());
            System.arraycopy(mtx.data(), 0, all, at, mtx.data().length);
            at += mtx.data().length;
        }
        assertEquals(all.length, at);
        return all;
    }
}
