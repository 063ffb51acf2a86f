package org.mdlsae.data.text;

import java.io.IOException;
import java.util.Map;
import java.util.stream.Stream;

/** A sequence of text documents to extract activations from (docs/design.md §12). */
public interface Corpus {
    /**
     * One document.
     *
     * @param index its number in the source (0-based line number: documents that are skipped leave gaps)
     * @param text  its text
     */
    record Document(long index, String text) {
    }

    /** @return what identifies the corpus (name, source, digest, selection rule and counts), for manifest.json */
    Map<String, Object> describe();

    /**
     * The documents in order; close the stream when done.
     *
     * @return the documents
     * @throws IOException if the source cannot be read
     */
    Stream<Document> documents() throws IOException;
}
