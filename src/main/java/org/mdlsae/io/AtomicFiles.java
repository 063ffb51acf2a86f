package org.mdlsae.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Atomic writes: readers of a target path see either the old content or the complete new content, never a
 * partial file. Each write goes to a temporary sibling (same directory, so the final rename stays on one
 * file system), is flushed to disk, then renamed over the target. On any failure the temporary is deleted
 * and the target is left untouched.
 *
 * <p>A process killed mid-write can leave a hidden temporary ({@code .NAME.tmp-XXXXXXXX}) next to the
 * target; it never has the target's name, and the next write to the same target deletes it. Directories are
 * replaced only when they verify as the engine's own ({@link Ownership}); see docs/design.md §6.
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {
    }

    /** A consumer that may throw {@link IOException}. */
    @FunctionalInterface
    public interface IOConsumer<T> {
        /**
         * Accepts the value.
         *
         * @param value the value (a stream or a directory)
         * @throws IOException on a write failure
         */
        void accept(T value) throws IOException;
    }

    /**
     * Writes {@code target} atomically. The writer gets a buffered stream; it need not (but may) close it.
     *
     * @param target the file to create or replace
     * @param writer writes the complete content
     * @throws IOException if writing or renaming fails; the target is then unchanged
     */
    public static void writeAtomic(Path target, IOConsumer<OutputStream> writer) throws IOException {
        Objects.requireNonNull(writer, "writer");
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Ownership.cleanLeftovers(abs);
        Path tmp = createTempSibling(abs);
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                OutputStream buffered = new java.io.BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
                writer.accept(new NonClosing(buffered));
                buffered.flush();
                channel.force(true);
            }
            moveReplacing(tmp, abs);
        } catch (Throwable t) {
            deleteQuietly(tmp);
            throw t;
        }
        syncDirectory(dir);
    }

    /**
     * Writes a UTF-8 string atomically.
     *
     * @param target the file to create or replace
     * @param content the text
     * @throws IOException if writing fails; the target is then unchanged
     */
    public static void writeString(Path target, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        writeAtomic(target, out -> out.write(bytes));
    }

    /**
     * Writes bytes atomically.
     *
     * @param target the file to create or replace
     * @param content the bytes
     * @throws IOException if writing fails; the target is then unchanged
     */
    public static void writeBytes(Path target, byte[] content) throws IOException {
        writeAtomic(target, out -> out.write(content));
    }

    /**
     * Publishes a whole directory atomically: {@code filler} writes into a fresh sibling
     * {@code NAME.tmp-XXXXXXXX}, the engine's marker ({@link Ownership#MARKER}) listing what it wrote is added,
     * and the directory is renamed to {@code target}. An existing {@code target} is replaced only if it is empty or
     * verifies as entirely the engine's ({@link Ownership#foreignEntry}); it is first renamed aside
     * ({@code NAME.old-XXXXXXXX}), then deleted once the new one is in place; if the final rename fails the old
     * directory is put back. Between the two renames (two system calls) the target briefly does not exist, but it
     * is never seen half-written. On failure of {@code filler} the temporary directory is removed and
     * {@code target} is untouched. Leftovers of earlier interrupted publications of the same target are deleted
     * first ({@link Ownership#cleanLeftovers}).
     *
     * @param target the directory to create or replace
     * @param kind   what the directory is, recorded in its marker
     * @param filler writes the directory's content into the path it is given
     * @throws IOException if filling or renaming fails
     * @throws org.mdlsae.InputException if {@code target} exists and holds anything the engine did not write
     */
    public static void publishDirectory(Path target, OutputKind kind, IOConsumer<Path> filler) throws IOException {
        if (!kind.isDirectory()) throw new IllegalArgumentException(kind + " is not a directory kind");
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) throw new org.mdlsae.InputException(target + ": cannot replace a file system root");
        Files.createDirectories(parent);
        requireReplaceable(abs);
        Ownership.cleanLeftovers(abs);
        Path tmp = createTempDirSibling(abs, ".tmp-");
        try {
            Ownership.writeMarker(tmp, kind, List.of()); // a killed filler leaves a temporary the engine recognises
            filler.accept(tmp);
            List<String> written = new ArrayList<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(tmp)) {
                for (Path p : s) if (!p.getFileName().toString().equals(Ownership.MARKER)) written.add(p.getFileName().toString());
            }
            Ownership.writeMarker(tmp, kind, written);
            requireReplaceable(abs);
        } catch (Throwable t) {
            deleteRecursivelyQuietly(tmp);
            throw t;
        }
        Path old = null;
        try {
            if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                old = parent.resolve(abs.getFileName() + ".old-" + randomSuffix());
                Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
        } catch (Throwable t) {
            if (old != null && !Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.move(old, abs, StandardCopyOption.ATOMIC_MOVE);
                    old = null;
                } catch (IOException restore) {
                    t.addSuppressed(restore);
                }
            }
            deleteRecursivelyQuietly(tmp);
            throw t;
        }
        syncDirectory(parent);
        if (old != null) {
            deleteRecursively(old);
        }
    }

    /** Refuses to go on if {@code abs} exists and is not an empty directory or a tree the engine wrote. */
    private static void requireReplaceable(Path abs) throws IOException {
        if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) return;
        String why;
        if (Files.isSymbolicLink(abs)) why = "a symbolic link";
        else if (!Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) why = "a file, not a directory";
        else if (Ownership.isEmpty(abs)) return;
        else why = Ownership.foreignEntry(abs);
        if (why != null) {
            throw new org.mdlsae.InputException(abs + ": exists and is not this engine's output (" + why
                    + "); nothing was replaced; choose a new path");
        }
    }

    /**
     * Deletes a file or directory tree; a missing path is fine.
     *
     * @param path what to delete
     * @throws IOException if something could not be deleted
     */
    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void moveReplacing(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Path createTempSibling(Path target) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + randomSuffix());
            try {
                // Default permissions (umask), unlike Files.createTempFile's owner-only mode.
                Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return tmp;
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    private static Path createTempDirSibling(Path target, String infix) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = target.resolveSibling(target.getFileName() + infix + randomSuffix());
            try {
                return Files.createDirectory(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    static String randomSuffix() {
        return String.format("%08x", RANDOM.nextInt());
    }

    private static void syncDirectory(Path dir) {
        // Makes the rename durable on POSIX file systems; not possible everywhere, so best effort.
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | RuntimeException ignored) {
            // not supported on this platform / file system
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static void deleteRecursivelyQuietly(Path p) {
        try {
            deleteRecursively(p);
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** Keeps the writer from closing the channel before it is forced to disk. */
    private static final class NonClosing extends FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
