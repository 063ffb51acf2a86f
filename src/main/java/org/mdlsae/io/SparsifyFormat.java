package org.mdlsae.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.mdlsae.InputException;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.SaeWeights;

/**
 * EleutherAI sparsify SAEs, as {@code SparseCoder.save_to_disk} writes them ({@code sparsify/sparse_coder.py}):
 * {@code cfg.json} = {@code SparseCoderConfig.to_dict()} + {@code d_in}, and {@code sae.safetensors} with
 * {@code encoder.weight} [D, d], {@code encoder.bias} [D], {@code W_dec} [D, d], {@code b_dec} [d]. A training run
 * ({@code sparsify/trainer.py}) saves one such folder per hook point ({@code layers.0/}, ...). Forward pass
 * ({@code SparseCoder.encode}/{@code decode}, {@code fused_encoder}): {@code topk(relu(W (x − b_dec) + b), k)},
 * {@code x̂ = Σ a_i W_dec[i] + b_dec}; docs/design.md §7.
 */
final class SparsifyFormat {
    /** Weights file name. */
    static final String WEIGHTS = "sae.safetensors";

    private SparsifyFormat() {
    }

    static void keys(List<SaeFormat.Key> out) {
        String fx = "sparsify";
        out.add(new SaeFormat.Key("d_in", SaeFormat.Role.FORWARD, null, null, null));
        out.add(new SaeFormat.Key("activation", SaeFormat.Role.FORWARD, fx, "\"topk\"", "\"groupmax\""));
        out.add(new SaeFormat.Key("k", SaeFormat.Role.FORWARD, fx, "4", "1000"));
        out.add(new SaeFormat.Key("num_latents", SaeFormat.Role.FORWARD, null, null, null));
        out.add(new SaeFormat.Key("expansion_factor", SaeFormat.Role.FORWARD, null, null, null));
        out.add(new SaeFormat.Key("skip_connection", SaeFormat.Role.FORWARD, fx, "false", "true"));
        out.add(new SaeFormat.Key("transcode", SaeFormat.Role.FORWARD, fx, "false", "true"));
        out.add(new SaeFormat.Key("signed", SaeFormat.Role.FORWARD, fx, "false", "true"));
        out.add(new SaeFormat.Key("normalize_decoder", SaeFormat.Role.INERT, fx, "false", null));
        out.add(new SaeFormat.Key("multi_topk", SaeFormat.Role.INERT, fx, "true", null));
        for (String t : List.of("encoder.weight", "encoder.bias", "W_dec", "b_dec", "W_skip")) {
            out.add(new SaeFormat.Key(t, SaeFormat.Role.TENSOR, null, null, null));
        }
    }

    /** Sub-folders of a sparsify run that hold an SAE (cfg.json + sae.safetensors), sorted by name. */
    static List<String> hookpoints(Path run) {
        if (!Files.isDirectory(run)) return List.of();
        try (Stream<Path> s = Files.list(run)) {
            return s.filter(p -> Files.isRegularFile(p.resolve(WEIGHTS)) && Files.isRegularFile(p.resolve(SaeFiles.CONFIG)))
                    .map(p -> p.getFileName().toString()).sorted(SparsifyFormat::natural).toList();
        } catch (IOException e) {
            throw new InputException(run + ": cannot list (" + e.getMessage() + ")");
        }
    }

    /** Natural order (layers.2 before layers.10), as sparsify's natsorted. */
    private static int natural(String a, String b) {
        String[] pa = a.split("(?<=\\D)(?=\\d)|(?<=\\d)(?=\\D)"), pb = b.split("(?<=\\D)(?=\\d)|(?<=\\d)(?=\\D)");
        for (int i = 0; i < Math.min(pa.length, pb.length); i++) {
            boolean na = pa[i].chars().allMatch(Character::isDigit), nb = pb[i].chars().allMatch(Character::isDigit);
            int c = na && nb ? new java.math.BigInteger(pa[i]).compareTo(new java.math.BigInteger(pb[i])) : pa[i].compareTo(pb[i]);
            if (c != 0) return c;
        }
        return Integer.compare(pa.length, pb.length);
    }

