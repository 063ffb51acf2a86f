package org.mdlsae.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void writesAndReplaces() throws IOException {
        Path f = dir.resolve("a/b/c.txt");
        AtomicFiles.writeString(f, "one");
        assertEquals("one", Files.readString(f));
        AtomicFiles.writeAtomic(f, out -> {
            out.write("two".getBytes());
            out.close(); // closing early is harmless
        });
        assertEquals("two", Files.readString(f));
        assertEquals(List.of(f), list(f.getParent()));
    }

    @Test
    void failureKeepsTheOldFileAndLeavesNoTemporary() throws IOException {
        Path f = dir.resolve("keep.txt");
        AtomicFiles.writeString(f, "old");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeAtomic(f, out -> {
            out.write("partial".getBytes());
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertThrows(IllegalStateException.class, () -> AtomicFiles.writeAtomic(f, out -> {
            throw new IllegalStateException("bug");
        }));
        assertEquals("old", Files.readString(f));
        assertEquals(List.of(f), list(dir));
        Path fresh = dir.resolve("fresh.txt");
        assertThrows(IOException.class, () -> AtomicFiles.writeAtomic(fresh, out -> {
            throw new IOException("x");
        }));
        assertFalse(Files.exists(fresh));
    }

    @Test
    void publishesDirectories() throws IOException {
        Path target = dir.resolve("sae");
        AtomicFiles.publishDirectory(target, OutputKind.TOY, tmp -> AtomicFiles.writeString(tmp.resolve("cfg.json"), "{}"));
        assertEquals("{}", Files.readString(target.resolve("cfg.json")));

        AtomicFiles.publishDirectory(target, OutputKind.TOY, tmp -> {
            AtomicFiles.writeString(tmp.resolve("weights"), "w");
            Files.createDirectories(tmp.resolve("sub"));
            AtomicFiles.writeString(tmp.resolve("sub/x"), "x");
        });
        assertFalse(Files.exists(target.resolve("cfg.json")), "old content replaced, not merged");
        assertEquals("w", Files.readString(target.resolve("weights")));
        assertEquals("x", Files.readString(target.resolve("sub/x")));

        assertThrows(IOException.class, () -> AtomicFiles.publishDirectory(target, OutputKind.TOY, tmp -> {
            AtomicFiles.writeString(tmp.resolve("weights"), "half");
            throw new IOException("killed");
        }));
        assertEquals("w", Files.readString(target.resolve("weights")));
        assertEquals(List.of(target), list(dir), "no temporary or old directories left");
    }

    @Test
    void deleteRecursively() throws IOException {
        Path d = dir.resolve("t");
        Files.createDirectories(d.resolve("a/b"));
        Files.writeString(d.resolve("a/b/f"), "x");
        AtomicFiles.deleteRecursively(d);
        assertFalse(Files.exists(d));
        AtomicFiles.deleteRecursively(d); // missing is fine
        assertTrue(Files.isDirectory(dir));
    }

    private static List<Path> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.sorted().toList();
        }
    }
}
