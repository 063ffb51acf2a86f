package org.mdlsae.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.mdlsae.InputException;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.SaeWeights;

/**
 * SAELens directories of both generations (and this engine's own, which are SAELens directories with an
 * {@code mdlsae} section). Semantics follow SAELens 6.18 ({@code sae_lens/saes/*.py},
 * {@code sae_lens/loading/pretrained_sae_loaders.py}: {@code handle_config_defaulting}, {@code handle_pre_6_0_config},
 * {@code read_sae_components_from_disk}) for files whose {@code sae_lens_version} (top level or in {@code metadata})
 * is 6 or later, and SAELens 5.11 ({@code sae_lens/sae.py}, {@code sae_lens/toolkit/pretrained_sae_loaders.py}) for
 * the others; docs/design.md §7.
 */
final class SaeLensFormat {
    private static final Set<String> DTYPES = Set.of("float32", "float64", "float16", "bfloat16",
            "torch.float32", "torch.float64", "torch.float16", "torch.bfloat16");
    /** SAELens' ActivationScaler file, written beside training checkpoints. */
    static final String SCALER = "activation_scaler.json";
    /** The k TopKSAEConfig defaults to when cfg.json has none. */
    static final int DEFAULT_K = 100;

    /** Metadata (SAELens' LLM_METADATA_KEYS and 5.x's SAEConfig fields): how the activations were taken. */
    private static final List<String> METADATA = List.of("metadata", "device", "model_name", "hook_name", "hook_layer",
            "hook_head_index", "context_size", "prepend_bos", "dataset_path", "dataset_trust_remote_code",
            "sae_lens_version", "sae_lens_training_version", "neuronpedia_id", "model_from_pretrained_kwargs",
            "seqpos_slice", "model_class_name", "exclude_special_tokens", "hook_name_out", "hook_head_index_out",
            "hook_point", "hook_point_layer", "hook_point_head_index", SaeFiles.OWN_KEY);
    /** Training-only fields of SAELens 6.18's TrainingSAEConfig classes and 5.11's TrainingSAEConfig. */
    private static final List<String> TRAINING = List.of("decoder_init_norm", "l1_coefficient", "l1_warm_up_steps",
            "lp_norm", "aux_loss_coefficient", "use_sparse_activations", "jumprelu_bandwidth", "jumprelu_init_threshold",
            "jumprelu_sparsity_loss_mode", "jumprelu_tanh_scale", "l0_coefficient", "l0_warm_up_steps",
            "pre_act_loss_coefficient", "topk_threshold_lr", "matryoshka_widths", "use_ghost_grads",
            "normalize_sae_decoder", "noise_scale", "decoder_orthogonal_init", "mse_loss_normalization",
            "decoder_heuristic_init", "decoder_heuristic_init_norm", "init_encoder_as_decoder_transpose",
            "scale_sparsity_penalty_by_decoder_norm");

    private SaeLensFormat() {
    }

    static void keys(List<SaeFormat.Key> out) {
        String six = "saelens6-topk", five = "saelens5-topk";
        out.add(forward("architecture", six, "\"topk\"", "\"transcoder\""));
        out.add(forward("d_in", null, null, null));
        out.add(forward("d_sae", null, null, null));
        out.add(forward("dtype", six, "\"float32\"", "\"int8\""));
        out.add(forward("apply_b_dec_to_input", six, "true", null));
        out.add(forward("normalize_activations", six, "\"none\"", "\"layer_norm\""));
        out.add(forward("reshape_activations", six, "\"none\"", "\"hook_q\""));
        out.add(forward("k", six, "4", "1000"));
        out.add(forward("rescale_acts_by_decoder_norm", six, "false", null));
        out.add(forward("finetuning_scaling_factor", six, "false", null));
        out.add(forward("activation_fn_str", five, "\"topk\"", "\"tanh-relu\""));
        out.add(forward("activation_fn", five, "\"topk\"", "\"tanh-relu\""));
        out.add(forward("activation_fn_kwargs", five, "{\"k\": 4}", "{\"k\": 4, \"postact_fn\": \"tanh\"}"));
        for (String k : METADATA) {
            out.add(new SaeFormat.Key(k, SaeFormat.Role.INERT, six, k.equals("metadata") ? null : "null", null));
        }
        for (String k : TRAINING) out.add(new SaeFormat.Key(k, SaeFormat.Role.INERT, six, "0.5", null));
        for (String t : List.of("W_enc", "b_enc", "W_dec", "b_dec", "threshold", "b_gate", "b_mag", "r_mag",
                "scaling_factor", "finetuning_scaling_factor")) {
            out.add(new SaeFormat.Key(t, SaeFormat.Role.TENSOR, null, null, null));
        }
    }