    static SaeFiles.Loaded load(Path path, String hookpoint) {
        List<String> notes = new ArrayList<>();
        Path dir = path;
        boolean single = Files.isRegularFile(path.resolve(WEIGHTS));
        if (hookpoint != null) {
            List<String> hooks = hookpoints(path);
            if (!hooks.contains(hookpoint)) {
                throw new InputException("--hookpoint " + hookpoint + ": " + path + " has no sparsify SAE of that name; "
                        + (hooks.isEmpty() ? "it holds " + (single ? "a single SAE: drop --hookpoint" : "none") : "it has " + hooks));
            }
            dir = path.resolve(hookpoint);
        } else if (!single) {
            List<String> hooks = hookpoints(path);
            if (hooks.size() != 1) {
                throw new InputException("--sae " + path + ": " + (hooks.isEmpty() ? "no sparsify SAE (cfg.json + sae.safetensors)"
                        : "a sparsify run with SAEs for " + hooks.size() + " hook points " + hooks + "; pick one with --hookpoint NAME"));
            }
            dir = path.resolve(hooks.get(0));
            notes.add("sparsify run " + path + ": using its only hook point " + hooks.get(0));
        }
        Path cfgFile = SaeParts.need(dir.resolve(SaeFiles.CONFIG), "sparsify");
        Path wFile = SaeParts.need(dir.resolve(WEIGHTS), "sparsify");
        ObjectNode cfg = SaeParts.readObject(cfgFile);
        int d = SaeParts.positiveInt(cfg, "d_in", cfgFile);
        String activation = cfg.path("activation").asText("topk");
        if (!activation.equals("topk")) {
            throw new InputException(cfgFile + ": activation '" + activation + "' is not supported; this engine implements "
                    + "sparsify's topk");
        }
        for (String flag : List.of("skip_connection", "transcode", "signed")) {
            if (SaeParts.bool(cfg, flag, false, cfgFile)) {
                throw new InputException(cfgFile + ": " + flag + " = true changes the forward pass ("
                        + (flag.equals("skip_connection") ? "adds x·W_skipᵀ to the output"
                        : flag.equals("transcode") ? "predicts another module's output" : "keeps negative latents")
                        + "), which this engine does not implement");
            }
        }
        // SparseCoder: num_latents or d_in · expansion_factor (defaults 0 and 32)
        int numLatents = cfg.path("num_latents").asInt(0);
        int width = numLatents > 0 ? numLatents : d * cfg.path("expansion_factor").asInt(32);
        JsonNode kNode = cfg.get("k");
        int k = kNode == null ? 32 : kNode.canConvertToInt() && kNode.isIntegralNumber() ? kNode.asInt() : -1;
        k = SaeLensFormat.requireK(k, "k", width, cfgFile);

        SaeParts.Tensors ts = new SaeParts.Tensors(wFile, SafeTensors.read(wFile));
        float[] enc = ts.take("encoder.weight", width, d).clone();
        float[] bEnc = ts.take("encoder.bias", width).clone();
        float[] dec = ts.take("W_dec", width, d).clone();
        float[] bDec = ts.take("b_dec", d).clone();
        ts.noOthers("a sparsify SAE without skip connection");
        Set<String> known = new HashSet<>();
        List<SaeFormat.Key> all = new ArrayList<>();
        keys(all);
        for (SaeFormat.Key key : all) known.add(key.name());
        SaeParts.noteUnknown(cfg, known, cfgFile, "sparsify", notes);
        return new SaeFiles.Loaded(new SaeWeights(Arch.TOPK, d, width, k, Float.NaN, enc, bEnc, dec, bDec), cfg,
                SaeFormat.SPARSIFY, dir, notes);
    }
}
