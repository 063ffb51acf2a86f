package org.mdlsae.data.text;

import java.util.List;
import java.util.Map;

/**
 * A language model that turns token sequences into per-token hidden states (docs/design.md §12). The engine's core
 * only defines this contract; implementations come from the optional language-model module ({@code modules/lm}),
 * found through {@link TextModelProvider}. Every sequence the engine runs is {@link #prefix()}, up to
 * {@link #maxContext()} − prefix − suffix content tokens, {@link #suffix()}.
 */
public interface TextModel extends AutoCloseable {
    /** @return the name users give with {@code --model}, e.g. {@code minilm} */
    String name();

    /** @return the width d of a hidden state */
    int dim();

    /**
     * @return the number L of transformer blocks: hidden states 0..L exist, 0 being the embeddings' output and L the
     *         last hidden state (the numbering of Hugging Face's {@code output_hidden_states})
     */
    int layers();

    /**
     * @param layer 0..{@link #layers()}
     * @return the name of that hidden state in the model (e.g. the graph value's name), for the manifest
     */
    String layerName(int layer);

    /** @return the longest sequence the model takes, special tokens included */
    int maxContext();

    /** @return the special tokens before every sequence (e.g. {@code [CLS]}) */
    Pieces prefix();

    /** @return the special tokens after every sequence (e.g. {@code [SEP]}) */
    Pieces suffix();

    /**
     * Tokenises a text without adding special tokens and without truncating it.
     *
     * @param text one document
     * @return its tokens
     */
    Pieces tokenize(String text);

    /**
     * Runs one batch.
     *
     * @param sequences token ids, special tokens included, each at most {@link #maxContext()} long
     * @param layer     the hidden state to return, 0..{@link #layers()}
     * @return one array of {@code length × dim} floats (row-major) per sequence; padding is the model's business and
     *         never appears here
     * @throws java.io.IOException if the model fails to run
     */
    List<float[]> hiddenStates(List<int[]> sequences, int layer) throws java.io.IOException;

    /** @return what identifies the model and its tokenizer (names, sources, digests), written into manifest.json */
    Map<String, Object> describe();

    /** Releases the model's native resources. */
    @Override
    void close();
}