    private static SaeFormat.Key forward(String name, String fixture, String neutral, String refused) {
        return new SaeFormat.Key(name, SaeFormat.Role.FORWARD, fixture, neutral, refused);
    }

    private static Set<String> known() {
        Set<String> s = new HashSet<>();
        List<SaeFormat.Key> all = new ArrayList<>();
        keys(all);
        for (SaeFormat.Key k : all) if (k.role() != SaeFormat.Role.TENSOR) s.add(k.name());
        return s;
    }

    static SaeFiles.Loaded load(Path dir) {
        Path cfgFile = SaeParts.need(dir.resolve(SaeFiles.CONFIG), "SAELens");
        Path wFile = SaeParts.need(dir.resolve(SaeFiles.WEIGHTS), "SAELens");
        ObjectNode cfg = SaeParts.readObject(cfgFile);
        List<String> notes = new ArrayList<>();
        int d = SaeParts.positiveInt(cfg, "d_in", cfgFile);
        int width = SaeParts.positiveInt(cfg, "d_sae", cfgFile);
        boolean modern = majorVersion(cfg) >= 6;
        JsonNode dtype = cfg.get("dtype");
        if (dtype != null && !DTYPES.contains(dtype.asText())) {
            throw new InputException(cfgFile + ": 'dtype' " + dtype + " is not one SAELens knows; use float32, float16, "
                    + "bfloat16 or float64");
        }

        JsonNode own = cfg.path(SaeFiles.OWN_KEY);
        String ownArch = own.path("arch").asText(null);
        String archName = text(cfg, "architecture", cfgFile);
        if (archName == null && ownArch == null) {
            if (modern) throw new InputException(cfgFile + ": 'architecture' is missing (SAELens 6 needs it)");
            archName = "standard"; // SAELens 5 / handle_pre_6_0_config default
        }
        if (ownArch != null) { // our own file: the training record says what it is
            String expect = switch (ownArch) {
                case "topk", "standard", "jumprelu" -> ownArch;
                case "batchtopk" -> "jumprelu";
                default -> throw new InputException(cfgFile + ": mdlsae.arch '" + ownArch
                        + "' is unknown; use topk, batchtopk, standard or jumprelu");
            };
            if (archName != null && !archName.equals(expect)) {
                throw new InputException(cfgFile + ": 'architecture' is '" + archName + "' but mdlsae.arch is '" + ownArch
                        + "', which is saved as '" + expect + "'; fix one of them");
            }
            archName = expect;
        }
        String act = activation(cfg, cfgFile);
        JsonNode kwargs = cfg.get("activation_fn_kwargs");
        Integer kwK = kwargsK(kwargs, cfgFile);

        Arch arch;
        int k = 0;
        boolean gated = false, rescale = false;
        switch (archName) {
            case "standard" -> {
                if ("topk".equals(act) && !modern) { // SAELens 5: a standard SAE with a TopK activation
                    arch = Arch.TOPK;
                    k = requireK(kwK, "activation_fn_kwargs.k", width, cfgFile);
                } else {
                    checkRelu(act, archName, cfgFile);
                    arch = Arch.STANDARD;
                }
            }
            case "topk" -> {
                arch = Arch.TOPK;
                if (!modern && ownArch == null && !"topk".equals(act)) {
                    throw new InputException(cfgFile + ": architecture 'topk' with activation_fn_str '"
                            + (act == null ? "relu (the default)" : act) + "': SAELens 5 runs this as a ReLU SAE and "
                            + "SAELens 6 as TopK; set activation_fn_str to \"topk\" with activation_fn_kwargs.k, or "
                            + "add metadata.sae_lens_version");
                }
                if (act != null && !act.equals("topk")) {
                    throw new InputException(cfgFile + ": architecture 'topk' but activation_fn_str '" + act
                            + "'; SAELens 5 would run a " + act + " SAE; make them agree");
                }
                JsonNode kNode = cfg.get("k");
                Integer top = kNode == null || kNode.isNull() ? null : kValue(kNode, "k", cfgFile);
                if (top == null && own.has("k")) top = kValue(own.get("k"), "mdlsae.k", cfgFile);
                if (top != null && kwK != null && !top.equals(kwK)) {
                    throw new InputException(cfgFile + ": 'k' = " + top + " but activation_fn_kwargs.k = " + kwK
                            + "; SAELens 6 reads the first and SAELens 5 the second; make them agree");
                }
                if (top == null && kwK == null) {
                    if (!modern) throw new InputException(cfgFile + ": a TopK SAE needs activation_fn_kwargs.k (SAELens 5)");
                    notes.add(cfgFile.getFileName() + ": no 'k'; using SAELens 6's default k = " + DEFAULT_K);
                    top = DEFAULT_K;
                }
                k = requireK(top != null ? top : kwK, top != null ? "k" : "activation_fn_kwargs.k", width, cfgFile);
                rescale = SaeParts.bool(cfg, "rescale_acts_by_decoder_norm", false, cfgFile);
            }
            case "jumprelu", "gated" -> {
                checkRelu(act, archName, cfgFile);
                gated = archName.equals("gated");
                arch = ownArch != null && ownArch.equals("batchtopk") ? Arch.BATCHTOPK : Arch.JUMPRELU;
            }
            case "batchtopk", "matryoshka_batchtopk" -> throw new InputException(cfgFile + ": architecture '" + archName
                    + "' is a SAELens training checkpoint; save it for inference with sae.save_inference_model(path), "
                    + "which writes a jumprelu SAE");
            case "transcoder", "skip_transcoder", "jumprelu_transcoder" -> throw new InputException(cfgFile
                    + ": architecture '" + archName + "' is a transcoder (it predicts another layer's activations), not an "
                    + "autoencoder; its reconstruction error is not defined on one activation set");
            default -> throw new InputException(cfgFile + ": architecture '" + archName
                    + "' is not supported; this engine reads standard, topk, jumprelu and gated");
        }
        if (!archName.equals("topk") && cfg.has("rescale_acts_by_decoder_norm")
                && SaeParts.bool(cfg, "rescale_acts_by_decoder_norm", false, cfgFile)) {
            notes.add(cfgFile.getFileName() + ": rescale_acts_by_decoder_norm ignored: SAELens applies it to topk SAEs only");
        }
        String reshape = cfg.path("reshape_activations").asText("none");
        if (reshape.equals("hook_z")) {
            notes.add(cfgFile.getFileName() + ": reshape_activations hook_z: rows are taken as the heads' outputs "
                    + "concatenated (n_heads·d_head = d_in), which is what SAELens' reshaping produces");
        } else if (!reshape.equals("none") && !reshape.equals("null")) {
            throw new InputException(cfgFile + ": reshape_activations '" + reshape + "' is not supported; SAELens writes none or hook_z");
        }
        Double inputScale = normalisation(cfg, dir, cfgFile, notes);
        boolean bDecIn = SaeParts.bool(cfg, "apply_b_dec_to_input", true, cfgFile);
        boolean finetune = SaeParts.bool(cfg, "finetuning_scaling_factor", false, cfgFile);

        SaeParts.Tensors ts = new SaeParts.Tensors(wFile, SafeTensors.read(wFile));
        float[] enc = SaeParts.transpose(ts.take("W_enc", d, width), d, width);
        float[] dec = ts.take("W_dec", width, d).clone();
        float[] bDec = ts.take("b_dec", d).clone();
        float[] bEnc;
        float[] theta = null;
        if (gated) {
            float[] rMag = ts.take("r_mag", width), bGate = ts.take("b_gate", width);
            bEnc = ts.take("b_mag", width).clone();
            theta = SaeParts.foldGate(enc, rMag, bGate, bEnc, d);
        } else {
            bEnc = ts.take("b_enc", width).clone();
            if (arch == Arch.JUMPRELU || arch == Arch.BATCHTOPK) theta = ts.take("threshold", width).clone();
        }
        String scaling = ts.first("scaling_factor", "finetuning_scaling_factor");
        float[] ft = scaling == null ? null : ts.take(scaling, width);
        ts.noOthers("a SAELens " + archName + " SAE");

        if (!bDecIn) SaeParts.foldInputBias(enc, bEnc, bDec, d, width);
        if (rescale) SaeParts.foldDecoderNorm(enc, bEnc, dec, d, width, cfgFile);
        if (ft != null && !allOnes(ft)) {
            if (!finetune) {
                throw new InputException(wFile + ": tensor '" + scaling + "' is present but finetuning_scaling_factor is "
                        + "false (SAELens refuses this too); set it to true or remove the tensor");
            }
            SaeParts.scaleDecoderRows(dec, ft, d);
        }
        if (inputScale != null) SaeParts.foldInputScale(enc, dec, bDec, inputScale);

        SaeWeights w = switch (arch) {
            case TOPK -> new SaeWeights(Arch.TOPK, d, width, k, Float.NaN, enc, bEnc, dec, bDec);
            case STANDARD -> new SaeWeights(Arch.STANDARD, d, width, 0, Float.NaN, enc, bEnc, dec, bDec);
            case BATCHTOPK -> {
                if (SaeWeights.common(theta) == null) {
                    throw new InputException(wFile + ": mdlsae.arch is batchtopk but the thresholds differ; a BatchTopK "
                            + "SAE has one threshold");
                }
                int ownK = own.has("k") ? kValue(own.get("k"), "mdlsae.k", cfgFile) : 0;
                yield new SaeWeights(Arch.BATCHTOPK, d, width, requireK(ownK, "mdlsae.k", width, cfgFile), theta[0],
                        enc, bEnc, dec, bDec);
            }
            default -> new SaeWeights(Arch.JUMPRELU, d, width, 0, Float.NaN, enc, bEnc, dec, bDec, theta);
        };
        SaeParts.noteUnknown(cfg, known(), cfgFile, "SAELens", notes);
        return new SaeFiles.Loaded(w, cfg, SaeFormat.SAELENS, dir, notes);
    }

