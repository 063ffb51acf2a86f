package org.mdlsae.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Recognises what the engine wrote (docs/design.md §6): the marker file of its directories, the header of its
 * files, and the temporaries its atomic writes leave when killed. Only a tree that verifies here may be replaced
 * or deleted by the engine; everything else is the user's.
 */
public final class Ownership {
    /** Name of the marker file in every directory the engine writes. */
    public static final String MARKER = ".mdlsae";
    /** The marker's and JSON header's {@code written_by} value. */
    static final String ENGINE = "mdlsae";

    /** Temporaries of {@link AtomicFiles}: {@code NAME.tmp-XXXXXXXX}, {@code NAME.old-XXXXXXXX}, {@code .NAME.tmp-XXXXXXXX}. */
    private static final Pattern TEMP = Pattern.compile("^.+\\.(tmp|old)-[0-9a-f]{8}$");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Ownership() {
    }

    /** The marker of a directory: its kind and the names (globs) the engine wrote there. */
    record Marker(String kind, List<String> entries) {
    }

    /** True if {@code name} is one of the temporaries an interrupted atomic write leaves. */
    static boolean isTempName(String name) {
        return TEMP.matcher(name).matches();
    }

    /**
     * Creates {@code dir} (and its parents) with a marker of {@code kind} listing the kind's declared entries. An
     * existing directory keeps its content: it must be empty or verify as the engine's ({@link #foreignEntry});
     * a marker of another kind is replaced by one of {@code kind}.
     *
     * @param dir  the directory of a kind filled over time (e.g. a sweep's)
     * @param kind its kind
     * @return {@code dir}
     * @throws IOException if it cannot be created
     * @throws org.mdlsae.InputException if {@code dir} exists and holds anything the engine did not write
     */
    public static Path createDirectory(Path dir, OutputKind kind) throws IOException {
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Marker m = readMarker(dir);
            if (m != null && m.kind().equals(kind.id()) && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return dir;
            String foreign = Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && isEmpty(dir) ? null : foreignEntry(dir);
            if (foreign != null) {
                throw new org.mdlsae.InputException(dir + ": exists and is not this engine's output (" + foreign
                        + "); choose a new path");
            }
        }
        Files.createDirectories(dir);
        writeMarker(dir, kind, kind.entries());
        return dir;
    }

