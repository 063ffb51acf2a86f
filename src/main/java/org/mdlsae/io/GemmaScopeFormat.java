package org.mdlsae.io;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.SaeWeights;

/**
 * Gemma Scope SAEs: {@code params.npz} with {@code W_enc} [d, D], {@code W_dec} [D, d], {@code b_enc} [D],
 * {@code b_dec} [d] and {@code threshold} [D] (written {@code w_enc}, {@code w_dec} in some releases; SAELens'
 * {@code gemma_2_sae_huggingface_loader} maps {@code w_} to {@code W_}). JumpReLU without subtracting b_dec from the
 * input ({@code get_gemma_2_config_from_hf}: {@code apply_b_dec_to_input: False}):
 * {@code pre = x W_enc + b_enc}, {@code z = ReLU(pre)·1[pre > threshold]}, {@code x̂ = z W_dec + b_dec}.
 */
final class GemmaScopeFormat {
    /** The archive's name. */
    static final String PARAMS = "params.npz";

    private GemmaScopeFormat() {
    }

    static void keys(List<SaeFormat.Key> out) {
        for (String t : List.of("W_enc", "w_enc", "W_dec", "w_dec", "b_enc", "b_dec", "threshold")) {
            out.add(new SaeFormat.Key(t, SaeFormat.Role.TENSOR, null, null, null));
        }
    }

    static SaeFiles.Loaded load(Path path) {
        Path file = Files.isDirectory(path) ? SaeParts.need(path.resolve(PARAMS), "Gemma Scope") : path;
        Map<String, SafeTensors.Tensor> t = new LinkedHashMap<>();
        for (Map.Entry<String, Npy.Array> e : Npz.read(file).entrySet()) {
            String name = e.getKey().startsWith("w_") ? "W_" + e.getKey().substring(2) : e.getKey(); // as SAELens maps them
            Npy.Array a = e.getValue();
            if (t.put(name, new SafeTensors.Tensor(name, a.descr(), a.shape(), a.data())) != null) {
                throw new org.mdlsae.InputException(file + ": arrays " + e.getKey() + " and " + name + " both present");
            }
        }
        SaeParts.Tensors ts = new SaeParts.Tensors(file, t);
        long[] s = ts.shape("W_enc");
        if (s.length != 2 || s[0] < 1 || s[1] < 1 || s[0] > Integer.MAX_VALUE || s[1] > Integer.MAX_VALUE) {
            throw new org.mdlsae.InputException(file + ": W_enc must be a 2-D [d_in, d_sae] array, got shape " + java.util.Arrays.toString(s));
        }
        int d = (int) s[0], width = (int) s[1];
        float[] enc = SaeParts.transpose(ts.take("W_enc", d, width), d, width);
        float[] bEnc = ts.take("b_enc", width).clone();
        float[] dec = ts.take("W_dec", width, d).clone();
        float[] bDec = ts.take("b_dec", d).clone();
        float[] theta = ts.take("threshold", width).clone();
        ts.noOthers("a Gemma Scope JumpReLU SAE");
        SaeParts.foldInputBias(enc, bEnc, bDec, d, width);
        return new SaeFiles.Loaded(new SaeWeights(Arch.JUMPRELU, d, width, 0, Float.NaN, enc, bEnc, dec, bDec, theta),
                SaeParts.JSON.createObjectNode(), SaeFormat.GEMMA_SCOPE, file, List.of());
    }
}
