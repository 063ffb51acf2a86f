package org.mdlsae.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.SaeWeights;

/**
 * SAE files in and out (docs/design.md §7).
 *
 * <p>Writing: a SAELens directory, {@code sae_weights.safetensors} (W_enc [d,D], b_enc [D], W_dec [D,d], b_dec [d],
 * and {@code threshold} [D] for the jumprelu architectures) plus a {@code cfg.json} that loads in both SAELens
 * generations: SAELens 6 takes its current path (a {@code metadata} block with {@code sae_lens_version} 6.0.0,
 * {@code model_name}, {@code hook_name}, ...), and SAELens 5 finds every field its {@code SAEConfig} requires and
 * reads TopK from {@code activation_fn_str}/{@code activation_fn_kwargs.k}. TopK is saved as architecture
 * {@code topk}; BatchTopK as {@code jumprelu} with θ as every latent's threshold. The engine's own record sits under
 * {@code mdlsae}, which both generations ignore. Directories are published atomically.
 *
 * <p>Reading: SAELens 5/6, sparsify, Gemma Scope and dictionary_learning, detected from the files
 * ({@link SaeFormat#detect}) or named; every config key that changes the forward pass is either implemented
 * (folded into the weights where that is exact) or refused by name.
 */
public final class SaeFiles {
    /** Weights file name. */
    public static final String WEIGHTS = "sae_weights.safetensors";
    /** Config file name. */
    public static final String CONFIG = "cfg.json";
    /** Wall-clock facts of the training run (optional; kept out of cfg.json so that it is the same for the same seed). */
    public static final String TIMINGS = "timings.json";
    /** Key of the engine's own section in cfg.json. */
    public static final String OWN_KEY = "mdlsae";
    /** The SAELens version whose config layout {@link #save} writes (SAELens 6 skips its pre-6.0 conversion for it). */
    public static final String SAELENS_LAYOUT = "6.0.0";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LAYER = Pattern.compile("\\.(\\d+)\\."); // SAELens' extract_layer_from_tlens_hook_name

    private SaeFiles() {
    }

    /**
     * What a loaded SAE is and where it came from.
     *
     * @param weights the SAE in the engine's layout, every format-specific step folded in
     * @param config  the config the format carries (SAELens/sparsify {@code cfg.json}, dictionary_learning
     *                {@code config.json}; empty for Gemma Scope)
     * @param format  the format it was read as
     * @param source  the directory or file the weights came from
     * @param notes   things the loader did that a reader should know (ignored keys, a chosen hook point, ...)
     */
    public record Loaded(SaeWeights weights, ObjectNode config, SaeFormat format, Path source, List<String> notes) {
        public Loaded {
            notes = List.copyOf(notes);
        }
    }

    /**
     * Where the activations an SAE encodes come from, written to cfg.json for SAELens (both generations). Null
     * fields are written as SAELens' neutral values: an empty hook name (SAELens 5 needs a string), no model.
     *
     * @param modelName   the model ({@code --model-name}), e.g. {@code gpt2}
     * @param hookName    the hook point ({@code --hook-name}), e.g. {@code blocks.8.hook_resid_pre}
     * @param datasetPath the activations' source (a data name or file)
     */
    public record Origin(String modelName, String hookName, String datasetPath) implements java.io.Serializable {
        /** No model or hook known. */
        public static final Origin NONE = new Origin(null, null, null);
    }

    /**
     * Saves atomically into {@code dir} (replacing it only if it is empty or this engine's own output, see
     * {@link AtomicFiles#publishDirectory}). {@code extra} (may be null) is stored under
     * {@code cfg.json["mdlsae"]} beside the architecture facts, e.g. the training config and its results.
     */
    public static void save(Path dir, SaeWeights w, Map<String, Object> extra) throws IOException {
        save(dir, w, extra, Origin.NONE, null);
    }

    /** As {@link #save(Path, SaeWeights, Map)}, recording the activations' origin for SAELens. */
    public static void save(Path dir, SaeWeights w, Map<String, Object> extra, Origin origin) throws IOException {
        save(dir, w, extra, origin, null);
    }

