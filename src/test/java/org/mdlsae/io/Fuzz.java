package org.mdlsae.io;

import org.mdlsae.InputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Parser fuzzing: feeds mutated copies of a valid file to a parser and accepts only success or an
 * {@link InputException} — never another exception, an error (e.g. OutOfMemoryError) or a hang.
 */
public final class Fuzz {
    private Fuzz() {
    }

    /** Every strict prefix of {@code valid}, including the empty file. */
    public static void truncations(Path dir, byte[] valid, Consumer<Path> parser) {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            Path f = dir.resolve("trunc.bin");
            for (int len = 0; len < valid.length; len++) {
                byte[] b = Arrays.copyOf(valid, len);
                expectOnlyInputException(f, b, parser, "truncated to " + len + " bytes", true);
            }
        });
    }

    /** {@code trials} copies of {@code valid} with 1–8 random bits flipped (fixed seed). */
    public static void bitFlips(Path dir, byte[] valid, int trials, long seed, Consumer<Path> parser) {
        assertTimeoutPreemptively(Duration.ofSeconds(180), () -> {
            Random rnd = new Random(seed);
            Path f = dir.resolve("flip.bin");
            for (int t = 0; t < trials; t++) {
                byte[] b = valid.clone();
                int flips = 1 + rnd.nextInt(8);
                StringBuilder what = new StringBuilder("trial " + t + ", flipped bits");
                for (int k = 0; k < flips; k++) {
                    int bit = rnd.nextInt(b.length * 8);
                    b[bit / 8] ^= (byte) (1 << (bit % 8));
                    what.append(' ').append(bit);
                }
                expectOnlyInputException(f, b, parser, what.toString(), false);
            }
        });
    }

    /**
     * Runs the parser on {@code bytes}; success is allowed unless {@code mustFail}, an InputException is
     * allowed, anything else fails the test.
     */
    public static void expectOnlyInputException(Path f, byte[] bytes, Consumer<Path> parser, String what,
                                                boolean mustFail) {
        try {
            Files.write(f, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            parser.accept(f);
            if (mustFail) {
                fail(what + ": parsed without error");
            }
        } catch (InputException expected) {
            if (expected.getMessage() == null || expected.getMessage().contains("\n")) {
                fail(what + ": message is not one line: " + expected.getMessage());
            }
        } catch (Throwable t) {
            fail(what + ": threw " + t, t);
        }
    }
}
