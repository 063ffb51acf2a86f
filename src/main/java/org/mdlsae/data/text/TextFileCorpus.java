package org.mdlsae.data.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.mdlsae.InputException;

/**
 * {@code --text FILE}: a UTF-8 text file, one document per line; blank lines are skipped (their numbers are kept,
 * so a document's index is its 0-based line number). Malformed UTF-8 is refused naming the line.
 */
public final class TextFileCorpus implements Corpus {
    private final Path file;
    private final String sha256;
    private final long lines;
    private final long documents;

    private TextFileCorpus(Path file, String sha256, long lines, long documents) {
        this.file = file;
        this.sha256 = sha256;
        this.lines = lines;
        this.documents = documents;
    }

    /**
     * Opens and checks a text file (one pass: UTF-8, line count, SHA-256).
     *
     * @param file the file
     * @return the corpus
     * @throws InputException naming the file for a missing, unreadable, empty or non-UTF-8 file
     */
    public static TextFileCorpus open(Path file) {
        if (!Files.isRegularFile(file)) throw new InputException("--text " + file + ": not found (give a UTF-8 text file, one document per line)");
        MessageDigest md = ActivationWriter.sha256();
        long lines = 0;
        long docs = 0;
        try (BufferedReader r = reader(new DigestInputStream(Files.newInputStream(file), md))) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                lines++;
                if (!l.isBlank()) docs++;
            }
        } catch (CharacterCodingException e) {
            throw new InputException("--text " + file + ": line " + (lines + 1) + " is not valid UTF-8; save the file as UTF-8");
        } catch (IOException e) {
            throw new InputException("--text " + file + ": cannot read (" + e.getMessage() + ")");
        }
        if (docs == 0) throw new InputException("--text " + file + ": holds no text (every line is blank)");
        return new TextFileCorpus(file, HexFormat.of().formatHex(md.digest()), lines, docs);
    }

    private static BufferedReader reader(InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)));
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "text");
        m.put("file", file.getFileName().toString());
        m.put("sha256", sha256);
        m.put("lines", lines);
        m.put("documents", documents);
        m.put("selection", "every non-blank line, in order; document = 0-based line number");
        return m;
    }

    @Override
    public Stream<Document> documents() throws IOException {
        BufferedReader r = reader(Files.newInputStream(file));
        Iterator<Document> it = new Iterator<>() {
            private long line = -1;
            private Document next = advance();

            private Document advance() {
                try {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        line++;
                        if (!l.isBlank()) return new Document(line, l);
                    }
                    return null;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public Document next() {
                if (next == null) throw new NoSuchElementException();
                Document d = next;
                next = advance();
                return d;
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED), false).onClose(() -> {
            try {
                r.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
