package org.mdlsae.cli;

import picocli.CommandLine.Option;

/** {@code --progress} / {@code --quiet}: progress bars on standard error (default: only on a terminal). */
public final class ProgressOptions {
    @Option(names = "--progress", description = "Show progress even when standard error is not a terminal.")
    boolean progress;

    @Option(names = "--quiet", description = "No progress bars.")
    boolean quiet;

    /** null = terminal only, TRUE = always, FALSE = never. */
    Boolean mode() {
        if (quiet) return Boolean.FALSE;
        if (progress) return Boolean.TRUE;
        return null;
    }
}
