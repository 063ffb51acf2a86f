package org.mdlsae.data.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.mdlsae.io.AtomicFiles;

/**
 * Runs a {@link TextModel} over a {@link Corpus} and writes an activation directory (docs/design.md §12):
 * {@code acts-NNNNN.npy} shards, {@value TokenTable#FILE} (one line per row, same order) and
 * {@value #MANIFEST}. Nothing else is written there; the caller publishes the directory atomically
 * ({@code io.OutputTarget}).
 *
 * <p>Each document is tokenised whole and cut into contexts of at most {@code context − specials} tokens, before a
 * word's first piece where possible; every context is run as prefix + tokens + suffix ({@code [CLS] … [SEP]}), in
 * batches of {@code batch} contexts. A row is written for every text token (and, with {@code specialTokens}, for the
 * special tokens too), never for padding, until {@code maxTokens} rows are written or the documents run out.
 */
public final class Extraction {
    /** The manifest's file name. */
    public static final String MANIFEST = "manifest.json";
    /** The manifest's format version. */
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Receives progress. */
    public interface Listener {
        /**
         * After every batch.
         *
         * @param rows      rows written so far
         * @param maxRows   the budget
         * @param documents documents read so far
         * @param contexts  contexts run so far
         */
        void progress(long rows, long maxRows, long documents, long contexts);
    }

    /**
     * What an extraction did.
     *
     * @param rows       activation rows written
     * @param documents  documents that gave at least one row
     * @param contexts   model inputs run
     * @param shards     shard files written
     * @param budgetHit  true if it stopped at maxTokens with text left
     * @param seconds    wall time
     * @param manifest   the manifest written
     */
    public record Summary(long rows, long documents, long contexts, int shards, boolean budgetHit, double seconds,
                          Map<String, Object> manifest) {
        /** @return rows per second of wall time */
        public double tokensPerSecond() {
            return rows / Math.max(seconds, 1e-9);
        }
    }

    private final TextModel model;
    private final Corpus corpus;
    private final ExtractionConfig cfg;
    private final Listener listener;
    private final int layer;
    private final int capacity;
    private final List<int[]> batchIds = new ArrayList<>();
    private final List<long[]> batchDocs = new ArrayList<>(); // (document, context)
    private final List<String[]> batchTokens = new ArrayList<>();
    private ActivationWriter writer;
    private Writer tokens;
    private long documents;
    private long used;
    private long lastUsedDoc = -1;
    private long contexts;
    private long queued;

    private Extraction(TextModel model, Corpus corpus, ExtractionConfig cfg, Listener listener) {
        this.model = model;
        this.corpus = corpus;
        this.cfg = cfg;
        this.listener = listener == null ? (r, m, d, c) -> { } : listener;
        this.layer = cfg.resolveLayer(model);
        this.capacity = cfg.context() - model.prefix().size() - model.suffix().size();
    }

    /**
     * Extracts into {@code dir} (an empty directory, normally the temporary one of an atomic publication).
     *
     * @param model    the model
     * @param corpus   the documents
     * @param cfg      the settings
     * @param dir      where to write
     * @param listener progress, or null
     * @return what was written
     * @throws IOException if the corpus cannot be read, the model fails or writing fails
     * @throws org.mdlsae.ConfigException if the layer or context does not fit the model
     */
    public static Summary run(TextModel model, Corpus corpus, ExtractionConfig cfg, Path dir, Listener listener)
            throws IOException {
        return new Extraction(model, corpus, cfg, listener).into(dir);
    }

    private Summary into(Path dir) throws IOException {
        long t0 = System.nanoTime();
        writer = new ActivationWriter(dir, model.dim(), cfg.float16(), cfg.shardRows(), cfg.maxTokens());
        MessageDigest tokDigest = ActivationWriter.sha256();
        boolean[] more = new boolean[1];
        AtomicFiles.writeAtomic(dir.resolve(TokenTable.FILE), out -> {
            tokens = new OutputStreamWriter(new DigestOutputStream(out, tokDigest), StandardCharsets.UTF_8);
            tokens.write(TokenTable.HEADER);
            tokens.write('\n');
            more[0] = extract();
            tokens.flush();
        });
        writer.finish();
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> m = manifest(more[0], HexFormat.of().formatHex(tokDigest.digest()));
        AtomicFiles.writeString(dir.resolve(MANIFEST), JSON.writeValueAsString(m) + "\n");
        return new Summary(writer.rows(), used, contexts, writer.shards().size(), more[0], seconds, m);
    }

