package org.mdlsae.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mdlsae.InputException;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.SaeWeights;

/**
 * saprmarks/dictionary_learning dictionaries: {@code ae.pt}, the {@code state_dict} that {@code trainSAE}
 * ({@code dictionary_learning/training.py}) saves with {@code torch.save}, read by {@link TorchCheckpoint} (or the
 * same entries in {@code ae.safetensors}), and {@code config.json} ({@code {"trainer": {...}, "buffer": {...}}})
 * whose {@code trainer.dict_class} names the class, as {@code utils.load_dictionary} reads it. The classes and
 * their forward passes follow {@code dictionary_learning/dictionary.py} and {@code trainers/top_k.py},
 * {@code trainers/batch_top_k.py}, {@code trainers/matryoshka_batch_top_k.py}; docs/design.md §7.
 */
final class DictionaryLearningFormat {
    /** The checkpoint's name. */
    static final String CHECKPOINT = "ae.pt";
    /** The same state_dict converted to safetensors. */
    static final String SAFETENSORS = "ae.safetensors";
    /** The training config beside it. */
    static final String CONFIG = "config.json";

    /** Each class's state_dict entries (torch's load_state_dict is strict, so the set identifies the class). */
    private static final Map<String, Set<String>> CLASSES = Map.of(
            "AutoEncoder", Set.of("bias", "encoder.weight", "encoder.bias", "decoder.weight"),
            "AutoEncoderNew", Set.of("encoder.weight", "encoder.bias", "decoder.weight", "decoder.bias"),
            "GatedAutoEncoder", Set.of("decoder_bias", "encoder.weight", "r_mag", "gate_bias", "mag_bias", "decoder.weight"),
            "JumpReluAutoEncoder", Set.of("W_enc", "b_enc", "W_dec", "b_dec", "threshold"),
            "AutoEncoderTopK", Set.of("k", "threshold", "decoder.weight", "encoder.weight", "encoder.bias", "b_dec"),
            "BatchTopKSAE", Set.of("k", "threshold", "decoder.weight", "encoder.weight", "encoder.bias", "b_dec"),
            "MatryoshkaBatchTopKSAE", Set.of("k", "threshold", "group_sizes", "W_enc", "b_enc", "W_dec", "b_dec"));

    private DictionaryLearningFormat() {
    }

    static void keys(List<SaeFormat.Key> out) {
        String fx = "dl-topk";
        out.add(new SaeFormat.Key("trainer.dict_class", SaeFormat.Role.FORWARD, fx, "\"AutoEncoderTopK\"", "\"IdentityDict\""));
        out.add(new SaeFormat.Key("trainer.k", SaeFormat.Role.FORWARD, fx, "4", "5"));
        out.add(new SaeFormat.Key("trainer.activation_dim", SaeFormat.Role.FORWARD, fx, null, "1"));
        out.add(new SaeFormat.Key("trainer.dict_size", SaeFormat.Role.FORWARD, fx, null, "1"));
        out.add(new SaeFormat.Key("trainer.lr", SaeFormat.Role.INERT, fx, "0.5", null));
        out.add(new SaeFormat.Key("buffer", SaeFormat.Role.INERT, fx, "{}", null));
        java.util.TreeSet<String> tensors = new java.util.TreeSet<>();
        CLASSES.values().forEach(tensors::addAll);
        for (String t : tensors) out.add(new SaeFormat.Key(t, SaeFormat.Role.TENSOR, null, null, null));
    }

