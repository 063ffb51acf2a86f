package org.mdlsae.bench;

/** Wall-clock timing of warm runs. */
public final class Timer {
    private Timer() {
    }

    /** A body run once per sample. */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    /**
     * Runs {@code body} {@code warmup} times untimed (JIT compilation, caches, page faults), then {@code reps}
     * times timed.
     */
    public static Stats time(int warmup, int reps, Body body) {
        try {
            for (int i = 0; i < warmup; i++) body.run();
            double[] s = new double[reps];
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                body.run();
                s[i] = (System.nanoTime() - t0) / 1e9;
            }
            return new Stats(s);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