    /** Reads documents until the budget is met; returns true if text was left over. */
    private boolean extract() throws IOException {
        boolean left = false;
        try (Stream<Corpus.Document> docs = corpus.documents()) {
            Iterator<Corpus.Document> it = docs.iterator();
            while (!left && it.hasNext()) {
                if (full()) {
                    left = true;
                    break;
                }
                Corpus.Document d = it.next();
                documents++;
                Pieces p = model.tokenize(d.text());
                for (int[] w : windows(p, capacity)) {
                    if (full()) {
                        left = true;
                        break;
                    }
                    queue(d.index(), p, w[0], w[1]);
                    if (batchIds.size() == cfg.batch()) runBatch();
                }
            }
            left |= writer.rows() + queued > cfg.maxTokens(); // the last context's rows beyond the budget
            runBatch();
            return left;
        }
    }

    private boolean full() {
        return writer.rows() + queued >= cfg.maxTokens();
    }

    /**
     * Cuts {@code p} into consecutive windows of at most {@code cap} tokens, each ending before a word's first piece
     * when the window holds one (a single word longer than {@code cap} is cut inside).
     *
     * @return [start, end) pairs covering every token once, in order
     */
    static List<int[]> windows(Pieces p, int cap) {
        List<int[]> out = new ArrayList<>();
        int n = p.size();
        for (int start = 0; start < n; ) {
            int end = Math.min(n, start + cap);
            if (end < n) {
                int cut = end;
                while (cut > start + 1 && !p.wordStart()[cut]) cut--;
                if (p.wordStart()[cut] && cut > start) end = cut;
            }
            out.add(new int[] {start, end});
            start = end;
        }
        return out;
    }

    private void queue(long document, Pieces p, int from, int to) {
        Pieces pre = model.prefix();
        Pieces post = model.suffix();
        int len = pre.size() + (to - from) + post.size();
        int[] ids = new int[len];
        String[] toks = new String[len];
        System.arraycopy(pre.ids(), 0, ids, 0, pre.size());
        System.arraycopy(pre.tokens(), 0, toks, 0, pre.size());
        System.arraycopy(p.ids(), from, ids, pre.size(), to - from);
        System.arraycopy(p.tokens(), from, toks, pre.size(), to - from);
        System.arraycopy(post.ids(), 0, ids, len - post.size(), post.size());
        System.arraycopy(post.tokens(), 0, toks, len - post.size(), post.size());
        batchIds.add(ids);
        batchTokens.add(toks);
        batchDocs.add(new long[] {document, contexts + batchIds.size() - 1});
        queued += cfg.specialTokens() ? len : to - from;
    }

    private void runBatch() throws IOException {
        if (batchIds.isEmpty()) return;
        List<float[]> states = model.hiddenStates(batchIds, layer);
        int d = model.dim();
        int pre = model.prefix().size();
        int post = model.suffix().size();
        for (int s = 0; s < batchIds.size(); s++) {
            int len = batchIds.get(s).length;
            float[] h = states.get(s);
            if (h.length != (long) len * d) {
                throw new IllegalStateException(model.name() + " returned " + h.length + " values for a sequence of "
                        + len + " tokens × " + d);
            }
            int from = cfg.specialTokens() ? 0 : pre;
            int to = cfg.specialTokens() ? len : len - post;
            long doc = batchDocs.get(s)[0];
            for (int pos = from; pos < to && writer.rows() < cfg.maxTokens(); pos++) {
                writer.add(h, pos * d);
                TokenTable.writeLine(tokens, doc, batchDocs.get(s)[1], pos, batchTokens.get(s)[pos]);
                if (doc != lastUsedDoc) {
                    used++;
                    lastUsedDoc = doc;
                }
            }
        }
        contexts += batchIds.size();
        batchIds.clear();
        batchTokens.clear();
        batchDocs.clear();
        queued = 0;
        listener.progress(writer.rows(), cfg.maxTokens(), documents, contexts);
    }

    private Map<String, Object> manifest(boolean budgetHit, String tokensSha) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "mdlsae-activations");
        m.put("version", VERSION);
        m.put("model", model.describe());
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("index", layer);
        l.put("of", model.layers());
        l.put("name", model.layerName(layer));
        l.put("numbering", "0 = embeddings output, " + model.layers() + " = last hidden state (Hugging Face hidden_states)");
        m.put("layer", l);
        m.put("corpus", corpus.describe());
        m.put("context_tokens", cfg.context());
        m.put("special_token_rows", cfg.specialTokens());
        m.put("padding_rows", false);
        m.put("max_tokens", cfg.maxTokens());
        m.put("stopped_at_max_tokens", budgetHit);
        m.put("dtype", cfg.float16() ? "float16" : "float32");
        m.put("d", model.dim());
        m.put("rows", writer.rows());
        m.put("documents", used);
        m.put("contexts", contexts);
        m.put("shards", writer.shards());
        Map<String, Object> dg = new LinkedHashMap<>();
        dg.put("algorithm", "sha256");
        dg.put("shards", writer.digest());
        dg.put("tokens_tsv", tokensSha);
        m.put("digest", dg);
        return m;
    }
}
