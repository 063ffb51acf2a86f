package org.mdlsae.cli;

import java.util.Locale;

/** Up-front resource checks of the commands (docs/design.md §6). */
final class Resources {
    private Resources() {
    }

    /** Bytes as GiB with one decimal. */
    static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
