package org.mdlsae.train;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.mdlsae.InputException;
import org.mdlsae.math.Rows;
import org.mdlsae.sae.SaeWeights;

/**
 * Activation normalisation for training (docs/design.md §8), SAELens' {@code normalize_activations}: with
 * {@link Method#EXPECTED_AVERAGE_ONLY_IN} every training row is multiplied by one factor s = √d / E‖x‖, E‖x‖ estimated
 * as the mean norm of {@link #SAMPLE_ROWS} rows spread evenly over the training data, so the trainer sees rows of
 * average norm √d whatever the layer's scale. The trained SAE then works in normalised units; {@link #fold} moves s
 * into its weights the way SAELens' {@code fold_activation_norm_scaling_factor} does on save (W_enc·s, W_dec/s,
 * b_dec/s; b_enc and the threshold are unchanged because the pre-activations are), so the saved SAE takes raw
 * activations, reconstructs in raw units, and its codes are unchanged.
 *
 * @param method     the method
 * @param factor     s (1 for {@link Method#NONE})
 * @param meanNorm   the estimated E‖x‖ (NaN for {@link Method#NONE})
 * @param sampleRows rows the estimate used (0 for {@link Method#NONE})
 */
public record Normalization(Method method, double factor, double meanNorm, int sampleRows) implements java.io.Serializable {
    /** Rows in the norm estimate. */
    public static final int SAMPLE_ROWS = 8192;

    /** The {@code --normalize} choices, with SAELens' names. */
    public enum Method {
        /** Train on the raw activations. */
        NONE("none"),
        /** Scale all rows by one factor so that E‖x‖ = √d. */
        EXPECTED_AVERAGE_ONLY_IN("expected_average_only_in");

        private final String id;

        Method(String id) {
            this.id = id;
        }

        /** @return the name in flags and files */
        public String id() {
            return id;
        }

        /**
         * Parses a name.
         *
         * @param s    the name
         * @param flag the flag or field to name in an error
         * @return the method
         */
        public static Method parse(String s, String flag) {
            for (Method m : values()) if (m.id.equals(s.toLowerCase(Locale.ROOT))) return m;
            throw new InputException(flag + " '" + s + "' is not one of none, expected_average_only_in");
        }
    }

    /** @return no normalisation */
    public static Normalization none() {
        return new Normalization(Method.NONE, 1.0, Double.NaN, 0);
    }

    /**
     * Estimates the factor on the rows a run trains on.
     *
     * @param method the method
     * @param rows   the training rows
     * @return the normalisation
     * @throws InputException if the sampled rows are all zero
     */
    public static Normalization estimate(Method method, Rows rows) {
        if (method == Method.NONE) return none();
        int d = rows.dim();
        float[] x = rows.sampleEvenly(SAMPLE_ROWS);
        int m = x.length / d;
        double sum = 0;
        for (int r = 0; r < m; r++) {
            double s = 0;
            for (int c = 0; c < d; c++) s += (double) x[r * d + c] * x[r * d + c];
            sum += Math.sqrt(s);
        }
        double mean = sum / m;
        if (!(mean > 0) || Double.isInfinite(mean)) {
            throw new InputException("--normalize " + method.id() + ": the mean row norm of " + rows.name() + " is " + mean
                    + ", so no scaling factor exists; use --normalize none");
        }
        return new Normalization(method, Math.sqrt(d) / mean, mean, m);
    }

    /**
     * What cfg.json records of a folded normalisation ({@code mdlsae.normalization}).
     *
     * @return method, factor, the estimate it came from, and the units of the saved SAE
     */
    public Map<String, Object> record() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method.id());
        m.put("scaling_factor", factor);
        m.put("mean_norm", meanNorm);
        m.put("estimated_from_rows", sampleRows);
        m.put("folded_into_weights", true);
        m.put("units", "the saved SAE takes raw activations and reconstructs in raw units");
        return m;
    }

    /** @return whether rows are scaled */
    public boolean active() {
        return method != Method.NONE;
    }

    /**
     * Scales n rows in place.
     *
     * @param x the values
     * @param n how many values
     */
    public void scale(float[] x, int n) {
        if (!active()) return;
        float s = (float) factor;
        for (int i = 0; i < n; i++) x[i] *= s;
    }

    /**
     * The source's batches scaled by the factor (the source itself when inactive).
     *
     * @param src a source of raw rows
     * @return a source of normalised rows
     */
    public BatchSource apply(BatchSource src) {
        if (!active()) return src;
        return new ForwardingBatches(src) {
            @Override
            public int next(float[] dst, int max) {
                int r = src.next(dst, max);
                scale(dst, r * src.dim());
                return r;
            }
        };
    }

    /**
     * SAE weights trained on normalised rows, changed to take raw rows (SAELens' fold on save).
     *
     * @param w weights in normalised units
     * @return weights in raw units (w itself when inactive)
     */
    public SaeWeights fold(SaeWeights w) {
        if (!active()) return w;
        float[] enc = w.enc().clone(), dec = w.dec().clone(), bDec = w.bDec().clone();
        for (int i = 0; i < enc.length; i++) enc[i] = (float) (enc[i] * factor);
        for (int i = 0; i < dec.length; i++) dec[i] = (float) (dec[i] / factor);
        for (int i = 0; i < bDec.length; i++) bDec[i] = (float) (bDec[i] / factor);
        return new SaeWeights(w.arch(), w.dIn(), w.width(), w.k(), w.threshold(), enc, w.bEnc().clone(), dec, bDec);
    }

    /**
     * A result of training on normalised rows in raw units: folded weights, MSEs divided by s².
     *
     * @param r the trainer's result
     * @return the result for raw activations
     */
    public Trainer.Result fold(Trainer.Result r) {
        if (!active()) return r;
        double s2 = factor * factor;
        return new Trainer.Result(fold(r.weights()), r.seconds(), r.samplesPerSec(), r.steps(), r.initialMse() / s2,
                r.finalMse() / s2, r.finalL0(), r.deadFraction(), r.stopping() == null ? null : r.stopping().scaled(s2));
    }
}
