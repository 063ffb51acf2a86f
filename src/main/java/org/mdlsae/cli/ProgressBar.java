package org.mdlsae.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on standard error. On a terminal it redraws in place; in non-interactive runs it is
 * silent unless forced, in which case it prints a plain line at most every few seconds (logs stay readable).
 */
public final class ProgressBar {
    private final PrintStream err;
    private final String label;
    private final boolean interactive;
    private final boolean enabled;
    private final long intervalNanos;
    private long last = Long.MIN_VALUE;
    private int lastLength;

    /**
     * @param label  text before the bar
     * @param mode   whether to show it: null = only on a terminal, TRUE = always, FALSE = never
     */
    public ProgressBar(String label, Boolean mode) {
        this.err = System.err;
        this.label = label;
        this.interactive = System.console() != null;
        this.enabled = mode == null ? interactive : mode;
        this.intervalNanos = interactive ? 100_000_000L : 5_000_000_000L;
    }

    /** Redraws (throttled) with the fraction done and a free-text status. */
    public void update(double fraction, String status) {
        if (!enabled) return;
        long now = System.nanoTime();
        if (last != Long.MIN_VALUE && now - last < intervalNanos && fraction < 1) return;
        last = now;
        draw(fraction, status);
    }

    private void draw(double fraction, String status) {
        double f = Math.max(0, Math.min(1, fraction));
        int width = 24;
        int full = (int) Math.round(f * width);
        String bar = "#".repeat(full) + "-".repeat(width - full);
        String line = String.format(Locale.ROOT, "%s [%s] %3.0f%% %s", label, bar, 100 * f, status);
        if (interactive) {
            String pad = line.length() < lastLength ? " ".repeat(lastLength - line.length()) : "";
            err.print("\r" + line + pad);
            lastLength = line.length();
        } else {
            err.println(line);
        }
        err.flush();
    }

    /** Draws the final state and ends the line. */
    public void finish(String status) {
        if (!enabled) return;
        draw(1, status);
        if (interactive) err.println();
    }
}
