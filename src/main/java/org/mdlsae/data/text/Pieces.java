package org.mdlsae.data.text;

import java.util.Objects;

/**
 * Tokens of a text as a model's tokenizer cuts them: ids, their strings and whether each begins a word (a context
 * window is cut only before a word's first piece, docs/design.md §12).
 *
 * @param ids       token ids
 * @param tokens    token strings (WordPiece pieces such as {@code ##ing}), one per id
 * @param wordStart true where a token begins a new word
 */
public record Pieces(int[] ids, String[] tokens, boolean[] wordStart) {
    /** Checks that the three arrays have one entry per token. */
    public Pieces {
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(wordStart, "wordStart");
        if (tokens.length != ids.length || wordStart.length != ids.length) {
            throw new IllegalArgumentException("pieces: " + ids.length + " ids, " + tokens.length + " tokens, "
                    + wordStart.length + " word marks");
        }
    }

    /** @return the number of tokens */
    public int size() {
        return ids.length;
    }
}
