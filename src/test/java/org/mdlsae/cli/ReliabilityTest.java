package org.mdlsae.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.io.Npy;

/**
 * The reliability suite of docs/design.md §6, through the command line in child JVMs, each in a working directory of
 * its own holding sentinel files: bad output paths (the output-safety table), resource refusals, the last-resort
 * memory handler, leftovers of killed writes, and the sweep lock. Every case asserts the exit code, the one line on
 * standard error, and that nothing of the user's was touched.
 */
class ReliabilityTest {
    @TempDir
    Path root;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A working directory with the user's files: a sentinel, a file, a foreign directory, a link, an engine SAE. */
    private Path workdir(String name, Path npy) throws Exception {
        Path template = root.resolve("own-template");
        if (!Files.exists(template)) {
            // other settings than the cases' (seed 5): an SAE of another job, which train must not replace
            CliTest.Run own = CliTest.run("train", "--data", npy.toString(), "--arch", "topk", "--width", "8", "--k", "2",
                    "--epochs", "1", "--seed", "5", "--out", template.toString(), "--quiet");
            assertEquals(0, own.code(), own.err());
        }
        Path cwd = Files.createDirectories(root.resolve(name));
        Files.writeString(cwd.resolve("keep"), "sentinel");
        Files.writeString(cwd.resolve("file"), "user file");
        Files.createDirectories(cwd.resolve("foreign"));
        Files.writeString(cwd.resolve("foreign/notes.txt"), "user notes");
        Files.createSymbolicLink(cwd.resolve("link"), cwd.resolve("foreign"));
        Files.createDirectories(cwd.resolve("own"));
        try (Stream<Path> s = Files.list(template)) {
            for (Path f : (Iterable<Path>) s::iterator) Files.copy(f, cwd.resolve("own").resolve(f.getFileName()));
        }
        return cwd;
    }

    private Path npy(String name, int n, int d) throws Exception {
        SplittableRandom r = new SplittableRandom(7);
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        Path f = root.resolve(name);
        Npy.write(f, x, n, d);
        return f;
    }