    /** The major version in sae_lens_version (top level or metadata), 0 when absent, as handle_config_defaulting. */
    static int majorVersion(JsonNode cfg) {
        String v = cfg.path("sae_lens_version").asText("");
        if (v.isEmpty() || cfg.path("sae_lens_version").isNull()) v = cfg.path("metadata").path("sae_lens_version").asText("");
        int i = 0;
        while (i < v.length() && Character.isDigit(v.charAt(i))) i++;
        return i == 0 ? 0 : Integer.parseInt(v.substring(0, Math.min(i, 9)));
    }

    private static String text(JsonNode cfg, String key, Path file) {
        JsonNode n = cfg.get(key);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw new InputException(file + ": '" + key + "' must be a string, got " + n);
        return n.asText();
    }

    /** activation_fn_str or its older name activation_fn (SAELens 5 renames the latter to the former). */
    private static String activation(JsonNode cfg, Path file) {
        String a = text(cfg, "activation_fn_str", file), b = text(cfg, "activation_fn", file);
        if (a != null && b != null && !a.equals(b)) {
            throw new InputException(file + ": activation_fn_str '" + a + "' and activation_fn '" + b + "' disagree; keep one");
        }
        String act = a != null ? a : b;
        if (act != null && !act.equals("relu") && !act.equals("topk")) {
            throw new InputException(file + ": " + (a != null ? "activation_fn_str" : "activation_fn") + " '" + act
                    + "' is not supported; this engine implements relu and topk");
        }
        return act;
    }

