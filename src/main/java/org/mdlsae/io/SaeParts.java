package org.mdlsae.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mdlsae.InputException;

/**
 * Pieces every format loader uses: tensors taken one by one with their shapes checked (what is left is refused by
 * name), JSON reading, and the exact rewrites ("folds") that turn a format's forward pass into the engine's
 * {@code z = f(enc·(x − b_dec) + b_enc)}, {@code x̂ = Σ z_j dec_j + b_dec} (docs/design.md §7). Folds run in double
 * and round once to float.
 */
final class SaeParts {
    static final ObjectMapper JSON = new ObjectMapper();

    private SaeParts() {
    }

    /** Reads a JSON object file. */
    static ObjectNode readObject(Path file) {
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (!(n instanceof ObjectNode o)) throw new InputException(file + ": not a JSON object");
            return o;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InputException(file + ": not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new InputException(file + ": unreadable (" + e.getMessage() + ")");
        }
    }

    /** The file if it exists, else an error naming what the format needs. */
    static Path need(Path file, String format) {
        if (!Files.isRegularFile(file)) throw new InputException(file + ": missing; a " + format + " SAE needs it");
        return file;
    }

    /** A positive integer config entry. */
    static int positiveInt(JsonNode cfg, String key, Path file) {
        JsonNode n = cfg.get(key);
        if (n == null || !n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 1) {
            throw new InputException(file + ": '" + key + "' must be a positive integer, got " + n);
        }
        return n.asInt();
    }

    /** A boolean config entry (absent or null gives {@code dflt}). */
    static boolean bool(JsonNode cfg, String key, boolean dflt, Path file) {
        JsonNode n = cfg.get(key);
        if (n == null || n.isNull()) return dflt;
        if (!n.isBoolean()) throw new InputException(file + ": '" + key + "' must be true or false, got " + n);
        return n.asBoolean();
    }

