package org.mdlsae.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Set;
import org.mdlsae.InputException;

/**
 * The one place that decides whether a command may write an output path (docs/design.md §6). Every command that
 * writes calls {@link #check} on each output flag <em>before any work</em>; a refusal is an
 * {@link InputException} (one line naming the flag and the fix; exit code 2).
 *
 * <p>The rules. A path is accepted if it is new, an empty directory (or an empty file, for file kinds), or an output
 * this engine wrote, recognised by {@link Ownership} (the marker of a directory, the header of a file). It is
 * refused if it is empty, {@code .}, {@code ..}, the current directory or one of its ancestors, a file system root, a
 * symbolic link, a regular file where a directory is wanted (or the reverse), a directory holding anything the
 * engine did not write (even with {@code --force}), or a location where no file can be created (the nearest
 * existing ancestor is probed by creating and deleting a file, so {@code /proc/x} and {@code FILE/sub} fail here,
 * not after training). An existing output of the engine is replaced only with {@code force}
 * ({@link Mode#REPLACE}), or resumed by the command ({@link Mode#RESUME}: a sweep, a training run with a
 * checkpoint); one of another kind needs {@code force} in both modes.
 *
 * <p>Typical use:
 * <pre>{@code
 * OutputTarget t = OutputTarget.check("--out", out, OutputKind.SAE, OutputTarget.Mode.REPLACE, force);
 * ... train ...
 * t.publish(dir -> write files into dir);          // directory kinds: atomic, marker added
 * t.writeFile(o -> o.write(bytes));                // file kinds: the bytes must start with the kind's header
 * }</pre>
 */
public final class OutputTarget {
    /** What the command does with an existing output of its own kind. */
    public enum Mode {
        /** Replace it, but only with {@code --force}. */
        REPLACE,
        /** Resume from it (the command checks it holds the same job); {@code --force} starts afresh. */
        RESUME
    }

    private final String flag;
    private final Path path;
    private final OutputKind kind;
    private final boolean exists;
    private final boolean force;

    private OutputTarget(String flag, Path path, OutputKind kind, boolean exists, boolean force) {
        this.flag = flag;
        this.path = path;
        this.kind = kind;
        this.exists = exists;
        this.force = force;
    }

