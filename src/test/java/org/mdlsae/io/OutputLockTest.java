package org.mdlsae.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.InputException;

/** The single-writer lock: a live owner refuses, a dead one's lock is taken over (docs/design.md §6). */
class OutputLockTest {
    @TempDir
    Path tmp;

    private static String lock(long pid, String host, String started) {
        return "{\"pid\":" + pid + ",\"host\":\"" + host + "\",\"started\":\"" + started + "\"}\n";
    }

    @Test
    void aSecondWriterIsRefusedAndTheLockIsReleased() throws Exception {
        Path f = tmp.resolve("sweep.lock");
        try (OutputLock held = OutputLock.acquire(f, "--out x")) {
            assertTrue(Files.readString(f).contains("\"pid\":" + ProcessHandle.current().pid()));
            InputException e = assertThrows(InputException.class, () -> OutputLock.acquire(f, "--out x"));
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()) && e.getMessage().contains("sweep.lock"),
                    e.getMessage());
        }
        assertFalse(Files.exists(f), "released");
        OutputLock.acquire(f, "--out x").close();
    }

    @Test
    void staleLocksAreTakenOverAndForeignHostsAreNot() throws Exception {
        Path f = tmp.resolve("sweep.lock");
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long dead = p.pid();
        Files.writeString(f, lock(dead, OutputLock.hostName(), ""));
        try (OutputLock l = OutputLock.acquire(f, "--out x")) {
            assertTrue(Files.readString(f).contains("\"pid\":" + ProcessHandle.current().pid()), "taken over");
        }
        // a live pid whose start time differs from the recorded one: the pid was reused, the lock is stale
        Files.writeString(f, lock(ProcessHandle.current().pid(), OutputLock.hostName(), "1999-01-01T00:00:00Z"));
        OutputLock.acquire(f, "--out x").close();
        // another host cannot be checked: refused, with how to remove it
        Files.writeString(f, lock(dead, "elsewhere.example", ""));
        InputException e = assertThrows(InputException.class, () -> OutputLock.acquire(f, "--out x"));
        assertTrue(e.getMessage().contains("elsewhere.example") && e.getMessage().contains("delete"), e.getMessage());
        // an unreadable lock: being written if fresh, garbage if old
        Files.writeString(f, "");
        assertThrows(InputException.class, () -> OutputLock.acquire(f, "--out x"));
        Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        OutputLock.acquire(f, "--out x").close();
        try (var s = Files.list(tmp)) {
            assertEquals(0, s.count(), "no lock or temporary left");
        }
    }
}
