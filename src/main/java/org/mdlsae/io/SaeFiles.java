package org.mdlsae.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mdlsae.InputException;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.SaeWeights;

/**
 * SAELens-compatible SAE directories: {@code sae_weights.safetensors} (W_enc [d,D], b_enc [D], W_dec [D,d],
 * b_dec [d], and {@code threshold} [D] for BatchTopK saved as JumpReLU) plus {@code cfg.json}. TopK is saved as
 * architecture {@code topk} with {@code k} at the top level; BatchTopK as {@code jumprelu} with θ as every
 * feature's threshold. The engine's own training record sits under the {@code mdlsae} key. Directories are
 * published atomically; loading honours {@code apply_b_dec_to_input} and converts f16/bf16/f64 weights.
 */
public final class SaeFiles {
    /** Weights file name. */
    public static final String WEIGHTS = "sae_weights.safetensors";
    /** Config file name. */
    public static final String CONFIG = "cfg.json";
    /** Key of the engine's own section in cfg.json. */
    public static final String OWN_KEY = "mdlsae";

    private static final ObjectMapper JSON = new ObjectMapper();

    private SaeFiles() {
    }

    /** What a directory holds. */
    public record Loaded(SaeWeights weights, ObjectNode config) {
    }

    /**
     * Saves atomically into {@code dir} (replacing it only if it is empty or this engine's own output, see
     * {@link AtomicFiles#publishDirectory}). {@code extra} (may be null) is stored under
     * {@code cfg.json["mdlsae"]} beside the architecture facts, e.g. the training config and its results.
     */
    public static void save(Path dir, SaeWeights w, Map<String, Object> extra) throws IOException {
        int d = w.dIn(), width = w.width();
        float[] wEnc = new float[d * width]; // [d, D]: transpose of the engine's D×d encoder
        for (int j = 0; j < width; j++) for (int c = 0; c < d; c++) wEnc[c * width + j] = w.enc()[j * d + c];
        Map<String, SafeTensors.Tensor> t = new LinkedHashMap<>();
        t.put("W_enc", SafeTensors.Tensor.f32("W_enc", wEnc, d, width));
        t.put("b_enc", SafeTensors.Tensor.f32("b_enc", w.bEnc(), width));
        t.put("W_dec", SafeTensors.Tensor.f32("W_dec", w.dec(), width, d));
        t.put("b_dec", SafeTensors.Tensor.f32("b_dec", w.bDec(), d));
        if (w.arch() == Arch.BATCHTOPK) {
            float[] th = new float[width];
            java.util.Arrays.fill(th, w.threshold());
            t.put("threshold", SafeTensors.Tensor.f32("threshold", th, width));
        }
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("d_in", d);
        cfg.put("d_sae", width);
        cfg.put("dtype", "float32");
        cfg.put("device", "cpu");
        cfg.put("architecture", w.arch() == Arch.TOPK ? "topk" : "jumprelu");
        if (w.arch() == Arch.TOPK) cfg.put("k", w.k());
        cfg.put("apply_b_dec_to_input", true);
        cfg.put("normalize_activations", "none");
        ObjectNode own = cfg.putObject(OWN_KEY);
        own.put("arch", w.arch().id());
        own.put("k", w.k());
        if (w.arch() == Arch.BATCHTOPK) own.put("threshold", w.threshold());
        own.put("weights_layout", "SAELens: W_enc [d_in, d_sae], W_dec [d_sae, d_in]");
        if (extra != null) extra.forEach((key, v) -> own.set(key, JSON.valueToTree(v)));
        String cfgText = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cfg);
        AtomicFiles.publishDirectory(dir, OutputKind.SAE, tmp -> {
            SafeTensors.write(tmp.resolve(WEIGHTS), t, Map.of("format", "pt"));
            AtomicFiles.writeString(tmp.resolve(CONFIG), cfgText + "\n");
        });
    }

    /** Loads an SAE directory written by this engine or by SAELens (topk or jumprelu architectures). */
    public static Loaded load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new InputException("--sae " + dir + ": not a directory; pass the folder holding " + WEIGHTS + " and " + CONFIG);
        }
        Path cfgFile = dir.resolve(CONFIG), wFile = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(cfgFile)) throw new InputException(cfgFile + ": missing; an SAE directory needs " + CONFIG);
        if (!Files.isRegularFile(wFile)) throw new InputException(wFile + ": missing; an SAE directory needs " + WEIGHTS);
        ObjectNode cfg;
        try {
            JsonNode n = JSON.readTree(cfgFile.toFile());
            if (!(n instanceof ObjectNode o)) throw new InputException(cfgFile + ": not a JSON object");
            cfg = o;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InputException(cfgFile + ": not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException | UncheckedIOException e) {
            throw new InputException(cfgFile + ": unreadable (" + e.getMessage() + ")");
        }
        int d = intField(cfg, "d_in", cfgFile);
        int width = intField(cfg, "d_sae", cfgFile);
        String archName = cfg.path("architecture").asText("");
        JsonNode own = cfg.path(OWN_KEY);
        Map<String, SafeTensors.Tensor> t = SafeTensors.read(wFile);
        float[] wEnc = tensor(t, "W_enc", wFile, d, width);
        float[] bEnc = tensor(t, "b_enc", wFile, width);
        float[] wDec = tensor(t, "W_dec", wFile, width, d);
        float[] bDec = tensor(t, "b_dec", wFile, d);
        float[] enc = new float[width * d];
        for (int c = 0; c < d; c++) for (int j = 0; j < width; j++) enc[j * d + c] = wEnc[c * width + j];
        if (cfg.has("apply_b_dec_to_input") && !cfg.get("apply_b_dec_to_input").asBoolean(true)) {
            // pre = x·W_enc + b_enc  ≡  (x − b_dec)·W_enc + (b_enc + b_dec·W_enc): fold into b_enc
            for (int j = 0; j < width; j++) {
                double s = bEnc[j];
                for (int c = 0; c < d; c++) s += (double) bDec[c] * enc[j * d + c];
                bEnc[j] = (float) s;
            }
        }
        String norm = cfg.path("normalize_activations").asText("none");
        if (!norm.equals("none") && !norm.isEmpty()) {
            throw new InputException(cfgFile + ": normalize_activations '" + norm + "' is not supported; only 'none'");
        }
        SaeWeights w;
        switch (archName) {
            case "topk" -> {
                int k = cfg.has("k") ? cfg.get("k").asInt() : own.path("k").asInt(0);
                if (k < 1) throw new InputException(cfgFile + ": architecture topk needs a positive integer 'k'");
                if (k > width) throw new InputException(cfgFile + ": k = " + k + " exceeds d_sae = " + width);
                w = new SaeWeights(Arch.TOPK, d, width, k, Float.NaN, enc, bEnc, wDec, bDec);
            }
            case "jumprelu" -> {
                float[] th = tensor(t, "threshold", wFile, width);
                float theta = th[0];
                for (float v : th) {
                    if (Float.compare(v, theta) != 0) {
                        throw new InputException(wFile + ": per-feature JumpReLU thresholds differ; only SAEs with one "
                                + "threshold (BatchTopK) are supported");
                    }
                }
                if (!Float.isFinite(theta)) throw new InputException(wFile + ": threshold is not finite");
                int k = own.path("k").asInt(width);
                w = new SaeWeights(Arch.BATCHTOPK, d, width, Math.max(1, Math.min(k, width)), theta, enc, bEnc, wDec, bDec);
            }
            default -> throw new InputException(cfgFile + ": architecture '" + archName
                    + "' is not supported; use topk or jumprelu (BatchTopK)");
        }
        return new Loaded(w, cfg);
    }

    private static int intField(ObjectNode cfg, String key, Path file) {
        JsonNode n = cfg.get(key);
        if (n == null || !n.canConvertToInt() || n.asInt() < 1) {
            throw new InputException(file + ": '" + key + "' must be a positive integer");
        }
        return n.asInt();
    }

    private static float[] tensor(Map<String, SafeTensors.Tensor> t, String name, Path file, long... shape) {
        SafeTensors.Tensor x = t.get(name);
        if (x == null) throw new InputException(file + ": tensor '" + name + "' is missing");
        if (!java.util.Arrays.equals(x.shape(), shape)) {
            throw new InputException(file + ": tensor '" + name + "' has shape " + java.util.Arrays.toString(x.shape())
                    + ", cfg.json implies " + java.util.Arrays.toString(shape));
        }
        for (float v : x.data()) {
            if (!Float.isFinite(v)) throw new InputException(file + ": tensor '" + name + "' holds NaN or Inf");
        }
        return x.data();
    }
}