    /** Notes the top-level keys of {@code cfg} outside {@code known}: the tool ignores them and so do we. */
    static void noteUnknown(JsonNode cfg, Set<String> known, Path file, String tool, List<String> notes) {
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = cfg.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) unknown.add(k);
        }
        if (!unknown.isEmpty()) {
            notes.add(file.getFileName() + ": ignored keys " + unknown + " (" + tool + " ignores keys it does not define)");
        }
    }

    /** The tensors of one file, taken by name; {@link #noOthers} refuses whatever was not taken. */
    static final class Tensors {
        private final Path file;
        private final Map<String, SafeTensors.Tensor> map;
        private final Set<String> taken = new LinkedHashSet<>();

        Tensors(Path file, Map<String, SafeTensors.Tensor> map) {
            this.file = file;
            this.map = map;
        }

        boolean has(String name) {
            return map.containsKey(name);
        }

        /** The first of {@code names} present, or null. */
        String first(String... names) {
            for (String n : names) if (map.containsKey(n)) return n;
            return null;
        }

        /** A tensor of exactly this shape with finite values. */
        float[] take(String name, long... shape) {
            SafeTensors.Tensor x = map.get(name);
            if (x == null) throw new InputException(file + ": tensor '" + name + "' is missing; it has " + map.keySet());
            if (!Arrays.equals(x.shape(), shape)) {
                throw new InputException(file + ": tensor '" + name + "' has shape " + Arrays.toString(x.shape())
                        + ", expected " + Arrays.toString(shape));
            }
            for (float v : x.data()) {
                if (!Float.isFinite(v)) throw new InputException(file + ": tensor '" + name + "' holds NaN or Inf");
            }
            taken.add(name);
            return x.data();
        }

        /** A one-element tensor (shape [] or [1]). */
        float scalar(String name) {
            SafeTensors.Tensor x = map.get(name);
            if (x == null) throw new InputException(file + ": tensor '" + name + "' is missing; it has " + map.keySet());
            return take(name, x.shape().length == 0 ? new long[0] : new long[] {1})[0];
        }

        /** The shape of a present tensor. */
        long[] shape(String name) {
            SafeTensors.Tensor x = map.get(name);
            if (x == null) throw new InputException(file + ": tensor '" + name + "' is missing; it has " + map.keySet());
            return x.shape();
        }

        /** Refuses tensors that were not taken: the tool's strict state-dict loading would refuse them too. */
        void noOthers(String what) {
            Set<String> left = new LinkedHashSet<>(map.keySet());
            left.removeAll(taken);
            if (!left.isEmpty()) {
                throw new InputException(file + ": unexpected tensor(s) " + left + " for " + what
                        + "; they would change the forward pass in a way this engine does not implement");
            }
        }
    }

    /** rows×cols row-major → cols×rows. */
    static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
        return t;
    }

    /**
     * A format whose encoder does not subtract b_dec ({@code pre = enc·x + b}) in the engine's form
     * {@code enc·(x − b_dec) + b'}: b' = b + enc·b_dec.
     */
    static void foldInputBias(float[] enc, float[] bEnc, float[] bDec, int d, int width) {
        for (int j = 0; j < width; j++) {
            double s = bEnc[j];
            for (int c = 0; c < d; c++) s += (double) bDec[c] * enc[j * d + c];
            bEnc[j] = (float) s;
        }
    }

    /**
     * SAELens' {@code rescale_acts_by_decoder_norm}: pre-activations × ‖W_dec[j]‖ before the activation, latents ÷
     * ‖W_dec[j]‖ before decoding. Exactly: enc_j and b_enc_j × n_j, dec_j ÷ n_j (SAELens' own {@code _fold_norm_topk}).
     */
    static void foldDecoderNorm(float[] enc, float[] bEnc, float[] dec, int d, int width, Path file) {
        for (int j = 0; j < width; j++) {
            double ss = 0;
            for (int c = 0; c < d; c++) ss += (double) dec[j * d + c] * dec[j * d + c];
            double n = Math.sqrt(ss);
            if (n == 0) {
                throw new InputException(file + ": rescale_acts_by_decoder_norm is true but W_dec row " + j
                        + " is zero, so SAELens divides by 0; remove that latent or set the key to false");
            }
            for (int c = 0; c < d; c++) {
                enc[j * d + c] = (float) (enc[j * d + c] * n);
                dec[j * d + c] = (float) (dec[j * d + c] / n);
            }
            bEnc[j] = (float) (bEnc[j] * n);
        }
    }

    /** Latents multiplied by s_j before decoding (SAELens 5's finetuning scaling factor): dec_j × s_j. */
    static void scaleDecoderRows(float[] dec, float[] s, int d) {
        for (int j = 0; j < s.length; j++) for (int c = 0; c < d; c++) dec[j * d + c] = (float) ((double) dec[j * d + c] * s[j]);
    }

    /**
     * A gated SAE as a JumpReLU: with u = enc_j·(x − b_dec), z_j = 1[u + b_gate_j &gt; 0]·ReLU(e^{r_j}·u + b_mag_j).
     * Since e^{r_j} &gt; 0, u + b_gate &gt; 0 ⇔ pre_j = e^{r_j}u + b_mag_j &gt; b_mag_j − e^{r_j}·b_gate_j = θ_j, so
     * enc_j becomes e^{r_j}·enc_j, b_enc = b_mag, and the returned θ are the per-latent thresholds.
     */
    static float[] foldGate(float[] enc, float[] rMag, float[] bGate, float[] bMag, int d) {
        float[] theta = new float[rMag.length];
        for (int j = 0; j < rMag.length; j++) {
            double g = Math.exp(rMag[j]);
            for (int c = 0; c < d; c++) enc[j * d + c] = (float) (enc[j * d + c] * g);
            theta[j] = (float) (bMag[j] - g * bGate[j]);
        }
        return theta;
    }

    /** Inputs multiplied by s before the SAE and outputs divided by s after (SAELens' activation scaler). */
    static void foldInputScale(float[] enc, float[] dec, float[] bDec, double s) {
        for (int q = 0; q < enc.length; q++) enc[q] = (float) (enc[q] * s);
        for (int q = 0; q < dec.length; q++) dec[q] = (float) (dec[q] / s);
        for (int q = 0; q < bDec.length; q++) bDec[q] = (float) (bDec[q] / s);
    }
}
