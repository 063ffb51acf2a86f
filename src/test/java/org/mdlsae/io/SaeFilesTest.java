package org.mdlsae.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.mdlsae.InputException;
import org.mdlsae.backend.Backend;
import org.mdlsae.backend.FloatBuf;
import org.mdlsae.backend.SparseCode;
import org.mdlsae.backend.cpu.CpuBackend;
import org.mdlsae.sae.Arch;
import org.mdlsae.sae.Sae;
import org.mdlsae.sae.SaeWeights;
import org.mdlsae.train.TrainConfig;
import org.mdlsae.train.Trainer;

class SaeFilesTest {
    @TempDir
    Path tmp;

    static float[] data(int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        return x;
    }

    static SaeWeights trained(Arch arch, float[] x, int n, int d) {
        TrainConfig c = TrainConfig.defaults(arch, 24, 4).withEpochs(3).withBatch(32).withLr(1e-3);
        return new Trainer(new CpuBackend(), c, null).train(x, n, d).weights();
    }

    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"TOPK", "BATCHTOPK"})
    void savesAndLoadsBitExactly(Arch arch) throws IOException {
        float[] x = data(100, 9, 1);
        SaeWeights w = trained(arch, x, 100, 9);
        Path dir = tmp.resolve("sae");
        SaeFiles.save(dir, w, Map.of("note", "test"));
        SaeFiles.Loaded back = SaeFiles.load(dir);
        assertTrue(w.sameAs(back.weights()), "weights differ after a round trip");
        ObjectNode cfg = back.config();
        assertEquals(arch == Arch.TOPK ? "topk" : "jumprelu", cfg.get("architecture").asText());
        assertEquals(9, cfg.get("d_in").asInt());
        assertEquals(24, cfg.get("d_sae").asInt());
        assertEquals("float32", cfg.get("dtype").asText());
        assertTrue(cfg.get("apply_b_dec_to_input").asBoolean());
        assertEquals(arch == Arch.TOPK, cfg.has("k"));
        assertEquals("test", cfg.get(SaeFiles.OWN_KEY).get("note").asText());
        List<String> names = SafeTensors.names(dir.resolve(SaeFiles.WEIGHTS));
        assertEquals(arch == Arch.BATCHTOPK, names.contains("threshold"));
        assertEquals(List.of(9L, 24L), toList(SafeTensors.readOne(dir.resolve(SaeFiles.WEIGHTS), "W_enc").shape()));
    }

    private static List<Long> toList(long[] a) {
        return java.util.Arrays.stream(a).boxed().toList();
    }

    @Test
    void foldsBDecWhenNotAppliedToInput() throws IOException {
        float[] x = data(60, 7, 2);
        SaeWeights w = trained(Arch.TOPK, x, 60, 7);
        Path dir = tmp.resolve("sae");
        SaeFiles.save(dir, w, null);
        // rewrite as an SAE that does not subtract b_dec: b_enc' = b_enc − b_dec·W_enc, same function
        float[] bEnc2 = w.bEnc().clone();
        for (int j = 0; j < w.width(); j++) for (int c = 0; c < 7; c++) bEnc2[j] -= w.bDec()[c] * w.enc()[j * 7 + c];
        Map<String, SafeTensors.Tensor> t = new java.util.LinkedHashMap<>(SafeTensors.read(dir.resolve(SaeFiles.WEIGHTS)));
        t.put("b_enc", SafeTensors.Tensor.f32("b_enc", bEnc2, w.width()));
        SafeTensors.write(dir.resolve(SaeFiles.WEIGHTS), t, null);
        ObjectMapper m = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) m.readTree(dir.resolve(SaeFiles.CONFIG).toFile());
        cfg.put("apply_b_dec_to_input", false);
        Files.writeString(dir.resolve(SaeFiles.CONFIG), cfg.toString());
        SaeWeights back = SaeFiles.load(dir).weights();
        for (int j = 0; j < w.width(); j++) assertEquals(w.bEnc()[j], back.bEnc()[j], 1e-5);
    }

    @Test
    void rejectsBrokenDirectoriesWithOneClearMessage() throws IOException {
        Path dir = tmp.resolve("sae");
        float[] x = data(50, 5, 3);
        SaeFiles.save(dir, trained(Arch.TOPK, x, 50, 5), null);
        Files.writeString(dir.resolve(SaeFiles.CONFIG), "{\"d_in\": 6, \"d_sae\": 24, \"architecture\": \"topk\", \"k\": 4, "
                + "\"metadata\": {\"sae_lens_version\": \"6.1.0\"}}");
        InputException e = assertThrows(InputException.class, () -> SaeFiles.load(dir));
        assertTrue(e.getMessage().contains("W_enc"), e.getMessage());
        Files.writeString(dir.resolve(SaeFiles.CONFIG), "{\"d_in\": 5, \"d_sae\": 24, \"architecture\": \"transcoder\"}");
        e = assertThrows(InputException.class, () -> SaeFiles.load(dir));
        assertTrue(e.getMessage().contains("transcoder"), e.getMessage());
        Files.writeString(dir.resolve(SaeFiles.CONFIG), "{not json");
        assertThrows(InputException.class, () -> SaeFiles.load(dir));
        assertThrows(InputException.class, () -> SaeFiles.load(tmp.resolve("missing")));
    }

    /** The written files load in Python with nothing but numpy and reproduce the Java reconstruction. */
    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"TOPK", "BATCHTOPK"})
    void numpyReproducesTheJavaReconstruction(Arch arch) throws Exception {
        Python.require();
        int n = 40, d = 9;
        float[] x = data(n, d, 4);
        SaeWeights w = trained(arch, data(200, d, 5), 200, d);
        Path dir = tmp.resolve("sae");
        SaeFiles.save(dir, w, null);
        Npy.write(tmp.resolve("x.npy"), x, n, d);
        Python.run(tmp, "sae_numpy.py", dir.toString(), tmp.resolve("x.npy").toString(), tmp.resolve("xhat.npy").toString());
        float[] py = Npy.read(tmp.resolve("xhat.npy")).data();

        Backend be = new CpuBackend();
        float[] java = new float[n * d];
        try (Sae sae = Sae.upload(be, w); FloatBuf xb = be.upload(x); FloatBuf xh = be.floats((long) n * d);
             SparseCode z = sae.encode(xb, n)) {
            sae.decode(z, xh);
            be.read(xh, 0, java, 0, java.length);
        }
        boolean anyActive = false;
        for (int i = 0; i < java.length; i++) {
            assertEquals(java[i], py[i], 1e-4 + 1e-4 * Math.abs(java[i]), "x̂ element " + i);
            anyActive |= Math.abs(java[i] - w.bDec()[i % d]) > 1e-3;
        }
        assertFalse(!anyActive, "the SAE reconstructs only b_dec: the comparison would be vacuous");
    }


    static SaeWeights random(Arch arch, int d, int width, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] enc = data(width, d, seed), dec = data(width, d, seed + 1), bEnc = new float[width], bDec = data(1, d, seed + 2);
        float[] th = null;
        if (arch == Arch.JUMPRELU) {
            th = new float[width];
            for (int j = 0; j < width; j++) th[j] = (float) r.nextDouble();
        }
        return new SaeWeights(arch, d, width, arch.hasK() ? 3 : 0, arch == Arch.BATCHTOPK ? 0.5f : Float.NaN, enc, bEnc, dec,
                bDec, th);
    }

    /** What we write loads in SAELens 6 through its current path and in SAELens 5, as the same SAE. */
    @ParameterizedTest
    @EnumSource(Arch.class)
    void writtenConfigPassesBothSaeLensGenerations(Arch arch) throws Exception {
        Python.require();
        SaeWeights w = random(arch, 7, 20, 11);
        Path dir = tmp.resolve("sae");
        SaeFiles.save(dir, w, Map.of("note", "x"), new SaeFiles.Origin("gpt2", "blocks.8.hook_resid_pre", "pile"));
        assertTrue(w.sameAs(SaeFiles.load(dir).weights()), "round trip");
        JsonNode out = new ObjectMapper().readTree(Python.run(tmp, "saelens_checks.py", dir.toString()));
        for (String gen : List.of("saelens6", "saelens5")) {
            JsonNode g = out.get(gen);
            assertTrue(g.get("ok").asBoolean(), gen + ": " + g);
            assertEquals("gpt2", g.get("model_name").asText(), gen);
            assertEquals("blocks.8.hook_resid_pre", g.get("hook_name").asText(), gen);
            assertEquals(arch == Arch.TOPK ? "topk" : "relu", g.get("activation").asText(), gen + " would run another activation");
            assertEquals(arch == Arch.TOPK ? 3 : -1, g.get("k").isNull() ? -1 : g.get("k").asInt(), gen + " k");
        }
        String expected = arch == Arch.TOPK ? "topk" : arch == Arch.STANDARD ? "standard" : "jumprelu";
        assertEquals(expected, out.get("saelens6").get("architecture").asText());
        ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree(dir.resolve(SaeFiles.CONFIG).toFile());
        assertEquals(8, cfg.get("hook_layer").asInt(), "hook_layer from the hook name, as SAELens extracts it");
    }

    /** The checker is not vacuous: a directory without metadata fails SAELens 6, a TopK without kwargs runs as ReLU in 5. */
    @Test
    void theSaeLensCheckerCatchesTheOldLayout() throws Exception {
        Python.require();
        Path dir = tmp.resolve("old");
        SaeFiles.save(dir, random(Arch.TOPK, 5, 12, 3), null);
        ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree(dir.resolve(SaeFiles.CONFIG).toFile());
        cfg.remove("metadata");
        cfg.remove("activation_fn_str");
        cfg.remove("activation_fn_kwargs");
        Files.writeString(dir.resolve(SaeFiles.CONFIG), cfg.toString());
        JsonNode out = new ObjectMapper().readTree(Python.run(tmp, "saelens_checks.py", dir.toString()));
        assertFalse(out.get("saelens6").get("ok").asBoolean(), out.toString());
        assertEquals("relu", out.get("saelens5").get("activation").asText(), out.toString());
    }

    @Test
    void aJumpReluWithKBeyondTheWidthIsRefusedNotClamped() throws IOException {
        Path dir = tmp.resolve("sae");
        SaeFiles.save(dir, random(Arch.BATCHTOPK, 5, 12, 4), null);
        ObjectMapper m = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) m.readTree(dir.resolve(SaeFiles.CONFIG).toFile());
        ((ObjectNode) cfg.get(SaeFiles.OWN_KEY)).put("k", 13);
        Files.writeString(dir.resolve(SaeFiles.CONFIG), cfg.toString());
        InputException e = assertThrows(InputException.class, () -> SaeFiles.load(dir));
        assertTrue(e.getMessage().contains("mdlsae.k") && e.getMessage().contains("exceeds d_sae = 12"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"constant_norm_rescale", "layer_norm", "something"})
    void perTokenNormalisationIsRefusedByName(String mode) throws IOException {
        Path dir = tmp.resolve("sae");
        SaeFiles.save(dir, random(Arch.TOPK, 5, 12, 5), null);
        ObjectMapper m = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) m.readTree(dir.resolve(SaeFiles.CONFIG).toFile());
        cfg.put("normalize_activations", mode);
        Files.writeString(dir.resolve(SaeFiles.CONFIG), cfg.toString());
        InputException e = assertThrows(InputException.class, () -> SaeFiles.load(dir));
        assertTrue(e.getMessage().contains("normalize_activations '" + mode + "'"), e.getMessage());
    }

    @Test
    void anUnknownTensorIsRefusedByName() throws IOException {
        Path dir = tmp.resolve("sae");
        SaeWeights w = random(Arch.STANDARD, 5, 12, 6);
        SaeFiles.save(dir, w, null);
        Map<String, SafeTensors.Tensor> t = new java.util.LinkedHashMap<>(SafeTensors.read(dir.resolve(SaeFiles.WEIGHTS)));
        t.put("W_skip", SafeTensors.Tensor.f32("W_skip", new float[25], 5, 5));
        SafeTensors.write(dir.resolve(SaeFiles.WEIGHTS), t, null);
        InputException e = assertThrows(InputException.class, () -> SaeFiles.load(dir));
        assertTrue(e.getMessage().contains("W_skip"), e.getMessage());
    }
}