    private static void checkRelu(String act, String arch, Path file) {
        if (act != null && !act.equals("relu")) {
            throw new InputException(file + ": architecture '" + arch + "' with activation_fn_str '" + act
                    + "' is not supported; only relu");
        }
    }

    /** k from activation_fn_kwargs; refuses kwargs other than k (and sparsify's signed = false). */
    private static Integer kwargsK(JsonNode kwargs, Path file) {
        if (kwargs == null || kwargs.isNull()) return null;
        if (!kwargs.isObject()) throw new InputException(file + ": activation_fn_kwargs must be an object, got " + kwargs);
        Integer k = null;
        for (Iterator<String> it = kwargs.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            JsonNode v = kwargs.get(name);
            if (name.equals("k")) k = kValue(v, "activation_fn_kwargs.k", file);
            else if (!(name.equals("signed") && v.isBoolean() && !v.asBoolean())) {
                throw new InputException(file + ": activation_fn_kwargs." + name + " = " + v + " changes the activation "
                        + "in a way this engine does not implement; remove it");
            }
        }
        return k;
    }

    private static int kValue(JsonNode n, String key, Path file) {
        if (n == null || !n.isNumber() || n.asDouble() != Math.rint(n.asDouble()) || !n.canConvertToInt()) {
            throw new InputException(file + ": '" + key + "' must be a positive integer, got " + n);
        }
        return n.asInt();
    }

