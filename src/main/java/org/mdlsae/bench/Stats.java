package org.mdlsae.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Timings of several warm runs of one benchmark, in seconds: the best (least disturbed by other load),
 * the median (typical) and every sample.
 *
 * @param samples the timed runs in seconds, in run order
 */
public record Stats(double[] samples) {

    public Stats {
        if (samples == null || samples.length == 0) throw new IllegalArgumentException("no samples");
        samples = samples.clone();
    }

    /** Fastest run. */
    public double best() {
        double b = Double.POSITIVE_INFINITY;
        for (double s : samples) b = Math.min(b, s);
        return b;
    }

    /** Median run (mean of the two middle ones for an even count). */
    public double median() {
        double[] s = samples.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    /** Number of timed runs. */
    public int runs() {
        return samples.length;
    }

    /** JSON object: best_s, median_s, runs, samples_s. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("best_s", best());
        m.put("median_s", median());
        m.put("runs", runs());
        m.put("samples_s", samples.clone());
        return m;
    }
}
