package org.mdlsae.lm;

import java.io.IOException;
import java.util.List;
import org.mdlsae.data.text.Corpus;
import org.mdlsae.data.text.TextModel;
import org.mdlsae.data.text.TextModelProvider;

/** The module's service: the model {@code minilm} and the corpus {@code europarl} (docs/design.md §12). */
public final class LmProvider implements TextModelProvider {
    @Override
    public List<String> models() {
        return List.of(MiniLm.NAME);
    }

    @Override
    public TextModel open(String name) throws IOException {
        if (!MiniLm.NAME.equals(name)) throw new IllegalArgumentException("unknown model " + name);
        return MiniLm.load();
    }

    @Override
    public List<String> corpora() {
        return List.of("europarl");
    }

    @Override
    public Corpus corpus(String name, boolean allLanguages) throws IOException {
        if (!"europarl".equals(name)) throw new IllegalArgumentException("unknown corpus " + name);
        return Europarl.load(allLanguages);
    }
}
