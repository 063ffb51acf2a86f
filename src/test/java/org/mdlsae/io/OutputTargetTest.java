package org.mdlsae.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.InputException;

/** The output rules of {@link OutputTarget} and the ownership checks behind them, in process (docs/design.md §6). */
class OutputTargetTest {
    @TempDir
    Path tmp;

    static final OutputTarget.Mode REPLACE = OutputTarget.Mode.REPLACE;
    static final OutputTarget.Mode RESUME = OutputTarget.Mode.RESUME;

    private String refused(Path out, OutputKind kind, OutputTarget.Mode mode, boolean force) {
        InputException e = assertThrows(InputException.class, () -> OutputTarget.check("--out", out, kind, mode, force));
        assertTrue(e.getMessage().startsWith("--out "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void refusesPathsThatAreNotNewOrTheEngines() throws IOException {
        Path file = Files.writeString(tmp.resolve("file"), "user data");
        Path foreign = Files.createDirectories(tmp.resolve("foreign"));
        Files.writeString(foreign.resolve("notes.txt"), "mine");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), foreign);
        Path cwd = Path.of("").toAbsolutePath();

        assertTrue(refused(Path.of(""), OutputKind.SAE, REPLACE, true).contains("empty"));
        assertTrue(refused(Path.of("."), OutputKind.SAE, REPLACE, true).contains("'.' or '..'"));
        assertTrue(refused(Path.of(".."), OutputKind.SWEEP, RESUME, true).contains("'.' or '..'"));
        assertTrue(refused(cwd, OutputKind.SAE, REPLACE, true).contains("current directory"));
        assertTrue(refused(cwd.getParent(), OutputKind.SAE, REPLACE, true).contains("current directory"));
        assertTrue(refused(cwd.getRoot(), OutputKind.SAE, REPLACE, true).contains("root"));
        assertTrue(refused(file, OutputKind.SAE, REPLACE, true).contains("is a file"));
        assertTrue(refused(file.resolve("sub"), OutputKind.SAE, REPLACE, true).contains("is a file, not a directory"));
        assertTrue(refused(foreign, OutputKind.SAE, REPLACE, true).contains("did not write"));
        assertTrue(refused(foreign, OutputKind.SWEEP, RESUME, true).contains("did not write"));
        assertTrue(refused(link, OutputKind.SAE, REPLACE, true).contains("symbolic link"));
        assertTrue(refused(Path.of("/proc/mdlsae-x"), OutputKind.SAE, REPLACE, true).contains("cannot create files"));
        assertTrue(refused(file, OutputKind.BENCH, REPLACE, true).contains("did not write"));
        assertTrue(refused(foreign, OutputKind.BENCH, REPLACE, true).contains("is a directory"));
        assertEquals("user data", Files.readString(file));
        assertEquals("mine", Files.readString(foreign.resolve("notes.txt")));
    }

    @Test
    void acceptsNewAndEmptyPathsAndTheEnginesOwnOutput() throws IOException {
        OutputTarget fresh = OutputTarget.check("--out", tmp.resolve("a/b/new"), OutputKind.SAE, REPLACE, false);
        assertFalse(fresh.exists());
        assertFalse(Files.exists(tmp.resolve("a")), "the check creates nothing");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertFalse(OutputTarget.check("--out", empty, OutputKind.SAE, REPLACE, false).exists());

        fresh.publish(d -> Files.writeString(d.resolve("cfg.json"), "{}"));
        assertEquals(OutputKind.SAE, Ownership.kindOf(fresh.path()));
        assertTrue(refused(fresh.path(), OutputKind.SAE, REPLACE, false).contains("--force"));
        assertTrue(OutputTarget.check("--out", fresh.path(), OutputKind.SAE, REPLACE, true).exists());
        // another kind of the engine's output needs --force even where the command would resume
        assertTrue(refused(fresh.path(), OutputKind.SWEEP, RESUME, false).contains("not a sweep"));
        OutputTarget sweep = OutputTarget.check("--out", fresh.path(), OutputKind.SWEEP, RESUME, true);
        sweep.createDirectory();
        assertEquals(OutputKind.SWEEP, Ownership.kindOf(fresh.path()));
        assertFalse(Files.exists(fresh.path().resolve("cfg.json")), "the SAE was replaced by the sweep");
        assertTrue(OutputTarget.check("--out", fresh.path(), OutputKind.SWEEP, RESUME, false).exists());

        // a file the user adds to the engine's directory makes it foreign: never replaced, not even with --force
        Files.writeString(fresh.path().resolve("notes.txt"), "mine");
        assertTrue(refused(fresh.path(), OutputKind.SWEEP, RESUME, true).contains("notes.txt"));
        assertThrows(InputException.class, () -> sweep.clear(Set.of()));
        assertEquals("mine", Files.readString(fresh.path().resolve("notes.txt")));
    }

    @Test
    void recognisesTheEnginesFilesByTheirHeader() throws IOException {
        Path json = tmp.resolve("bench.json");
        OutputTarget t = OutputTarget.check("--out", json, OutputKind.BENCH, REPLACE, false);
        String text = new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
                .writeValueAsString(Ownership.jsonHeader(OutputKind.BENCH));
        t.writeFile(o -> o.write(text.getBytes(StandardCharsets.UTF_8)));
        assertTrue(refused(json, OutputKind.BENCH, REPLACE, false).contains("--force"));
        assertTrue(OutputTarget.check("--out", json, OutputKind.BENCH, REPLACE, true).exists());
        assertTrue(refused(json, OutputKind.COMPRESSED, REPLACE, true).contains("did not write"));

        Path z = tmp.resolve("codes.bin");
        byte[] magic = OutputKind.COMPRESSED.magic();
        assertEquals(8, magic.length);
        Files.write(z, magic);
        assertTrue(OutputTarget.check("--out", z, OutputKind.COMPRESSED, REPLACE, true).exists());
        Files.write(z, new byte[] {'M', 'D'});
        assertTrue(refused(z, OutputKind.COMPRESSED, REPLACE, true).contains("did not write"));
        Files.write(z, new byte[0]);
        assertFalse(OutputTarget.check("--out", z, OutputKind.COMPRESSED, REPLACE, false).exists(), "an empty file holds nothing");
        assertArrayEquals(magic, OutputKind.COMPRESSED.magic(), "magic() hands out a copy");
    }

    @Test
    void publishNeverReplacesForeignContent() throws IOException {
        Path target = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(target.resolve("precious.txt"), "user data");
        InputException e = assertThrows(InputException.class,
                () -> AtomicFiles.publishDirectory(target, OutputKind.SAE, d -> Files.writeString(d.resolve("x"), "x")));
        assertTrue(e.getMessage().contains("no .mdlsae marker"), e.getMessage());
        assertEquals("user data", Files.readString(target.resolve("precious.txt")));
        assertEquals(List.of(target), list(tmp), "no temporary left");

        Path regular = Files.writeString(tmp.resolve("plain"), "user file");
        assertThrows(InputException.class, () -> AtomicFiles.publishDirectory(regular, OutputKind.SAE, d -> { }));
        assertEquals("user file", Files.readString(regular));
        Files.delete(regular);

        // the engine's own marker with a foreign entry is still foreign
        Ownership.createDirectory(tmp.resolve("own"), OutputKind.SWEEP);
        Files.writeString(tmp.resolve("own/mine.txt"), "x");
        assertNotNull(Ownership.foreignEntry(tmp.resolve("own")));
        assertThrows(InputException.class, () -> AtomicFiles.publishDirectory(tmp.resolve("own"), OutputKind.SWEEP, d -> { }));
        assertTrue(Files.exists(tmp.resolve("own/mine.txt")));
    }

    @Test
    void leftoversOfTheEnginesOwnAreCleanedOnTheNextWriteAndNothingElse() throws IOException {
        Path target = tmp.resolve("sae");
        AtomicFiles.publishDirectory(target, OutputKind.SAE, d -> Files.writeString(d.resolve("cfg.json"), "{}"));
        // what a killed publication leaves: a temporary with the engine's marker, an old copy, a file temporary
        Path killedTmp = Files.createDirectories(tmp.resolve("sae.tmp-0123abcd"));
        Ownership.writeMarker(killedTmp, OutputKind.SAE, List.of());
        Files.writeString(killedTmp.resolve("sae_weights.safetensors"), "half");
        Path killedOld = Files.createDirectories(tmp.resolve("sae.old-89abcdef"));
        Path emptyTmp = Files.createDirectories(tmp.resolve("sae.tmp-00000000"));
        Path fileTmp = Files.writeString(tmp.resolve(".sae.tmp-deadbeef"), "half");
        // look-alikes that are not the engine's: no marker and content, a wrong suffix, another target's name
        Path foreignTmp = Files.createDirectories(tmp.resolve("sae.tmp-feedf00d"));
        Files.writeString(foreignTmp.resolve("user.txt"), "mine");
        Path otherName = Files.createDirectories(tmp.resolve("sae.tmp-backup"));
        Path otherTarget = Files.createDirectories(tmp.resolve("saex.tmp-01234567"));

        AtomicFiles.publishDirectory(target, OutputKind.SAE, d -> Files.writeString(d.resolve("cfg.json"), "{\"v\":2}"));
        for (Path gone : new Path[] {killedTmp, killedOld, emptyTmp, fileTmp}) assertFalse(Files.exists(gone), gone.toString());
        for (Path kept : new Path[] {foreignTmp, otherName, otherTarget}) assertTrue(Files.exists(kept), kept.toString());
        assertEquals("mine", Files.readString(foreignTmp.resolve("user.txt")));
        assertNull(Ownership.foreignEntry(target));
    }

    private static List<Path> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.sorted().toList();
        }
    }
}
