package org.mdlsae.bench;

/** Wall-clock timing of warm runs. */
public final class Timer {
    /** Warm-up continues (up to 50 runs) until this much time has passed, so small shapes reach compiled code. */
    static final long MIN_WARM_NANOS = 500_000_000L;

    private Timer() {
    }

    /** A body run once per sample. */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    /**
     * Runs {@code body} at least {@code warmup} times untimed, and for at least half a second (JIT compilation, caches,
     * page faults), then {@code reps} times timed.
     */
    public static Stats time(int warmup, int reps, Body body) {
        try {
            long w0 = System.nanoTime();
            for (int i = 0; i < warmup || (i < 50 && System.nanoTime() - w0 < MIN_WARM_NANOS); i++) body.run();
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