    /**
     * As {@link #save(Path, SaeWeights, Map, Origin)}, and writes {@code timings} (if not null) as {@link #TIMINGS} in
     * the same atomic publish.
     */
    public static void save(Path dir, SaeWeights w, Map<String, Object> extra, Origin origin, Object timings)
            throws IOException {
        int d = w.dIn(), width = w.width();
        Map<String, SafeTensors.Tensor> t = new LinkedHashMap<>();
        t.put("W_enc", SafeTensors.Tensor.f32("W_enc", SaeParts.transpose(w.enc(), width, d), d, width));
        t.put("b_enc", SafeTensors.Tensor.f32("b_enc", w.bEnc(), width));
        t.put("W_dec", SafeTensors.Tensor.f32("W_dec", w.dec(), width, d));
        t.put("b_dec", SafeTensors.Tensor.f32("b_dec", w.bDec(), d));
        float[] th = null;
        if (w.arch() == Arch.BATCHTOPK) {
            th = new float[width];
            Arrays.fill(th, w.threshold());
        } else if (w.arch() == Arch.JUMPRELU) {
            th = w.thresholds();
        }
        if (th != null) t.put("threshold", SafeTensors.Tensor.f32("threshold", th, width));
        String cfgText = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config(w, extra, origin == null ? Origin.NONE : origin));
        String timingsText = timings == null ? null : JSON.writerWithDefaultPrettyPrinter().writeValueAsString(timings);
        AtomicFiles.publishDirectory(dir, OutputKind.SAE, tmp -> {
            SafeTensors.write(tmp.resolve(WEIGHTS), t, Map.of("format", "pt"));
            AtomicFiles.writeString(tmp.resolve(CONFIG), cfgText + "\n");
            if (timingsText != null) AtomicFiles.writeString(tmp.resolve(TIMINGS), timingsText + "\n");
        });
    }

    /** The cfg.json of an SAE, readable by SAELens 5 and 6 (see the class comment). */
    static ObjectNode config(SaeWeights w, Map<String, Object> extra, Origin origin) {
        String archName = switch (w.arch()) {
            case TOPK -> "topk";
            case STANDARD -> "standard";
            default -> "jumprelu";
        };
        String hook = origin.hookName() == null ? "" : origin.hookName();
        Matcher layer = LAYER.matcher(hook);
        ObjectNode cfg = JSON.createObjectNode();
        // SAELens 6 (SAEConfig and TopKSAEConfig fields)
        cfg.put("architecture", archName);
        cfg.put("d_in", w.dIn());
        cfg.put("d_sae", w.width());
        cfg.put("dtype", "float32");
        cfg.put("device", "cpu");
        cfg.put("apply_b_dec_to_input", true);
        cfg.put("normalize_activations", "none");
        cfg.put("reshape_activations", "none");
        if (w.arch() == Arch.TOPK) {
            cfg.put("k", w.k());
            cfg.put("rescale_acts_by_decoder_norm", false);
        }
        ObjectNode meta = cfg.putObject("metadata");
        meta.put("sae_lens_version", SAELENS_LAYOUT);
        meta.putNull("sae_lens_training_version");
        meta.put("model_name", origin.modelName());
        meta.put("hook_name", hook);
        meta.putNull("hook_head_index");
        meta.putNull("context_size");
        meta.put("prepend_bos", true);
        meta.put("dataset_path", origin.datasetPath());
        meta.putObject("model_from_pretrained_kwargs");
        meta.putArray("seqpos_slice").addNull();
        // SAELens 5 (its SAEConfig's required fields; SAELens 6 keeps only the fields of its own config classes)
        cfg.put("activation_fn_str", w.arch() == Arch.TOPK ? "topk" : "relu");
        ObjectNode kwargs = cfg.putObject("activation_fn_kwargs");
        if (w.arch() == Arch.TOPK) kwargs.put("k", w.k());
        cfg.put("finetuning_scaling_factor", false);
        cfg.put("model_name", origin.modelName());
        cfg.put("hook_name", hook);
        cfg.put("hook_layer", layer.find() ? Integer.parseInt(layer.group(1)) : 0);
        cfg.putNull("hook_head_index");
        cfg.putNull("context_size");
        cfg.put("prepend_bos", true);
        cfg.put("dataset_path", origin.datasetPath());
        cfg.put("dataset_trust_remote_code", false);
        cfg.putNull("sae_lens_training_version");
        cfg.putNull("neuronpedia_id");
        cfg.putObject("model_from_pretrained_kwargs");
        cfg.putArray("seqpos_slice").addNull();

        ObjectNode own = cfg.putObject(OWN_KEY);
        own.put("arch", w.arch().id());
        if (w.arch().hasK()) own.put("k", w.k());
        if (w.arch() == Arch.BATCHTOPK) own.put("threshold", w.threshold());
        own.put("weights_layout", "SAELens: W_enc [d_in, d_sae], W_dec [d_sae, d_in]");
        if (extra != null) extra.forEach((key, v) -> own.set(key, JSON.valueToTree(v)));
        return cfg;
    }

    /** Loads an SAE, its format detected from the files ({@link SaeFormat#detect}). */
    public static Loaded load(Path path) {
        return load(path, null, null);
    }

    /**
     * Loads an SAE.
     *
     * @param path      a directory (or a format's file: {@code params.npz}, {@code ae.pt}, ...)
     * @param format    the format, or null to detect it
     * @param hookpoint for a sparsify run folder, the hook point's sub-folder ({@code --hookpoint}); else null
     * @return the SAE with what the loader noted
     */
    public static Loaded load(Path path, SaeFormat format, String hookpoint) {
        SaeFormat f = format != null ? format : SaeFormat.detect(path);
        if (hookpoint != null && f != SaeFormat.SPARSIFY) {
            throw new org.mdlsae.InputException("--hookpoint: only sparsify run folders have hook points; " + path
                    + " is read as " + f.id());
        }
        Path dir = Files.isRegularFile(path) ? path.toAbsolutePath().getParent() : path;
        if (!Files.exists(path)) throw new org.mdlsae.InputException("--sae " + path + ": no such file or directory");
        return switch (f) {
            case SAELENS -> SaeLensFormat.load(dir);
            case SPARSIFY -> SparsifyFormat.load(dir, hookpoint);
            case GEMMA_SCOPE -> GemmaScopeFormat.load(path);
            case DICTIONARY_LEARNING -> DictionaryLearningFormat.load(path);
        };
    }
}