    /** Every file under {@code dir} with its content, to prove nothing changed. */
    private static Map<String, String> snapshot(Path dir) throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String key = dir.relativize(p).toString();
                if (Files.isSymbolicLink(p)) m.put(key, "-> " + Files.readSymbolicLink(p));
                else if (Files.isRegularFile(p)) m.put(key, java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(p)));
                else m.put(key, "dir");
            }
        }
        return m;
    }

    private record Case(String name, String[] args, String expect) {
    }

    /** Runs the cases concurrently (each its own child and directory); each must be refused and touch nothing. */
    private void refusedTouchingNothing(Path npy, List<Case> cases) throws Exception {
        Path sibling = Files.writeString(root.resolve("sentinel-next-to-cwd"), "sibling");
        List<Path> dirs = new ArrayList<>();
        for (Case c : cases) dirs.add(workdir(c.name, npy));
        Map<String, String> before = snapshot(root);
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            String[] args = new String[c.args.length];
            for (int j = 0; j < args.length; j++) args[j] = c.args[j].replace("CWD", dirs.get(i).toString());
            ps.add(Child.start(dirs.get(i), root.resolve("logs").resolve(c.name), "256m", args));
        }
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            Process p = ps.get(i);
            assertTrue(p.waitFor(180, TimeUnit.SECONDS), c.name + " did not finish");
            String err = Files.readString(root.resolve("logs").resolve(c.name).resolve("err.txt"));
            String lines = new Child.Result(p.exitValue(), "", err).errLines().strip();
            assertEquals(2, p.exitValue(), c.name + ": " + err);
            assertEquals(1, lines.lines().count(), c.name + ": one line: " + lines);
            assertTrue(lines.startsWith("mdlsae: error: ") && lines.contains(c.expect), c.name + ": " + lines);
        }
        Map<String, String> after = snapshot(root);
        for (Map<String, String> m : List.of(before, after)) m.keySet().removeIf(k -> k.equals("logs") || k.startsWith("logs/"));
        assertEquals("sibling", Files.readString(sibling));
        assertEquals(before, after, "a refused command changed files");
    }

    @Test
    void badOutputPathsAreRefusedBeforeAnyWorkAndTouchNothing() throws Exception {
        Path npy = npy("acts.npy", 200, 8);
        String[] train = {"train", "--data", npy.toString(), "--arch", "topk", "--width", "8", "--k", "2", "--epochs", "1",
            "--quiet", "--out"};
        List<Case> cases = new ArrayList<>();
        Map<String, String[]> outs = new LinkedHashMap<>();
        outs.put("empty", new String[] {"", "is empty"});
        outs.put("dot", new String[] {".", "'.' or '..'"});
        outs.put("dotdot", new String[] {"..", "'.' or '..'"});
        outs.put("cwd", new String[] {"CWD", "current directory"});
        outs.put("ancestor", new String[] {"CWD/..", "'.' or '..'"});
        outs.put("parent", new String[] {root.toString(), "current directory"});
        outs.put("file", new String[] {"file", "is a file"});
        outs.put("filesub", new String[] {"file/sub", "not a directory"});
        outs.put("foreign", new String[] {"foreign", "did not write"});
        outs.put("link", new String[] {"link", "symbolic link"});
        outs.put("proc", new String[] {"/proc/mdlsae-x", "cannot create files"});
        outs.put("own", new String[] {"own", "other settings"});
        for (var e : outs.entrySet()) cases.add(new Case("train-" + e.getKey(), cat(train, e.getValue()[0]), e.getValue()[1]));
        // --force replaces only what the engine wrote
        cases.add(new Case("train-force-foreign", cat(train, "foreign", "--force"), "did not write"));
        cases.add(new Case("train-force-file", cat(train, "file", "--force"), "is a file"));
        // the other commands that write go through the same guard
        String[] sweep = {"sweep", "--data", npy.toString(), "--widths", "4,8", "--fvu", "0.5", "--epochs", "1", "--quiet", "--out"};
        cases.add(new Case("sweep-empty", cat(sweep, ""), "is empty"));
        cases.add(new Case("sweep-dot", cat(sweep, "."), "'.' or '..'"));
        cases.add(new Case("sweep-foreign", cat(sweep, "foreign", "--force"), "did not write"));
        cases.add(new Case("sweep-file", cat(sweep, "file"), "is a file"));
        cases.add(new Case("sweep-own-sae", cat(sweep, "own"), "--force"));
        cases.add(new Case("toy-cwd", new String[] {"toy", "split", "--p", "0.1", "--out", "CWD"}, "current directory"));
        cases.add(new Case("toy-foreign", new String[] {"toy", "split", "--p", "0.1", "--out", "foreign"}, "did not write"));
        cases.add(new Case("bench-file", new String[] {"bench", "--quick", "--parts", "gemm", "--reps", "1", "--warmup", "0",
            "--out", "file", "--force"}, "did not write"));
        cases.add(new Case("demo-cwd", new String[] {"demo", "--out", "."}, "'.' or '..'"));
        refusedTouchingNothing(npy, cases);
    }

    @Test
    void forceReplacesTheEnginesOwnOutputAndLeftoversAreCleaned() throws Exception {
        Path npy = npy("acts.npy", 200, 8);
        Path cwd = workdir("force", npy);
        byte[] before = Files.readAllBytes(cwd.resolve("own/sae_weights.safetensors"));
        // what a killed save leaves next to the target: the engine's temporary (with its marker) and a file temporary
        Path killed = Files.createDirectories(cwd.resolve("own.tmp-0123abcd"));
        Files.writeString(killed.resolve(".mdlsae"), JSON.writeValueAsString(Map.of("written_by", "mdlsae", "kind", "sae",
                "entries", List.of())));
        Files.write(killed.resolve("sae_weights.safetensors"), new byte[1 << 16]);
        Files.writeString(cwd.resolve(".own.tmp-deadbeef"), "half");
        Path lookAlike = Files.createDirectories(cwd.resolve("own.tmp-userdata"));
        Files.writeString(lookAlike.resolve("mine.txt"), "user");
        Child.Result r = Child.run(cwd, root.resolve("logs"), "256m", "train", "--data", npy.toString(), "--arch", "topk",
                "--width", "8", "--k", "2", "--epochs", "2", "--seed", "3", "--quiet", "--out", "own", "--force");
        assertEquals(0, r.code(), r.err());
        assertFalse(java.util.Arrays.equals(before, Files.readAllBytes(cwd.resolve("own/sae_weights.safetensors"))), "replaced");
        assertFalse(Files.exists(killed), "the engine's leftover temporary is cleaned on the next write");
        assertFalse(Files.exists(cwd.resolve(".own.tmp-deadbeef")));
        assertEquals("user", Files.readString(lookAlike.resolve("mine.txt")), "a look-alike that is not the engine's stays");
        assertEquals("sentinel", Files.readString(cwd.resolve("keep")));
        assertEquals("user notes", Files.readString(cwd.resolve("foreign/notes.txt")));
    }

    @Test
    void resourcesAreCheckedUpFrontAndMemoryFailuresAreOneLine() throws Exception {
        Path wide = npy("wide.npy", 16, 784);
        Path cwd = Files.createDirectories(root.resolve("res"));
        Child.Result w2m = Child.run(cwd, root.resolve("logs-w2m"), "256m", "train", "--data", wide.toString(), "--width",
                "2000000", "--k", "8", "--out", "o1");
        assertEquals(2, w2m.code(), w2m.err());
        assertTrue(w2m.errLines().contains("MDLSAE_JAVA_OPTS=-Xmx") && w2m.errLines().strip().lines().count() == 1, w2m.err());
        Child.Result wMax = Child.run(cwd, root.resolve("logs-wmax"), "256m", "train", "--data", wide.toString(), "--width",
                "2147483647", "--k", "8", "--out", "o2");
        assertEquals(2, wMax.code(), wMax.err());
        assertTrue(wMax.errLines().contains("--width") && wMax.errLines().strip().lines().count() == 1, wMax.err());
        Child.Result sweep = Child.run(cwd, root.resolve("logs-sweep"), "256m", "sweep", "--data", wide.toString(), "--widths",
                "8,2000000", "--fvu", "0.5", "--epochs", "1", "--out", "o3");
        assertEquals(2, sweep.code(), sweep.err());
        assertFalse(Files.exists(cwd.resolve("o3")), "the narrow width was not trained first");
        // an allocation no estimate covers (a data file larger than the heap, loaded whole with --in-memory rather than
        // streamed): one line, exit 3, no stack trace
        Path big = npy("big.npy", 1 << 14, 1024); // 64 MiB of float32
        Child.Result oom = Child.run(cwd, root.resolve("logs-oom"), "40m", "data", "info", "--data", big.toString(),
                "--in-memory");
        assertEquals(3, oom.code(), oom.err());
        assertEquals(1, oom.errLines().strip().lines().count(), oom.err());
        assertTrue(oom.errLines().contains("hs_err") && oom.errLines().contains("MDLSAE_JAVA_OPTS"), oom.err());
        assertFalse(oom.err().contains("\tat "), "no stack trace");
        try (Stream<Path> s = Files.list(cwd)) {
            assertEquals(List.of(), s.toList(), "nothing written");
        }
    }

    @Test
    void aSweepHasOneWriterAndAStaleLockIsTakenOver() throws Exception {
        Path npy = npy("acts.npy", 200, 8);
        Path cwd = Files.createDirectories(root.resolve("lock"));
        String[] sweep = {"sweep", "--data", npy.toString(), "--widths", "4,8", "--fvu", "0.6", "--epochs", "2", "--quiet",
            "--out", "sw"};
        Child.Result first = Child.run(cwd, root.resolve("logs-lock0"), "256m", sweep);
        assertEquals(0, first.code(), first.err());
        // a live owner: a process on this host, recorded with its start time as the engine records itself
        Process owner = new ProcessBuilder("sleep", "120").start();
        try {
            Map<String, Object> lock = new LinkedHashMap<>();
            lock.put("pid", owner.pid());
            lock.put("host", Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
            lock.put("started", owner.info().startInstant().map(Object::toString).orElse(""));
            Files.writeString(cwd.resolve("sw/sweep.lock"), JSON.writeValueAsString(lock) + "\n");
            Child.Result second = Child.run(cwd, root.resolve("logs-lock1"), "256m", sweep);
            assertEquals(2, second.code(), second.err());
            assertTrue(second.errLines().contains("pid " + owner.pid()) && second.errLines().strip().lines().count() == 1,
                    second.err());
        } finally {
            owner.destroy();
            owner.waitFor();
        }
        // the owner died without removing its lock: the next writer takes it over and finishes
        Child.Result third = Child.run(cwd, root.resolve("logs-lock2"), "256m", sweep);
        assertEquals(0, third.code(), third.err());
        JsonNode results = JSON.readTree(cwd.resolve("sw/results.json").toFile());
        assertTrue(results.get("complete").asBoolean());
        assertFalse(Files.exists(cwd.resolve("sw/sweep.lock")), "released");
    }

    @Test
    void aTrainingKilledAtRandomPointsResumesFromItsCheckpointBitIdentical() throws Exception {
        Path npy = npy("ck.npy", 2000, 16);
        Path cwd = Files.createDirectories(root.resolve("ckpt"));
        String[] train = {"train", "--data", npy.toString(), "--width", "32", "--k", "4", "--epochs", "120", "--batch", "64",
            "--quiet", "--checkpoint-every", "40", "--out"};
        long t0 = System.nanoTime();
        Child.Result whole = Child.run(cwd, root.resolve("logs-whole"), "256m", cat(train, "whole"));
        assertEquals(0, whole.code(), whole.err());
        double seconds = (System.nanoTime() - t0) / 1e9;

        SplittableRandom r = new SplittableRandom(11);
        int kills = 0, resumable = 0;
        for (int i = 0; i < 4; i++) {
            Process p = Child.start(cwd, root.resolve("logs-kill" + i), "256m", cat(train, "killed"));
            long delay = (long) (1000 * seconds * (0.25 + 0.45 * r.nextDouble()));
            if (p.waitFor(delay, TimeUnit.MILLISECONDS)) break; // finished before this kill
            p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally
            p.waitFor();
            kills++;
            if (Files.isDirectory(cwd.resolve("killed.checkpoint"))) resumable++;
        }
        Child.Result last = Child.run(cwd, root.resolve("logs-last"), "256m", cat(train, "killed"));
        assertEquals(0, last.code(), last.err());
        assertTrue(kills >= 1 && resumable >= 1, "the test must kill a run that left a checkpoint: " + kills + ", " + resumable);
        // a run started after a kill continued from the checkpoint (retraining from scratch would give the same bits)
        StringBuilder after = new StringBuilder(last.err());
        for (int i = 1; i < 4; i++) {
            Path log = root.resolve("logs-kill" + i).resolve("err.txt");
            if (Files.exists(log)) after.append(Files.readString(log));
        }
        assertTrue(after.toString().contains("resuming from"), "no run resumed: " + after);
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(cwd.resolve("whole/sae_weights.safetensors")),
                Files.readAllBytes(cwd.resolve("killed/sae_weights.safetensors"))), "bit-identical to the uninterrupted run");
        try (Stream<Path> s = Files.list(cwd)) {
            assertEquals(List.of("killed", "whole"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "the checkpoint and every temporary are gone once the run is published");
        }
        // the identical command again: nothing to do
        long mtime = Files.getLastModifiedTime(cwd.resolve("killed/sae_weights.safetensors")).toMillis();
        Child.Result again = Child.run(cwd, root.resolve("logs-again"), "256m", cat(train, "killed"));
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("nothing to do"), again.err());
        assertEquals(mtime, Files.getLastModifiedTime(cwd.resolve("killed/sae_weights.safetensors")).toMillis());
        // other settings into the finished SAE: refused without --force
        String[] other = cat(train, "killed");
        other[java.util.Arrays.asList(other).indexOf("120")] = "121";
        Child.Result refused = Child.run(cwd, root.resolve("logs-other"), "256m", other);
        assertEquals(2, refused.code(), refused.err());
        assertTrue(refused.errLines().contains("other settings"), refused.err());
    }

    private static String[] cat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
