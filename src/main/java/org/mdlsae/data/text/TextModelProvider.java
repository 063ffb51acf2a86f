package org.mdlsae.data.text;

import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceLoader;
import org.mdlsae.InputException;

/**
 * What the optional language-model module provides (a {@link ServiceLoader} service, docs/design.md §12): models
 * and built-in corpora. The core jar has no implementation, so that ONNX Runtime and the tokenizer's native code stay
 * out of it.
 */
public interface TextModelProvider {
    /** The one line a user sees when the module is not on the class path. */
    String MISSING = "this needs the optional language-model module (ONNX Runtime and the tokenizer are not in the "
            + "core jar): run it through ./mdlsae, which builds modules/lm on first use, or build it with "
            + "'mvn -f modules/lm/pom.xml package' and add modules/lm/target/mdlsae-lm.jar and modules/lm/target/lib/* "
            + "to the class path";

    /** @return the model names this provider opens, e.g. {@code [minilm]} */
    List<String> models();

    /**
     * Loads a model.
     *
     * @param name one of {@link #models()}
     * @return the model; close it
     * @throws IOException if its files cannot be read
     */
    TextModel open(String name) throws IOException;

    /** @return the built-in corpora, e.g. {@code [europarl]} */
    List<String> corpora();

    /**
     * A built-in corpus.
     *
     * @param name         one of {@link #corpora()}
     * @param allLanguages every document, not only the English ones
     * @return the corpus
     * @throws IOException if it cannot be read
     */
    Corpus corpus(String name, boolean allLanguages) throws IOException;

    /**
     * The provider on the class path.
     *
     * @return the first provider found
     * @throws InputException with {@link #MISSING} when there is none
     */
    static TextModelProvider find() {
        Iterator<TextModelProvider> it = ServiceLoader.load(TextModelProvider.class).iterator();
        if (!it.hasNext()) throw new InputException(MISSING);
        return it.next();
    }

    /** @return true if a provider is on the class path */
    static boolean available() {
        return ServiceLoader.load(TextModelProvider.class).iterator().hasNext();
    }
}
