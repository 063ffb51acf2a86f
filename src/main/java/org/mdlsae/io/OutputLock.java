package org.mdlsae.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.mdlsae.InputException;

/**
 * A single-writer lock for an output directory (docs/design.md §6): a file holding the owner's pid, host and
 * process start time, created atomically (written to a temporary, then hard-linked to the lock's name, which fails
 * if it exists). A second writer is refused with an {@link InputException} (exit code 2) naming the owner. A lock
 * left by a process that died (same host, pid gone or reused by a process started at another time) is stale and
 * taken over; one from another host cannot be checked and is reported with how to remove it. The lock is deleted by
 * {@link #close()} and, on SIGTERM/SIGINT, by a shutdown hook.
 */
public final class OutputLock implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** An unreadable lock younger than this is taken to be one being written, older as garbage. */
    private static final long UNREADABLE_GRACE_MS = 60_000;

    private final Path file;
    private final String content;
    private final Thread hook;

    private OutputLock(Path file, String content) {
        this.file = file;
        this.content = content;
        this.hook = new Thread(this::release, "mdlsae-lock-release");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Takes the lock.
     *
     * @param file the lock file (inside the directory it guards)
     * @param what how to name the guarded output in messages, e.g. {@code "--out runs/sweep"}
     * @return the held lock; close it to release
     * @throws IOException if the lock file cannot be written
     * @throws InputException if another live process holds it
     */
    public static OutputLock acquire(Path file, String what) throws IOException {
        String mine = describe(ProcessHandle.current());
        for (int attempt = 0; attempt < 5; attempt++) {
            if (create(file, mine)) return new OutputLock(file, mine);
            String theirs;
            try {
                theirs = Files.readString(file, StandardCharsets.UTF_8);
            } catch (NoSuchFileException gone) {
                continue; // released meanwhile
            }
            String held = holder(file, theirs);
            if (held != null) {
                throw new InputException(what + ": " + held + " is writing it; wait for it to finish or stop it (if that "
                        + "process is gone, delete " + file + ")");
            }
            takeOver(file, theirs);
        }
        throw new InputException(what + ": could not take the lock " + file + " (other processes keep taking it); retry");
    }

    /** The lock's owner if it is alive (or cannot be checked), null if the lock is stale. */
    private static String holder(Path file, String text) throws IOException {
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (IOException e) {
            n = null;
        }
        if (n == null || !n.path("pid").canConvertToLong()) {
            long age = System.currentTimeMillis() - Files.getLastModifiedTime(file).toMillis();
            return age < UNREADABLE_GRACE_MS ? "another process (its lock file is being written)" : null;
        }
        long pid = n.get("pid").asLong();
        String host = n.path("host").asText("");
        String who = "another mdlsae process (pid " + pid + " on " + (host.isEmpty() ? "an unknown host" : host) + ")";
        if (!host.equals(hostName())) return who;
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty() || !p.get().isAlive()) return null;
        String started = n.path("started").asText("");
        Optional<Instant> theirStart = p.get().info().startInstant();
        // a pid reused by another process: its start time differs from the one recorded
        if (!started.isEmpty() && theirStart.isPresent() && !theirStart.get().toString().equals(started)) return null;
        return who;
    }

    /** Creates the lock with its complete content, or returns false if it exists. */
    private static boolean create(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp-" + AtomicFiles.randomSuffix());
        Files.writeString(tmp, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            Files.createLink(file, tmp);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException | IOException noLinks) {
            // a file system without hard links: exclusive create (a reader may briefly see it empty)
            try {
                Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Removes a stale lock. It is renamed to a unique name first (only one of several processes doing this at once
     * succeeds), and put back if what was renamed turns out to be a fresh lock another process has just taken.
     */
    private static void takeOver(Path file, String stale) throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".old-" + AtomicFiles.randomSuffix());
        try {
            Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return; // someone else removed it
        }
        String moved = Files.readString(aside, StandardCharsets.UTF_8);
        if (!moved.equals(stale)) {
            try {
                Files.createLink(file, aside);
            } catch (IOException | UnsupportedOperationException e) {
                // the slot is taken again; the owner we displaced will find its lock gone and is not harmed
            }
        }
        Files.deleteIfExists(aside);
    }

    private static String describe(ProcessHandle p) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", p.pid());
        m.put("host", hostName());
        m.put("started", p.info().startInstant().map(Instant::toString).orElse(""));
        return JSON.writeValueAsString(m) + "\n";
    }

    /** This machine's name, without a DNS look-up where the kernel says it. */
    static String hostName() {
        try {
            Path k = Path.of("/proc/sys/kernel/hostname");
            if (Files.isReadable(k)) return Files.readString(k).strip();
        } catch (IOException | RuntimeException ignored) {
            // fall through
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private void release() {
        try {
            if (Files.readString(file, StandardCharsets.UTF_8).equals(content)) Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // already gone, or unreadable: nothing of ours to remove
        }
    }

    /** Releases the lock (deletes the file if it is still ours). */
    @Override
    public void close() {
        release();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }
}