    /**
     * Checks an output path against the rules above.
     *
     * @param flag  the flag that named it (for messages), e.g. {@code "--out"}
     * @param out   the path as the user gave it
     * @param kind  what the command writes there
     * @param mode  what the command does with an existing output of this kind
     * @param force whether the user passed {@code --force}
     * @return the accepted target (absolute, normalised path)
     * @throws InputException if the path is refused
     */
    public static OutputTarget check(String flag, Path out, OutputKind kind, Mode mode, boolean force) {
        String shown = out == null ? "" : out.toString();
        if (shown.isBlank()) {
            throw new InputException(flag + " is empty; give a new path to write to, e.g. " + flag + " runs/out");
        }
        Path abs;
        try {
            abs = out.toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new InputException(flag + " " + shown + ": not a valid path (" + e.getMessage() + ")");
        }
        Path name = out.getFileName();
        if (name == null || name.toString().equals(".") || name.toString().equals("..") || abs.getParent() == null) {
            throw refuse(flag, shown, "is " + (abs.getParent() == null ? "a file system root" : "'.' or '..'")
                    + "; give a new path such as " + flag + " ./out");
        }
        if (Files.isSymbolicLink(abs)) {
            throw refuse(flag, shown, "is a symbolic link; the engine never writes through one; give the real path");
        }
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) throw refuse(flag, shown, "has no existing ancestor directory");
        if (!Files.isDirectory(existing) && !existing.equals(abs)) {
            throw refuse(flag, shown, existing + " is a file, not a directory; choose a path inside a directory");
        }
        Path real;
        Path cwd;
        try {
            real = existing.toRealPath().resolve(existing.relativize(abs));
            cwd = Path.of("").toAbsolutePath().toRealPath();
        } catch (IOException e) {
            throw refuse(flag, shown, "cannot be resolved (" + e.getMessage() + ")");
        }
        if (cwd.startsWith(real)) {
            throw refuse(flag, shown, "is the current directory or one of its parents; the engine never replaces it; "
                    + "give a new path such as " + flag + " ./out");
        }
        // publishing renames in the parent; resuming writes inside the directory
        boolean resumeInside = mode == Mode.RESUME && existing.equals(abs) && Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS);
        probeWritable(flag, shown, existing.equals(abs) ? (resumeInside ? abs : abs.getParent()) : existing);

        boolean own = false;
        if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
            own = kind.isDirectory() ? checkDirectory(flag, shown, abs, kind, force) : checkFile(flag, shown, abs, kind);
        }
        if (own && mode == Mode.REPLACE && !force) {
            throw refuse(flag, shown, "holds " + kind.label() + " this engine wrote; pass --force to replace it, "
                    + "or choose a new path");
        }
        return new OutputTarget(flag, abs, kind, own, force);
    }

    /** True if the existing directory is the engine's own of {@code kind}; false if it is empty. */
    private static boolean checkDirectory(String flag, String shown, Path abs, OutputKind kind, boolean force) {
        if (!Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
            throw refuse(flag, shown, "is a file, not a directory; the engine never replaces it; choose a new path");
        }
        try {
            if (Ownership.isEmpty(abs)) return false;
        } catch (IOException e) {
            throw refuse(flag, shown, "cannot be read (" + e.getMessage() + ")");
        }
        String foreign = Ownership.foreignEntry(abs);
        if (foreign != null) {
            throw refuse(flag, shown, "holds files this engine did not write (" + foreign + "); the engine never "
                    + "replaces them, not even with --force; choose a new path");
        }
        OutputKind have = Ownership.kindOf(abs);
        if (have != kind && !force) {
            throw refuse(flag, shown, "holds " + (have == null ? "another output" : have.label()) + " this engine wrote, "
                    + "not " + kind.label() + "; pass --force to replace it, or choose a new path");
        }
        return true;
    }

    /** True if the existing file is the engine's own of {@code kind}; false if it is empty. */
    private static boolean checkFile(String flag, String shown, Path abs, OutputKind kind) {
        if (!Files.isRegularFile(abs, LinkOption.NOFOLLOW_LINKS)) {
            throw refuse(flag, shown, "is a directory, not a file; choose a new file name");
        }
        try {
            if (Files.size(abs) == 0) return false;
        } catch (IOException e) {
            throw refuse(flag, shown, "cannot be read (" + e.getMessage() + ")");
        }
        if (kind.shape() == OutputKind.Shape.BINARY_FILE && kind.magic().length == 0) {
            throw refuse(flag, shown, "exists, and " + kind.label() + " carries no mark of this engine, so the engine "
                    + "never replaces it, not even with --force; choose a new path or remove the file yourself");
        }
        if (!Ownership.isOwnFile(abs, kind)) {
            throw refuse(flag, shown, "is a file this engine did not write (not " + kind.label() + "); the engine "
                    + "never replaces it, not even with --force; choose a new path");
        }
        return true;
    }

    /** Creates and deletes a file in {@code dir}: the only test of writability that also holds for root. */
    private static void probeWritable(String flag, String shown, Path dir) {
        try {
            Path probe = Files.createTempFile(dir, ".mdlsae-probe-", "");
            Files.delete(probe);
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            String why;
            if (e instanceof java.nio.file.AccessDeniedException) why = "permission denied";
            else if (e instanceof java.nio.file.NoSuchFileException) why = "the file system refuses new files there";
            else if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) why = f.getReason();
            else why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw refuse(flag, shown, "cannot create files in " + dir + " (" + why + "); choose a writable location");
        }
    }

    private static InputException refuse(String flag, String shown, String why) {
        return new InputException(flag + " " + shown + ": " + why);
    }

    /** The absolute, normalised path. */
    public Path path() {
        return path;
    }

    /** True if an output of the engine is already there (to resume, or replaced with {@code --force}). */
    public boolean exists() {
        return exists;
    }

    /** True if the user passed {@code --force}. */
    public boolean force() {
        return force;
    }

    /** The refusal message for this target, for a command's own checks (e.g. a resumed job's settings). */
    public InputException refusal(String why) {
        return refuse(flag, path.toString(), why);
    }

    /**
     * Publishes a directory kind atomically ({@link AtomicFiles#publishDirectory}).
     *
     * @param filler writes the directory's content into the path it is given
     * @throws IOException if writing fails (the target is then unchanged)
     */
    public void publish(AtomicFiles.IOConsumer<Path> filler) throws IOException {
        if (!kind.isDirectory()) throw new IllegalStateException(kind + " is a file kind");
        AtomicFiles.publishDirectory(path, kind, filler);
    }

    /**
     * Writes a file kind atomically. The content must start with the kind's header ({@link OutputKind#magic()} or
     * {@link Ownership#jsonHeader}) so that a later run recognises it.
     *
     * @param writer writes the complete content
     * @throws IOException if writing fails (the target is then unchanged)
     */
    public void writeFile(AtomicFiles.IOConsumer<OutputStream> writer) throws IOException {
        if (kind.isDirectory()) throw new IllegalStateException(kind + " is a directory kind");
        AtomicFiles.writeAtomic(path, writer);
    }

    /**
     * For a directory filled over time: creates it with its marker if it is new, keeps it if it exists.
     *
     * @return the directory
     * @throws IOException if it cannot be created
     */
    public Path createDirectory() throws IOException {
        if (!kind.isDirectory()) throw new IllegalStateException(kind + " is a file kind");
        Files.createDirectories(path.getParent());
        if (exists && Ownership.kindOf(path) != kind) clear(Set.of()); // another kind, replaced with --force
        return Ownership.createDirectory(path, kind);
    }

    /**
     * Deletes the content of the existing output ({@link Ownership#clearDirectory}), keeping the named top-level
     * entries (e.g. a lock the caller holds) and the marker.
     *
     * @param keep top-level names to keep
     * @throws IOException if something cannot be deleted
     */
    public void clear(Set<String> keep) throws IOException {
        Ownership.clearDirectory(path, keep);
    }
}
