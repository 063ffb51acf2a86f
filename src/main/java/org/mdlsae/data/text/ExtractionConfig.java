package org.mdlsae.data.text;

import org.mdlsae.ConfigException;

/**
 * Settings of an activation extraction (docs/design.md §12); the CLI's {@code mdlsae activations} maps its flags to
 * these fields. Refused values name the field ({@link ConfigException}).
 *
 * @param layer         hidden state to extract, 0..L (0 = the embeddings' output, L = the last hidden state); null =
 *                      the last
 * @param maxTokens     activation rows to write (≥ 1); extraction stops there or when the documents run out
 * @param float16       store float16 (numpy {@code <f2}, default) rather than float32
 * @param batch         sequences per forward pass (default {@value #DEFAULT_BATCH})
 * @param context       longest sequence, special tokens included (default {@value #DEFAULT_CONTEXT}, the length
 *                      all-MiniLM-L6-v2 was trained at; at most the model's limit)
 * @param shardRows     most rows per shard file (default {@value #DEFAULT_SHARD_ROWS})
 * @param specialTokens also write the rows of the special tokens around each sequence ([CLS], [SEP]; default off);
 *                      padding rows are never written
 */
public record ExtractionConfig(Integer layer, long maxTokens, boolean float16, int batch, int context, int shardRows,
                               boolean specialTokens) {
    /** Default sequences per forward pass. */
    public static final int DEFAULT_BATCH = 16;
    /** Default sequence length, special tokens included. */
    public static final int DEFAULT_CONTEXT = 128;
    /** Default most rows per shard: 48 MiB of float16 at d = 384. */
    public static final int DEFAULT_SHARD_ROWS = 65536;

    /** Checks every field that does not depend on the model. */
    public ExtractionConfig {
        if (layer != null && layer < 0) throw bad("layer", "must be ≥ 0, got " + layer);
        if (maxTokens < 1) throw bad("maxTokens", "must be ≥ 1, got " + maxTokens);
        if (batch < 1 || batch > 4096) throw bad("batch", "must be in [1, 4096], got " + batch);
        if (context < 3) throw bad("context", "must be ≥ 3 (two special tokens and one token of text), got " + context);
        if (shardRows < 1) throw bad("shardRows", "must be ≥ 1, got " + shardRows);
    }

    /**
     * The defaults for a number of rows.
     *
     * @param maxTokens rows to write
     * @return last layer, float16, the default batch, context and shard size, no special-token rows
     */
    public static ExtractionConfig defaults(long maxTokens) {
        return new ExtractionConfig(null, maxTokens, true, DEFAULT_BATCH, DEFAULT_CONTEXT, DEFAULT_SHARD_ROWS, false);
    }

    /** Checks the fields that depend on the model and returns the layer to extract. */
    int resolveLayer(TextModel m) {
        int l = layer == null ? m.layers() : layer;
        if (l > m.layers()) {
            throw bad("layer", "must be in [0, " + m.layers() + "] for " + m.name() + " (0 = embeddings, " + m.layers()
                    + " = last hidden state), got " + l);
        }
        int fixed = m.prefix().size() + m.suffix().size();
        if (context > m.maxContext() || context <= fixed) {
            throw bad("context", "must be in [" + (fixed + 1) + ", " + m.maxContext() + "] for " + m.name() + ", got "
                    + context);
        }
        return l;
    }

    private static ConfigException bad(String field, String problem) {
        return new ConfigException("ExtractionConfig." + field, problem);
    }
}