    /** Writes (atomically) the marker of {@code dir}. */
    static void writeMarker(Path dir, OutputKind kind, Collection<String> entries) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("written_by", ENGINE);
        m.put("kind", kind.id());
        m.put("entries", new ArrayList<>(new TreeSet<>(entries)));
        AtomicFiles.writeString(dir.resolve(MARKER), JSON.writeValueAsString(m) + "\n");
    }

    /** The marker of {@code dir}, or null if it has none (or an unreadable one). */
    static Marker readMarker(Path dir) {
        Path f = dir.resolve(MARKER);
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) return null;
        try {
            if (Files.size(f) > 1 << 16) return null;
            JsonNode n = JSON.readTree(f.toFile());
            if (!ENGINE.equals(n.path("written_by").asText()) || !n.path("kind").isTextual() || !n.path("entries").isArray()) {
                return null;
            }
            List<String> e = new ArrayList<>();
            for (JsonNode x : n.get("entries")) e.add(x.asText());
            return new Marker(n.get("kind").asText(), e);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** True if {@code dir} has no entries at all. */
    static boolean isEmpty(Path dir) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        }
    }

    /**
     * Checks that {@code dir} and everything under it was written by the engine: it carries a marker, each entry
     * matches the marker's names (or is an engine temporary), and each sub-directory with a marker of its own
     * verifies in turn. Symbolic links are never the engine's.
     *
     * @param dir a directory
     * @return null if the whole tree is the engine's, else the first entry that is not, as "PATH is/has ..."
     */
    public static String foreignEntry(Path dir) {
        if (Files.isSymbolicLink(dir)) return dir + " is a symbolic link";
        Marker m = readMarker(dir);
        if (m == null) return dir + " has no " + MARKER + " marker of this engine";
        List<PathMatcher> names = new ArrayList<>();
        for (String g : m.entries()) names.add(FileSystems.getDefault().getPathMatcher("glob:" + g));
        OutputKind kind = OutputKind.byId(m.kind());
        if (kind != null) for (String g : kind.entries()) names.add(FileSystems.getDefault().getPathMatcher("glob:" + g));
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                Path name = p.getFileName();
                String n = name.toString();
                if (n.equals(MARKER)) continue;
                if (Files.isSymbolicLink(p)) return p + " is a symbolic link";
                boolean listed = isTempName(n) || names.stream().anyMatch(x -> x.matches(name));
                if (!listed) return p + " is not listed in its " + MARKER + " marker";
                // a sub-directory with its own marker is verified in turn; one without is claimed whole by the
                // listing (what a publication's filler wrote); temporaries are the engine's by name
                if (!isTempName(n) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && readMarker(p) != null) {
                    String sub = foreignEntry(p);
                    if (sub != null) return sub;
                }
            }
        } catch (IOException e) {
            return dir + " is unreadable (" + e.getMessage() + ")";
        }
        return null;
    }

    /** The kind of a directory the engine wrote (null if it carries no marker). */
    public static OutputKind kindOf(Path dir) {
        Marker m = readMarker(dir);
        return m == null ? null : OutputKind.byId(m.kind());
    }

    /**
     * True if {@code file} is a file of {@code kind} the engine wrote: a binary kind starts with its magic bytes, a
     * JSON kind's first two fields are {@code "written_by": "mdlsae"} and {@code "kind": ID}.
     */
    static boolean isOwnFile(Path file, OutputKind kind) {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) return false;
        try (InputStream in = Files.newInputStream(file)) {
            switch (kind.shape()) {
                case BINARY_FILE -> {
                    byte[] want = kind.magic();
                    return want.length > 0 && Arrays.equals(in.readNBytes(want.length), want); // no magic: never ours
                }
                case JSON_FILE -> {
                    try (JsonParser p = JSON.getFactory().createParser(in)) {
                        return p.nextToken() == JsonToken.START_OBJECT
                                && "written_by".equals(p.nextFieldName()) && p.nextToken() == JsonToken.VALUE_STRING
                                && ENGINE.equals(p.getText())
                                && "kind".equals(p.nextFieldName()) && p.nextToken() == JsonToken.VALUE_STRING
                                && kind.id().equals(p.getText());
                    }
                }
                default -> {
                    return false;
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The header fields of a JSON file of {@code kind}: put them first in the object written.
     *
     * @param kind a {@link OutputKind.Shape#JSON_FILE} kind
     * @return {@code {"written_by": "mdlsae", "kind": ID}} as an ordered map to extend
     */
    public static Map<String, Object> jsonHeader(OutputKind kind) {
        if (kind.shape() != OutputKind.Shape.JSON_FILE) throw new IllegalArgumentException(kind + " is not a JSON kind");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("written_by", ENGINE);
        m.put("kind", kind.id());
        return m;
    }

    /** True if {@code dir} holds nothing but temporaries of the engine (a publication killed before its marker). */
    private static boolean onlyEngineTemporaries(Path dir) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (!isTempName(p.getFileName().toString()) || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) return false;
            }
        }
        return true;
    }

    /**
     * Deletes the content of a directory the engine wrote, keeping the named top-level entries (e.g. a lock the
     * caller holds) and the marker. The whole tree is verified first; each entry is renamed to an engine temporary
     * before it is deleted, so a crash mid-way never leaves half an entry under its own name.
     *
     * @param dir  the directory
     * @param keep top-level names to keep
     * @throws IOException if something cannot be deleted
     * @throws org.mdlsae.InputException if the tree holds anything the engine did not write (nothing is deleted)
     */
    public static void clearDirectory(Path dir, Set<String> keep) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || isEmpty(dir)) return;
        String foreign = foreignEntry(dir);
        if (foreign != null) {
            throw new org.mdlsae.InputException(dir + ": holds files this engine did not write (" + foreign
                    + "); nothing was deleted");
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                String n = p.getFileName().toString();
                if (keep.contains(n) || n.equals(MARKER)) continue;
                Path aside = p.resolveSibling(n + ".old-" + AtomicFiles.randomSuffix());
                Files.move(p, aside, StandardCopyOption.ATOMIC_MOVE);
                AtomicFiles.deleteRecursively(aside);
            }
        }
    }

    /**
     * Deletes the leftovers of interrupted writes to {@code target}: sibling directories {@code NAME.tmp-XXXXXXXX}
     * and {@code NAME.old-XXXXXXXX} that carry the engine's marker (or hold nothing but engine temporaries: killed
     * before the marker was in place), and files {@code .NAME.tmp-XXXXXXXX}. Anything else is left alone. Best effort.
     *
     * @param target the path about to be written
     */
    public static void cleanLeftovers(Path target) {
        Path parent = target.getParent();
        String name = target.getFileName().toString();
        if (parent == null || !Files.isDirectory(parent)) return;
        String q = Pattern.quote(name);
        Pattern dirs = Pattern.compile("^" + q + "\\.(tmp|old)-[0-9a-f]{8}$");
        Pattern files = Pattern.compile("^\\." + q + "\\.tmp-[0-9a-f]{8}$");
        try (DirectoryStream<Path> s = Files.newDirectoryStream(parent)) {
            for (Path p : s) {
                String n = p.getFileName().toString();
                try {
                    if (dirs.matcher(n).matches() && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                            && (readMarker(p) != null || onlyEngineTemporaries(p))) {
                        AtomicFiles.deleteRecursively(p);
                    } else if (files.matcher(n).matches() && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        Files.deleteIfExists(p);
                    }
                } catch (IOException ignored) {
                    // best effort: a leftover we cannot delete stays
                }
            }
        } catch (IOException ignored) {
            // parent unreadable: nothing to clean
        }
    }
}
