package org.mdlsae.data.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.mdlsae.InputException;

/**
 * {@code tokens.tsv} of an activation directory (docs/design.md §12): a header line
 * {@value #HEADER}, then one line per activation row, in row order: the document (0-based line number in the
 * source), the context (0-based number of the model input the row came from, over the whole directory), the
 * position in that input (0 is the first special token, e.g. [CLS]) and the token string, escaped ({@code \\},
 * {@code \t}, {@code \n}, {@code \r}).
 *
 * @param document the document of each row
 * @param context  the context (model input) of each row
 * @param position the position in its context of each row
 * @param token    the token string of each row
 */
public record TokenTable(long[] document, int[] context, int[] position, String[] token) {
    /** The file name in an activation directory. */
    public static final String FILE = "tokens.tsv";
    /** The header line. */
    public static final String HEADER = "document\tcontext\tposition\ttoken";

    /** Checks one entry per row in every column. */
    public TokenTable {
        int n = token.length;
        if (document.length != n || context.length != n || position.length != n) {
            throw new IllegalArgumentException("token table columns differ in length");
        }
    }

    /** @return the number of rows */
    public int rows() {
        return token.length;
    }

    /**
     * Writes one row's line.
     *
     * @param out      the file
     * @param document its document
     * @param context  its context
     * @param position its position in the context
     * @param token    its token string
     * @throws IOException on a write failure
     */
    static void writeLine(Writer out, long document, long context, int position, String token) throws IOException {
        out.write(Long.toString(document));
        out.write('\t');
        out.write(Long.toString(context));
        out.write('\t');
        out.write(Integer.toString(position));
        out.write('\t');
        out.write(escape(token));
        out.write('\n');
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                b.append(c);
                continue;
            }
            char e = s.charAt(++i);
            b.append(switch (e) {
                case 't' -> '\t';
                case 'n' -> '\n';
                case 'r' -> '\r';
                default -> e;
            });
        }
        return b.toString();
    }

    /**
     * Reads {@code tokens.tsv} of an activation directory.
     *
     * @param dir the directory (or the file itself)
     * @return the table
     * @throws InputException naming the file and line when it is missing or malformed
     */
    public static TokenTable read(Path dir) {
        Path f = Files.isDirectory(dir) ? dir.resolve(FILE) : dir;
        if (!Files.isRegularFile(f)) {
            throw new InputException(f + ": not found; --data must be an activation directory written by "
                    + "'mdlsae activations' (it holds " + FILE + ")");
        }
        int cap = 1 << 16;
        long[] doc = new long[cap];
        int[] ctx = new int[cap];
        int[] pos = new int[cap];
        String[] tok = new String[cap];
        int n = 0;
        try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            String head = r.readLine();
            if (!HEADER.equals(head)) throw new InputException(f + ": line 1 is not the header '" + HEADER.replace("\t", "\\t") + "'");
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] parts = line.split("\t", 4);
                if (parts.length != 4) {
                    throw new InputException(f + ": line " + (n + 2) + " has " + parts.length + " fields, expected 4");
                }
                if (n == cap) {
                    cap = Math.toIntExact(Math.min((long) cap * 2, Integer.MAX_VALUE - 8));
                    doc = Arrays.copyOf(doc, cap);
                    ctx = Arrays.copyOf(ctx, cap);
                    pos = Arrays.copyOf(pos, cap);
                    tok = Arrays.copyOf(tok, cap);
                }
                try {
                    doc[n] = Long.parseLong(parts[0]);
                    ctx[n] = Integer.parseInt(parts[1]);
                    pos[n] = Integer.parseInt(parts[2]);
                } catch (NumberFormatException e) {
                    throw new InputException(f + ": line " + (n + 2) + ": document, context and position must be integers");
                }
                tok[n] = unescape(parts[3]);
                n++;
            }
        } catch (IOException e) {
            throw new InputException(f + ": cannot read (" + e.getMessage() + ")");
        }
        return new TokenTable(Arrays.copyOf(doc, n), Arrays.copyOf(ctx, n), Arrays.copyOf(pos, n), Arrays.copyOf(tok, n));
    }
}