    static SaeFiles.Loaded load(Path path) {
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        Path file = Files.isDirectory(path)
                ? (Files.isRegularFile(path.resolve(CHECKPOINT)) ? path.resolve(CHECKPOINT) : SaeParts.need(path.resolve(SAFETENSORS), "dictionary_learning"))
                : path;
        Map<String, SafeTensors.Tensor> sd = file.getFileName().toString().endsWith(".safetensors")
                ? SafeTensors.read(file) : TorchCheckpoint.read(file);
        Path cfgFile = dir.resolve(CONFIG);
        ObjectNode cfg = Files.isRegularFile(cfgFile) ? SaeParts.readObject(cfgFile) : SaeParts.JSON.createObjectNode();
        JsonNode trainer = cfg.path("trainer");
        String named = trainer.path("dict_class").asText(null);
        List<String> matches = new ArrayList<>();
        for (Map.Entry<String, Set<String>> e : CLASSES.entrySet()) if (e.getValue().equals(sd.keySet())) matches.add(e.getKey());
        String cls;
        if (named != null) {
            if (!CLASSES.containsKey(named)) {
                throw new InputException(cfgFile + ": trainer.dict_class '" + named + "' is not supported; this engine reads "
                        + new java.util.TreeSet<>(CLASSES.keySet()));
            }
            if (!matches.contains(named)) {
                throw new InputException(file + ": its entries " + sd.keySet() + " are not those of a " + named
                        + " (" + CLASSES.get(named) + ") as trainer.dict_class in " + CONFIG + " says");
            }
            cls = named;
        } else if (matches.size() == 1) {
            cls = matches.get(0);
        } else if (matches.isEmpty()) {
            throw new InputException(file + ": its entries " + sd.keySet() + " match no dictionary_learning class this engine "
                    + "reads " + new java.util.TreeSet<>(CLASSES.keySet()));
        } else {
            throw new InputException(file + ": its entries fit both " + matches + "; put dictionary_learning's " + CONFIG
                    + " (with trainer.dict_class) beside it");
        }
        SaeParts.Tensors ts = new SaeParts.Tensors(file, sd);
        boolean engineLayout = sd.containsKey("W_enc"); // JumpReLU and Matryoshka store W_enc [d, D], W_dec [D, d]
        long[] s = ts.shape(engineLayout ? "W_enc" : "encoder.weight");
        if (s.length != 2) throw new InputException(file + ": the encoder weight is not 2-D: " + java.util.Arrays.toString(s));
        int d = (int) (engineLayout ? s[0] : s[1]), width = (int) (engineLayout ? s[1] : s[0]);
        checkDims(trainer, d, width, cfgFile);

        float[] enc, dec, bEnc, bDec, theta = null;
        if (engineLayout) {
            enc = SaeParts.transpose(ts.take("W_enc", d, width), d, width);
            bEnc = ts.take("b_enc", width).clone();
            dec = ts.take("W_dec", width, d).clone();
            bDec = ts.take("b_dec", d).clone();
        } else {
            enc = ts.take("encoder.weight", width, d).clone();
            dec = SaeParts.transpose(ts.take("decoder.weight", d, width), d, width); // nn.Linear(D, d).weight is [d, D]
            bDec = ts.take(ts.first("b_dec", "bias", "decoder_bias", "decoder.bias"), d).clone();
            bEnc = cls.equals("GatedAutoEncoder") ? ts.take("mag_bias", width).clone() : ts.take("encoder.bias", width).clone();
        }
        SaeWeights w;
        switch (cls) {
            case "AutoEncoder" -> w = new SaeWeights(Arch.STANDARD, d, width, 0, Float.NaN, enc, bEnc, dec, bDec);
            case "AutoEncoderNew" -> { // relu(W x + b): the input is not centred on the decoder bias
                SaeParts.foldInputBias(enc, bEnc, bDec, d, width);
                w = new SaeWeights(Arch.STANDARD, d, width, 0, Float.NaN, enc, bEnc, dec, bDec);
            }
            case "GatedAutoEncoder" -> {
                theta = SaeParts.foldGate(enc, ts.take("r_mag", width), ts.take("gate_bias", width), bEnc, d);
                w = new SaeWeights(Arch.JUMPRELU, d, width, 0, Float.NaN, enc, bEnc, dec, bDec, theta);
            }
            case "JumpReluAutoEncoder" -> { // apply_b_dec_to_input = False in its constructor
                theta = ts.take("threshold", width).clone();
                SaeParts.foldInputBias(enc, bEnc, bDec, d, width);
                w = new SaeWeights(Arch.JUMPRELU, d, width, 0, Float.NaN, enc, bEnc, dec, bDec, theta);
            }
            default -> { // AutoEncoderTopK (per-row top-k), BatchTopKSAE and Matryoshka (threshold at inference)
                int k = stateK(ts, trainer, width, file, cfgFile);
                float t = ts.scalar("threshold");
                if (cls.equals("MatryoshkaBatchTopKSAE")) {
                    float[] groups = ts.take("group_sizes", ts.shape("group_sizes"));
                    double sum = 0;
                    for (float g : groups) sum += g;
                    if (sum != width) throw new InputException(file + ": group_sizes sum to " + (long) sum + ", not dict_size " + width);
                }
                w = cls.equals("AutoEncoderTopK") ? new SaeWeights(Arch.TOPK, d, width, k, Float.NaN, enc, bEnc, dec, bDec)
                        : new SaeWeights(Arch.BATCHTOPK, d, width, k, t, enc, bEnc, dec, bDec);
            }
        }
        ts.noOthers("a " + cls);
        return new SaeFiles.Loaded(w, cfg, SaeFormat.DICTIONARY_LEARNING, file, List.of());
    }

    private static void checkDims(JsonNode trainer, int d, int width, Path cfgFile) {
        if (trainer.has("activation_dim") && trainer.get("activation_dim").asInt() != d) {
            throw new InputException(cfgFile + ": trainer.activation_dim = " + trainer.get("activation_dim") + " but the weights have d = " + d);
        }
        if (trainer.has("dict_size") && trainer.get("dict_size").asInt() != width) {
            throw new InputException(cfgFile + ": trainer.dict_size = " + trainer.get("dict_size") + " but the weights have D = " + width);
        }
    }

    /** The k buffer; trainer.k must agree, as {@code from_pretrained} checks. */
    private static int stateK(SaeParts.Tensors ts, JsonNode trainer, int width, Path file, Path cfgFile) {
        float kf = ts.scalar("k");
        int k = (int) kf;
        if (k != kf) throw new InputException(file + ": buffer k = " + kf + " is not an integer");
        if (trainer.has("k") && trainer.get("k").asInt() != k) {
            throw new InputException(cfgFile + ": trainer.k = " + trainer.get("k") + " but the state_dict's k = " + k
                    + " (dictionary_learning refuses this too)");
        }
        return SaeLensFormat.requireK(k, "k", width, file);
    }
}