    /** k in [1, d_sae]; a k beyond d_sae is refused, never clamped. */
    static int requireK(Integer k, String key, int width, Path file) {
        if (k == null) throw new InputException(file + ": '" + key + "' is missing; a TopK SAE needs k");
        if (k < 1) throw new InputException(file + ": '" + key + "' = " + k + " must be at least 1");
        if (k > width) throw new InputException(file + ": '" + key + "' = " + k + " exceeds d_sae = " + width + "; the file is inconsistent");
        return k;
    }

    /**
     * normalize_activations: none (or false/null) does nothing; expected_average_only_in (or true) is, as in SAELens'
     * load_from_disk, the identity unless SAELens' activation_scaler.json beside the weights holds the training
     * scaling factor, which is then folded in (inputs × s, outputs ÷ s); the per-token modes are refused.
     *
     * @return the input scale to fold, or null
     */
    private static Double normalisation(JsonNode cfg, Path dir, Path cfgFile, List<String> notes) {
        JsonNode n = cfg.get("normalize_activations");
        String mode = n == null || n.isNull() ? "none" : n.isBoolean() ? (n.asBoolean() ? "expected_average_only_in" : "none")
                : n.asText();
        switch (mode) {
            case "none" -> {
                return null;
            }
            case "expected_average_only_in" -> {
                Path scaler = dir.resolve(SCALER);
                if (Files.isRegularFile(scaler)) {
                    JsonNode s = SaeParts.readObject(scaler).get("scaling_factor");
                    if (s != null && s.isNumber()) {
                        double f = s.asDouble();
                        if (!(f > 0) || Double.isInfinite(f)) throw new InputException(scaler + ": scaling_factor must be > 0, got " + f);
                        notes.add(cfgFile.getFileName() + ": normalize_activations expected_average_only_in: inputs scaled by "
                                + f + " from " + SCALER + " (folded into the weights)");
                        return f;
                    }
                }
                notes.add(cfgFile.getFileName() + ": normalize_activations expected_average_only_in without a scaling "
                        + "factor (" + SCALER + "): inputs are used as given, as SAELens' load_from_disk does");
                return null;
            }
            case "constant_norm_rescale", "layer_norm" -> throw new InputException(cfgFile + ": normalize_activations '"
                    + mode + "' rescales every input row at run time, which this engine does not implement; "
                    + "normalise the activations yourself and set it to \"none\"");
            default -> throw new InputException(cfgFile + ": normalize_activations '" + mode
                    + "' is unknown; SAELens writes none, expected_average_only_in, constant_norm_rescale or layer_norm");
        }
    }

    /** torch.allclose(s, ones) with its default tolerances, as read_sae_components_from_disk tests it. */
    private static boolean allOnes(float[] s) {
        for (float v : s) if (!(Math.abs(v - 1.0) <= 1e-8 + 1e-5)) return false;
        return true;
    }
}
